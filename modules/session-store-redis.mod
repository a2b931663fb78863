# SPDX-License-Identifier: Apache-2.0
# Jetty module of jetty-session-redis: keeps the sessions of every webapp of the server in Redis.
# Install: copy the contents of the project's modules/ directory into ${jetty.base}/modules/ and those of its
# config/ directory into ${jetty.base}/, then: java -jar $JETTY_HOME/start.jar --add-modules=session-store-redis
# The project's own jar comes with the jetty-session-redis module, which this one depends on; session ids of
# your own with the session-id-generator module.
#
# Licences of the jars this module fetches into lib/redis/, by artifactId:
#   jedis: MIT License, https://github.com/redis/jedis/blob/master/LICENSE
#   redis-authx-core: MIT License, https://github.com/redis/redis-authx-core/blob/master/LICENSE
#   protobuf-java: BSD 3-Clause License, https://github.com/protocolbuffers/protobuf/blob/main/LICENSE
#   commons-pool2, gson, error_prone_annotations: Apache License, Version 2.0, https://www.apache.org/licenses/LICENSE-2.0
#   json (org.json, JSON in Java): Public Domain, https://github.com/stleary/JSON-java/blob/master/LICENSE
# (jetty-session-redis itself: Apache License, Version 2.0; see jetty-session-redis.mod.)
#
# Why here, in comments, and not in a [license] section as Jetty's own modules that fetch third-party jars have:
# for a module with a [license] section, start.jar --add-modules prints the licence and asks "Proceed (y/N)?";
# with no terminal (a script, a Dockerfile, CI) it exits with status 1 and installs nothing, unless given
# --approve-all-licenses, which approves the licences of every module of that command, not only these. Jetty
# asks because it ships its modules: one may enable them unaware that they fetch software from outside the
# Eclipse Foundation. These modules are not shipped with Jetty: whoever installs them has copied them in,
# having chosen this project. And every licence above is permissive: its conditions concern redistributing the
# jars, not running them. So the install stays one command that works from a script (README, "Install into a
# jetty-base"), the licences are written here, and start.jar --list-classpath shows the licence that each jar's
# manifest states. SessionStoreModuleTest checks that every jar a module fetches is named in such a list.

[description]
Enables session data storage in Redis (jetty-session-redis: protobuf-encoded sessions,
per-session TTLs, Redis standalone or cluster through Jedis).

[tags]
session

[provides]
session-store

[depend]
sessions
jetty-session-redis

# Not a dependency: when session-id-generator is enabled too, its XML runs first, so that this module's XML can
# tell a jetty.session.redis.idGenerator it installed from one left in an ini by nothing (see the XML).
[after]
session-id-generator

[files]
maven://redis.clients/jedis/${jedis.version}|lib/redis/jedis-${jedis.version}.jar
maven://com.google.protobuf/protobuf-java/${protobuf-java.version}|lib/redis/protobuf-java-${protobuf-java.version}.jar
maven://org.apache.commons/commons-pool2/${commons-pool2.version}|lib/redis/commons-pool2-${commons-pool2.version}.jar
maven://org.json/json/${json.version}|lib/redis/json-${json.version}.jar
maven://com.google.code.gson/gson/${gson.version}|lib/redis/gson-${gson.version}.jar
maven://com.google.errorprone/error_prone_annotations/${error_prone_annotations.version}|lib/redis/error_prone_annotations-${error_prone_annotations.version}.jar
maven://redis.clients.authentication/redis-authx-core/${redis-authx-core.version}|lib/redis/redis-authx-core-${redis-authx-core.version}.jar

[lib]
# Each jar by name, as Jetty's own modules do: a glob (lib/redis/*.jar) would also load a jar that an upgrade
# left behind in lib/redis/, putting two versions of the same classes on the class path. Jars of your own (a
# SessionIdGenerator, a RedisClientFactory, ...) go in lib/ext/, with Jetty's ext module.
lib/redis/jedis-${jedis.version}.jar
lib/redis/protobuf-java-${protobuf-java.version}.jar
lib/redis/commons-pool2-${commons-pool2.version}.jar
lib/redis/json-${json.version}.jar
lib/redis/gson-${gson.version}.jar
lib/redis/error_prone_annotations-${error_prone_annotations.version}.jar
lib/redis/redis-authx-core-${redis-authx-core.version}.jar

[xml]
etc/sessions/redis/session-store.xml

[ini]
## The version of each jar above, as <artifactId>.version, written once and used by [files] and [lib]. pom.xml
## decides them: SessionStoreModuleTest fails, naming the line to change, when one is not the version the build
## resolves. Those the pom does not name are Jedis's own dependencies: they follow jedis.version. The project's
## own jar, and hiding lib/redis/ from webapps, are the jetty-session-redis module's.
jedis.version?=8.0.2
protobuf-java.version?=4.36.2
commons-pool2.version?=2.13.1
json.version?=20260719
gson.version?=2.14.0
error_prone_annotations.version?=2.48.0
redis-authx-core.version?=0.1.1-beta2

[ini-template]
## Redis session store (jetty-session-redis). Every property is optional; the value shown is the default.

## Redis to connect to: redis://[user:password@]host:port[/db] (rediss://... for TLS),
## redis-cluster://host:port[,host:port...] for Redis Cluster, or
## redis-sentinel://host:port[,host:port...]/masterName[/db] for Sentinel (credentials apply to the master).
#jetty.session.redis.uri=redis://127.0.0.1:6379

## ACL user and password; they override any given in the URI. The password is never logged.
#jetty.session.redis.user=
#jetty.session.redis.password=

## TLS (rediss://, rediss-cluster://, rediss-sentinel://): the trust store holding the certificate (or CA) the
## server's certificate must chain to; empty: the JVM's default trust (cacerts). PKCS12 reads JKS files too.
#jetty.session.redis.trustStore=
#jetty.session.redis.trustStorePassword=
#jetty.session.redis.trustStoreType=PKCS12

## TLS with client certificates (tls-auth-clients yes): the key store holding this client's private key and
## certificate chain; the key's password must be the store's. Empty: no client certificate.
#jetty.session.redis.keyStore=
#jetty.session.redis.keyStorePassword=
#jetty.session.redis.keyStoreType=PKCS12

## Whether the server's certificate must name the host of the URI (a subject alternative name); false checks
## only that it chains to a trusted certificate. Passwords above are never logged.
#jetty.session.redis.verifyHostname=true

## Prefix of every Redis key ('{' and '}' not allowed). Nodes that share sessions must use the same one.
#jetty.session.redis.prefix=jetty-session:

## How long to wait for a connection, and for a reply (also the longest wait for a pooled connection), in ms.
#jetty.session.redis.connectTimeoutMs=2000
#jetty.session.redis.socketTimeoutMs=2000

## Most pooled connections, shared by all webapps of this server. 0: as many as the server runs requests at
## once (its thread pool's maxThreads, 8 to 256), so that no request waits for a connection.
#jetty.session.redis.maxConnections=0

## Most shared pipelines each webapp has on their way to Redis at once. Loads, checks and saves that requests
## make while that many are on their way wait, and go together in the next one: one round trip for all.
## 0: each is a round trip of its own.
#jetty.session.redis.pipelinesInFlight=2

## Name of the connections in Redis's CLIENT LIST (empty for none).
#jetty.session.redis.clientName=jetty-session-redis

## Most bytes one encoded attribute value may take in Redis (0: no limit). A save does not write a bigger
## value (a warning names the attribute) and Redis keeps what it had; the rest of the session is saved.
#jetty.session.redis.maxAttributeBytes=1048576

## Most bytes a session's encoded attribute values may take together (0: no limit). A save that would grow a
## session past it writes none of the changes that grow it (a warning names each); the others still go.
#jetty.session.redis.maxSessionBytes=4194304

## JDK serial filter pattern (e.g. com.example.**;!*) checked before the built-in deny list, for attribute
## values that need Java serialization. Empty: the built-in limits and deny list only.
#jetty.session.redis.serialFilter=

## Class name of a RedisClientFactory (public no-argument constructor, on the server class path: its jar in
## lib/ext/, with Jetty's ext module) that supplies the Jedis client. Empty: one pooled client built from the
## settings above. (Read under its former name, jetty.session.redis.clientFactory, too.)
#jetty.session.redis.clientFactoryClass=

## Options for the client factory, key=value,key=value (e.g. the routes of
## io.github.jettyredis.session.client.ContextRoutingClientFactory). Empty: none.
#jetty.session.redis.clientOptions=

## Whether each node listens (Redis pub/sub, one connection per server outside the pool) for sessions
## deleted by other nodes and drops them from its session cache at once; only matters with session-cache-hash.
#jetty.session.redis.broadcastInvalidation=true

## Whether each webapp's store counts what it does (loads, saves, Redis errors by kind, latency and size
## percentiles: its SessionStoreCounters, shown by Jetty's jmx module). false: nothing counted, no counters bean.
#jetty.session.redis.metrics=true

## Whether each context indexes its sessions by user (a sorted set per user in Redis), so that the
## application (RedisSessionDataStore.getUserSessions()) and JMX can list a user's sessions, invalidate one or
## all of them on every node, and limit how many a user may have. Off: no user is recorded.
#jetty.session.redis.userSessions=false

## The session attribute whose value names the user (a String, a Principal, or anything with
## getUserPrincipal()). Empty: the container's authentication, which a form login keeps in the session.
## Either way, a session that no attribute names a user of is indexed under the user that the container
## authenticated for its requests (basic, digest, client-cert...: what getUserPrincipal() returns).
#jetty.session.redis.userAttribute=

## The most sessions one user may have in a context, with userSessions on (0: no limit).
#jetty.session.redis.maxSessionsPerUser=0

## What happens when a user logs in once more than maxSessionsPerUser allows: invalidate-oldest (the user's
## least recently used other sessions are invalidated) or refuse (the login fails when the context's login
## service is wrapped in io.github.jettyredis.session.SessionLimitingLoginService; otherwise the new session
## is invalidated right after its first save).
#jetty.session.redis.whenMaxSessionsExceeded=invalidate-oldest

## The most session ids (JSESSIONID cookies and ;jsessionid= parameters) one request may name; a request
## naming more is refused (400) before any is looked up in Redis.
#jetty.session.redis.maxSessionIds=8

## Class name of an AttributeSerializer (public no-argument constructor) that turns attribute values into
## bytes, e.g. io.github.jettyredis.session.codec.EncryptingAttributeSerializer (AES-GCM; keys from the
## environment variable JETTY_SESSION_REDIS_KEYS). Empty: protobuf, with filtered Java serialization as fallback.
## (Read under its former name, jetty.session.redis.serializer, too.)
#jetty.session.redis.serializerClass=

## Jetty's shared session store settings: seconds an expired session is kept for its last node to
## scavenge before other nodes may, and least seconds between writes of a session whose attributes did not
## change (0: write at the end of every request).
#jetty.session.gracePeriod.seconds=3600
#jetty.session.savePeriod.seconds=0

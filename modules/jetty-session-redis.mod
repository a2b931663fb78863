# SPDX-License-Identifier: Apache-2.0
# Jetty module of jetty-session-redis: the project's own jar, which the session-store-redis and
# session-id-generator modules depend on. Not meant to be enabled by itself; tagged internal, so that
# start.jar --list-modules leaves it out.
#
# Licence of the jar this module fetches into lib/redis/, by artifactId (in a comment, not a [license]
# section, for the reasons given at the top of session-store-redis.mod):
#   jetty-session-redis: Apache License, Version 2.0, https://www.apache.org/licenses/LICENSE-2.0

[description]
The jetty-session-redis jar (lib/redis/), for the session-store-redis and session-id-generator modules.

[tags]
session
internal

[files]
maven://io.github.jettyredis/jetty-session-redis/${jetty-session-redis.version}|lib/redis/jetty-session-redis-${jetty-session-redis.version}.jar

[lib]
# By name, not lib/redis/*.jar: see session-store-redis.mod.
lib/redis/jetty-session-redis-${jetty-session-redis.version}.jar

[ini]
## The project's version, written once and used by [files] and [lib]: pom.xml's <version>, which
## SessionStoreModuleTest checks it against.
jetty-session-redis.version?=0.1.0-SNAPSHOT
## Hide lib/redis/ (the store, the Redis client, protobuf: this module's jar and session-store-redis's) from
## webapps: a webapp may bundle its own versions.
jetty.webapp.addHiddenClasses+=,${jetty.base.uri}/lib/redis/

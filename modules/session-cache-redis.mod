# SPDX-License-Identifier: Apache-2.0
# Jetty module of jetty-session-redis: a session cache that keeps sessions in memory, as session-cache-hash
# does, but checks Redis before each request uses a held session, so that every node of a cluster without
# sticky sessions serves the latest session. Needs the Redis session store, which it enables.
# Install as session-store-redis (README, "Install into a jetty-base"), then:
#   java -jar $JETTY_HOME/start.jar --add-modules=session-cache-redis
# It fetches nothing of its own (the jars come with session-store-redis and jetty-session-redis).

[description]
Session cache for the Redis session store (jetty-session-redis): sessions held in memory and checked
against Redis (one small read) before each use, or leased by the node that its requests keep coming to, so
that any node serves the latest session.

[tags]
session

[provides]
session-cache

[depend]
sessions
session-store-redis

[xml]
etc/sessions/session-cache-redis.xml

[ini-template]
## The settings of Jetty's own session caches (session-cache-hash), with the same names and defaults.

## When to drop a session from memory: -1 never, 0 when its last request leaves, N after N idle seconds.
#jetty.session.evictionPolicy=-1

## Whether to save a session before it is dropped from memory for being idle.
#jetty.session.saveOnInactiveEviction=false

## Whether to save a new session at once, rather than when its first request leaves.
#jetty.session.saveOnCreate=false

## Whether to delete from Redis a session whose metadata cannot be read.
#jetty.session.removeUnloadableSessions=false

## Whether to save a changed session when the response commits (so another node sees the change as soon as
## the client has the response), and not only when the request leaves.
#jetty.session.flushOnResponseCommit=true

## Whether to invalidate the sessions in memory when the server stops.
#jetty.session.invalidateOnShutdown=false

## Its own: whether a node uses the sessions it holds while Redis cannot be asked whether they are current
## (true: users stay logged in and keep working, but a user whose requests go to several nodes meanwhile may
## lose changes), or runs requests without them (false: no change is lost; requests that need the session
## get 503 until Redis is back, as with session-cache-null).
#jetty.session.redis.useHeldWhileRedisDown=true

## Its own: how long, in ms, a node may use a session it holds without asking Redis first, once its requests
## come to this node (a load balancer with affinity): a lease on the session in Redis (renewed by a save once
## half of it is gone) that makes any other node's change of the session wait until this node gave it up (it
## is asked at once) or the lease ended. 0: no leases, every request asks Redis first (one more round trip). With
## useHeldWhileRedisDown=false no lease is taken: a copy is used only once Redis answered for it.
#jetty.session.redis.leaseMs=2000

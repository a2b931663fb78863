# SPDX-License-Identifier: Apache-2.0
# Jetty module of jetty-session-redis: session ids made by a SessionIdGenerator of yours.
# Install: as for session-store-redis (see that module), then
#   java -jar $JETTY_HOME/start.jar --add-modules=ext,session-id-generator
# with the generator's jar in ${jetty.base}/lib/ext/ and its class name in jetty.session.redis.idGenerator.
#
# It works with any session store: it asks the stores whether an id is in use, and talks to no Redis itself.
# Like the sessions module's own id manager (etc/sessions/id-manager.xml), it is configured in a module and an
# XML of its own, not in a store's. It fetches nothing but this project's jar (module jetty-session-redis).

[description]
Makes session ids with a SessionIdGenerator class of yours (jetty.session.redis.idGenerator), never handing
out one in use: replaces the sessions module's id manager with a GeneratedSessionIdManager, keeping its
worker name and scavenger.

[tags]
session

[depend]
sessions
jetty-session-redis

[xml]
etc/sessions/session-id-generator.xml

[ini-template]
## Session ids made by a SessionIdGenerator of yours (jetty-session-redis).

## Class name of a SessionIdGenerator (public no-argument constructor, thread safe, on the server class path:
## its jar in lib/ext/, with Jetty's ext module). Required: the server does not start without one. An id
## already in use is never handed out: the generator is asked again. The name keeps the jetty.session.redis.
## prefix of every property of this project, and works where ini files set it before this module existed
## (e.g. start.d/session-store-redis.ini).
#jetty.session.redis.idGenerator=

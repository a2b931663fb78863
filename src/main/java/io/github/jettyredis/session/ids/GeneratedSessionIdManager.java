// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.ids;

import java.util.regex.Pattern;

import io.github.jettyredis.session.ModuleProperties;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.HouseKeeper;
import org.eclipse.jetty.session.SessionIdManager;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's {@link DefaultSessionIdManager} with a pluggable {@link SessionIdGenerator}, that never hands out
 * an id already in use: each new id is checked with every context's session cache and store (for this
 * project's store, in Redis) and, if taken, generated again. Without a generator, ids are Jetty's own
 * (SecureRandom), checked the same way.
 *
 * <p>It asks nothing of Redis itself: whether an id is in use is the stores' answer, so it works with any
 * session store.</p>
 */
@ManagedObject("Session id manager with a pluggable id generator")
public class GeneratedSessionIdManager extends DefaultSessionIdManager
{
    private static final Logger LOG = LoggerFactory.getLogger(GeneratedSessionIdManager.class);
    private static final String PROPERTY = "jetty.session.redis.idGenerator";
    private static final Pattern VALID_ID = Pattern.compile("[^.\\s;,]+");
    /** How many taken ids in a row mean the generator is broken rather than unlucky. */
    static final int MAX_ATTEMPTS = 16;

    private volatile SessionIdGenerator idGenerator;

    /**
     * @param server the server whose contexts share the ids
     */
    public GeneratedSessionIdManager(Server server)
    {
        super(server);
    }

    /**
     * Replaces the server's session id manager (as made by Jetty's {@code sessions} module) with one that
     * uses the named generator, keeping its worker name and house keeper. The {@code session-id-generator}
     * module calls it, with the value of {@code jetty.session.redis.idGenerator}.
     *
     * @param server the server
     * @param generatorClass a {@link SessionIdGenerator} class name
     * @return the id manager now in use
     * @throws IllegalArgumentException naming {@code jetty.session.redis.idGenerator} if the class name is
     *     blank (the module is there to install a generator: without one it would silently change nothing) or
     *     the class is unusable
     */
    public static GeneratedSessionIdManager install(Server server, String generatorClass)
    {
        if (generatorClass == null || generatorClass.isBlank())
            throw new IllegalArgumentException(PROPERTY + " must name a " + SessionIdGenerator.class.getName() +
                " class: the session-id-generator module installs one");
        GeneratedSessionIdManager manager = new GeneratedSessionIdManager(server);
        manager.setIdGeneratorClass(generatorClass);
        SessionIdManager previous = server.getBean(SessionIdManager.class);
        if (previous != null)
        {
            manager.setWorkerName(previous.getWorkerName());
            HouseKeeper houseKeeper = previous.getSessionHouseKeeper();
            server.removeBean(previous);
            if (houseKeeper != null)
                manager.setSessionHouseKeeper(houseKeeper);
        }
        server.addBean(manager, true);
        return manager;
    }

    /**
     * Stops a server configured with a generator that nothing installed. The {@code session-store-redis}
     * module used to install it itself, so ini files set {@code jetty.session.redis.idGenerator} next to the
     * store's settings; without the {@code session-id-generator} module that now installs it, its ids would
     * silently be Jetty's. The store's module calls this after the id module's XML has run.
     *
     * @param server the server
     * @param generatorClass the value of {@code jetty.session.redis.idGenerator}; blank for none
     * @throws IllegalArgumentException naming the property and the module, if a generator is named but the
     *     server's id manager is not a {@code GeneratedSessionIdManager}
     */
    public static void checkInstalled(Server server, String generatorClass)
    {
        boolean named = generatorClass != null && !generatorClass.isBlank();
        if (!named || server.getBean(SessionIdManager.class) instanceof GeneratedSessionIdManager)
            return;
        throw new IllegalArgumentException(PROPERTY + "=" + generatorClass + " is set, but the session-id-generator module that " +
            "installs it is not enabled: java -jar $JETTY_HOME/start.jar --add-modules=session-id-generator");
    }

    /** @return the generator in use, or null for Jetty's ids */
    public SessionIdGenerator getIdGenerator()
    {
        return idGenerator;
    }

    /** @param idGenerator the generator to use, or null for Jetty's SecureRandom ids */
    public void setIdGenerator(SessionIdGenerator idGenerator)
    {
        this.idGenerator = idGenerator;
    }

    /** @return the generator's class name, or null */
    @ManagedAttribute("session id generator class, or null for Jetty's")
    public String getIdGeneratorClass()
    {
        return idGenerator == null ? null : idGenerator.getClass().getName();
    }

    /**
     * @param className a {@link SessionIdGenerator} with a public no-argument constructor
     * @throws IllegalArgumentException naming {@code jetty.session.redis.idGenerator} if it is unusable
     */
    public void setIdGeneratorClass(String className)
    {
        setIdGenerator(ModuleProperties.newInstance(PROPERTY, className, SessionIdGenerator.class));
    }

    @Override
    public String newSessionId(long seedTerm)
    {
        SessionIdGenerator generator = idGenerator;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)
        {
            String id = generator == null ? super.newSessionId(seedTerm) : generator.newSessionId();
            if (id == null || !VALID_ID.matcher(id).matches())
                throw new IllegalStateException(generator + " made an invalid session id (empty, or with '.', ';', ',' or whitespace)");
            if (!isIdInUse(id))
                return id;
            LOG.debug("Generated session id is in use already, generating another");
        }
        throw new IllegalStateException("Every one of " + MAX_ATTEMPTS + " session ids made by " +
            (generator == null ? "Jetty" : generator) + " was in use already");
    }
}

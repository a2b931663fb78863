// SPDX-License-Identifier: Apache-2.0
package io.github.jettyredis.session.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a test class only where Testcontainers finds a Docker engine, and where it finds none says so on
 * standard output, once per class. Surefire keeps skip reasons out of the console (it shows
 * {@code Skipped: 1}, the reason only in the report files), so such classes run in a surefire execution of
 * their own that prints test output on the console (see {@code pom.xml}): a build without Docker then
 * shows which class did not run, and why. {@code @ExtendWith(DockerRequired.class)}
 */
public final class DockerRequired implements ExecutionCondition
{
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context)
    {
        if (DockerClientFactory.instance().isDockerAvailable())
            return ConditionEvaluationResult.enabled("Testcontainers found a Docker engine");
        String reason = "SKIPPED " + context.getDisplayName() + ": Testcontainers found no Docker engine " +
            "(DOCKER_HOST, /var/run/docker.sock, ~/.testcontainers.properties); every other test uses a spawned redis-server";
        // Evaluated for the class first: when that disables it, its tests are not asked again.
        System.out.println(reason);
        return ConditionEvaluationResult.disabled(reason);
    }
}

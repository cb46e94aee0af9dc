package io.terrarium.daemon;

import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped {@code jolokia-access.xml} (the second layer behind {@link JolokiaGate}) read by
 * Jolokia's own {@link PolicyRestrictor}, with operations named both ways a client sends them: bare
 * ({@code submit}, the CLI) and with the signature ({@code submit(java.lang.String)}, Hawtio's JMX
 * Operations form — the form that was refused, so a job could not be started from the console).
 */
class JolokiaAccessPolicyTest {
    private static PolicyRestrictor policy;
    private static final String CONTEXT = "org.apache.camel:context=terrarium,type=context,name=\"terrarium\"";

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = JolokiaAccessPolicyTest.class.getResourceAsStream("/jolokia-access.xml")) {
            assertThat(in).as("jolokia-access.xml on the class path").isNotNull();
            policy = new PolicyRestrictor(in);
        }
    }

    private static boolean exec(String mbean, String operation) throws Exception {
        return policy.isOperationAllowed(new ObjectName(mbean), operation);
    }

    @Test
    void theJobMBeanRunsFromHawtiosOperationsFormWithTheSignatureAndFromTheCliWithout() throws Exception {
        assertThat(exec(JobControl.OBJECT_NAME, "submit(java.lang.String)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "submitAs(java.lang.String,java.lang.String)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "result(java.lang.String)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "submit")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "submitAs")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "submitBefore")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "submitBefore(java.lang.String,java.lang.String,long)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "takenBefore")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "takenBefore(java.lang.String,java.lang.String,long)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "result")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "progress(java.lang.String,long)")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "progress")).isTrue();
        assertThat(exec(JobControl.OBJECT_NAME, "unregister")).isFalse();
    }

    @Test
    void quartzPauseAndResumeAreAllowedInBothFormsAndNothingElseOnQuartz() throws Exception {
        String scheduler = "quartz:type=QuartzScheduler,name=DefaultQuartzScheduler-terrarium,instance=NON_CLUSTERED";
        assertThat(exec(scheduler, "resumeTrigger")).isTrue();
        assertThat(exec(scheduler, "resumeTrigger(java.lang.String,java.lang.String)")).isTrue();
        assertThat(exec(scheduler, "pauseJob(java.lang.String,java.lang.String)")).isTrue();
        assertThat(exec(scheduler, "shutdown()")).isFalse();
        assertThat(exec(scheduler, "deleteJob(java.lang.String,java.lang.String)")).isFalse();
    }

    @Test
    void sendingToAnArbitraryEndpointIsRefusedInBothFormsWhileCamelsReadAndLifecycleOperationsAreAllowed() throws Exception {
        assertThat(exec(CONTEXT, "requestBody")).isFalse();
        // Jolokia checks exec against <allow> only: with "org.apache.camel:* *" allowed, requestBody passed this layer
        assertThat(exec(CONTEXT, "requestBody(java.lang.String,java.lang.Object)")).isFalse();
        assertThat(exec(CONTEXT, "requestBodyAndHeaders(java.lang.String,java.lang.Object,java.util.Map)")).isFalse();
        assertThat(exec(CONTEXT, "sendBody(java.lang.String,java.lang.Object)")).isFalse();
        assertThat(exec(CONTEXT, "sendStringBody(java.lang.String,java.lang.String)")).isFalse();
        assertThat(exec(CONTEXT, "createEndpoint(java.lang.String)")).isFalse();
        assertThat(exec(CONTEXT, "canSendToEndpoint(java.lang.String)")).isFalse();
        assertThat(exec(CONTEXT, "addOrUpdateRoutesFromXml(java.lang.String,boolean)")).isFalse();
        assertThat(exec(CONTEXT, "restart()")).isFalse();
        assertThat(exec("org.apache.camel:context=terrarium,type=debugger,name=\"DefaultBacklogDebugger\"", "evaluateExpressionAtBreakpoint(java.lang.String,java.lang.String,java.lang.String)")).isFalse();

        assertThat(exec(CONTEXT, "dumpRoutesAsXml()")).isTrue();
        assertThat(exec(CONTEXT, "dumpRoutesAsXml(boolean,boolean)")).isTrue();
        assertThat(exec("org.apache.camel:context=terrarium,type=routes,name=\"proxy-sync\"", "stop()")).isTrue();
        assertThat(exec("org.apache.camel:context=terrarium,type=routes,name=\"proxy-sync\"", "resume")).isTrue();
        assertThat(exec("org.apache.camel:context=terrarium,type=tracer,name=\"BacklogTracer\"", "setStandby(boolean)")).isTrue();
    }
}

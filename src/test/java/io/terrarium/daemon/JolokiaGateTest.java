package io.terrarium.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class JolokiaGateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ADMIN = Set.of(ManagementCredentials.ADMIN_ROLE);
    private static final Set<String> VIEWER = Set.of(ManagementCredentials.VIEWER_ROLE);
    private static final String CONTEXT = "org.apache.camel:context=terrarium,type=context,name=\\\"terrarium\\\"";
    private static final String ROUTE = "org.apache.camel:context=terrarium,type=routes,name=\\\"proxy-sync\\\"";

    private static JsonNode exec(String mbean, String op, String args) throws Exception {
        return JSON.readTree("{\"type\":\"exec\",\"mbean\":\"" + mbean + "\",\"operation\":\"" + op + "\",\"arguments\":" + args + "}");
    }

    @Test
    void requestBodyToAnExecEndpointIsRefusedEvenForTheOperator() throws Exception {
        assertThat(JolokiaGate.refusal(ADMIN, exec(CONTEXT, "requestBody(java.lang.String,java.lang.Object)", "[\"exec:id\",\"\"]")))
                .contains("requestBody").contains("not allowed");
        // canSendToEndpoint creates the endpoint and a producer for any URI (it was on the read-only list)
        for (String op : new String[]{"sendBody", "sendBodyAndHeaders", "requestBodyAndHeaders", "createEndpoint", "sendStringBody",
                "addOrUpdateRoutesFromXml", "canSendToEndpoint(java.lang.String)"}) {
            assertThat(JolokiaGate.refusal(ADMIN, exec(CONTEXT, op, "[]"))).as(op).isNotNull();
            assertThat(JolokiaGate.refusal(VIEWER, exec(CONTEXT, op, "[\"exec:id\"]"))).as(op).isNotNull();
        }
    }

    @Test
    void theOperatorMayStopAndStartRoutesAndRunJobsButNotStopTheContext() throws Exception {
        assertThat(JolokiaGate.refusal(ADMIN, exec(ROUTE, "stop()", "[]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(ROUTE, "start", "[]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(ROUTE, "suspend", "[]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec("quartz:type=QuartzScheduler,name=DefaultQuartzScheduler-terrarium", "resumeTrigger", "[\"a\",\"b\"]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(JobControl.OBJECT_NAME, "submit", "[\"proxy-sync\"]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(JobControl.OBJECT_NAME, "submitBefore", "[\"proxy-sync\",\"cli\",1]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(JobControl.OBJECT_NAME, "takenBefore", "[\"proxy-sync\",\"cli\",1]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(JobControl.OBJECT_NAME, "progress", "[\"r\",0]"))).isNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec(CONTEXT, "stop", "[]"))).isNotNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec("quartz:type=QuartzScheduler,name=x", "shutdown", "[]"))).isNotNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec("org.apache.camel:context=terrarium,type=debugger,name=\\\"x\\\"", "evaluateExpressionAtBreakpoint", "[]"))).isNotNull();
    }

    @Test
    void theReadOnlyLoginReadsAndDumpsRoutesButCannotRunOrStopAnything() throws Exception {
        assertThat(JolokiaGate.refusal(VIEWER, JSON.readTree("{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\"}"))).isNull();
        assertThat(JolokiaGate.refusal(VIEWER, JSON.readTree("{\"type\":\"list\"}"))).isNull();
        assertThat(JolokiaGate.refusal(VIEWER, exec(CONTEXT, "dumpRoutesAsXml(boolean,boolean)", "[false,true]"))).isNull();
        assertThat(JolokiaGate.refusal(VIEWER, exec(ROUTE, "dumpRouteStatsAsXml", "[false,true]"))).isNull();
        assertThat(JolokiaGate.refusal(VIEWER, exec(ROUTE, "stop", "[]"))).contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "submit", "[\"proxy-sync\"]"))).contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "submitBefore", "[\"proxy-sync\",\"cli\",1]"))).contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "result", "[\"r\"]"))).as("result hands a result over once").contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "takenBefore", "[\"proxy-sync\",\"cli\",1]"))).as("names a run id for result").contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "progress", "[\"r\",0]"))).as("progress only reads").isNull();
        assertThat(JolokiaGate.refusal(VIEWER, exec(JobControl.OBJECT_NAME, "progress(java.lang.String,long)", "[\"r\",0]"))).isNull();
        assertThat(JolokiaGate.refusal(VIEWER, exec(ROUTE, "progress", "[]"))).as("only the job MBean's progress").contains("read-only login");
        assertThat(JolokiaGate.refusal(VIEWER, JSON.readTree("{\"type\":\"write\",\"mbean\":\"org.apache.camel:context=terrarium,type=tracer,name=BacklogTracer\",\"attribute\":\"Enabled\",\"value\":true}")))
                .contains("read-only login");
    }

    @Test
    void dumpOperationsOutsideCamelJvmAndTerrariumAreNotReadOnly() throws Exception {
        // HotSpotDiagnostic.dumpHeap writes a file: "dump" is only read-only on the listed domains
        assertThat(JolokiaGate.refusal(ADMIN, exec("com.sun.management:type=HotSpotDiagnostic", "dumpHeap", "[\"/tmp/x\",true]"))).isNotNull();
        assertThat(JolokiaGate.refusal(ADMIN, exec("java.lang:type=Memory", "gc", "[]"))).isNotNull();
    }

    @Test
    void aLoginWithoutARoleOrAPatternMBeanGetsNothing() throws Exception {
        assertThat(JolokiaGate.refusal(Set.of(), JSON.readTree("{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\"}"))).contains("no management role");
        assertThat(JolokiaGate.refusal(ADMIN, exec("org.apache.camel:type=routes,*", "stop", "[]"))).contains("pattern");
        assertThat(JolokiaGate.refusal(ADMIN, JSON.readTree("{\"type\":\"notification\"}"))).contains("not allowed");
    }
}

package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CLI archive's training pass (issue 16): it makes every S3 request a backup export or restore
 * makes, yet none reaches the network, runs no host command and writes nothing.
 */
class CdsTrainingTest {
    @TempDir
    Path dir;

    private final RecordingCommandRunner runner = new RecordingCommandRunner(
            c -> RecordingCommandRunner.Reply.fail(1, "no host command in this test"));

    private App app() {
        return new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString())),
                runner);
    }

    @Test
    void everyRequestIsStoppedBeforeItIsSentSoAListeningEndpointSeesNoConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(300);
            CdsTraining.Result r = CdsTraining.run(app(), URI.create("http://127.0.0.1:" + server.getLocalPort()));
            assertThat(r.requests()).as("list, head, 2 gets, create/upload/complete/abort multipart, put, delete; generic and aws profile").isEqualTo(20);
            assertThat(r.classes()).as("the backup packages' classes, loaded by name").isGreaterThan(100);
            assertThatThrownBy(server::accept).as("no request reached the endpoint").isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(runner.calls()).as("no host command").isEmpty();
        assertThat(dir).as("nothing written under the private dirs").isEmptyDirectory();
    }

    @Test
    void theDefaultEndpointIsNeverRoutedAndTheTrainingDoesNotWaitForIt() {
        assertThat(CdsTraining.DUMMY_ENDPOINT.getHost()).as("TEST-NET-1, RFC 5737").startsWith("192.0.2.");
        long t0 = System.nanoTime();
        CdsTraining.Result r = CdsTraining.run(app());
        assertThat(r.requests()).isEqualTo(20);
        // a connection attempt would wait for the client's 10 s connect timeout (or fail at once without a route; the
        // listening-socket test above shows that none is made)
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10.0);
    }

    @Test
    void configCheckWithTheHiddenOptionTrainsAfterTheCheckAndItsHelpDoesNotShowIt() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "version: 1\n");
        CommandLine cl = TerrariumCommand.commandLine(app());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("config", "check", f.toString(), "--cds-training")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith(f + ": valid\n")
                .containsPattern("cds training: 20 S3 requests stopped before sending, \\d{3,} classes loaded");
        StringWriter help = new StringWriter();
        cl.setOut(new PrintWriter(help));
        cl.execute("config", "check", "--help");
        assertThat(help.toString()).contains("--file").doesNotContain("cds");
        // an invalid file fails as before, without training
        Files.writeString(f, "version: 1\nnope: 1\n");
        StringWriter out2 = new StringWriter();
        cl.setOut(new PrintWriter(out2));
        assertThat(cl.execute("config", "check", f.toString(), "--cds-training")).isEqualTo(1);
        assertThat(out2.toString()).doesNotContain("cds training");
    }
}

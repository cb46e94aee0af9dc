package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.config.TerrariumPaths;
import io.terrarium.testing.FakeLxdProjects;
import io.terrarium.testing.RecordingCommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code install} with standard input at end-of-file (the input that once ended in an IllegalStateException). */
class InstallStdinTest {
    @TempDir
    Path dir;

    @Test
    void installWithStdinAtEndOfFileIsBadUsageWithAClearErrorAndStoresNothing() {
        FakeLxdProjects lxd = new FakeLxdProjects();
        App app = new App(TerrariumPaths.from(Map.of("TERRARIUM_ETC_DIR", dir.resolve("etc").toString(),
                "TERRARIUM_RUN_DIR", dir.resolve("run").toString(), "TERRARIUM_STATE_DIR", dir.resolve("state").toString(),
                "TERRARIUM_SECRETS_DIR", dir.resolve("etc/secrets").toString())), new RecordingCommandRunner(lxd));
        CommandLine cl = TerrariumCommand.commandLine(app);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        InputStream saved = System.in;
        int code;
        try {
            System.setIn(new ByteArrayInputStream(new byte[0]));
            code = cl.execute("install", "--no-apply");
        } finally {
            System.setIn(saved);
        }
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("ERROR: input ended before the installation questions were answered; nothing was stored.")
                .doesNotContain("IllegalStateException").doesNotContain("Exception");
        assertThat(app.configStore().load().stored()).isFalse();
    }
}

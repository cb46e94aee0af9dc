package io.terrarium;

import io.terrarium.cli.TerrariumCommand;

/**
 * Entry point of {@code terrariumctl} / {@code trm}. Sets the log level from {@code -v}/{@code -vv}
 * (CLI default: warnings only; daemon default: info) before any logger exists, then runs picocli
 * and exits with its code (0 ok, 1 failure, 2 bad usage).
 */
public final class Terrarium {
    private Terrarium() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        picocli.CommandLine cl = TerrariumCommand.commandLine(App.production(), args);
        // error lines quote labels, instance names and bucket content: no raw control characters to the terminal
        cl.setErr(new java.io.PrintWriter(new io.terrarium.cli.TerminalSafeWriter(
                new java.io.OutputStreamWriter(System.err)), true));
        int code = cl.execute(args);
        System.exit(code);
    }

    /** Sets slf4j-simple's properties from the arguments (pure apart from system properties). */
    static void configureLogging(String[] args) {
        int v = 0;
        boolean daemon = false;
        for (String a : args) {
            if (a.equals("--verbose")) {
                v++;
            } else if (a.matches("-v+")) {
                v += a.length() - 1;
            } else if (a.equals("daemon") && !daemon) {
                daemon = true;
            }
        }
        String level = v >= 2 ? "debug" : v == 1 || daemon ? "info" : "warn";
        if (v >= 2) {
            System.setProperty("terrarium.debug", "true");
        }
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", level);
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.logFile", daemon ? "System.out" : "System.err");
        // Camel and Quartz chatter stays at warn unless -vv
        String libs = v >= 2 ? "debug" : "warn";
        setDefault("org.slf4j.simpleLogger.log.org.quartz", libs);
        setDefault("org.slf4j.simpleLogger.log.org.apache.camel", v >= 2 ? "debug" : daemon ? "info" : "warn");
        setDefault("org.slf4j.simpleLogger.log.org.jolokia", libs);
        setDefault("org.slf4j.simpleLogger.log.io.vertx", libs);
        // Camel's "HTTP endpoints summary" prints http://0.0.0.0:<port>/… whatever camel.management.host
        // binds (MainHttpServerUtil hard-codes the address, Camel 4.17); the daemon's own start-up line
        // names the real bind address and the endpoints instead (issue 15 item 7)
        setDefault("org.slf4j.simpleLogger.log.org.apache.camel.component.platform.http.main.MainHttpServerUtil",
                v >= 2 ? "debug" : "warn");
        // camel-exec logs every non-zero exit at ERROR; our runner reports failures itself
        setDefault("org.slf4j.simpleLogger.log.org.apache.camel.component.exec", v >= 2 ? "debug" : "off");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}

package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.restore.AsideCopies;
import io.terrarium.config.TerrariumConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code terrariumctl backup aside list [--instance X]}: every aside copy, in bytes in JSON/YAML. */
@Command(name = "list", description = {"List aside copies: name, instance, when it was kept (UTC), space used, and the snapshot",
        "it is a clone of (local restores). Exit 0 also when there are none."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup aside list", "  terrariumctl backup aside list --instance web --format json"})
public final class BackupAsideListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--instance", paramLabel = "NAME", description = "Only the aside copies of this instance.")
    String instance;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = app.configStore().load().config();
        String project = config.lxd().project();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AsideCopies.Aside a : new AsideCopies(app.zfs()).list(BackupAsideCommand.roots(app, config))) {
            if (instance != null && !a.instance(project).equals(instance)) {
                continue;
            }
            rows.add(row(a, project, format.format() != Format.table));
        }
        if (rows.isEmpty() && format.format() == Format.table) {
            spec.commandLine().getOut().println("no aside copies" + (instance == null ? "" : " of " + instance));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        Output.rows(spec.commandLine().getOut(), format.format(), rows);
        return ExitCodes.OK;
    }

    /** One aside as a row: bytes as a number for JSON/YAML, human units in the table. */
    static Map<String, Object> row(AsideCopies.Aside a, String project, boolean machine) {
        return Output.row("name", a.dataset().substring(a.dataset().lastIndexOf('/') + 1), "dataset", a.dataset(),
                "instance", a.instance(project), "kept_at", a.keptAt().toString(),
                machine ? "used_bytes" : "size", machine ? (Object) a.usedBytes() : BackupListCommand.human(a.usedBytes()),
                "origin", a.origin());
    }
}

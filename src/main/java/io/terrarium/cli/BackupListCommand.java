package io.terrarium.cli;

import io.terrarium.App;
import io.terrarium.backup.InstanceDataset;
import io.terrarium.config.TerrariumConfig;
import io.terrarium.host.zfs.ZfsSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code terrariumctl backup list [--instance X]}: per instance its local snapshots (name, UTC
 * creation time, space used by the snapshot alone, in bytes in JSON/YAML and human units in the
 * table). Exit 1 for an unknown instance.
 */
@Command(name = "list", description = {"List each instance's local snapshots: name, creation time (UTC), size (space used by the snapshot alone).",
        "An instance without a ZFS dataset is listed with the reason. S3 restore points come with the S3 export."},
        footerHeading = "%nExamples:%n",
        footer = {"  terrariumctl backup list", "  terrariumctl backup list --instance web",
                "  terrariumctl backup list --instance web --format json"})
public final class BackupListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    VerbosityOption verbosity;

    @Mixin
    FormatOption format;

    @Option(names = "--instance", paramLabel = "NAME", description = "Only this instance.")
    String instance;

    @Override
    public Integer call() {
        App app = TerrariumCommand.app(spec);
        TerrariumConfig config = app.configStore().load().config();
        List<InstanceDataset> all = app.datasets(config).resolveAll();
        if (instance != null) {
            all = all.stream().filter(i -> i.instance().equals(instance)).toList();
            if (all.isEmpty()) {
                spec.commandLine().getErr().println("ERROR: instance \"" + instance + "\" does not exist in LXD project "
                        + config.lxd().project());
                spec.commandLine().getErr().flush();
                return ExitCodes.FAILURE;
            }
        }
        List<Map<String, Object>> table = new ArrayList<>();
        List<Map<String, Object>> nested = new ArrayList<>();
        for (InstanceDataset i : all) {
            List<ZfsSnapshot> snaps = i.resolved() ? app.zfs().snapshots(i.dataset(), false) : List.of();
            List<Map<String, Object>> list = new ArrayList<>();
            for (ZfsSnapshot s : snaps) {
                list.add(Output.row("name", s.name(), "created", s.created().toString(), "used_bytes", s.usedBytes()));
                table.add(Output.row("instance", i.instance(), "snapshot", s.name(), "created (UTC)", s.created().toString(),
                        "size", human(s.usedBytes())));
            }
            if (snaps.isEmpty()) {
                table.add(Output.row("instance", i.instance(), "snapshot", i.resolved() ? "(none yet)" : "(no ZFS dataset: " + i.problem() + ")",
                        "created (UTC)", null, "size", null));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("instance", i.instance());
            m.put("dataset", i.dataset());
            if (!i.resolved()) {
                m.put("problem", i.problem());
            }
            m.put("snapshots", list);
            nested.add(m);
        }
        if (format.format() == Format.table) {
            Output.rows(spec.commandLine().getOut(), Format.table, table);
        } else {
            Output.value(spec.commandLine().getOut(), format.format(), nested);
        }
        return ExitCodes.OK;
    }

    /** Bytes in binary units with one decimal (e.g. 1.5M); "-" when unknown. */
    static String human(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        String[] u = {"B", "K", "M", "G", "T", "P"};
        double v = bytes;
        int k = 0;
        while (v >= 1024 && k < u.length - 1) {
            v /= 1024;
            k++;
        }
        return k == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, u[k]);
    }
}

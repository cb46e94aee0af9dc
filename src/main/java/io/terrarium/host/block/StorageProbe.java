package io.terrarium.host.block;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.terrarium.host.exec.Command;
import io.terrarium.host.exec.CommandResult;
import io.terrarium.host.exec.CommandRunner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host adapter: reads the block devices with {@code lsblk -J -b -O} and probes each for signatures
 * with {@code blkid -p -o export DEV} (exit 2: nothing found). Read-only: neither tool writes.
 */
public final class StorageProbe {
    private final CommandRunner runner;
    private final ObjectMapper json;

    public StorageProbe(CommandRunner runner, ObjectMapper json) {
        this.runner = runner;
        this.json = json;
    }

    /**
     * @return the device tree with probe results merged in
     * @throws IOException when lsblk's output is not JSON
     * @throws io.terrarium.host.exec.CommandFailedException when lsblk fails
     */
    public List<BlockDevices.Device> devices() throws IOException {
        CommandResult r = runner.run(Command.of("lsblk", "-J", "-b", "-O"));
        JsonNode tree = json.readTree(r.stdout());
        List<String> paths = new ArrayList<>();
        collect(BlockDevices.parse(tree, Map.of()), paths);
        Map<String, Map<String, String>> probes = new TreeMap<>();
        for (String p : paths) {
            CommandResult b = runner.run(Command.of("blkid", "-p", "-o", "export", p).withOkExitCodes(0, 2, 4, 8));
            if (b.exitCode() == 0) {
                probes.put(p, BlockDevices.parseBlkidExport(b.stdout()));
            } else if (b.exitCode() == 8) {
                // blkid: ambivalent low-level probing result, i.e. more than one signature
                probes.put(p, Map.of("TYPE", "ambivalent (several signatures)"));
            }
        }
        return BlockDevices.parse(tree, probes);
    }

    private static void collect(List<BlockDevices.Device> ds, List<String> out) {
        for (BlockDevices.Device d : ds) {
            if (d.path() != null && d.sizeBytes() > 0) {
                out.add(d.path());
            }
            collect(d.children(), out);
        }
    }
}

package io.terrarium.provision.install;

import io.terrarium.host.block.BlockDevices;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StorageTargetsTest {
    /**
     * A host as {@code lsblk -J -b -O} shows it (fields trimmed): sda is the root disk (partitions,
     * / and /boot/efi), sdb has a GPT, sdc an ext4 file system without a partition table, sdd holds
     * a ZFS pool member, sde is empty (2 TB), sdf is empty and larger (4 TB) but removable, sdg is
     * empty (1 TB), nvme0n1 is held by device-mapper, loop0 is an empty loop device (8 TB),
     * sr0 is a DVD drive.
     */
    static final String LSBLK = """
            {"blockdevices": [
              {"name":"sda","path":"/dev/sda","type":"disk","size":480103981056,"ro":false,"rm":false,"fstype":null,"pttype":"gpt","mountpoints":[null],
               "children":[
                 {"name":"sda1","path":"/dev/sda1","type":"part","size":1127219200,"ro":false,"rm":false,"fstype":"vfat","pttype":"gpt","mountpoints":["/boot/efi"]},
                 {"name":"sda2","path":"/dev/sda2","type":"part","size":100000000000,"ro":false,"rm":false,"fstype":"ext4","pttype":"gpt","mountpoints":["/"]},
                 {"name":"sda3","path":"/dev/sda3","type":"part","size":378000000000,"ro":false,"rm":false,"fstype":null,"pttype":"gpt","mountpoints":[null]}
               ]},
              {"name":"sdb","path":"/dev/sdb","type":"disk","size":3000000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"sdc","path":"/dev/sdc","type":"disk","size":3500000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"sdd","path":"/dev/sdd","type":"disk","size":6000000000000,"ro":false,"rm":false,"fstype":"zfs_member","pttype":null,"mountpoints":[null]},
              {"name":"sde","path":"/dev/sde","type":"disk","size":2000000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"sdf","path":"/dev/sdf","type":"disk","size":4000000000000,"ro":false,"rm":true,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"sdg","path":"/dev/sdg","type":"disk","size":1000000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"nvme0n1","path":"/dev/nvme0n1","type":"disk","size":5000000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null],
               "children":[{"name":"crypt","path":"/dev/mapper/crypt","type":"crypt","size":4999000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]}]},
              {"name":"loop0","path":"/dev/loop0","type":"loop","size":8000000000000,"ro":false,"rm":false,"fstype":null,"pttype":null,"mountpoints":[null]},
              {"name":"sr0","path":"/dev/sr0","type":"rom","size":1073741312,"ro":true,"rm":true,"fstype":null,"pttype":null,"mountpoints":[null]}
            ]}""";

    /** What {@code blkid -p} found where lsblk (without udev) knew nothing. */
    static final Map<String, Map<String, String>> PROBES = Map.of(
            "/dev/sdb", Map.of("PTTYPE", "gpt", "PTUUID", "02db56e1"),
            "/dev/sdc", Map.of("TYPE", "ext4", "USAGE", "filesystem"));

    static List<BlockDevices.Device> devices() throws Exception {
        return BlockDevices.parse(new ObjectMapper().readTree(LSBLK), PROBES);
    }

    @Test
    void autoTakesTheLargestEmptyDiskAndSaysWhatItSkipped() throws Exception {
        StorageTargets.Target t = StorageTargets.auto(devices(), false);
        assertThat(t.ok()).isTrue();
        assertThat(t.path()).isEqualTo("/dev/sde");
        assertThat(t.wipe()).isFalse();
        assertThat(t.message()).isEqualTo("auto chose /dev/sde (1862.6 GiB, the largest empty disk; skipped: "
                + "/dev/sda (holds the root file system), /dev/sdb (has a gpt partition table), /dev/sdc (holds a ext4 signature), "
                + "/dev/sdd (holds a ZFS pool member), /dev/sdf (removable), "
                + "/dev/nvme0n1 (has partitions or holders: /dev/mapper/crypt))");
    }

    @Test
    void autoConsidersLoopDevicesOnlyWhenAsked() throws Exception {
        assertThat(StorageTargets.auto(devices(), true).path()).isEqualTo("/dev/loop0");
    }

    @Test
    void autoWithoutAnEmptyDiskRefusesAndPointsAtFileMode() throws Exception {
        var onlyRoot = List.of(devices().get(0));
        StorageTargets.Target t = StorageTargets.auto(onlyRoot, false);
        assertThat(t.ok()).isFalse();
        assertThat(t.message()).isEqualTo("no empty disk for --storage-source auto; skipped: /dev/sda (holds the root file system)."
                + " Add an empty disk, or use --storage-mode file (a file vdev on the root file system)");
    }

    @Test
    void explicitPathsFollowTheModeAndTheContent() throws Exception {
        var d = devices();
        assertThat(StorageTargets.explicit(d, "/dev/sde", "disk", false)).isEqualTo(
                new StorageTargets.Target(true, "/dev/sde", 2000000000000L, false, "/dev/sde (1862.6 GiB) is empty"));
        assertThat(StorageTargets.explicit(d, "/dev/sda", "disk", true).message())
                .startsWith("/dev/sda holds the root file system; Terrarium never puts its pool on the root disk");
        assertThat(StorageTargets.explicit(d, "/dev/sda2", "partition", true).message()).isEqualTo("/dev/sda2 is in use (mounted at /); pick an unused device");
        assertThat(StorageTargets.explicit(d, "/dev/sda3", "partition", false).ok()).isTrue();
        assertThat(StorageTargets.explicit(d, "/dev/sda3", "disk", false).message())
                .isEqualTo("/dev/sda3 is a partition; use --storage-mode partition, or name the whole disk");
        assertThat(StorageTargets.explicit(d, "/dev/sde", "partition", false).message())
                .isEqualTo("/dev/sde is not a partition (disk); use --storage-mode disk for a whole disk");
        assertThat(StorageTargets.explicit(d, "/dev/sdb", "disk", false).message())
                .isEqualTo("/dev/sdb is not empty (has a gpt partition table); pass --yes together with this explicit "
                        + "--storage-source to wipe it, or pick an empty device");
        StorageTargets.Target wipe = StorageTargets.explicit(d, "/dev/sdc", "disk", true);
        assertThat(wipe.ok()).isTrue();
        assertThat(wipe.wipe()).isTrue();
        assertThat(wipe.message()).isEqualTo("/dev/sdc (3259.6 GiB) is not empty (holds a ext4 signature); it will be WIPED (--yes)");
        assertThat(StorageTargets.explicit(d, "/dev/sdd", "disk", true).message())
                .startsWith("/dev/sdd belongs to a ZFS pool; Terrarium never reuses another pool's device");
        assertThat(StorageTargets.explicit(d, "/dev/sdz", "disk", true).message()).isEqualTo("/dev/sdz is not a block device on this host (see `lsblk`)");
        assertThat(StorageTargets.explicit(d, "/dev/sr0", "disk", true).ok()).isFalse();
    }

    @Test
    void blkidExportIsParsedIntoKeyValues() {
        assertThat(BlockDevices.parseBlkidExport("DEVNAME=/dev/loop1\nUUID=86e3\nTYPE=ext4\nUSAGE=filesystem\n"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("DEVNAME", "/dev/loop1", "UUID", "86e3", "TYPE", "ext4", "USAGE", "filesystem"));
    }
}

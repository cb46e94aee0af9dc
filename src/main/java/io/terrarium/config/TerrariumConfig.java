package io.terrarium.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Map;
import java.util.TreeMap;

/**
 * The whole Terrarium configuration, stored as YAML (snake_case keys) in LXD's database
 * (project {@code terrarium-system}, key {@code user.terrarium.config_b64}, DESIGN.md §3).
 *
 * <p>Missing sections and keys take the defaults documented in {@code docs/configuration.md};
 * unknown keys are rejected by {@link ConfigCodec}. Secrets are never values here: sections refer
 * to files under the secrets directory ({@code *_file} keys).
 *
 * @param version        schema version; this build reads and writes {@value #CURRENT_VERSION}
 * @param installationId random id of this installation (names S3 prefixes, manifests); generated
 *                       on first store
 * @param domains        public host names
 * @param emails         operator and ACME e-mail addresses
 * @param lxd            where the instances live
 * @param zfs            the pool and the containers' parent dataset
 * @param daemon         management endpoint and job schedules
 * @param s3             S3 export destination (used by the S3 export jobs)
 * @param proxy          proxy sync: Traefik files, bridge range, reload command, UFW (docs/proxy.md)
 * @param backups        local snapshot policy (sanoid) and replication (syncoid)
 * @param idp            the identity provider behind the admin gate (local ZITADEL or external OIDC)
 * @param storage        where the ZFS pool lives (disk, partition or file vdev); read by the zfs role
 * @param dns            DNS-01 provider (lego code) and its credentials for wildcard certificates
 * @param events         optional event sinks (Kafka, docs/events.md); none by default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "installation_id", "domains", "emails", "lxd", "zfs", "daemon", "s3", "proxy", "backups", "idp", "storage", "dns", "events"})
public record TerrariumConfig(Integer version, String installationId, Domains domains, Emails emails,
                              Lxd lxd, Zfs zfs, Daemon daemon, S3 s3, Proxy proxy, Backups backups,
                              Idp idp, Storage storage, Dns dns, Events events) {

    /** The schema version this build reads and writes. */
    public static final int CURRENT_VERSION = 1;

    public TerrariumConfig {
        version = version == null ? CURRENT_VERSION : version;
        domains = domains == null ? new Domains(null, null, null, null, null) : domains;
        emails = emails == null ? new Emails(null, null) : emails;
        lxd = lxd == null ? new Lxd(null, null, null, null) : lxd;
        zfs = zfs == null ? new Zfs(null, null) : zfs;
        daemon = daemon == null ? new Daemon(null, null, null) : daemon;
        s3 = s3 == null ? S3.disabled() : s3;
        proxy = proxy == null ? new Proxy(null, null, null, null, null, null, null, null, null) : proxy;
        backups = backups == null ? new Backups(null, null, null) : backups;
        idp = idp == null ? new Idp(null, null, null, null, null) : idp;
        storage = storage == null ? new Storage(null, null, null, null) : storage;
        dns = dns == null ? Dns.none() : dns;
        events = events == null ? Events.none() : events;
    }

    /** The configuration without an events section (no event sinks). */
    public TerrariumConfig(Integer version, String installationId, Domains domains, Emails emails,
                           Lxd lxd, Zfs zfs, Daemon daemon, S3 s3, Proxy proxy, Backups backups,
                           Idp idp, Storage storage, Dns dns) {
        this(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, idp, storage, dns, null);
    }

    /**
     * The configuration without the sections added by provisioning (issue 6): idp, storage and dns
     * take their defaults.
     */
    public TerrariumConfig(Integer version, String installationId, Domains domains, Emails emails,
                           Lxd lxd, Zfs zfs, Daemon daemon, S3 s3, Proxy proxy, Backups backups) {
        this(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, null, null, null, null);
    }

    /** A configuration with every default and no installation id yet. */
    public static TerrariumConfig defaults() {
        return new TerrariumConfig(null, null, null, null, null, null, null, null, null, null);
    }

    /** Copy with another installation id. */
    public TerrariumConfig withInstallationId(String id) {
        return new TerrariumConfig(version, id, domains, emails, lxd, zfs, daemon, s3, proxy, backups, idp, storage, dns, events);
    }

    /** Copy with other domains. */
    public TerrariumConfig withDomains(Domains d) {
        return new TerrariumConfig(version, installationId, d, emails, lxd, zfs, daemon, s3, proxy, backups, idp, storage, dns, events);
    }

    /** Copy with other e-mail addresses. */
    public TerrariumConfig withEmails(Emails e) {
        return new TerrariumConfig(version, installationId, domains, e, lxd, zfs, daemon, s3, proxy, backups, idp, storage, dns, events);
    }

    /** Copy with other backup settings. */
    public TerrariumConfig withBackups(Backups b) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, b, idp, storage, dns, events);
    }

    /**
     * Public host names, stored lower-case (DNS names are case-insensitive, {@link DnsNames}). {@code base} is the operator's domain; the service hosts default to
     * {@code manage.<base>}, {@code proxy.<base>}, {@code lxd.<base>}, {@code auth.<base>}.
     *
     * @param base   base domain, e.g. {@code example.com}; {@code null} until set
     * @param manage host of the management UI
     * @param proxy  host of the Traefik dashboard
     * @param lxd    host of the LXD UI
     * @param auth   host of the identity gate
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"base", "manage", "proxy", "lxd", "auth"})
    public record Domains(String base, String manage, String proxy, String lxd, String auth) {
        /** Host names are case-insensitive: kept in their lower-case form ({@link DnsNames#canonical}). */
        public Domains {
            base = DnsNames.canonical(base);
            manage = DnsNames.canonical(manage);
            proxy = DnsNames.canonical(proxy);
            lxd = DnsNames.canonical(lxd);
            auth = DnsNames.canonical(auth);
        }

        /** The manage host: explicit, else {@code manage.<base>}, else {@code null}. */
        public String manageHost() {
            return manage != null ? manage : derive("manage");
        }

        /** The proxy (Traefik dashboard) host. */
        public String proxyHost() {
            return proxy != null ? proxy : derive("proxy");
        }

        /** The LXD UI host. */
        public String lxdHost() {
            return lxd != null ? lxd : derive("lxd");
        }

        /** The identity gate host. */
        public String authHost() {
            return auth != null ? auth : derive("auth");
        }

        private String derive(String label) {
            return base == null ? null : label + "." + base;
        }
    }

    /**
     * E-mail addresses.
     *
     * @param admin operator contact
     * @param acme  address registered with Let's Encrypt; defaults to {@code admin}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"admin", "acme"})
    public record Emails(String admin, String acme) {
        /** The ACME address: explicit, else the admin address. */
        public String acmeAddress() {
            return acme != null ? acme : admin;
        }
    }

    /**
     * Where instances live in LXD.
     *
     * @param project     LXD project of the instances (default {@code default})
     * @param network     managed network the instances attach to (default {@code terrarium-ovn})
     * @param storagePool LXD storage pool of the instances (default {@code default})
     * @param remote      LXD remote name for {@code lxc query}, empty for the local daemon
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"project", "network", "storage_pool", "remote"})
    public record Lxd(String project, String network, String storagePool, String remote) {
        public Lxd {
            project = project == null ? "default" : project;
            network = network == null ? "terrarium-ovn" : network;
            storagePool = storagePool == null ? "default" : storagePool;
            remote = remote == null ? "" : remote;
        }
    }

    /**
     * ZFS layout.
     *
     * @param pool               pool name (default {@code terrarium})
     * @param containersDataset  parent dataset of the instances' datasets (default {@code <pool>/containers})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"pool", "containers_dataset"})
    public record Zfs(String pool, String containersDataset) {
        public Zfs {
            pool = pool == null ? "terrarium" : pool;
            containersDataset = containersDataset == null ? pool + "/containers" : containersDataset;
        }
    }

    /**
     * The daemon's management endpoint and job schedules.
     *
     * @param managementHost bind address of {@code /observe/*} (health, metrics, Jolokia); loopback
     *                       only (default {@code 127.0.0.1})
     * @param managementPort TCP port (default {@value Daemon#DEFAULT_PORT}); privileged (below 1024), so
     *                       no local user can bind it before the daemon (issue 14 item 7); the
     *                       old default {@value Daemon#LEGACY_DEFAULT_PORT}, which every document
     *                       stored before carries, is read as the new default
     * @param schedules      job id → Quartz cron expression (seconds first, UTC), overriding
     *                       the job's default schedule
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"management_host", "management_port", "schedules"})
    public record Daemon(String managementHost, Integer managementPort, Map<String, String> schedules) {
        /** Default management port. */
        public static final int DEFAULT_PORT = 876;
        /** The default before issue 14 (unprivileged, squattable); read as {@link #DEFAULT_PORT}. */
        public static final int LEGACY_DEFAULT_PORT = 8765;

        public Daemon {
            managementHost = managementHost == null ? "127.0.0.1" : managementHost;
            managementPort = managementPort == null || managementPort == LEGACY_DEFAULT_PORT ? DEFAULT_PORT : managementPort;
            schedules = schedules == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(schedules));
        }
    }

    /**
     * S3 destination for exports. The secret key is never stored here: {@code secret_key_file}
     * names a root-only file (0600) under the secrets directory.
     *
     * @param enabled       whether exports run
     * @param provider      {@code aws}, {@code r2}, {@code minio} or {@code generic}
     * @param endpoint      endpoint URL ({@code https://…}; {@code http://} only for loopback)
     * @param region        region name (default {@code us-east-1})
     * @param bucket        bucket name (S3 naming rules: 3–63 chars, lowercase, digits, '.', '-')
     * @param prefix        key prefix under which Terrarium writes (default {@code terrarium/})
     * @param accessKey     access key id (not a secret by itself)
     * @param secretKeyFile absolute path of the file holding the secret key
     * @param retention     how many chains / restore points per instance the exporter keeps in S3
     * @param chain         when a new full starts
     * @param objectLock    S3 Object Lock for new restore points, or {@code null} (default): none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"enabled", "provider", "endpoint", "region", "bucket", "prefix", "access_key", "secret_key_file",
            "retention", "chain", "object_lock"})
    public record S3(Boolean enabled, String provider, String endpoint, String region, String bucket,
                     String prefix, String accessKey, String secretKeyFile, Retention retention, Chain chain,
                     ObjectLock objectLock) {
        /** The section without an object_lock block (no Object Lock). */
        public S3(Boolean enabled, String provider, String endpoint, String region, String bucket,
                  String prefix, String accessKey, String secretKeyFile, Retention retention, Chain chain) {
            this(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, retention, chain, null);
        }

        public S3 {
            enabled = enabled != null && enabled;
            provider = provider == null ? "generic" : provider;
            region = region == null ? "us-east-1" : region;
            prefix = prefix == null ? "terrarium/" : prefix;
            retention = retention == null ? new Retention(null, null) : retention;
            chain = chain == null ? new Chain(null, null) : chain;
        }

        /** The section without retention and chain blocks (their defaults). */
        public S3(Boolean enabled, String provider, String endpoint, String region, String bucket,
                  String prefix, String accessKey, String secretKeyFile) {
            this(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, null, null);
        }

        /** The section without a chain block (chain defaults). */
        public S3(Boolean enabled, String provider, String endpoint, String region, String bucket,
                  String prefix, String accessKey, String secretKeyFile, Retention retention) {
            this(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, retention, null);
        }

        /** An S3 section with exports off. */
        public static S3 disabled() {
            return new S3(false, null, null, null, null, null, null, null, null, null);
        }

        /** Copy with another retention block. */
        public S3 withRetention(Retention r) {
            return new S3(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, r, chain, objectLock);
        }

        /** Copy with another chain block. */
        public S3 withChain(Chain c) {
            return new S3(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, retention, c, objectLock);
        }

        /** Copy with another object_lock block ({@code null}: none). */
        public S3 withObjectLock(ObjectLock l) {
            return new S3(enabled, provider, endpoint, region, bucket, prefix, accessKey, secretKeyFile, retention, chain, l);
        }
    }

    /**
     * S3 Object Lock for every object of a new restore point (docs/s3.md "Object Lock"; AWS S3 user
     * guide, "Locking objects with Object Lock"). Each volume and manifest is written with
     * {@code x-amz-object-lock-mode} and {@code x-amz-object-lock-retain-until-date} = upload time +
     * {@code retain_days} (UTC); when an incremental commits, every earlier point of its chain is
     * extended (PutObjectRetention, never shortened) to at least the incremental's date. The bucket
     * must have been created with Object Lock enabled; an export checks that before it uploads.
     *
     * @param mode       {@code GOVERNANCE} (a user with {@code s3:BypassGovernanceRetention} can still
     *                   delete or shorten) or {@code COMPLIANCE} (nobody, not even the root account,
     *                   can delete a version or shorten its date until it passes)
     * @param retainDays days each new object is locked from its upload, 1–36500
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"mode", "retain_days"})
    public record ObjectLock(String mode, Integer retainDays) {
    }

    /**
     * When an S3 export starts a new chain with a full stream instead of another incremental
     * (docs/s3.md "Scheduled exports"). Long chains make a restore download and receive every
     * stream since the full; a periodic full bounds that, at the cost of one full upload.
     *
     * @param maxIncrementals incrementals after which the next export is a full (default 24: with
     *                        hourly exports, a new full about once a day); 1–10000
     * @param maxAgeDays      a chain whose full is older than this many days gets a new full at the
     *                        next export (default 7; 0 = no age limit); 0–3650
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"max_incrementals", "max_age_days"})
    public record Chain(Integer maxIncrementals, Integer maxAgeDays) {
        /** Default {@code max_incrementals}. */
        public static final int DEFAULT_MAX_INCREMENTALS = 24;
        /** Default {@code max_age_days}. */
        public static final int DEFAULT_MAX_AGE_DAYS = 7;

        public Chain {
            maxIncrementals = maxIncrementals == null ? DEFAULT_MAX_INCREMENTALS : maxIncrementals;
            maxAgeDays = maxAgeDays == null ? DEFAULT_MAX_AGE_DAYS : maxAgeDays;
        }
    }

    /**
     * Chain-aware retention of S3 restore points (docs/s3.md "Retention"). The unit of deletion is
     * a whole chain ({@code full → incremental …}): an incremental needs every manifest back to its
     * full, so a chain is kept whole or removed whole. A chain is kept when it is one of the newest
     * {@code keep_chains} complete chains of the instance, or when it holds one of the newest
     * {@code keep_points} restore points. The newest complete chain is therefore always kept.
     *
     * @param keepChains complete chains to keep per instance (default {@value #DEFAULT_KEEP_CHAINS}, 1–1000)
     * @param keepPoints newest restore points to keep per instance, with their whole chains
     *                   (default 0: only {@code keep_chains} decides; 0–100000)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"keep_chains", "keep_points"})
    public record Retention(Integer keepChains, Integer keepPoints) {
        /** Default {@code keep_chains}: the current chain and the one before it. */
        public static final int DEFAULT_KEEP_CHAINS = 2;

        public Retention {
            keepChains = keepChains == null ? DEFAULT_KEEP_CHAINS : keepChains;
            keepPoints = keepPoints == null ? 0 : keepPoints;
        }
    }

    /** Copy with another proxy section. */
    public TerrariumConfig withProxy(Proxy p) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, p, backups, idp, storage, dns, events);
    }

    /**
     * Proxy sync (issue 3, docs/proxy.md "Configuration"): where the Traefik files go, the sticky
     * range of host loopback ports for the internal bridges, the gate and DNS-01 provider, how
     * often the {@code proxy-sync} job runs and how Traefik is reloaded.
     *
     * @param dynamicFile     Traefik dynamic file (default {@value #DEFAULT_DYNAMIC_FILE}); its
     *                        directory is what the file provider watches
     * @param staticFile      Traefik static file (default {@value #DEFAULT_STATIC_FILE})
     * @param bridgePortFirst first host loopback port of the bridge range (default 18081)
     * @param bridgePortLast  last host loopback port of the bridge range, inclusive (default 18999)
     * @param oauth2ProxyUrl  oauth2-proxy base URL as Traefik reaches it (default
     *                        {@value #DEFAULT_OAUTH2_PROXY_URL}); {@code ""} disables {@code @auth}
     * @param dnsProvider     lego DNS-01 provider for wildcard certificates (e.g. {@code cloudflare}),
     *                        or {@code null} for none (HTTPS wildcard labels are then rejected)
     * @param intervalSeconds seconds between scheduled syncs (default 60, 10–86400)
     * @param reloadCommand   argv run after the static file changed (default
     *                        {@code systemctl restart traefik}: a restart, since Traefik exits on SIGHUP); empty: no reload
     * @param ufw             manage UFW rules for published TCP/UDP ports; {@code null} (default):
     *                        when the {@code ufw} command exists
     * @param wildcardBases   bases under which {@code *.<name>} labels may publish (default none: no
     *                        wildcard labels); e.g. {@code [apps.example.com]}
     * @param publicPortFirst first public TCP/UDP port a label may publish (default 1024: privileged
     *                        ports refused)
     * @param publicPortLast  last one, inclusive (default 65535)
     * @param tenantAuthUrl   the tenants' oauth2-proxy gate as Traefik reaches it (default
     *                        {@value #DEFAULT_TENANT_AUTH_URL}): every {@code @auth} label goes
     *                        through it, never through the admin gate {@code oauth2ProxyUrl}
     *                        (issue 14 item 4, docs/security.md "Sign-in cookies"); {@code ""}
     *                        disables {@code @auth}, as does {@code oauth2_proxy_url: ""}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"dynamic_file", "static_file", "bridge_port_first", "bridge_port_last", "oauth2_proxy_url",
            "tenant_auth_url", "dns_provider", "interval_seconds", "reload_command", "ufw", "wildcard_bases",
            "public_port_first", "public_port_last"})
    public record Proxy(String dynamicFile, String staticFile, Integer bridgePortFirst, Integer bridgePortLast,
                        String oauth2ProxyUrl, String dnsProvider, Integer intervalSeconds,
                        java.util.List<String> reloadCommand, Boolean ufw, java.util.List<String> wildcardBases,
                        Integer publicPortFirst, Integer publicPortLast, String tenantAuthUrl) {

        /** The proxy settings with the default tenant gate ({@value #DEFAULT_TENANT_AUTH_URL}). */
        public Proxy(String dynamicFile, String staticFile, Integer bridgePortFirst, Integer bridgePortLast,
                     String oauth2ProxyUrl, String dnsProvider, Integer intervalSeconds,
                     java.util.List<String> reloadCommand, Boolean ufw, java.util.List<String> wildcardBases,
                     Integer publicPortFirst, Integer publicPortLast) {
            this(dynamicFile, staticFile, bridgePortFirst, bridgePortLast, oauth2ProxyUrl, dnsProvider, intervalSeconds,
                    reloadCommand, ufw, wildcardBases, publicPortFirst, publicPortLast, null);
        }

        /** The proxy settings with the default wildcard bases (none) and public port range (1024–65535). */
        public Proxy(String dynamicFile, String staticFile, Integer bridgePortFirst, Integer bridgePortLast,
                     String oauth2ProxyUrl, String dnsProvider, Integer intervalSeconds,
                     java.util.List<String> reloadCommand, Boolean ufw) {
            this(dynamicFile, staticFile, bridgePortFirst, bridgePortLast, oauth2ProxyUrl, dnsProvider, intervalSeconds,
                    reloadCommand, ufw, null, null, null);
        }
        /** Default dynamic file. */
        public static final String DEFAULT_DYNAMIC_FILE = "/etc/traefik/dynamic/terrarium-lxc.yml";
        /** Default static file. */
        public static final String DEFAULT_STATIC_FILE = "/etc/traefik/traefik.yml";
        /** Default oauth2-proxy address. */
        public static final String DEFAULT_OAUTH2_PROXY_URL = "http://127.0.0.1:4180";
        /** Default address of the tenants' gate (a second oauth2-proxy, own cookie and secret). */
        public static final String DEFAULT_TENANT_AUTH_URL = "http://127.0.0.1:4181";

        public Proxy {
            dynamicFile = dynamicFile == null ? DEFAULT_DYNAMIC_FILE : dynamicFile;
            staticFile = staticFile == null ? DEFAULT_STATIC_FILE : staticFile;
            bridgePortFirst = bridgePortFirst == null ? 18081 : bridgePortFirst;
            bridgePortLast = bridgePortLast == null ? 18999 : bridgePortLast;
            oauth2ProxyUrl = oauth2ProxyUrl == null ? DEFAULT_OAUTH2_PROXY_URL : oauth2ProxyUrl;
            tenantAuthUrl = tenantAuthUrl == null ? DEFAULT_TENANT_AUTH_URL : tenantAuthUrl;
            intervalSeconds = intervalSeconds == null ? 60 : intervalSeconds;
            reloadCommand = reloadCommand == null ? java.util.List.of("systemctl", "restart", "traefik")
                    : java.util.List.copyOf(reloadCommand);
            wildcardBases = wildcardBases == null ? java.util.List.of()
                    : wildcardBases.stream().map(b -> b == null ? null : DnsNames.canonical(b)).toList();
            publicPortFirst = publicPortFirst == null ? 1024 : publicPortFirst;
            publicPortLast = publicPortLast == null ? 65535 : publicPortLast;
        }
    }

    /**
     * The local time machine (sanoid) and replication to a second server (syncoid), DESIGN.md §4.
     *
     * @param sanoidConf absolute path of the sanoid.conf Terrarium renders (default
     *                   {@code /etc/sanoid/sanoid.conf}); sanoid runs with {@code --configdir} = its directory
     * @param policy     how many snapshots of each period sanoid keeps
     * @param syncoid    replication target
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"sanoid_conf", "policy", "syncoid"})
    public record Backups(String sanoidConf, Policy policy, Syncoid syncoid) {
        /** Default path of the rendered sanoid configuration. */
        public static final String DEFAULT_SANOID_CONF = "/etc/sanoid/sanoid.conf";

        public Backups {
            sanoidConf = sanoidConf == null ? DEFAULT_SANOID_CONF : sanoidConf;
            policy = policy == null ? new Policy(null, null, null, null, null, null) : policy;
            syncoid = syncoid == null ? Syncoid.disabled() : syncoid;
        }

        /** Copy with other syncoid settings. */
        public Backups withSyncoid(Syncoid s) {
            return new Backups(sanoidConf, policy, s);
        }
    }

    /**
     * sanoid retention counts (template {@code terrarium}). A snapshot of a period is pruned when
     * more than the count exist <em>and</em> it is older than count × period (sanoid's rule).
     *
     * @param frequently     snapshots every {@code frequent_period} minutes to keep (default 4)
     * @param hourly         hourly snapshots to keep (default 24)
     * @param daily          daily snapshots to keep (default 14)
     * @param monthly        monthly snapshots to keep (default 3)
     * @param yearly         yearly snapshots to keep (default 0: none taken)
     * @param frequentPeriod minutes between "frequently" snapshots (default 15; sanoid's default too)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"frequently", "hourly", "daily", "monthly", "yearly", "frequent_period"})
    public record Policy(Integer frequently, Integer hourly, Integer daily, Integer monthly, Integer yearly,
                         Integer frequentPeriod) {
        public Policy {
            frequently = frequently == null ? 4 : frequently;
            hourly = hourly == null ? 24 : hourly;
            daily = daily == null ? 14 : daily;
            monthly = monthly == null ? 3 : monthly;
            yearly = yearly == null ? 0 : yearly;
            frequentPeriod = frequentPeriod == null ? 15 : frequentPeriod;
        }
    }

    /**
     * Replication with syncoid over SSH. Only the key's path is stored; the key never enters the
     * configuration, argv or logs.
     *
     * @param enabled       whether the {@code replicate} job sends anything
     * @param target        {@code user@host} of the receiving server
     * @param targetDataset parent dataset on the target; each container goes to {@code <target_dataset>/<name>}
     * @param sshKey        absolute path of the private key (root-only, not group/world readable)
     * @param sshPort       SSH port (default 22)
     * @param knownHosts    optional known_hosts file pinning the target's host key (passed as
     *                      {@code UserKnownHostsFile}); default: ssh's own (~/.ssh/known_hosts)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"enabled", "target", "target_dataset", "ssh_key", "ssh_port", "known_hosts"})
    public record Syncoid(Boolean enabled, String target, String targetDataset, String sshKey, Integer sshPort,
                          String knownHosts) {
        public Syncoid {
            enabled = enabled != null && enabled;
            sshPort = sshPort == null ? 22 : sshPort;
        }

        /** Replication off. */
        public static Syncoid disabled() {
            return new Syncoid(false, null, null, null, null, null);
        }
    }

    /** Copy with other S3 settings. */
    public TerrariumConfig withS3(S3 x) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, x, proxy, backups, idp, storage, dns, events);
    }

    /** Copy with another ZFS section. */
    public TerrariumConfig withZfs(Zfs z) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, z, daemon, s3, proxy, backups, idp, storage, dns, events);
    }

    /** Copy with another identity provider. */
    public TerrariumConfig withIdp(Idp i) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, i, storage, dns, events);
    }

    /** Copy with another storage section. */
    public TerrariumConfig withStorage(Storage st) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, idp, st, dns, events);
    }

    /** Copy with another DNS-01 section. */
    public TerrariumConfig withDns(Dns d) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, idp, storage, d, events);
    }

    /**
     * The DNS-01 provider in effect: {@code dns.provider}, else the older {@code proxy.dns_provider},
     * else {@code null} (no DNS-01; HTTPS wildcard labels are rejected).
     */
    public String dnsProvider() {
        return dns.provider() != null ? dns.provider() : proxy.dnsProvider();
    }

    /**
     * The identity provider behind the admin gate (oauth2-proxy). {@code local}: ZITADEL in the
     * managed container {@code terrarium-idp} on {@code domains.auth}; {@code oidc}: an external
     * OpenID Connect provider whose discovery document ({@code <issuer>/.well-known/openid-configuration})
     * names exactly {@code issuer}.
     *
     * @param mode             {@code local} (default) or {@code oidc}
     * @param issuer           OIDC issuer URL ({@code https://…}; plain http only to loopback); oidc mode
     * @param clientId         OIDC client id; oidc mode
     * @param clientSecretFile absolute path of the root-only file holding the client secret; oidc mode
     * @param adminGroup       group whose members pass the admin gate (default {@value #DEFAULT_ADMIN_GROUP})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"mode", "issuer", "client_id", "client_secret_file", "admin_group"})
    public record Idp(String mode, String issuer, String clientId, String clientSecretFile, String adminGroup) {
        /** Default admin group. */
        public static final String DEFAULT_ADMIN_GROUP = "terrarium-admins";

        public Idp {
            mode = mode == null ? "local" : mode;
            adminGroup = adminGroup == null ? DEFAULT_ADMIN_GROUP : adminGroup;
        }
    }

    /**
     * Where the ZFS pool ({@code zfs.pool}) lives; the Ansible zfs role creates it from this at
     * install and never touches an existing pool.
     *
     * @param mode   {@code disk} (a whole empty disk), {@code partition} (an empty partition) or
     *               {@code file} (a sparse file vdev; default)
     * @param source device path for disk/partition mode (e.g. {@code /dev/sdb},
     *               {@code /dev/disk/by-id/…}); the install resolves {@code auto} to a path
     * @param file   file vdev path in file mode (default {@value #DEFAULT_FILE})
     * @param size   file vdev size, truncate syntax (digits and K, M, G or T; default {@value #DEFAULT_SIZE})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"mode", "source", "file", "size"})
    public record Storage(String mode, String source, String file, String size) {
        /** Default file vdev. */
        public static final String DEFAULT_FILE = "/var/lib/terrarium/zfs/terrarium.img";
        /** Default file vdev size. */
        public static final String DEFAULT_SIZE = "64G";

        public Storage {
            mode = mode == null ? "file" : mode;
            file = file == null ? DEFAULT_FILE : file;
            size = size == null ? DEFAULT_SIZE : size;
        }
    }

    /**
     * DNS-01 for wildcard certificates: a lego provider code and the environment it needs. Values
     * whose names contain {@code KEY}, {@code SECRET}, {@code TOKEN} or {@code PASSWORD} are secrets:
     * they live in root-only files and only the path is here ({@code env_files}); Traefik gets them
     * as {@code <NAME>_FILE} (lego reads the file).
     *
     * @param provider lego provider code (e.g. {@code cloudflare}, {@code route53}); {@code null}: off
     * @param env      non-secret variables, name → value (e.g. {@code CF_ZONE_ID})
     * @param envFiles secret variables, name → absolute path of the file holding the value
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"provider", "env", "env_files"})
    public record Dns(String provider, Map<String, String> env, Map<String, String> envFiles) {
        public Dns {
            env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(env));
            envFiles = envFiles == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(envFiles));
        }

        /** DNS-01 off. */
        public static Dns none() {
            return new Dns(null, null, null);
        }
    }

    /** Copy with another events section. */
    public TerrariumConfig withEvents(Events e) {
        return new TerrariumConfig(version, installationId, domains, emails, lxd, zfs, daemon, s3, proxy, backups, idp, storage, dns, e);
    }

    /**
     * Where Terrarium publishes its events (docs/events.md): one JSON event per job run, S3 export,
     * restore, verification and proxy route change. Absent: no events leave the host.
     *
     * @param kafka        a Kafka topic, or {@code null} (default) for none
     * @param webhook      a URL that gets a JSON POST when a job fails, recovers or goes stale, or {@code null}
     * @param healthchecks healthchecks.io-style pings (start, success, fail) per job run, or {@code null}
     * @param staleAfter   job id → the longest time without a good run before a {@code job.stale} notice,
     *                     as {@code 90m}, {@code 26h} or {@code 2d} (empty: no staleness notices)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"kafka", "webhook", "healthchecks", "stale_after"})
    public record Events(Kafka kafka, Webhook webhook, Healthchecks healthchecks, java.util.Map<String, String> staleAfter) {
        public Events {
            staleAfter = staleAfter == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(staleAfter));
        }

        /** Only a Kafka sink (or none). */
        public Events(Kafka kafka) {
            this(kafka, null, null, null);
        }

        /** No event sinks. */
        public static Events none() {
            return new Events(null);
        }

        /** Whether any notification (webhook or pings) is configured. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean notifies() {
            return webhook != null || healthchecks != null;
        }
    }

    /**
     * A webhook for notifications (docs/events.md "Notifications"). The URL often carries a token
     * (Slack, Mattermost, ntfy), so it is read from a root-only file, never stored here.
     *
     * @param urlFile        absolute path under {@code /etc/terrarium/secrets/} of a file holding one
     *                       {@code https://} (or loopback {@code http://}) URL
     * @param timeoutSeconds connect and response timeout of one POST (default {@value #DEFAULT_TIMEOUT_SECONDS}, 1–60)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"url_file", "timeout_seconds"})
    public record Webhook(String urlFile, Integer timeoutSeconds) {
        /** Default {@code timeout_seconds}. */
        public static final int DEFAULT_TIMEOUT_SECONDS = 10;

        public Webhook {
            timeoutSeconds = timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
        }
    }

    /**
     * Pings in the healthchecks.io Pinging API's slug form (healthchecks.io/docs/http_api/): per
     * job run {@code <ping_url>/<slug>/start}, then {@code <ping_url>/<slug>} or
     * {@code <ping_url>/<slug>/fail}, with {@code ?create=1} so a missing check is created. The ping
     * URL ({@code https://hc-ping.com/<ping-key>}, or a self-hosted instance's) holds the project's
     * ping key, so it is read from a root-only file.
     *
     * @param pingUrlFile    absolute path under {@code /etc/terrarium/secrets/} of a file holding the ping URL
     * @param slugPrefix     prefix of each job's slug (default {@value #DEFAULT_SLUG_PREFIX}; slugs are
     *                       {@code a-z 0-9 - _}); set one per host when several hosts share a project
     * @param timeoutSeconds connect and response timeout of one ping (default 10, 1–60)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"ping_url_file", "slug_prefix", "timeout_seconds"})
    public record Healthchecks(String pingUrlFile, String slugPrefix, Integer timeoutSeconds) {
        /** Default {@code slug_prefix}. */
        public static final String DEFAULT_SLUG_PREFIX = "terrarium-";

        public Healthchecks {
            slugPrefix = slugPrefix == null ? DEFAULT_SLUG_PREFIX : slugPrefix;
            timeoutSeconds = timeoutSeconds == null ? Webhook.DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
        }
    }

    /**
     * Events to a Kafka topic through camel-kafka (client 3.9.1). A broker that is down never fails
     * or blocks a job: events wait in a bounded in-memory queue ({@code queue_size}), the client
     * retries each for at most {@code delivery_timeout_seconds}, and an event that still cannot be
     * delivered (or finds the queue full) is counted ({@code terrarium_events_failed_total}) and
     * logged. No secret is stored here: a SASL password lives in a root-only file under
     * {@code /etc/terrarium/secrets/}.
     *
     * @param bootstrapServers       {@code host:port} of one or more brokers (Kafka's {@code bootstrap.servers})
     * @param topic                  topic name (1–249 of letters, digits, '.', '_', '-'; Kafka's topic rule)
     * @param clientId               Kafka {@code client.id} (default {@value #DEFAULT_CLIENT_ID})
     * @param securityProtocol       {@code PLAINTEXT} (default), {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
     * @param saslMechanism          {@code PLAIN}, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}; SASL protocols only
     * @param saslUsername           SASL user name; SASL protocols only
     * @param saslPasswordFile       absolute path under {@code /etc/terrarium/secrets/} of the file holding the
     *                               SASL password; SASL protocols only
     * @param deliveryTimeoutSeconds how long one event may be retried before it counts as failed (Kafka's
     *                               {@code delivery.timeout.ms}; default {@value #DEFAULT_DELIVERY_TIMEOUT_SECONDS}, 1–600)
     * @param queueSize              events held in memory while the broker is slow or down (default
     *                               {@value #DEFAULT_QUEUE_SIZE}, 1–100000); beyond it new events are counted and logged
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"bootstrap_servers", "topic", "client_id", "security_protocol", "sasl_mechanism", "sasl_username",
            "sasl_password_file", "delivery_timeout_seconds", "queue_size"})
    public record Kafka(java.util.List<String> bootstrapServers, String topic, String clientId, String securityProtocol,
                        String saslMechanism, String saslUsername, String saslPasswordFile,
                        Integer deliveryTimeoutSeconds, Integer queueSize) {
        /** Default {@code client_id}. */
        public static final String DEFAULT_CLIENT_ID = "terrarium";
        /** Default {@code delivery_timeout_seconds}. */
        public static final int DEFAULT_DELIVERY_TIMEOUT_SECONDS = 60;
        /** Default {@code queue_size}. */
        public static final int DEFAULT_QUEUE_SIZE = 1000;

        public Kafka {
            // a YAML null entry stays (as "null") for the validator to name, instead of List.copyOf's NullPointerException
            bootstrapServers = bootstrapServers == null ? java.util.List.of()
                    : java.util.List.copyOf(bootstrapServers.stream().map(String::valueOf).toList());
            clientId = clientId == null ? DEFAULT_CLIENT_ID : clientId;
            securityProtocol = securityProtocol == null ? "PLAINTEXT" : securityProtocol;
            deliveryTimeoutSeconds = deliveryTimeoutSeconds == null ? DEFAULT_DELIVERY_TIMEOUT_SECONDS : deliveryTimeoutSeconds;
            queueSize = queueSize == null ? DEFAULT_QUEUE_SIZE : queueSize;
        }
    }
}

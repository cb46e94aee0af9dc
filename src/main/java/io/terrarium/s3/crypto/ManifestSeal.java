package io.terrarium.s3.crypto;

import io.terrarium.s3.Manifest;
import io.terrarium.s3.ManifestCodec;
import io.terrarium.s3.ManifestException;

import javax.crypto.AEADBadTagException;
import java.util.Base64;

/**
 * Authenticated restore points (issue 13 item 2): a sealed manifest carries HMAC-SHA256 under a key
 * derived from the backup key over its whole JSON except the MAC itself — ids, dataset, snapshot
 * GUID, parent id and snapshot (the chain's links), send flags, sizes, every part's SHA-256 and the
 * wrapped data key. So a bucket writer without the key cannot forge a point, alter one, relink a
 * chain or swap a part (the part's SHA-256 is checked against the authenticated list before use).
 */
public final class ManifestSeal {
    /** MAC algorithm recorded in the manifest. */
    public static final String MAC_ALGORITHM = "HMAC-SHA256";

    private final ManifestCodec codec = new ManifestCodec();

    /** How to treat restore points without authentication. */
    public enum Legacy {
        /** refuse them (the default when the host holds a backup key) */
        REFUSE,
        /** accept them ({@code --accept-unauthenticated}, or a host without any backup key) */
        ACCEPT
    }

    /**
     * Builds the encryption block for a new stream and returns it with the data key.
     *
     * @param id the manifest id the data key is bound to
     */
    public static Manifest.Encryption encryption(BackupKey key, String id, byte[] dataKey) {
        return new Manifest.Encryption(StreamAead.ALGORITHM, key.id(),
                Base64.getEncoder().encodeToString(key.wrap(dataKey, id)));
    }

    /** The manifest with its authentication block computed under {@code key}. */
    public Manifest seal(Manifest m, BackupKey key) {
        if (m.formatVersion() != Manifest.SEALED_FORMAT_VERSION) {
            throw new IllegalArgumentException("only format " + Manifest.SEALED_FORMAT_VERSION + " manifests are sealed");
        }
        byte[] tag = key.mac(codec.authenticatedBytes(m));
        return m.withAuthentication(new Manifest.Authentication(MAC_ALGORITHM, key.id(), Base64.getEncoder().encodeToString(tag)));
    }

    /**
     * Checks a manifest read from the bucket.
     *
     * @param keys   the host's keys, or {@code null} when it has none
     * @param legacy whether an unauthenticated (format 1) point is accepted
     * @throws ManifestException naming the point and why it is refused: unauthenticated, sealed
     *                           under a key this host does not hold, or a MAC that does not match
     *                           (forged or altered)
     */
    public void authenticate(Manifest m, BackupKeys keys, Legacy legacy) throws ManifestException {
        if (m.authentication() == null) {
            if (legacy == Legacy.ACCEPT) {
                return;
            }
            throw new ManifestException("restore point " + m.id() + " is not authenticated (written without a backup key, "
                    + "or by someone without it); refused. If it predates encryption and you trust the bucket, "
                    + "pass --accept-unauthenticated");
        }
        BackupKey key = key(m, m.authentication().keyId(), keys);
        byte[] tag;
        try {
            tag = Base64.getDecoder().decode(m.authentication().mac());
        } catch (IllegalArgumentException e) {
            throw new ManifestException("restore point " + m.id() + ": authentication.mac is not base64");
        }
        if (!key.verifyMac(codec.authenticatedBytes(m), tag)) {
            throw new ManifestException("restore point " + m.id() + " failed authentication: its manifest was altered or "
                    + "forged (the MAC under backup key " + key.id() + " does not match); refused");
        }
    }

    /**
     * The stream's data key, unwrapped.
     *
     * @throws ManifestException when the key is not held or the wrapped key was altered
     */
    public byte[] dataKey(Manifest m, BackupKeys keys) throws ManifestException {
        BackupKey key = key(m, m.encryption().keyId(), keys);
        try {
            return key.unwrap(Base64.getDecoder().decode(m.encryption().wrappedKey()), m.id());
        } catch (AEADBadTagException | IllegalArgumentException e) {
            throw new ManifestException("restore point " + m.id() + ": its data key does not unwrap under backup key "
                    + key.id() + " (altered); refused");
        }
    }

    /** Same manifest with its data key rewrapped under {@code to} and resealed (for {@code backup rekey}). */
    public Manifest rewrap(Manifest m, BackupKeys from, BackupKey to) throws ManifestException {
        authenticate(m, from, Legacy.REFUSE);
        byte[] dk = dataKey(m, from);
        return seal(m.withEncryption(encryption(to, m.id(), dk)), to);
    }

    private static BackupKey key(Manifest m, String keyId, BackupKeys keys) throws ManifestException {
        if (keys == null) {
            throw new ManifestException("restore point " + m.id() + " is encrypted with backup key " + keyId
                    + " and this host has no backup key: import the recovery key first (terrariumctl backup key import)");
        }
        return keys.byId(keyId).orElseThrow(() -> new ManifestException("restore point " + m.id()
                + " is sealed with backup key " + keyId + ", this host holds " + keys.current().id()
                + keys.next().map(n -> " and " + n.id()).orElse("") + ": wrong key, nothing was received"));
    }
}

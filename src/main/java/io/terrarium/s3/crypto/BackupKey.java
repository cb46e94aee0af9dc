package io.terrarium.s3.crypto;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The backup key-encryption key (KEK): 32 random bytes kept in {@code /etc/terrarium/secrets/backup.key}
 * (0600, root) and, offline, as the <em>recovery key</em> — the text {@value #PREFIX} followed by the
 * key in unpadded base64url (RFC 4648 §5). Everything else is derived from it with HMAC-SHA256 under
 * fixed labels (an HKDF-Expand step, RFC 5869 §2.3, with one output block):
 *
 * <ul>
 *   <li>the wrap key: AES-256-GCM (NIST SP 800-38D, JDK {@code AES/GCM/NoPadding}) over each
 *       stream's random 32-byte data key, 12-byte random nonce, the manifest id as associated data;</li>
 *   <li>the manifest MAC key: HMAC-SHA256 over the manifest's canonical JSON (see
 *       {@link ManifestSeal});</li>
 *   <li>the key id: the first 8 bytes of HMAC-SHA256(KEK, label), hex — names the key in a manifest
 *       without revealing anything about it.</li>
 * </ul>
 *
 * No primitive is our own: the JDK's AES-GCM and HMAC-SHA256 do the cryptography. The key bytes
 * are never logged; {@link #toString()} shows the id only.
 */
public final class BackupKey {
    /** Text before the base64url key in a recovery key. */
    public static final String PREFIX = "terrarium-backup-key-v1:";
    /** Key length, bytes. */
    public static final int KEY_BYTES = 32;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] wrapKey;
    private final byte[] macKey;
    private final String id;
    private final String recovery;

    private BackupKey(byte[] kek) {
        if (kek.length != KEY_BYTES) {
            throw new IllegalArgumentException("a backup key has " + KEY_BYTES + " bytes, not " + kek.length);
        }
        this.wrapKey = derive(kek, "terrarium backup data-key wrap v1");
        this.macKey = derive(kek, "terrarium backup manifest mac v1");
        this.id = HexFormat.of().formatHex(Arrays.copyOf(derive(kek, "terrarium backup key id v1"), 8));
        this.recovery = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(kek);
    }

    /** A new random key (from {@link SecureRandom}). */
    public static BackupKey generate() {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        return new BackupKey(k);
    }

    /**
     * Parses a recovery key (surrounding whitespace ignored).
     *
     * @throws IllegalArgumentException when it lacks the prefix or is not 32 bytes of base64url —
     *                                  the message never repeats the input
     */
    public static BackupKey parse(String recoveryKey) {
        String s = recoveryKey == null ? "" : recoveryKey.strip();
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a Terrarium backup key: it must start with " + PREFIX);
        }
        byte[] k;
        try {
            k = Base64.getUrlDecoder().decode(s.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the backup key is not valid base64url after " + PREFIX);
        }
        if (k.length != KEY_BYTES) {
            throw new IllegalArgumentException("the backup key decodes to " + k.length + " bytes, expected " + KEY_BYTES);
        }
        return new BackupKey(k);
    }

    /** The key id (16 hex digits) manifests name. */
    public String id() {
        return id;
    }

    /** The recovery key text, to be kept offline. A secret: never log it. */
    public String recoveryKey() {
        return recovery;
    }

    /** A fresh random data key for one stream, 32 bytes. */
    public static byte[] newDataKey() {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        return k;
    }

    /**
     * Wraps a data key: nonce (12 bytes) ‖ AES-256-GCM(dataKey) ‖ tag, bound to {@code context}.
     *
     * @param context associated data, the manifest id
     */
    public byte[] wrap(byte[] dataKey, String context) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(dataKey);
            byte[] out = new byte[12 + ct.length];
            System.arraycopy(nonce, 0, out, 0, 12);
            System.arraycopy(ct, 0, out, 12, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * Unwraps a data key written by {@link #wrap}.
     *
     * @throws AEADBadTagException when it was wrapped under another key or context, or altered
     */
    public byte[] unwrap(byte[] wrapped, String context) throws AEADBadTagException {
        if (wrapped.length != 12 + KEY_BYTES + TAG_BITS / 8) {
            throw new AEADBadTagException("wrapped data key has " + wrapped.length + " bytes");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(TAG_BITS, wrapped, 0, 12));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(wrapped, 12, wrapped.length - 12);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /** HMAC-SHA256 of {@code data} under the manifest MAC key, 32 bytes. */
    public byte[] mac(byte[] data) {
        return hmac(macKey, data);
    }

    /** True when {@code tag} is the MAC of {@code data} (constant-time comparison). */
    public boolean verifyMac(byte[] data, byte[] tag) {
        return MessageDigest.isEqual(mac(data), tag);
    }

    @Override
    public String toString() {
        return "BackupKey[" + id + "]";
    }

    private static byte[] derive(byte[] kek, String label) {
        byte[] info = (label + "\u0001").getBytes(StandardCharsets.UTF_8);
        return hmac(kek, info);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }
}

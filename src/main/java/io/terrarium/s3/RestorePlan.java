package io.terrarium.s3;

import io.terrarium.backup.Manifest;

import java.util.List;

/**
 * A checked restore: the chain from a full stream to the chosen point, every volume present with
 * the size its manifest names.
 *
 * @param chain       manifests in apply order (full first)
 * @param totalBytes  bytes to download
 */
public record RestorePlan(List<Manifest> chain, long totalBytes) {
    public RestorePlan {
        chain = List.copyOf(chain);
    }
}

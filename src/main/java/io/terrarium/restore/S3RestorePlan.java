package io.terrarium.restore;

import io.terrarium.s3.Manifest;

import java.util.List;

/**
 * A checked restore: the chain from a full stream to the chosen point, every volume present with
 * the size its manifest names.
 *
 * @param chain       manifests in apply order (full first)
 * @param totalBytes  bytes to download
 */
public record S3RestorePlan(List<Manifest> chain, long totalBytes) {
    public S3RestorePlan {
        chain = List.copyOf(chain);
    }
}

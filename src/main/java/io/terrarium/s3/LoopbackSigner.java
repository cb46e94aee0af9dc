package io.terrarium.s3;

import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

import java.util.concurrent.CompletableFuture;

/**
 * SigV4 with {@code UNSIGNED-PAYLOAD} for plain-http endpoints on loopback.
 *
 * <p>Over {@code https} the SDK already sends {@code UNSIGNED-PAYLOAD} for S3 (TLS protects the
 * body); over {@code http} it always hashes the whole payload for the signature — an extra SHA-256
 * pass per part on our side and another on the server's, which on a small host costs a noticeable
 * share of the export's throughput (docs/benchmarks.md). Plain http is only accepted for loopback
 * endpoints (a local s3proxy/MinIO), where nobody can alter the body in transit, and every part's
 * integrity is carried by our own SHA-256 in the manifest anyway. Every other request — any
 * non-loopback host, any https endpoint — is signed by the SDK's signer unchanged.
 *
 * <p>How: the request is signed as if it were https (the scheme is not part of the SigV4 canonical
 * request; host, port, path, query and headers are unchanged), then sent over http.
 */
final class LoopbackSigner implements HttpSigner<AwsCredentialsIdentity> {
    private final HttpSigner<AwsCredentialsIdentity> delegate = AwsV4HttpSigner.create();

    /** The SigV4 auth scheme with this signer, for {@code S3ClientBuilder.putAuthScheme}. */
    static AuthScheme<AwsCredentialsIdentity> scheme() {
        LoopbackSigner signer = new LoopbackSigner();
        return new AuthScheme<>() {
            @Override
            public String schemeId() {
                return AwsV4AuthScheme.SCHEME_ID;
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return providers.identityProvider(AwsCredentialsIdentity.class);
            }

            @Override
            public HttpSigner<AwsCredentialsIdentity> signer() {
                return signer;
            }
        };
    }

    static boolean isLoopbackHttp(SdkHttpRequest r) {
        // the same rule that lets the configuration use plain http:// for an S3 endpoint at all
        return "http".equals(r.protocol()) && io.terrarium.config.ConfigValidator.isLoopback(r.host());
    }

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest http = request.request();
        if (!isLoopbackHttp(http)) {
            return delegate.sign(request);
        }
        return signAsHttps(request, http);
    }

    private <T extends AwsCredentialsIdentity> SignedRequest signAsHttps(SignRequest<T> request, SdkHttpRequest http) {
        SignRequest<T> asHttps = request.copy(b -> b
                .request(http.toBuilder().protocol("https").port(http.port()).build())
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
        SignedRequest signed = delegate.sign(asHttps);
        return signed.copy(b -> b.request(signed.request().toBuilder().protocol("http").port(http.port()).build()));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        return delegate.signAsync(request);
    }
}

package com.clickhouse.analytics.gateway.authorize;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

import com.clickhouse.analytics.gateway.GatewayConfig;
import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.decode.RawBatch;

/**
 * Who may send events, as the original service decides it:
 *
 * <ul>
 *   <li>no {@code Origin} (a backend): must carry one of {@code PUBLIC_API_KEYS};</li>
 *   <li>an {@code Origin} in {@code ALLOWED_ORIGINS} (a browser on an allowed site): may omit the
 *       key, but a key it sends must be valid;</li>
 *   <li>any other {@code Origin}: 403.</li>
 * </ul>
 * Several keys are valid at once, so keys rotate without downtime. Keys are compared in constant
 * time and never appear in messages or logs. The request's key comes from the envelope or,
 * failing that, from the events; keys that disagree are a 400.
 */
public final class Authorizer {

    private final byte[][] keys;
    private final Set<String> allowedOrigins;

    public Authorizer(List<String> publicApiKeys, Set<String> allowedOrigins) {
        this.keys = publicApiKeys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Whether a browser on {@code origin} may call the gateway at all. */
    public boolean originAllowed(String origin) {
        String normalized = GatewayConfig.normalizeOrigin(origin);
        return normalized != null && allowedOrigins.contains(normalized);
    }

    /**
     * Checks the request and returns the api key its events are accepted with ({@code ""} for a
     * keyless browser request).
     *
     * @param origin the {@code Origin} header, or null
     */
    public String authorize(String origin, RawBatch batch) throws GatewayError {
        String key = keyOf(batch);
        if (origin != null) {
            if (!originAllowed(origin)) {
                throw new GatewayError(Kind.ORIGIN_NOT_ALLOWED, "origin not allowed");
            }
            if (key != null && !valid(key)) {
                throw new GatewayError(Kind.UNAUTHORIZED, "invalid api key");
            }
            return key == null ? "" : key;
        }
        if (key == null) {
            throw new GatewayError(Kind.UNAUTHORIZED, "missing api key: send api_key or token");
        }
        if (!valid(key)) {
            throw new GatewayError(Kind.UNAUTHORIZED, "invalid api key");
        }
        return key;
    }

    /** The one key of the request, or null when it names none; 400 when its keys disagree. */
    static String keyOf(RawBatch batch) throws GatewayError {
        String key = blankToNull(batch.apiKey());
        for (RawBatch.RawEvent event : batch.events()) {
            String own = blankToNull(event.token());
            if (own == null) {
                continue;
            }
            if (key == null) {
                key = own;
            } else if (!key.equals(own)) {
                throw GatewayError.badRequest("mixed api keys in one request");
            }
        }
        return key;
    }

    /** Constant time in the configured keys: every key is compared, whatever matched before. */
    boolean valid(String key) {
        byte[] candidate = key.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] k : keys) {
            match |= MessageDigest.isEqual(k, candidate);
        }
        return match;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "Authorizer[" + keys.length + " key(s), origins=" + allowedOrigins + "]";
    }
}

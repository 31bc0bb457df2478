package com.clickhouse.analytics.gateway.authorize;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.gateway.GatewayConfig;
import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.decode.RawBatch;
import com.clickhouse.analytics.ops.config.ProjectKeys;

/**
 * Who may send events, and for which project, as the original service decides it plus projects:
 *
 * <ul>
 *   <li>no {@code Origin} (a backend): must carry one of {@code PUBLIC_API_KEYS}; the events belong
 *       to that key's project;</li>
 *   <li>an {@code Origin} in {@code ALLOWED_ORIGINS} (a browser on an allowed site): may omit the
 *       key, but a key it sends must be valid. A keyless request belongs to the project the origin
 *       names ({@code project=origin}), or to the project {@code ""} when it names none (what such
 *       a request always got). A key of another project than the one its origin names is a 403
 *       that says so: a page of app A must not write into app B;</li>
 *   <li>any other {@code Origin}: 403.</li>
 * </ul>
 * Several keys are valid at once, also several per project, so keys rotate without downtime. Keys
 * are compared in constant time and never appear in messages or logs. The request's key comes from
 * the envelope or, failing that, from the events; keys that disagree are a 400.
 */
public final class Authorizer {

    /** The key a request's events are accepted with ({@code ""} for a keyless browser request) and their project. */
    public record Authorized(String apiKey, String project) {
    }

    private final byte[][] keys;
    private final String[] projects;
    private final Map<String, String> allowedOrigins;
    private final int projectCount;

    /**
     * @param publicApiKeys  the keys and their projects
     * @param allowedOrigins normalized origin → the project it names, {@code ""} for none
     */
    public Authorizer(ProjectKeys publicApiKeys, Map<String, String> allowedOrigins) {
        List<String> all = publicApiKeys.keys();
        this.keys = all.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.projects = all.stream().map(publicApiKeys::projectOf).toArray(String[]::new);
        this.allowedOrigins = Map.copyOf(allowedOrigins);
        this.projectCount = (int) all.stream().map(publicApiKeys::projectOf).distinct().count();
    }

    /** Whether a browser on {@code origin} may call the gateway at all. */
    public boolean originAllowed(String origin) {
        String normalized = GatewayConfig.normalizeOrigin(origin);
        return normalized != null && allowedOrigins.containsKey(normalized);
    }

    /**
     * Checks the request and returns the key and project its events are accepted with.
     *
     * @param origin the {@code Origin} header, or null
     */
    public Authorized authorize(String origin, RawBatch batch) throws GatewayError {
        String key = keyOf(batch);
        if (origin != null) {
            String normalized = GatewayConfig.normalizeOrigin(origin);
            String originProject = normalized == null ? null : allowedOrigins.get(normalized);
            if (originProject == null) {
                throw new GatewayError(Kind.ORIGIN_NOT_ALLOWED, "origin not allowed");
            }
            if (key == null) {
                return new Authorized("", originProject);
            }
            String project = projectOf(key);
            if (project == null) {
                throw new GatewayError(Kind.UNAUTHORIZED, "invalid api key");
            }
            if (!originProject.isEmpty() && !originProject.equals(project)) {
                throw new GatewayError(Kind.ORIGIN_NOT_ALLOWED, "the api key belongs to another project than the one this origin sends to");
            }
            return new Authorized(key, project);
        }
        if (key == null) {
            throw new GatewayError(Kind.UNAUTHORIZED, "missing api key: send api_key or token");
        }
        String project = projectOf(key);
        if (project == null) {
            throw new GatewayError(Kind.UNAUTHORIZED, "invalid api key");
        }
        return new Authorized(key, project);
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

    /**
     * The project of {@code key}, or null when it is none of the configured keys. Constant time in
     * the configured keys: every key is compared, whatever matched before.
     */
    String projectOf(String key) {
        byte[] candidate = key.getBytes(StandardCharsets.UTF_8);
        String project = null;
        for (int i = 0; i < keys.length; i++) {
            boolean match = MessageDigest.isEqual(keys[i], candidate);
            project = match ? projects[i] : project;
        }
        return project;
    }

    boolean valid(String key) {
        return projectOf(key) != null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public String toString() {
        return "Authorizer[" + keys.length + " key(s) in " + projectCount + " project(s), origins=" + allowedOrigins.keySet() + "]";
    }
}

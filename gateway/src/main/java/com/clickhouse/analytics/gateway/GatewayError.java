package com.clickhouse.analytics.gateway;

import java.util.Objects;

import com.clickhouse.analytics.gateway.http.Responses;

/**
 * The gateway's one error type. Every failure a request can meet is one {@link Kind}; each kind
 * knows its HTTP status, a stable tag (the {@code error_tag} metric label, nothing a client must
 * parse), whether the client may retry, and whether it is worth a log line. {@link Responses} turns
 * it into a response, in one place.
 *
 * <p>Messages go to clients verbatim, so they never contain an API key or other secret. Stack traces
 * are not collected: these are expected outcomes, not bugs.
 */
public final class GatewayError extends Exception {

    /** What went wrong, as the client and the metrics see it. */
    public enum Kind {
        /** The payload or one of its fields is malformed; the message says which. */
        BAD_REQUEST(400, "bad_request", false, false),
        /** Missing or invalid API key. */
        UNAUTHORIZED(401, "unauthorized", false, false),
        /** The browser origin is not allowed. */
        ORIGIN_NOT_ALLOWED(403, "origin_not_allowed", false, false),
        /** No such route. */
        NOT_FOUND(404, "not_found", false, false),
        /** The route exists but not for this method. */
        METHOD_NOT_ALLOWED(405, "method_not_allowed", false, false),
        /** The client stopped sending its body; the connection is closed after the answer. */
        READ_TIMEOUT(408, "read_timeout", true, false),
        /** Body, decompressed body, event count or a single record over its limit. */
        TOO_LARGE(413, "too_large", false, false),
        /** Content type, content encoding or compression the gateway cannot read. */
        UNSUPPORTED_ENCODING(415, "unsupported_encoding", false, false),
        /** A rate limit of the key or of a {@code key:distinct_id} (gateway.limit); nothing of the request was produced. */
        RATE_LIMITED(429, "rate_limited", true, false),
        /** Kafka did not acknowledge within the produce bound (down or slow). Nothing was acknowledged. */
        KAFKA_UNAVAILABLE(503, "kafka_unavailable", true, true),
        /** The produce buffer is full: Kafka is not keeping up, so the request is shed at once. */
        KAFKA_BUFFER_FULL(503, "kafka_buffer_full", true, true);

        private final int status;
        private final String tag;
        private final boolean retryable;
        private final boolean loggable;

        Kind(int status, String tag, boolean retryable, boolean loggable) {
            this.status = status;
            this.tag = tag;
            this.retryable = retryable;
            this.loggable = loggable;
        }
    }

    private final Kind kind;
    private final long retryAfterSeconds;

    public GatewayError(Kind kind, String message) {
        this(kind, message, 0);
    }

    private GatewayError(Kind kind, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A 429 whose {@code Retry-After} is when the limit's tokens are there again. */
    public static GatewayError rateLimited(String message, long retryAfterSeconds) {
        return new GatewayError(Kind.RATE_LIMITED, message, Math.max(1, retryAfterSeconds));
    }

    public static GatewayError badRequest(String message) {
        return new GatewayError(Kind.BAD_REQUEST, message);
    }

    public static GatewayError tooLarge(String message) {
        return new GatewayError(Kind.TOO_LARGE, message);
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status of the response; {@code Retry-After} accompanies the retryable ones. */
    public int status() {
        return kind.status;
    }

    /** Stable, low-cardinality name of the case. */
    public String tag() {
        return kind.tag;
    }

    /** Whether the same request may succeed later. */
    public boolean retryable() {
        return kind.retryable;
    }

    /** Seconds for {@code Retry-After} when this error knows them (a rate limit), else 0: the configured default. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Whether operators want to see it in the log at {@code warn}: only infrastructure trouble. */
    public boolean loggable() {
        return kind.loggable;
    }

    /** The same kind with more context in the message (e.g. which event). */
    public GatewayError withMessage(String message) {
        return new GatewayError(kind, message, retryAfterSeconds);
    }
}

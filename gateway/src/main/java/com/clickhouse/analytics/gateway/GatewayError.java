package com.clickhouse.analytics.gateway;

/**
 * The gateway's one error type. Every failure a request can meet is one of these cases; each knows
 * its HTTP status, a stable tag (the {@code error_tag} metric label and part of nothing a client
 * must parse), whether the client may retry, and whether it is worth a log line. {@link Responses}
 * turns it into a response, in one place.
 *
 * <p>Messages go to clients verbatim, so they never contain an API key or other secret. Stack traces
 * are not collected: these are expected outcomes, not bugs.
 */
public abstract sealed class GatewayError extends Exception
        permits GatewayError.BadRequest, GatewayError.Unauthorized, GatewayError.Forbidden,
        GatewayError.NotFound, GatewayError.MethodNotAllowed, GatewayError.Timeout, GatewayError.TooLarge,
        GatewayError.UnsupportedEncoding, GatewayError.Unavailable {

    private GatewayError(String message) {
        super(message, null, false, false);
    }

    /** HTTP status of the response. */
    public abstract int status();

    /** Stable, low-cardinality name of the case. */
    public abstract String tag();

    /** Whether the same request may succeed later. */
    public boolean retryable() {
        return false;
    }

    /** Whether operators want to see it in the log at {@code warn}: only infrastructure trouble. */
    public boolean loggable() {
        return false;
    }

    /** 400: the payload or one of its fields is malformed; the message says which. */
    public static final class BadRequest extends GatewayError {
        public BadRequest(String message) {
            super(message);
        }

        @Override public int status() { return 400; }
        @Override public String tag() { return "bad_request"; }
    }

    /** 401: missing or invalid API key. */
    public static final class Unauthorized extends GatewayError {
        public Unauthorized(String message) {
            super(message);
        }

        @Override public int status() { return 401; }
        @Override public String tag() { return "unauthorized"; }
    }

    /** 403: the browser origin is not allowed. */
    public static final class Forbidden extends GatewayError {
        public Forbidden(String message) {
            super(message);
        }

        @Override public int status() { return 403; }
        @Override public String tag() { return "origin_not_allowed"; }
    }

    /** 404: no such route. */
    public static final class NotFound extends GatewayError {
        public NotFound(String message) {
            super(message);
        }

        @Override public int status() { return 404; }
        @Override public String tag() { return "not_found"; }
    }

    /** 405: the route exists but not for this method. */
    public static final class MethodNotAllowed extends GatewayError {
        public MethodNotAllowed(String message) {
            super(message);
        }

        @Override public int status() { return 405; }
        @Override public String tag() { return "method_not_allowed"; }
    }

    /** 408: the client stopped sending its body; the connection is closed after the answer. */
    public static final class Timeout extends GatewayError {
        public Timeout(String message) {
            super(message);
        }

        @Override public int status() { return 408; }
        @Override public String tag() { return "read_timeout"; }
        @Override public boolean retryable() { return true; }
    }

    /** 413: body, decompressed body, event count or a single record over its limit. */
    public static final class TooLarge extends GatewayError {
        public TooLarge(String message) {
            super(message);
        }

        @Override public int status() { return 413; }
        @Override public String tag() { return "too_large"; }
    }

    /** 415: content type, content encoding or compression the gateway cannot read. */
    public static final class UnsupportedEncoding extends GatewayError {
        public UnsupportedEncoding(String message) {
            super(message);
        }

        @Override public int status() { return 415; }
        @Override public String tag() { return "unsupported_encoding"; }
    }

    /**
     * 503 with {@code Retry-After}: Kafka did not take the events within the bound (down, slow or
     * its buffer full), or the gateway is shutting down. Nothing of the request was acknowledged.
     */
    public static final class Unavailable extends GatewayError {
        private final String tag;

        public Unavailable(String tag, String message) {
            super(message);
            this.tag = tag;
        }

        @Override public int status() { return 503; }
        @Override public String tag() { return tag; }
        @Override public boolean retryable() { return true; }
        @Override public boolean loggable() { return true; }
    }
}

package com.clickhouse.analytics.gateway;

import java.io.IOException;
import java.util.function.Consumer;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;

/**
 * Reads a request body without blocking an I/O thread (Undertow's async receiver), capped at
 * {@code maxBytes}: a declared {@code Content-Length} over the cap is refused before reading
 * anything, a chunked body as soon as it passes the cap; both are 413 and close the connection
 * rather than drain the rest. A client that stalls is cut off by the listener's read timeout.
 */
public final class BodyReader {

    private final int maxBytes;
    private final GatewayMetrics metrics;

    public BodyReader(int maxBytes, GatewayMetrics metrics) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    /**
     * Calls exactly one of {@code onBody} (with the whole body, possibly empty) or {@code onError},
     * on whichever thread the body completes on.
     */
    public void read(HttpServerExchange exchange, Consumer<byte[]> onBody, Consumer<GatewayError> onError) {
        long declared = exchange.getRequestContentLength();
        if (declared > maxBytes) {
            exchange.setPersistent(false);
            onError.accept(tooLarge());
            return;
        }
        exchange.setMaxEntitySize(maxBytes);
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, bytes) -> {
                    metrics.bytesIn(bytes.length);
                    onBody.accept(bytes);
                },
                (ex, e) -> {
                    ex.setPersistent(false);
                    onError.accept(e instanceof RequestTooBigException ? tooLarge() : unreadable(e));
                });
    }

    private GatewayError tooLarge() {
        return new GatewayError.TooLarge("request body exceeds " + maxBytes + " bytes (MAX_BATCH_BYTES)");
    }

    private static GatewayError unreadable(IOException e) {
        return new GatewayError.BadRequest("could not read the request body (" + e.getClass().getSimpleName() + ")");
    }

    @Override
    public String toString() {
        return "BodyReader[maxBytes=" + maxBytes + "]";
    }
}

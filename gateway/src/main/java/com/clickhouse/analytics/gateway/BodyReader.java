package com.clickhouse.analytics.gateway;

import java.io.ByteArrayOutputStream;
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
        if (declared >= 0) {
            exchange.setMaxEntitySize(maxBytes);
            exchange.getRequestReceiver().receiveFullBytes(
                    (ex, bytes) -> {
                        metrics.bytesIn(bytes.length);
                        onBody.accept(bytes);
                    },
                    (ex, e) -> failed(ex, e, onError));
            return;
        }
        // Chunked: count as it arrives, so the refusal comes right at the limit, with what was
        // sent so far read (the connection then closes cleanly instead of being reset).
        exchange.setMaxEntitySize(Long.MAX_VALUE);
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        boolean[] refused = {false};
        exchange.getRequestReceiver().receivePartialBytes(
                (ex, chunk, last) -> {
                    if (refused[0]) {
                        return;
                    }
                    if (body.size() + chunk.length > maxBytes) {
                        refused[0] = true;
                        ex.setPersistent(false);
                        ex.getRequestReceiver().pause();
                        onError.accept(tooLarge());
                        return;
                    }
                    body.write(chunk, 0, chunk.length);
                    if (last) {
                        metrics.bytesIn(body.size());
                        onBody.accept(body.toByteArray());
                    }
                },
                (ex, e) -> {
                    if (!refused[0]) {
                        failed(ex, e, onError);
                    }
                });
    }

    private void failed(HttpServerExchange exchange, IOException e, Consumer<GatewayError> onError) {
        exchange.setPersistent(false);
        onError.accept(e instanceof RequestTooBigException ? tooLarge() : unreadable(e));
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

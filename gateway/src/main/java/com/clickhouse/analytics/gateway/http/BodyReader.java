package com.clickhouse.analytics.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads a request body without blocking an I/O thread (Undertow's async receiver), capped at
 * {@code maxBytes}: a declared {@code Content-Length} over the cap is refused before reading
 * anything, a chunked body as soon as it passes the cap; both are 413 and close the connection
 * rather than drain the rest.
 *
 * <p>A client whose body stops arriving for {@code readTimeout} gets a 408 and the connection is
 * closed. The check is one timer per body that looks at progress, re-armed while bytes arrive —
 * not XNIO's socket read timeout, which re-schedules a timer on every read (≈ 5 % of the gateway's
 * CPU under load).
 */
public final class BodyReader {

    private final int maxBytes;
    private final long readTimeoutMillis;
    private final GatewayMetrics metrics;

    public BodyReader(int maxBytes, Duration readTimeout, GatewayMetrics metrics) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        if (readTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("readTimeout must be at least 1 ms");
        }
        this.maxBytes = maxBytes;
        this.readTimeoutMillis = readTimeout.toMillis();
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
            readDeclared(exchange, (int) declared, onBody, onError);
            return;
        }
        // Chunked: count as it arrives, so the refusal comes right at the limit, with what was
        // sent so far read (the connection then closes cleanly instead of being reset).
        exchange.setMaxEntitySize(Long.MAX_VALUE);
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        boolean[] refused = {false};
        StallWatch watch = new StallWatch(exchange, body::size, () -> {
            refused[0] = true;
            exchange.getRequestReceiver().pause();
            stalled(exchange, onError);
        });
        exchange.getRequestReceiver().receivePartialBytes(
                (ex, chunk, last) -> {
                    if (refused[0]) {
                        return;
                    }
                    if (body.size() + chunk.length > maxBytes) {
                        refused[0] = true;
                        watch.stop();
                        ex.setPersistent(false);
                        ex.getRequestReceiver().pause();
                        onError.accept(tooLarge());
                        return;
                    }
                    body.write(chunk, 0, chunk.length);
                    if (last) {
                        watch.stop();
                        metrics.bytesIn(body.size());
                        onBody.accept(body.toByteArray());
                    } else {
                        watch.start();
                    }
                },
                (ex, e) -> {
                    watch.stop();
                    if (!refused[0]) {
                        failed(ex, e, onError);
                    }
                });
        if (!refused[0]) {
            watch.start();
        }
    }

    /**
     * A body of known length goes straight from the channel into one array of exactly that size:
     * no intermediate chunks, no growing buffer.
     */
    private void readDeclared(HttpServerExchange exchange, int length, Consumer<byte[]> onBody, Consumer<GatewayError> onError) {
        byte[] body = new byte[length];
        if (length == 0) {
            onBody.accept(body);
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(body);
        StreamSourceChannel channel = exchange.getRequestChannel();
        if (channel == null) {
            onError.accept(GatewayError.badRequest("request body already read"));
            return;
        }
        Runnable complete = () -> {
            metrics.bytesIn(length);
            onBody.accept(body);
        };
        try {
            if (fill(channel, buffer)) {
                complete.run();
                return;
            }
        } catch (IOException e) {
            failed(exchange, e, onError);
            return;
        }
        StallWatch watch = new StallWatch(exchange, buffer::position, () -> {
            channel.suspendReads();
            channel.getReadSetter().set(null);
            stalled(exchange, onError);
        });
        channel.getReadSetter().set(ch -> {
            try {
                if (fill(ch, buffer)) {
                    watch.stop();
                    ch.suspendReads();
                    ch.getReadSetter().set(null);
                    complete.run();
                }
            } catch (IOException e) {
                watch.stop();
                ch.suspendReads();
                ch.getReadSetter().set(null);
                failed(exchange, e, onError);
            }
        });
        watch.start();
        channel.resumeReads();
    }

    /**
     * Runs {@code onStall} when {@code progress} has not moved for a whole read timeout. Everything
     * here runs on the exchange's I/O thread (the read callbacks and the timer alike), so it needs
     * no synchronization.
     */
    private final class StallWatch implements Runnable {
        private final HttpServerExchange exchange;
        private final IntSupplier progress;
        private final Runnable onStall;
        private XnioExecutor.Key timer;
        private int seen;
        private boolean stopped;

        StallWatch(HttpServerExchange exchange, IntSupplier progress, Runnable onStall) {
            this.exchange = exchange;
            this.progress = progress;
            this.onStall = onStall;
        }

        /** Arms the timer unless it is armed (idempotent: called after every chunk). */
        void start() {
            if (timer == null && !stopped) {
                seen = progress.getAsInt();
                timer = exchange.getIoThread().executeAfter(this, readTimeoutMillis, TimeUnit.MILLISECONDS);
            }
        }

        void stop() {
            stopped = true;
            if (timer != null) {
                timer.remove();
                timer = null;
            }
        }

        @Override
        public void run() {
            timer = null;
            if (stopped) {
                return;
            }
            if (progress.getAsInt() == seen) {
                stopped = true;
                onStall.run();
            } else {
                start();
            }
        }
    }

    private void stalled(HttpServerExchange exchange, Consumer<GatewayError> onError) {
        exchange.setPersistent(false);
        onError.accept(new GatewayError(Kind.READ_TIMEOUT, "the request body stopped arriving for " + readTimeoutMillis
                + " ms (gateway.http.read-timeout)"));
    }

    /** Reads what is available; true once the buffer is full. */
    private static boolean fill(StreamSourceChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n == 0) {
                return false;
            }
            if (n < 0) {
                throw new java.io.EOFException("body shorter than its Content-Length");
            }
        }
        return true;
    }

    private void failed(HttpServerExchange exchange, IOException e, Consumer<GatewayError> onError) {
        exchange.setPersistent(false);
        onError.accept(e instanceof RequestTooBigException ? tooLarge() : unreadable(e));
    }

    private GatewayError tooLarge() {
        return GatewayError.tooLarge("request body exceeds " + maxBytes + " bytes (MAX_BATCH_BYTES)");
    }

    private static GatewayError unreadable(IOException e) {
        return GatewayError.badRequest("could not read the request body (" + e.getClass().getSimpleName() + ")");
    }

    @Override
    public String toString() {
        return "BodyReader[maxBytes=" + maxBytes + "]";
    }
}

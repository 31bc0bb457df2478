package com.clickhouse.analytics.gateway.http;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Deque;
import java.util.List;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import com.clickhouse.analytics.gateway.authorize.Authorizer;
import com.clickhouse.analytics.gateway.decode.CaptureReader;
import com.clickhouse.analytics.gateway.decode.PayloadDecoder;
import com.clickhouse.analytics.gateway.decode.RawBatch;
import com.clickhouse.analytics.gateway.encode.PreparedRecord;
import com.clickhouse.analytics.gateway.encode.RecordEncoder;
import com.clickhouse.analytics.gateway.kafka.EventSink;
import com.clickhouse.analytics.gateway.limit.Admission;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.gateway.normalize.EventTimestamps;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;

/**
 * The capture endpoints ({@code /batch}, {@code /e}, {@code /i/v0/e}, {@code /capture},
 * {@code /track}, {@code /engage}) and Segment's ({@code /v1/*}), one step per class: read the body → decode the transport
 * (gzip, base64, form) → parse the JSON (PostHog's or Segment's, the route's {@link CaptureReader}) → authorize → normalize →
 * admit (drop list, rate limits, lanes: {@link Admission}) → encode the records → send them to Kafka → answer.
 * Reads the body on the I/O thread without blocking, runs the steps on that
 * thread (on a worker while the sink may wait), and answers from the producer's callback once Kafka
 * has acknowledged every record: {@code 200 {"status":"ok","ingested":N,"dropped":M}}.
 */
public final class CaptureHandler implements HttpHandler {

    private static final HttpString X_FORWARDED_FOR = new HttpString("X-Forwarded-For");

    private final BodyReader bodyReader;
    private final PayloadDecoder decoder;
    private final CaptureReader reader;
    private final Authorizer authorizer;
    private final EventNormalizer normalizer;
    private final Admission admission;
    private final RecordEncoder encoder;
    private final EventSink sink;
    private final TrustedProxies proxies;
    private final Responses responses;
    private final GatewayMetrics metrics;
    private final Clock clock;
    private final String defaultEvent;

    /**
     * @param defaultEvent event name given to nameless payloads ({@code $identify} for {@code /engage}),
     *                     or null to drop them
     */
    public CaptureHandler(BodyReader bodyReader, PayloadDecoder decoder, CaptureReader reader, Authorizer authorizer,
                          EventNormalizer normalizer, Admission admission, RecordEncoder encoder, EventSink sink,
                          TrustedProxies proxies, Responses responses, GatewayMetrics metrics, Clock clock, String defaultEvent) {
        this.bodyReader = bodyReader;
        this.decoder = decoder;
        this.reader = reader;
        this.authorizer = authorizer;
        this.normalizer = normalizer;
        this.admission = admission;
        this.encoder = encoder;
        this.sink = sink;
        this.proxies = proxies;
        this.responses = responses;
        this.metrics = metrics;
        this.clock = clock;
        this.defaultEvent = defaultEvent;
    }

    /** A handler for another route sharing everything but the default event name. */
    public CaptureHandler withDefaultEvent(String event) {
        return new CaptureHandler(bodyReader, decoder, reader, authorizer, normalizer, admission, encoder, sink, proxies, responses,
                metrics, clock, event);
    }

    /** A handler for another dialect's route ({@code /v1/track}: Segment) sharing every other step. */
    public CaptureHandler withReader(CaptureReader other) {
        return new CaptureHandler(bodyReader, decoder, other, authorizer, normalizer, admission, encoder, sink, proxies, responses,
                metrics, clock, defaultEvent);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        HttpString method = exchange.getRequestMethod();
        if (!method.equals(Methods.POST) && !method.equals(Methods.GET)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, POST, OPTIONS");
            responses.error(exchange, new GatewayError(Kind.METHOD_NOT_ALLOWED, "use POST (or GET with data=)"));
            return;
        }
        Instant receivedAt = clock.instant();
        bodyReader.read(exchange, body -> {
            Runnable task = () -> capture(exchange, body, receivedAt);
            if (sink.sendsWithoutWaiting()) {
                // Decoding and producing are short CPU work while Kafka acknowledges: done on the I/O
                // thread, without the hand-off to a worker (docs/performance-log.md).
                exchange.dispatch(SameThreadExecutor.INSTANCE, task);
            } else {
                exchange.dispatch(task); // a send may wait for metadata now: not on an I/O thread
            }
        }, error -> responses.error(exchange, error));
    }

    /** On the I/O thread, or on a worker while the sink may still wait (bounded by max.block.ms). */
    private void capture(HttpServerExchange exchange, byte[] body, Instant receivedAt) {
        try {
            PayloadDecoder.Json json = decoder.decode(encoded(exchange, body));
            RawBatch batch = reader.read(json, exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
            Authorizer.Authorized authorized = authorizer.authorize(exchange.getRequestHeaders().getFirst(Headers.ORIGIN), batch);
            EventNormalizer.Normalized normalized = normalizer.normalize(batch, authorized, context(exchange, receivedAt));
            Admission.Admitted admitted = admission.admit(authorized.apiKey(), batch.historicalMigration(), normalized.accepted(), receivedAt);
            int produced = admitted.events().size();
            // Drop-listed events are answered as ingested: a leaked key's user learns nothing.
            int ingested = produced + admitted.discarded();
            int dropped = normalized.dropped();
            if (produced == 0) {
                metrics.accepted(0, dropped);
                responses.ok(exchange, ingested, dropped);
                return;
            }
            List<PreparedRecord> records = encoder.encode(admitted);
            // The callback keeps the counts only: holding the events until Kafka acknowledges them
            // made every young collection copy all in-flight requests' events (docs/performance-log.md).
            sink.send(records).whenComplete((ok, failure) -> answer(exchange, produced, ingested, dropped, failure));
        } catch (GatewayError e) {
            responses.error(exchange, e);
        } catch (RuntimeException | StackOverflowError e) {
            responses.internal(exchange, e);
        }
    }

    /** From the producer's callback: Kafka acknowledged every record, or the first failure. */
    private void answer(HttpServerExchange exchange, int produced, int ingested, int dropped, Throwable failure) {
        if (failure == null) {
            metrics.accepted(produced, dropped);
            responses.ok(exchange, ingested, dropped);
        } else if (failure instanceof GatewayError error) {
            responses.error(exchange, error);
        } else {
            responses.internal(exchange, failure);
        }
    }

    private static PayloadDecoder.Encoded encoded(HttpServerExchange exchange, byte[] body) {
        return new PayloadDecoder.Encoded(body,
                exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE),
                exchange.getRequestHeaders().getFirst(Headers.CONTENT_ENCODING),
                query(exchange, "compression"),
                query(exchange, "data"));
    }

    private EventNormalizer.Context context(HttpServerExchange exchange, Instant receivedAt) {
        InetSocketAddress peer = exchange.getSourceAddress();
        String ip = proxies.clientAddress(peer == null ? null : peer.getAddress(),
                exchange.getRequestHeaders().getFirst(X_FORWARDED_FOR));
        String sentAt = query(exchange, "_");
        return new EventNormalizer.Context(receivedAt, ip, exchange.getRequestHeaders().getFirst(Headers.USER_AGENT),
                sentAt == null ? null : EventTimestamps.epoch(sentAt), defaultEvent);
    }

    private static String query(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    @Override
    public String toString() {
        return "CaptureHandler[" + bodyReader + " -> PayloadDecoder -> " + reader + " -> " + authorizer + " -> EventNormalizer -> " + admission + " -> "
                + encoder + " -> " + sink
                + (defaultEvent == null ? "" : ", default event " + defaultEvent) + "]";
    }
}

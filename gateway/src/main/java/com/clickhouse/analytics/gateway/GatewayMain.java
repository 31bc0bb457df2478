package com.clickhouse.analytics.gateway;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.clickhouse.analytics.gateway.authorize.Authorizer;
import com.clickhouse.analytics.gateway.decode.BatchParser;
import com.clickhouse.analytics.gateway.decode.PayloadDecoder;
import com.clickhouse.analytics.gateway.decode.SegmentParser;
import com.clickhouse.analytics.gateway.encode.RecordEncoder;
import com.clickhouse.analytics.gateway.http.BodyReader;
import com.clickhouse.analytics.gateway.http.CaptureHandler;
import com.clickhouse.analytics.gateway.http.CorsHandler;
import com.clickhouse.analytics.gateway.http.RequestMetricsHandler;
import com.clickhouse.analytics.gateway.http.Responses;
import com.clickhouse.analytics.gateway.http.Router;
import com.clickhouse.analytics.gateway.http.SdkConfigHandler;
import com.clickhouse.analytics.gateway.kafka.KafkaEventSink;
import com.clickhouse.analytics.gateway.kafka.KafkaReadiness;
import com.clickhouse.analytics.gateway.limit.Admission;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.ops.health.Check;
import com.clickhouse.analytics.ops.health.HealthHandler;
import com.clickhouse.analytics.ops.health.OperationsServer;
import com.clickhouse.analytics.ops.logging.Logging;
import com.clickhouse.analytics.ops.metrics.MetricsHandler;
import com.clickhouse.analytics.ops.metrics.PrometheusText;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.codahale.metrics.MetricRegistry;
import io.github.bucket4j.TimeMeter;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's entry point and its only wiring: configuration → Kafka producer and admin →
 * pipeline steps → Undertow handler chain. {@code main} reads the environment (the image's
 * entrypoint runs it as {@code gateway}); tests call {@link #start} with their own configuration.
 */
public final class GatewayMain {

    /**
     * Batches a few milliseconds deep: at full load the broker's CPU per record is ≈ 13 % lower than
     * with 2 ms (bigger batches), while requests wait only 1 ms longer; 5 ms (Kafka 4's default)
     * saves no more and costs a closed loop of 30 clients a fifth of its rate (docs/performance-log.md, "Gateway session 4").
     */
    private static final int LINGER_MS = 3;

    private GatewayMain() {
    }

    public static void main(String[] args) {
        Logging.configure(System.getenv());
        GatewayConfig config;
        try {
            config = GatewayConfig.load(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(GatewayMain.class);
        if (config.publicApiKeys().projectOfKey().isEmpty()) {
            log.warn("PUBLIC_API_KEYS is empty: only browsers from ALLOWED_ORIGINS can send events");
        }
        Gateway gateway = start(config, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
        log.warn("gateway listening on port {} ({})", gateway.port(), config);
    }

    /** Starts a gateway; the caller owns it and must {@link Gateway#close()} it. */
    public static Gateway start(GatewayConfig config, Clock clock) {
        MetricRegistry registry = new MetricRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);

        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties(config),
                new ByteArraySerializer(), new ByteArraySerializer());
        Admin admin = Admin.create(adminProperties(config));
        String historical = config.limits().historicalTopic();
        List<String> topics = historical.isEmpty() ? List.of(config.eventsTopic()) : List.of(config.eventsTopic(), historical);
        KafkaReadiness readiness = new KafkaReadiness(admin, topics, config.readinessInterval()).start();
        KafkaEventSink sink = new KafkaEventSink(producer, config.eventsTopic(), historical.isEmpty() ? config.eventsTopic() : historical,
                config.maxInFlightBytes(), config.produceTimeout().toMillis(), metrics);

        metrics.gauge("kafka_in_flight_bytes", sink::inFlightBytes);
        metrics.gauge("kafka_buffer_available_bytes", producerMetric(producer, "buffer-available-bytes"));
        metrics.gauge("kafka_buffer_total_bytes", () -> config.bufferMemory());
        metrics.gauge("kafka_ready", () -> readiness.ready() ? 1 : 0);

        Responses responses = new Responses(metrics, config.retryAfter());
        Authorizer authorizer = new Authorizer(config.publicApiKeys(), config.allowedOrigins());
        BodyReader bodyReader = new BodyReader(config.maxBatchBytes(), config.readTimeout(), metrics);
        BatchParser parser = new BatchParser(config.maxEventsPerBatch(), config.maxBatchBytes());
        CaptureHandler capture = new CaptureHandler(bodyReader, new PayloadDecoder(config.maxBatchBytes()),
                parser, authorizer, new EventNormalizer(), Admission.of(config.limits(), metrics, TimeMeter.SYSTEM_MILLISECONDS),
                new RecordEncoder(new EventCodec()), sink, config.trustedProxies(), responses, metrics, clock, null);
        HttpHandler browserCapture = new CorsHandler(authorizer, responses, capture);
        HttpHandler engage = new CorsHandler(authorizer, responses, capture.withDefaultEvent("$identify"));
        HttpHandler sdkConfig = new CorsHandler(authorizer, responses, new SdkConfigHandler(responses));
        SegmentParser segment = new SegmentParser(parser, config.maxEventsPerBatch(), config.maxBatchBytes(), config.segmentGroupType());

        Check ready = () -> readiness.ready() ? Optional.empty() : Optional.of(readiness.problem());
        Router router = new Router(responses)
                .exact("/health", "health", HealthHandler.liveness(Check.ALWAYS))
                .exact("/ready", "ready", HealthHandler.readiness(ready));
        if (config.managementPort() < 0) {
            // No management port (development, tests): metrics on the public port, as before.
            router = router.exact("/metrics", "metrics", new MetricsHandler(new PrometheusText(registry)));
        }
        router = router
                .exact("/batch", "batch", browserCapture)
                .exact("/e", "e", browserCapture)
                .exact("/i/v0/e", "i_v0_e", browserCapture)
                .exact("/capture", "capture", browserCapture)
                .exact("/track", "track", browserCapture)
                .exact("/engage", "engage", engage)
                .exact("/decide", "decide", sdkConfig)
                .exact("/flags", "flags", sdkConfig)
                .prefix("/array/", "array_config", sdkConfig);
        for (SegmentParser.Call call : SegmentParser.Call.values()) {
            HttpHandler handler = new CorsHandler(authorizer, responses, capture.withReader(segment.reader(call)));
            for (String path : call.paths()) {
                router.exact("/v1/" + path, "v1_" + call.path(), handler); // one metric label per call, either path
            }
        }
        GracefulShutdownHandler shutdown = new GracefulShutdownHandler(new RequestMetricsHandler(metrics, router));

        Undertow server = Undertow.builder()
                .addHttpListener(config.port(), config.host())
                .setIoThreads(config.ioThreads())
                .setWorkerThreads(config.workerThreads())
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, (int) config.idleTimeout().toMillis())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, (int) config.idleTimeout().toMillis())
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) config.readTimeout().toMillis())
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 64 * 1024)
                .setHandler(shutdown)
                .build();
        OperationsServer management = config.managementPort() < 0 ? null
                : new OperationsServer(config.host(), config.managementPort(), Check.ALWAYS, ready, registry);
        try {
            server.start();
            if (management != null) {
                management.start();
            }
        } catch (RuntimeException e) {
            server.stop();
            readiness.close();
            admin.close(Duration.ofSeconds(1));
            producer.close(Duration.ZERO);
            throw e;
        }
        int port = ((InetSocketAddress) server.getListenerInfo().getFirst().getAddress()).getPort();
        LoggerFactory.getLogger(GatewayMain.class).debug("handler chain: {}", router);
        return new Gateway(port, server, management, shutdown, readiness, producer, admin, registry, config.shutdownGrace());
    }

    static final long MAX_METADATA_WAIT_MILLIS = 1_000;

    static Map<String, Object> producerProperties(GatewayConfig config) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "cpa-gateway");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        for (Map.Entry<String, String> e : config.kafkaProperties().entrySet()) {
            if (ProducerConfig.configNames().contains(e.getKey())) {
                props.put(e.getKey(), e.getValue());
            }
        }
        // What the gateway's promises rest on; not overridable.
        long timeout = config.produceTimeout().toMillis();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, config.bufferMemory());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(50, timeout - lingerOf(props)));
        // A send waits for metadata up to max.block.ms before delivery.timeout.ms even starts: both
        // add up to how long a request can wait for its 503. Kept to a second, so a request never
        // waits longer than the produce timeout plus one second (the README's promise).
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(timeout, MAX_METADATA_WAIT_MILLIS));
        return props;
    }

    private static long lingerOf(Map<String, Object> props) {
        return Long.parseLong(String.valueOf(props.get(ProducerConfig.LINGER_MS_CONFIG)));
    }

    static Map<String, Object> adminProperties(GatewayConfig config) {
        Map<String, Object> props = new HashMap<>();
        for (Map.Entry<String, String> e : config.kafkaProperties().entrySet()) {
            if (AdminClientConfig.configNames().contains(e.getKey())) {
                props.put(e.getKey(), e.getValue());
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "cpa-gateway-readiness");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        return props;
    }

    private static java.util.function.Supplier<Number> producerMetric(KafkaProducer<?, ?> producer, String name) {
        return () -> {
            for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
                if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
                    Object v = e.getValue().metricValue();
                    return v instanceof Number n ? n : Double.NaN;
                }
            }
            return Double.NaN;
        };
    }

    /** A running gateway. {@link #close()} is the graceful shutdown SIGTERM triggers. */
    public static final class Gateway implements AutoCloseable {
        private final int port;
        private final Undertow server;
        private final OperationsServer management;
        private final GracefulShutdownHandler shutdown;
        private final KafkaReadiness readiness;
        private final KafkaProducer<byte[], byte[]> producer;
        private final Admin admin;
        private final MetricRegistry registry;
        private final Duration grace;
        private boolean closed;

        Gateway(int port, Undertow server, OperationsServer management, GracefulShutdownHandler shutdown, KafkaReadiness readiness,
                KafkaProducer<byte[], byte[]> producer, Admin admin, MetricRegistry registry, Duration grace) {
            this.port = port;
            this.server = server;
            this.management = management;
            this.shutdown = shutdown;
            this.readiness = readiness;
            this.producer = producer;
            this.admin = admin;
            this.registry = registry;
            this.grace = grace;
        }

        public int port() {
            return port;
        }

        /** The management port, or -1 when everything is on {@link #port()}. */
        public int managementPort() {
            return management == null ? -1 : management.port();
        }

        public MetricRegistry metrics() {
            return registry;
        }

        public boolean ready() {
            return readiness.ready();
        }

        /**
         * Stops accepting requests (new ones get 503), lets in-flight ones finish within the grace
         * period, flushes and closes the producer, then stops the server. Idempotent.
         */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            readiness.shuttingDown();
            shutdown.shutdown();
            try {
                if (!shutdown.awaitShutdown(grace.toMillis())) {
                    LoggerFactory.getLogger(GatewayMain.class).warn("requests still in flight after {}", grace);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            producer.close(grace);
            server.stop();
            if (management != null) {
                management.close();
            }
            readiness.close();
            admin.close(Duration.ofSeconds(2));
        }
    }

}

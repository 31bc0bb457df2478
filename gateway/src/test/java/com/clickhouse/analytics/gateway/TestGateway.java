package com.clickhouse.analytics.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;

/** An in-process gateway on a free port, talking to a real broker, plus an HTTP client for it. */
public final class TestGateway implements AutoCloseable {

    static final String KEY = "phc_test_key";

    final String topic;
    final GatewayMain.Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(String topic, GatewayMain.Gateway gateway) {
        this.topic = topic;
        this.gateway = gateway;
    }

    /** A gateway on the shared broker with a fresh topic and the given environment on top of defaults. */
    static TestGateway onSharedBroker(Map<String, String> env) {
        return start(Infrastructure.shared().kafkaBootstrapServers(), env, Clock.systemUTC());
    }

    static TestGateway start(String bootstrap, Map<String, String> env, Clock clock) {
        return start(bootstrap, env, Map.of(), clock);
    }

    static TestGateway start(String bootstrap, Map<String, String> env, Map<String, String> settings, Clock clock) {
        String topic = "gw-test-" + UUID.randomUUID();
        KafkaBroker.createTopic(bootstrap, topic, 3);
        Map<String, String> all = new HashMap<>();
        all.put("PORT", "0");
        all.put("PUBLIC_API_KEYS", KEY);
        all.put("ALLOWED_ORIGINS", "https://app.example.com");
        all.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        all.put("EVENTS_TOPIC", topic);
        all.putAll(env);
        GatewayConfig config = GatewayConfig.load(all, settings);
        return new TestGateway(topic, GatewayMain.start(config, clock));
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery);
    }

    HttpResponse<String> post(String path, String body, String... headers) {
        return post(path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    HttpResponse<String> post(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<String> options(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(String text) {
        return gzip(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        gateway.close();
        http.close();
    }
}

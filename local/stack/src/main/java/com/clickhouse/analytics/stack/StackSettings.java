package com.clickhouse.analytics.stack;

import java.nio.file.Path;
import java.util.List;

import com.clickhouse.analytics.local.process.FreePorts;

/**
 * Where the local stack lives and listens. Fixed, well-known ports, so a second copy fails fast
 * on the first port it finds taken instead of starting a second pipeline beside the first.
 */
public record StackSettings(
        Path dataDir,
        int gatewayPort,
        int writerPort,
        int kafkaPort,
        int kafkaControllerPort,
        int clickHousePort,
        String clickHouseUser,
        String clickHousePassword,
        String database,
        String apiKey,
        List<String> allowedOrigins,
        String eventsTopic,
        String dlqTopic,
        int partitions) {

    public static final String DEV_API_KEY = "local_dev_key";

    /** The documented defaults of {@code ./cpa up}; ports can be moved with CPA_*_PORT variables. */
    public static StackSettings defaults(Path dataDir) {
        return new StackSettings(dataDir,
                port("CPA_GATEWAY_PORT", 8080), port("CPA_WRITER_PORT", 8081),
                port("CPA_KAFKA_PORT", 9092), port("CPA_KAFKA_CONTROLLER_PORT", 9093),
                port("CPA_CLICKHOUSE_PORT", 8123),
                "analytics", "local_dev_password", "product_analytics", DEV_API_KEY,
                List.of("http://localhost:3000", "http://127.0.0.1:3000", "http://localhost:5173", "http://localhost:8000"),
                "events", "events_dlq", 4);
    }

    /** The same stack on free loopback ports (end-to-end tests run beside a developer's ./cpa up). */
    public static StackSettings onFreePorts(Path dataDir) {
        StackSettings d = defaults(dataDir);
        return new StackSettings(dataDir, FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), FreePorts.pick(),
                FreePorts.pick(), d.clickHouseUser(), d.clickHousePassword(), d.database(), d.apiKey(),
                d.allowedOrigins(), d.eventsTopic(), d.dlqTopic(), d.partitions());
    }

    public String gatewayUrl() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    public String clickHouseUrl() {
        return "http://127.0.0.1:" + clickHousePort;
    }

    public String kafkaBootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    private static int port(String variable, int fallback) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port < 1 || port > 65_535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be a port number (1-65535), got '" + value + "'");
        }
    }
}

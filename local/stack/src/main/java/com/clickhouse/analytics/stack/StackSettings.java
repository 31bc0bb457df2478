package com.clickhouse.analytics.stack;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.analytics.ops.config.Settings;

/**
 * Where the local stack lives and listens. Fixed, well-known ports, so a second copy fails fast
 * on the first port it finds taken instead of starting a second pipeline beside the first.
 */
public record StackSettings(
        Path dataDir,
        int gatewayPort,
        int writerPort,
        int historicalWriterPort,
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
        String historicalTopic,
        int partitions) {

    public static final String DEV_API_KEY = "local_dev_key";

    /** Environment variable → config path of {@code stack.conf}. */
    static final Map<String, String> ENVIRONMENT = Map.of(
            "CPA_DATA_DIR", "stack.data-dir",
            "CPA_GATEWAY_PORT", "stack.gateway-port",
            "CPA_WRITER_PORT", "stack.writer-port",
            "CPA_HISTORICAL_WRITER_PORT", "stack.historical-writer-port",
            "CPA_KAFKA_PORT", "stack.kafka-port",
            "CPA_KAFKA_CONTROLLER_PORT", "stack.kafka-controller-port",
            "CPA_CLICKHOUSE_PORT", "stack.clickhouse-port");

    /** {@code ./cpa up}'s settings: the data directory from {@code CPA_DATA_DIR} (default {@code .data}), then {@link #defaults}. */
    public static StackSettings fromEnvironment() {
        Settings s = settings(System.getenv());
        return defaults(Path.of(s.required("stack.data-dir")).toAbsolutePath(), s);
    }

    /** The documented defaults of {@code ./cpa up}; ports can be moved with CPA_*_PORT variables. */
    public static StackSettings defaults(Path dataDir) {
        return defaults(dataDir, settings(System.getenv()));
    }

    private static Settings settings(Map<String, String> environment) {
        return Settings.load(StackSettings.class, "stack.conf", ENVIRONMENT, environment, Map.of());
    }

    private static StackSettings defaults(Path dataDir, Settings s) {
        return new StackSettings(dataDir,
                s.intIn("stack.gateway-port", 1, 65_535), s.intIn("stack.writer-port", 1, 65_535),
                s.intIn("stack.historical-writer-port", 1, 65_535),
                s.intIn("stack.kafka-port", 1, 65_535), s.intIn("stack.kafka-controller-port", 1, 65_535),
                s.intIn("stack.clickhouse-port", 1, 65_535),
                "analytics", "local_dev_password", "product_analytics", DEV_API_KEY,
                List.of("http://localhost:3000", "http://127.0.0.1:3000", "http://localhost:5173", "http://localhost:8000"),
                "events", "events_dlq", "events_historical", 4);
    }

    /** The same stack on free loopback ports (end-to-end tests run beside a developer's ./cpa up). */
    public static StackSettings onFreePorts(Path dataDir) {
        StackSettings d = defaults(dataDir);
        return new StackSettings(dataDir, FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), FreePorts.pick(), FreePorts.pick(),
                FreePorts.pick(), d.clickHouseUser(), d.clickHousePassword(), d.database(), d.apiKey(),
                d.allowedOrigins(), d.eventsTopic(), d.dlqTopic(), d.historicalTopic(), d.partitions());
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
}

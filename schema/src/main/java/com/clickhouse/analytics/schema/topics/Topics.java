package com.clickhouse.analytics.schema.topics;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.logging.Logging;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The {@code topics} entry point (the image's {@code topics} command, the chart's hook Job,
 * {@code ./cpa up}): creates the events and dead-letter topics before any service needs them.
 * Prints one line per topic; exits 0 when every topic exists, 1 when Kafka refused, 2 on a bad
 * setting.
 */
public final class Topics {

    private Topics() {
    }

    public static void main(String[] args) {
        Logging.configure(System.getenv());
        TopicsConfig config;
        try {
            config = TopicsConfig.from(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("topics: " + e.getMessage());
            System.exit(2);
            return;
        }
        try (Admin admin = Admin.create(adminSettings(config))) {
            for (TopicCreator.Outcome outcome : new TopicCreator(admin, Duration.ofSeconds(30)).ensure(config.topics())) {
                System.out.println("topics: " + outcome);
            }
        } catch (RuntimeException e) {
            System.err.println("topics: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static Map<String, Object> adminSettings(TopicsConfig config) {
        Map<String, Object> settings = new HashMap<>(config.kafkaClientProperties());
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        settings.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "cpa-topics");
        return settings;
    }

    /** The topics a service needs, for its readiness check: names only. */
    public static List<String> names(TopicsConfig config) {
        return config.topics().stream().map(TopicSpec::name).toList();
    }
}

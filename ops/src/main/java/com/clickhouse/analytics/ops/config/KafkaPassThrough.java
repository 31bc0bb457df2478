package com.clickhouse.analytics.ops.config;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The one {@code KAFKA_*} rule: {@code KAFKA_SECURITY_PROTOCOL=SASL_SSL} becomes the client
 * setting {@code security.protocol=SASL_SSL} (prefix dropped, lower case, {@code _} → {@code .})
 * when that names a setting of a Kafka producer, consumer or admin client. Other {@code KAFKA_*}
 * variables — the broker image's {@code KAFKA_HEAP_OPTS}, {@code KAFKA_OPTS}, … — are not client
 * settings and are ignored. {@code KAFKA_BOOTSTRAP_SERVERS} is a setting of its own.
 */
public final class KafkaPassThrough {

    public static final String PREFIX = "KAFKA_";
    public static final String BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";

    private static final Set<String> CLIENT_SETTINGS = clientSettings();

    private KafkaPassThrough() {
    }

    /** The client settings {@code environment} passes through, sorted by name. Values may be secrets: never log them. */
    public static Map<String, String> from(Map<String, String> environment) {
        Map<String, String> properties = new TreeMap<>();
        environment.forEach((variable, value) -> {
            String name = settingOf(variable);
            if (name != null) {
                properties.put(name, value);
            }
        });
        return properties;
    }

    /** The client setting {@code variable} stands for, or null when it stands for none. */
    public static String settingOf(String variable) {
        if (!variable.startsWith(PREFIX) || variable.equals(BOOTSTRAP_SERVERS)) {
            return null;
        }
        String name = variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        return CLIENT_SETTINGS.contains(name) ? name : null;
    }

    private static Set<String> clientSettings() {
        Set<String> names = new HashSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }
}

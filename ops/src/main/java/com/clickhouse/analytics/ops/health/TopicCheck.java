package com.clickhouse.analytics.ops.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.clickhouse.analytics.ops.kafka.TopicDescriber;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Readiness of a service's topics: each must exist. Managed Kafka (Confluent Cloud, MSK, many
 * Strimzi clusters) does not create topics on first use, so a service whose topic is missing must
 * not turn ready — every request would fail — and must say which topic and how to create it.
 * Blocks for at most the timeout; call it off the I/O threads.
 */
public final class TopicCheck implements Check {

    static final String HOW = "create it with the topics entry point (the chart's hook Job, `./cpa up`, "
            + "or `docker run … topics`)";

    private final TopicDescriber describer;
    private final List<String> topics;

    public TopicCheck(Admin admin, List<String> topics, Duration timeout) {
        this.describer = new TopicDescriber(admin, timeout);
        this.topics = List.copyOf(topics);
    }

    @Override
    public Optional<String> problem() {
        try {
            partitions();
            return Optional.empty();
        } catch (MissingTopic e) {
            return Optional.of(e.getMessage());
        } catch (RuntimeException e) {
            return Optional.of("Kafka cannot describe the topics " + topics + ": " + e.getClass().getSimpleName());
        }
    }

    /**
     * The partition count of every topic.
     *
     * @throws MissingTopic naming the first topic that does not exist
     */
    public Map<String, Integer> partitions() {
        Map<String, Integer> partitions = new TreeMap<>();
        for (String topic : topics) {
            try {
                TopicDescription description = describer.describe(topic)
                        .orElseThrow(() -> new MissingTopic("topic " + topic + " does not exist: " + HOW));
                partitions.put(topic, description.partitions().size());
            } catch (TopicDescriber.Unavailable e) {
                throw new IllegalStateException(e.getMessage(), e.getCause());
            }
        }
        return partitions;
    }

    /** A topic the service needs does not exist. */
    public static final class MissingTopic extends RuntimeException {
        MissingTopic(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "TopicCheck" + topics;
    }
}

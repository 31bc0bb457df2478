package com.clickhouse.analytics.ops.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Readiness of a service's topics: each must exist. Managed Kafka (Confluent Cloud, MSK, many
 * Strimzi clusters) does not create topics on first use, so a service whose topic is missing must
 * not turn ready — every request would fail — and must say which topic and how to create it.
 * Blocks for at most the timeout; call it off the I/O threads.
 */
public final class TopicCheck implements Check {

    static final String HOW = "create it with the topics entry point (the chart's hook Job, `./cpa up`, "
            + "or `docker run … topics`)";

    private final Admin admin;
    private final List<String> topics;
    private final Duration timeout;

    public TopicCheck(Admin admin, List<String> topics, Duration timeout) {
        this.admin = admin;
        this.topics = List.copyOf(topics);
        this.timeout = timeout;
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
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(topics).topicNameValues();
        Map<String, Integer> partitions = new TreeMap<>();
        for (String topic : topics) {
            try {
                partitions.put(topic, described.get(topic).get(timeout.toMillis(), TimeUnit.MILLISECONDS).partitions().size());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new MissingTopic("topic " + topic + " does not exist: " + HOW);
                }
                throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause(), e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("no description of topic " + topic + " within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
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

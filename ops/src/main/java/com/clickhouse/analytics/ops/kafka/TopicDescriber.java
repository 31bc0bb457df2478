package com.clickhouse.analytics.ops.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The one place that asks Kafka about a topic: the readiness check, the {@code topics} entry point
 * and the writer's topic ids all need "does it exist, how many partitions, which id", and all must
 * tell a missing topic (an answer) from a broker that does not answer (a failure). Blocks for at
 * most the timeout.
 */
public final class TopicDescriber {

    private final Admin admin;
    private final Duration timeout;

    public TopicDescriber(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /**
     * The topic's description, empty when it does not exist.
     *
     * @throws Unavailable when Kafka does not answer within the timeout, answers with another error,
     *                     or the thread is interrupted (its flag is set again)
     */
    public Optional<TopicDescription> describe(String topic) {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw new Unavailable("cannot describe topic " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new Unavailable("no description of topic " + topic + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted describing topic " + topic, e);
        }
    }

    public Duration timeout() {
        return timeout;
    }

    /** Kafka gave no description: retry later, the topic may well exist. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }

        /** The wait was interrupted (a shutdown), not refused by Kafka. */
        public boolean interrupted() {
            return getCause() instanceof InterruptedException;
        }
    }

    @Override
    public String toString() {
        return "TopicDescriber[timeout=" + timeout + "]";
    }
}

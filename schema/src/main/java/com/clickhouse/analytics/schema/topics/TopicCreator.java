package com.clickhouse.analytics.schema.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.clickhouse.analytics.ops.kafka.TopicDescriber;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline's topics with the Admin API, so they exist before traffic does — managed
 * Kafka (Confluent Cloud, MSK, many Strimzi clusters) refuses auto-creation. Idempotent: an existing
 * topic keeps its partitions (more partitions would move keys, hence reorder a person's events, so
 * a topic with fewer than asked is reported, not changed) and gets the asked configs set. Safe to
 * run concurrently: a topic another run created meanwhile counts as existing.
 */
public final class TopicCreator {

    /** What happened to one topic, for the report. */
    public record Outcome(String topic, Result result, int partitions, String detail) {
        @Override
        public String toString() {
            return topic + ": " + result.text + " (" + partitions + " partition" + (partitions == 1 ? "" : "s") + ")"
                    + (detail.isEmpty() ? "" : "; " + detail);
        }
    }

    public enum Result {
        CREATED("created"), EXISTS("exists"), FEWER_PARTITIONS("exists with fewer partitions than asked");

        private final String text;

        Result(String text) {
            this.text = text;
        }
    }

    private final Admin admin;
    private final Duration timeout;
    private final TopicDescriber describer;

    public TopicCreator(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
        this.describer = new TopicDescriber(admin, timeout);
    }

    /** Creates what is missing, sets the configs of all, and says what it found. */
    public List<Outcome> ensure(List<TopicSpec> specs) {
        List<Outcome> outcomes = new ArrayList<>();
        for (TopicSpec spec : specs) {
            Optional<TopicDescription> existing = describe(spec.name());
            if (existing.isEmpty() && create(spec)) {
                outcomes.add(new Outcome(spec.name(), Result.CREATED, spec.partitions(), ""));
                continue;
            }
            int partitions = existing.orElseGet(() -> awaitDescription(spec.name())).partitions().size();
            setConfigs(spec);
            if (partitions < spec.partitions()) {
                outcomes.add(new Outcome(spec.name(), Result.FEWER_PARTITIONS, partitions, "asked for " + spec.partitions()
                        + "; raise them with kafka-topics.sh --alter if moving keys to other partitions is acceptable"));
            } else {
                outcomes.add(new Outcome(spec.name(), Result.EXISTS, partitions, ""));
            }
        }
        return outcomes;
    }

    /** The partitions of each topic that exists; a missing one is absent from the map. */
    public Map<String, Integer> partitions(Collection<String> topics) {
        Map<String, Integer> found = new java.util.TreeMap<>();
        for (String topic : Set.copyOf(topics)) {
            describe(topic).ifPresent(d -> found.put(topic, d.partitions().size()));
        }
        return found;
    }

    /** A topic another run just created may take a moment to show in the metadata of every broker. */
    private TopicDescription awaitDescription(String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<TopicDescription> description = describe(topic);
            if (description.isPresent()) {
                return description.get();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " exists but cannot be described within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private Optional<TopicDescription> describe(String topic) {
        try {
            return describer.describe(topic);
        } catch (TopicDescriber.Unavailable e) {
            throw new IllegalStateException(e.getMessage(), e.getCause());
        }
    }

    /** False when another run created it first. */
    private boolean create(TopicSpec spec) {
        NewTopic topic = spec.replicationFactor() == -1
                ? new NewTopic(spec.name(), Optional.of(spec.partitions()), Optional.empty())
                : new NewTopic(spec.name(), spec.partitions(), spec.replicationFactor());
        topic.configs(spec.configs());
        try {
            admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw failure("create topic " + spec.name(), e.getCause());
        } catch (TimeoutException e) {
            throw failure("create topic " + spec.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void setConfigs(TopicSpec spec) {
        if (spec.configs().isEmpty()) {
            return;
        }
        List<AlterConfigOp> ops = spec.configs().entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
        try {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()), ops)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure("set the configs of topic " + spec.name(), e.getCause());
        } catch (TimeoutException e) {
            throw failure("set the configs of topic " + spec.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private IllegalStateException failure(String what, Throwable cause) {
        return new IllegalStateException("cannot " + what + " within " + timeout.toSeconds() + " s: " + cause, cause);
    }
}

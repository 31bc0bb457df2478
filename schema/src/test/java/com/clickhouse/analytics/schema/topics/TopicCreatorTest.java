package com.clickhouse.analytics.schema.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The topics entry point's work against a real broker: create, run again, meet a smaller topic. */
class TopicCreatorTest {

    private final String bootstrap = Infrastructure.shared().kafkaBootstrapServers();

    @Test
    void createsWhatIsMissingAndIsANoOpTheSecondTime() throws Exception {
        String events = "topics-events-" + UUID.randomUUID();
        String dlq = events + "_dlq";
        String historical = events + "_historical";
        TopicsConfig config = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "EVENTS_TOPIC", events,
                "DLQ_TOPIC", dlq, "EVENTS_TOPIC_PARTITIONS", "5", "EVENTS_RETENTION_MS", "3600000", "HISTORICAL_TOPIC", historical));
        try (Admin admin = Admin.create(Topics.adminSettings(config))) {
            TopicCreator creator = new TopicCreator(admin, Duration.ofSeconds(30));
            List<TopicCreator.Outcome> first = creator.ensure(config.topics());
            assertEquals(List.of(TopicCreator.Result.CREATED, TopicCreator.Result.CREATED, TopicCreator.Result.CREATED), first.stream().map(TopicCreator.Outcome::result).toList());
            List<String> asked = List.of(events, dlq, historical, "no-such-topic-" + UUID.randomUUID());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (creator.partitions(asked).size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100); // a new topic's metadata reaches the broker's cache a moment after creation
            }
            assertEquals(Map.of(events, 5, dlq, 1, historical, 4), creator.partitions(asked));
            assertEquals("3600000", retention(admin, events));
            assertEquals("2592000000", retention(admin, dlq), "the dead-letter topic's default: 30 days");

            List<TopicCreator.Outcome> again = creator.ensure(config.topics());
            assertEquals(List.of(TopicCreator.Result.EXISTS, TopicCreator.Result.EXISTS, TopicCreator.Result.EXISTS), again.stream().map(TopicCreator.Outcome::result).toList());
            assertEquals(events + ": exists (5 partitions)", again.getFirst().toString());
        }
    }

    @Test
    void aTopicWithFewerPartitionsIsReportedNotChangedAndItsConfigsAreSet() throws Exception {
        String events = "topics-small-" + UUID.randomUUID();
        KafkaBroker.createTopic(bootstrap, events, 2);
        TopicsConfig config = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "EVENTS_TOPIC", events,
                "DLQ_TOPIC", events + "_dlq", "EVENTS_RETENTION_MS", "7200000", "HISTORICAL_TOPIC", events + "_historical"));
        try (Admin admin = Admin.create(Topics.adminSettings(config))) {
            TopicCreator.Outcome outcome = new TopicCreator(admin, Duration.ofSeconds(30)).ensure(config.topics()).getFirst();
            assertEquals(TopicCreator.Result.FEWER_PARTITIONS, outcome.result());
            assertEquals(2, outcome.partitions());
            assertTrue(outcome.toString().contains("asked for 12"), outcome.toString());
            assertEquals(2, admin.describeTopics(List.of(events)).allTopicNames().get(10, TimeUnit.SECONDS).get(events).partitions().size(),
                    "partitions are never raised behind the operator's back");
            assertEquals("7200000", retention(admin, events));
        }
    }

    private static String retention(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource).get("retention.ms").value();
    }
}

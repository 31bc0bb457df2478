package com.clickhouse.analytics.ops.kafka;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.testkit.Infrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A topic that exists, one that does not, a broker that does not answer and an interrupted wait, on a real broker. */
class TopicDescriberTest {

    @Test
    void describesAnExistingTopicAndAnswersEmptyForAMissingOne() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infrastructure.shared().kafkaBootstrapServers()))) {
            String topic = "describer-" + UUID.randomUUID();
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            TopicDescriber describer = new TopicDescriber(admin, Duration.ofSeconds(20));

            var description = describer.describe(topic).orElseThrow();
            assertEquals(3, description.partitions().size());
            assertEquals(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId(), description.topicId());
            assertTrue(describer.describe("describer-missing-" + UUID.randomUUID()).isEmpty());
        }
    }

    @Test
    void aBrokerThatDoesNotAnswerIsUnavailableNotMissing() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port));
        try {
            TopicDescriber describer = new TopicDescriber(admin, Duration.ofMillis(500));
            var error = assertThrows(TopicDescriber.Unavailable.class, () -> describer.describe("any"));
            assertFalse(error.interrupted());
            assertTrue(error.getMessage().contains("within"), error.getMessage());

            Thread.currentThread().interrupt();
            try {
                var interrupted = assertThrows(TopicDescriber.Unavailable.class, () -> describer.describe("any"));
                assertTrue(interrupted.interrupted());
                assertTrue(Thread.currentThread().isInterrupted(), "the flag is set again");
            } finally {
                Thread.interrupted();
            }
        } finally {
            admin.close(Duration.ZERO); // its abandoned calls would hold close() for the default API timeout
        }
    }
}

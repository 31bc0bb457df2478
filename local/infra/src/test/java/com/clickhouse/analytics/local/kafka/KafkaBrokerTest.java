package com.clickhouse.analytics.local.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.clickhouse.analytics.local.LocalInfrastructure;
import com.clickhouse.analytics.local.process.FreePorts;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaBrokerTest {

    @Test
    void producesTenThousandRecordsAndConsumesThemBackInOrderPerPartition() throws Exception {
        String bootstrap = LocalInfrastructure.kafkaBootstrapServers();
        String topic = "roundtrip-" + System.nanoTime();
        KafkaBroker.createTopic(bootstrap, topic, 4);

        Map<String, List<String>> sentByKey = new HashMap<>();
        try (var producer = new KafkaProducer<String, String>(producerConfig(bootstrap))) {
            for (int i = 0; i < 10_000; i++) {
                String key = "user-" + (i % 37);
                String value = key + ":" + i;
                sentByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                producer.send(new ProducerRecord<>(topic, key, value));
            }
            producer.flush();
        }

        Map<String, List<String>> receivedByKey = new HashMap<>();
        Map<String, Integer> partitionOfKey = new HashMap<>();
        int received = 0;
        try (var consumer = new KafkaConsumer<String, String>(consumerConfig(bootstrap))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received < 10_000 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    receivedByKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
                    Integer previous = partitionOfKey.putIfAbsent(record.key(), record.partition());
                    assertTrue(previous == null || previous == record.partition(), "a key moved partitions");
                    received++;
                }
            }
        }
        assertEquals(10_000, received);
        assertEquals(sentByKey, receivedByKey, "content and per-key (hence per-partition) order");
        assertTrue(partitionOfKey.values().stream().distinct().count() > 1, "keys spread over partitions");
    }

    @Test
    void stopsAndRestartsWithTheSameDataAndPortsAndCloseDeletesTheData() throws Exception {
        java.nio.file.Path dataDir;
        try (KafkaBroker broker = KafkaBroker.onFreePorts().start()) {
            dataDir = broker.dataDir();
            String topic = "restart";
            broker.createTopic(topic, 2);
            try (var producer = new KafkaProducer<String, String>(producerConfig(broker.bootstrapServers()))) {
                producer.send(new ProducerRecord<>(topic, "k", "before")).get();
            }
            broker.stop();
            assertFalse(broker.isRunning());
            assertFalse(FreePorts.inUse(Integer.parseInt(broker.bootstrapServers().split(":")[1])), "port released");

            broker.start();
            try (var producer = new KafkaProducer<String, String>(producerConfig(broker.bootstrapServers()))) {
                producer.send(new ProducerRecord<>(topic, "k", "after")).get();
            }
            List<String> values = new ArrayList<>();
            try (var consumer = new KafkaConsumer<String, String>(consumerConfig(broker.bootstrapServers()))) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
                }
            }
            assertEquals(List.of("before", "after"), values);
            assertTrue(java.nio.file.Files.isDirectory(dataDir.resolve("data")), "data kept while the broker is only stopped");
        }
        assertFalse(java.nio.file.Files.exists(dataDir), "a temporary broker's directory is deleted on close: " + dataDir);
    }

    @Test
    void clusterIdsNeverStartWithADashWhichTheStorageToolWouldTakeForAnOption() {
        for (int i = 0; i < 5_000; i++) { // 1 in 64 random ids would
            String id = KafkaBroker.base64ClusterId();
            assertEquals(22, id.length(), id);
            assertNotEquals('-', id.charAt(0), id);
        }
    }

    @Test
    void refusesToStartOnAPortInUse() {
        try (KafkaBroker first = KafkaBroker.onFreePorts().start()) {
            int port = Integer.parseInt(first.bootstrapServers().split(":")[1]);
            KafkaBroker second = KafkaBroker.at(first.dataDir().resolveSibling(first.dataDir().getFileName() + "-2"),
                    port, FreePorts.pick());
            var error = assertThrows(IllegalStateException.class, second::start);
            assertTrue(error.getMessage().contains("already in use"), error.getMessage());
        }
    }

    private static Properties producerConfig(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    private static Properties consumerConfig(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }
}

package com.clickhouse.analytics.writer.consume;

import java.time.Duration;

import com.clickhouse.analytics.ops.kafka.TopicDescriber;
import com.clickhouse.analytics.writer.WriterException;
import org.apache.kafka.clients.admin.Admin;

/** {@link TopicIds} from the Admin API's topic description. */
public final class KafkaTopicIds implements TopicIds {

    private final TopicDescriber describer;

    public KafkaTopicIds(Admin admin, Duration timeout) {
        this.describer = new TopicDescriber(admin, timeout);
    }

    @Override
    public String idOf(String topic) {
        try {
            return describer.describe(topic)
                    .orElseThrow(() -> new WriterException.Unavailable("kafka_describe_failed", "topic " + topic + " does not exist", null))
                    .topicId().toString();
        } catch (TopicDescriber.Unavailable e) {
            throw new WriterException.Unavailable(e.interrupted() ? "interrupted" : "kafka_describe_failed",
                    e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "KafkaTopicIds[timeout=" + describer.timeout() + "]";
    }
}

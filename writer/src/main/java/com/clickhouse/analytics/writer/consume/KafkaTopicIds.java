package com.clickhouse.analytics.writer.consume;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.clickhouse.analytics.writer.WriterException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/** {@link TopicIds} from the Admin API's topic description. */
public final class KafkaTopicIds implements TopicIds {

    private final Admin admin;
    private final Duration timeout;

    public KafkaTopicIds(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    @Override
    public String idOf(String topic) {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return description.topicId().toString();
        } catch (ExecutionException e) {
            throw new WriterException.Unavailable("kafka_describe_failed", "cannot describe topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new WriterException.Unavailable("kafka_describe_failed", "no description of topic " + topic + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriterException.Unavailable("interrupted", "interrupted describing topic " + topic, e);
        }
    }

    @Override
    public String toString() {
        return "KafkaTopicIds[timeout=" + timeout + "]";
    }
}

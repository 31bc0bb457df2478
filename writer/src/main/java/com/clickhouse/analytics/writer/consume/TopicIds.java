package com.clickhouse.analytics.writer.consume;

/**
 * Kafka's id of a topic (its UUID, KIP-516): unlike the name, it changes when a topic is deleted and
 * created again, so it names the log that offsets count in. Deduplication tokens and replay fences
 * carry it, so a new log that counts from 0 again never repeats an old log's tokens.
 */
public interface TopicIds {

    /**
     * The topic's id as Kafka knows it now, never cached.
     *
     * @throws com.clickhouse.analytics.writer.WriterException.Unavailable when Kafka cannot say
     */
    String idOf(String topic);
}

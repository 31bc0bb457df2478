package com.clickhouse.analytics.writer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.writer.batch.Batch;
import com.clickhouse.analytics.writer.batch.BatchProcessor;
import com.clickhouse.analytics.writer.clickhouse.ShardedInserter;
import com.clickhouse.analytics.writer.identity.IdentityResolver;
import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import org.apache.kafka.common.TopicPartition;

/**
 * The writer's metrics in a Dropwizard registry, named as they appear in Prometheus text
 * (labels inside the name, see {@link com.clickhouse.analytics.metrics.PrometheusText}). Thread-safe: the consumer thread updates,
 * the HTTP thread reads.
 */
public final class WriterMetrics {

    private final MetricRegistry registry;
    private final Counter rowsInserted;
    private final Counter batches;
    private final Histogram batchRows;
    private final Histogram batchBytes;
    private final Timer batchLatency;
    private final Counter retries;
    private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    private volatile int buffered;
    private volatile boolean backingOff;

    public WriterMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.rowsInserted = registry.counter("cpa_writer_rows_inserted_total");
        this.batches = registry.counter("cpa_writer_batches_total");
        this.batchRows = registry.histogram("cpa_writer_batch_rows");
        this.batchBytes = registry.histogram("cpa_writer_batch_bytes");
        this.batchLatency = registry.timer("cpa_writer_batch_latency_seconds");
        this.retries = registry.counter("cpa_writer_insert_retries_total");
        registry.gauge("cpa_writer_buffered_records", () -> () -> buffered);
        registry.gauge("cpa_writer_backing_off", () -> () -> backingOff ? 1 : 0);
        deadLetteredCounter("undecodable");
        deadLetteredCounter("record_rejected");
        for (String outcome : new String[] {"merged", "refused_identified", "refused_illegal_id", "refused_personless"}) {
            identityMerge(outcome);
        }
        registry.counter("cpa_writer_group_types_unmapped_total");
        registry.counter("cpa_writer_identity_persons_unread_total");
    }

    public MetricRegistry registry() {
        return registry;
    }

    public void batchWritten(Batch batch, BatchProcessor.Outcome outcome, long nanos) {
        batches.inc();
        rowsInserted.inc(outcome.inserted());
        batchRows.update(batch.rows());
        batchBytes.update(batch.bytes());
        batchLatency.update(nanos, TimeUnit.NANOSECONDS);
    }

    public void deadLettered(String reason, long count) {
        deadLetteredCounter(reason).inc(count);
    }

    /** An identity merge decision ({@code merged}, {@code refused_identified}, {@code refused_illegal_id}, {@code refused_personless}). */
    private void identityMerge(String outcome) {
        registry.counter("cpa_writer_identity_merges_total{outcome=\"" + outcome + "\"}").inc();
    }

    /** What the identity step decided, as counters: its merges, and the persons it left unread. */
    public IdentityResolver.Outcomes identityOutcomes() {
        Counter unread = registry.counter("cpa_writer_identity_persons_unread_total");
        return new IdentityResolver.Outcomes() {
            @Override
            public void merge(String outcome) {
                identityMerge(outcome);
            }

            @Override
            public void unread(int persons) {
                unread.inc(persons);
            }
        };
    }

    /** An event's group type that got no {@code $group_N} index (a project's sixth type or later). */
    public void groupTypeUnmapped() {
        registry.counter("cpa_writer_group_types_unmapped_total").inc();
    }

    /**
     * The per-shard counters of a sharded writer ({@code CLICKHOUSE_SHARDS}), each registered at 0:
     * {@code cpa_writer_shard_rows_inserted_total{shard}} and {@code cpa_writer_shard_insert_failures_total{shard}}
     * (a failed part: the batch is retried whole, the shards that have their part drop it by token).
     */
    public ShardedInserter.Counts shardCounts(int shards) {
        Counter[] rows = new Counter[shards];
        Counter[] failures = new Counter[shards];
        for (int i = 0; i < shards; i++) {
            rows[i] = registry.counter("cpa_writer_shard_rows_inserted_total{shard=\"" + i + "\"}");
            failures[i] = registry.counter("cpa_writer_shard_insert_failures_total{shard=\"" + i + "\"}");
        }
        return new ShardedInserter.Counts() {
            @Override
            public void inserted(int shard, long count) {
                rows[shard].inc(count);
            }

            @Override
            public void failed(int shard) {
                failures[shard].inc();
            }
        };
    }

    public void retry() {
        retries.inc();
    }

    public void backingOff(boolean value) {
        backingOff = value;
    }

    public void buffered(int records) {
        buffered = records;
    }

    public void lag(TopicPartition tp, long value) {
        if (lag.put(tp, value) == null) {
            registry.gauge(lagName(tp), () -> (Gauge<Long>) () -> lag.getOrDefault(tp, 0L));
        }
    }

    public void forget(TopicPartition tp) {
        if (lag.remove(tp) != null) {
            registry.remove(lagName(tp));
        }
    }

    public long rowsInserted() {
        return rowsInserted.getCount();
    }

    private Counter deadLetteredCounter(String reason) {
        return registry.counter("cpa_writer_dead_lettered_total{reason=\"" + reason + "\"}");
    }

    private static String lagName(TopicPartition tp) {
        return "cpa_writer_consumer_lag{topic=\"" + tp.topic() + "\",partition=\"" + tp.partition() + "\"}";
    }
}

package com.clickhouse.analytics.writer.consume;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.analytics.writer.WriterMetrics;
import com.clickhouse.analytics.writer.batch.Batch;
import com.clickhouse.analytics.writer.batch.BatchAccumulator;
import com.clickhouse.analytics.writer.batch.BatchProcessor;
import com.clickhouse.analytics.writer.commit.OffsetTracker;
import com.clickhouse.analytics.writer.commit.ReplayFence;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's one consumer thread: poll → {@link BatchAccumulator} → {@link BatchProcessor}
 * (identities, insert, dead letters) → commit via {@link OffsetTracker}. What to do when — write a
 * round, retry it, pause, resume, write or drop revoked partitions, drain on stop — is decided by the
 * pure {@link WriteCycle}; this class feeds it inputs (polled, the outcome of a round, revoked, lost,
 * stop, fatal) and carries out the actions it returns.
 *
 * <p>Failure semantics:
 * <ul>
 *   <li>Offsets move only after a batch is durably written; before writing, the batch's boundary is
 *       fenced in the commit metadata ({@link ReplayFence}) so any replay has the same boundaries.</li>
 *   <li>A retryable failure keeps the batch, pauses every partition (nothing more is fetched, memory
 *       stays bounded), and retries after an exponential, jittered backoff; {@code poll} keeps running
 *       so the consumer stays in its group. Consumption resumes by itself after the first success.</li>
 *   <li>Revocation: if ClickHouse is healthy, the revoked partitions' batches are written once and
 *       committed; otherwise (or if that fails) they are dropped and the next owner replays them.
 *       Lost partitions are dropped without a commit.</li>
 *   <li>{@link #stop()} (SIGTERM): the same as revoking everything, then the consumer leaves the group.</li>
 *   <li>A fatal error stops the loop: {@link #run()} throws it after closing the consumer, writing nothing more.</li>
 * </ul>
 *
 * <p>Preparing a batch — decoding it and resolving its person ids — is done off this thread: a
 * second thread prepares the round's batches in order, one ahead of the batch being written, while
 * this one commits the fences and writes, so ClickHouse inserts one batch while the next is being
 * prepared (and no more than two prepared batches are held at once). Fences,
 * writes and commits keep their order; what a failed round did not reach is prepared again on retry
 * (person rows are idempotent).
 */
public final class ConsumerLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(15);
    /** Batches of a round prepared beyond the one being written: one keeps the insert and the preparing overlapped. */
    static final int PREPARE_AHEAD = 1;

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final TopicIds topicIds;
    private final BatchAccumulator accumulator;
    private final BatchProcessor processor;
    private final OffsetTracker offsets;
    private final WriteCycle cycle;
    private final WriterMetrics metrics;
    private final Clock clock;
    private final int maxPollRecords;
    private final long fillWindowMillis;
    private final ExecutorService preparer = Executors.newSingleThreadExecutor(Thread.ofPlatform()
            .name("writer-prepare").daemon(true).factory());

    private volatile boolean running = true;
    private volatile boolean alive;
    private WriterException.Unavailable lastFailure;
    private long lagReportedAtMillis;

    public ConsumerLoop(Consumer<byte[], byte[]> consumer, String topic, TopicIds topicIds, BatchAccumulator accumulator,
                        BatchProcessor processor, OffsetTracker offsets, WriteCycle cycle, WriterMetrics metrics, Clock clock,
                        int maxPollRecords, Duration batchMaxAge) {
        this.consumer = consumer;
        this.topic = topic;
        this.topicIds = topicIds;
        this.accumulator = accumulator;
        this.processor = processor;
        this.offsets = offsets;
        this.cycle = cycle;
        this.metrics = metrics;
        this.clock = clock;
        this.maxPollRecords = maxPollRecords;
        this.fillWindowMillis = batchMaxAge.toMillis() / 2;
    }

    @Override
    public void run() {
        alive = true;
        WriteCycle.Input end = WriteCycle.Input.STOP;
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (running) {
                int fetched = add(consumer.poll(cycle.pollTimeout(accumulator.millisUntilNextDeadline())));
                long fillUntil = clock.millis() + fillWindowMillis;
                while (running && WriteCycle.keepFilling(fetched, maxPollRecords, accumulator.hasClosedBatch(), clock.millis(), fillUntil)) {
                    fetched = add(consumer.poll(Duration.ZERO));
                }
                handle(WriteCycle.Input.POLLED, accumulator.partitions(), Batch.CloseReason.SHUTDOWN);
                applyPauses();
                report();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (WriterException.Fatal e) {
            end = WriteCycle.Input.FATAL;
            throw e;
        } finally {
            try {
                handle(end, accumulator.partitions(), Batch.CloseReason.SHUTDOWN);
            } finally {
                consumer.close(Duration.ofSeconds(10)); // leaves the group: revokes everything
                preparer.shutdownNow();
                alive = false;
            }
        }
    }

    private int add(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            boolean first = true;
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                SourceRecord record = new SourceRecord(tp, r.offset(), r.key(), r.value(), r.timestamp());
                if (first && accumulator.isRewound(record)) {
                    logReplaced(tp, record.offset());
                }
                first = false;
                accumulator.add(record);
            }
        }
        return records.count();
    }

    /**
     * The consumer went back in a partition it kept: its log was replaced (the topic deleted and
     * created again while assigned here, so its position no longer existed and was reset). The new
     * log counts offsets from the start again under a new topic id. What is buffered belongs to the
     * old log, whose offsets mean nothing in the new one: it is dropped uncommitted (the old log's
     * records are gone with it), and the partition starts over as if newly assigned.
     */
    private void logReplaced(TopicPartition tp, long offset) {
        int buffered = accumulator.bufferedRecords(tp);
        accumulator.drop(List.of(tp));
        offsets.revoked(tp);
        String logId = logIdOf(tp.topic());
        accumulator.assign(tp, logId, Optional.empty());
        offsets.assigned(tp, -1);
        LOG.warn("{}: the consumer went back to offset {}: the topic was replaced (topic id now {}); {} buffered record(s) "
                + "of the old log dropped", tp, offset, logId, buffered);
    }

    /** Asks the loop to finish its in-flight work, commit, leave the group and return. Thread-safe. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Whether {@link #run()} is running (liveness). */
    public boolean isAlive() {
        return alive;
    }

    /**
     * Feeds {@code input} to the cycle and carries out its actions; {@code partitions} are the ones the
     * input concerns (revoked, lost, or everything owned) and {@code reason} why their batches close early.
     */
    private void handle(WriteCycle.Input input, Collection<TopicPartition> partitions, Batch.CloseReason reason) {
        WriteCycle.State before = cycle.state();
        for (WriteCycle.Action action : cycle.on(input)) {
            switch (action) {
                case WRITE_ROUND -> handle(writeRound(accumulator.ready()), partitions, reason);
                case WRITE_FINAL -> writeFinal(partitions, reason);
                case COMMIT_PENDING -> commitPending(partitions);
                case FORGET -> forget(partitions);
                case SCHEDULE_RETRY -> retryScheduled();
                case RESUME -> resumed(before.failedAttempts());
            }
        }
    }

    /**
     * Fences, writes and commits one batch per partition at most and says how that went; a retryable
     * failure is {@link WriteCycle.Input#UNAVAILABLE} (kept in {@link #lastFailure}), the batches stay
     * with their batchers for a retry.
     */
    private WriteCycle.Input writeRound(List<Batch> batches) {
        if (batches.isEmpty()) {
            return WriteCycle.Input.NOTHING_TO_WRITE;
        }
        try {
            // Prepared in order on the prepare thread, while the fences are committed and the batch before is
            // written: at most PREPARE_AHEAD batches beyond the one being written, since a prepared batch (its
            // decoded, enriched events and rows) is two to three times the records' size, and preparing the
            // whole round ahead held one per partition at once (docs/benchmarks.md, issue 19).
            List<Future<BatchProcessor.Prepared>> prepared = new ArrayList<>(batches.size());
            for (int i = 0; i < batches.size(); i++) {
                prepared.add(i <= PREPARE_AHEAD ? prepare(batches.get(i)) : null);
            }
            try {
                if (!commit(offsets.fencesFor(batches))) {
                    return WriteCycle.Input.REBALANCED; // the group moved on: these partitions are being taken away
                }
                for (int i = 0; i < batches.size(); i++) {
                    Batch batch = batches.get(i);
                    long start = System.nanoTime();
                    BatchProcessor.Outcome outcome = processor.write(batch, prepared(prepared.get(i)));
                    prepared.set(i, null); // garbage once written
                    int next = i + 1 + PREPARE_AHEAD;
                    if (next < batches.size()) {
                        prepared.set(next, prepare(batches.get(next)));
                    }
                    accumulator.completed(batch);
                    offsets.inserted(batch);
                    metrics.batchWritten(batch, outcome, System.nanoTime() - start);
                }
            } finally {
                for (Future<BatchProcessor.Prepared> f : prepared) {
                    if (f != null) {
                        f.cancel(false); // a round that stopped early: its retry prepares again
                    }
                }
            }
            commit(offsets.pending());
            return WriteCycle.Input.WRITTEN;
        } catch (WriterException.Unavailable e) {
            lastFailure = e;
            return WriteCycle.Input.UNAVAILABLE;
        } catch (WriterException.RecordRejected e) {
            // Only event inserts may reject records, and those are isolated: this is a bug, not data.
            throw new WriterException.Fatal("unexpected record rejection outside the events insert: " + e.getMessage(), e);
        }
    }

    /** Closes and writes what is buffered for {@code partitions} once; whatever fails is left to the next owner. */
    private void writeFinal(Collection<TopicPartition> partitions, Batch.CloseReason reason) {
        if (partitions.isEmpty()) {
            return;
        }
        List<Batch> batches = accumulator.closeNow(partitions, reason);
        if (writeRound(batches) == WriteCycle.Input.UNAVAILABLE) {
            LOG.warn("final write of {} batch(es) failed, leaving them to the next owner: {}", batches.size(),
                    lastFailure.getMessage());
        }
    }

    private void retryScheduled() {
        WriteCycle.State state = cycle.state();
        metrics.retry();
        metrics.backingOff(true);
        LOG.warn("write failed ({}), attempt {}, partitions paused, retry in {} ms: {}", lastFailure.tag(), state.failedAttempts(),
                Math.max(0, state.retryAtMillis() - clock.millis()), lastFailure.getMessage());
    }

    private void resumed(int failedAttempts) {
        LOG.warn("writing again after {} failed attempt(s)", failedAttempts);
        metrics.backingOff(false);
    }

    private Future<BatchProcessor.Prepared> prepare(Batch batch) {
        return preparer.submit(() -> processor.prepare(batch));
    }

    private static BatchProcessor.Prepared prepared(Future<BatchProcessor.Prepared> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriterException.Unavailable("interrupted", "interrupted while preparing a batch", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new IllegalStateException("preparing a batch failed", e.getCause());
            }
        }
    }

    /**
     * Commits synchronously. Returns false when the group has rebalanced under us (the commit is
     * refused and the partitions will be revoked on the next poll); throws a retryable error when
     * Kafka cannot take the commit now.
     */
    private boolean commit(Map<TopicPartition, OffsetAndMetadata> commit) {
        if (commit.isEmpty()) {
            return true;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                consumer.commitSync(commit, COMMIT_TIMEOUT);
                offsets.committed(commit);
                return true;
            } catch (WakeupException e) {
                if (attempt > 0) {
                    throw e;
                } // a stop() arrived; the wakeup is consumed, commit once more
            } catch (CommitFailedException | RebalanceInProgressException e) {
                LOG.warn("commit refused, the group is rebalancing: {}", e.getMessage());
                return false;
            } catch (KafkaException e) {
                throw new WriterException.Unavailable("kafka_commit_failed", "offset commit failed: " + e, e);
            }
        }
    }

    /** Commits the inserted offsets of {@code partitions} that are not committed yet; a failure is logged, the next round retries. */
    private void commitPending(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>(offsets.pending());
        pending.keySet().retainAll(partitions);
        if (pending.isEmpty()) {
            return;
        }
        try {
            commit(pending);
        } catch (WriterException.Unavailable e) {
            LOG.warn("offset commit failed, will retry: {}", e.getMessage());
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        accumulator.drop(partitions);
        for (TopicPartition tp : partitions) {
            offsets.revoked(tp);
            metrics.forget(tp);
        }
    }

    private void applyPauses() {
        Set<TopicPartition> assignment = consumer.assignment();
        Set<TopicPartition> wanted = cycle.pausesEverything() ? new HashSet<>(assignment) : accumulator.partitionsToPause();
        wanted.retainAll(assignment);
        Set<TopicPartition> paused = consumer.paused();
        Set<TopicPartition> toPause = new HashSet<>(wanted);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.removeAll(wanted);
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
        }
    }

    /** Lag of each owned partition: log end − committed offset (what a restart would replay). */
    private void report() {
        metrics.buffered(accumulator.bufferedRecords());
        long now = clock.millis();
        if (now - lagReportedAtMillis < 1_000) {
            return;
        }
        lagReportedAtMillis = now;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong behind = consumer.currentLag(tp);
            if (behind.isEmpty()) {
                continue;
            }
            long committed = offsets.committedOffset(tp);
            long uncommitted = 0;
            if (committed >= 0) {
                try {
                    uncommitted = Math.max(0, consumer.position(tp, Duration.ZERO) - committed);
                } catch (KafkaException e) {
                    continue;
                }
            }
            metrics.lag(tp, behind.getAsLong() + uncommitted);
        }
    }

    /**
     * The topic's id, asked again for up to {@link #COMMIT_TIMEOUT}: without it no batch can be named,
     * so a Kafka that cannot say for that long stops the writer (a restart asks again).
     */
    private String logIdOf(String topic) {
        long deadline = clock.millis() + COMMIT_TIMEOUT.toMillis();
        while (true) {
            try {
                return topicIds.idOf(topic);
            } catch (WriterException.Unavailable e) {
                if (clock.millis() >= deadline) {
                    throw new WriterException.Fatal("cannot learn the id of topic " + topic + ": " + e.getMessage(), e);
                }
                LOG.warn("{}, asking again", e.getMessage());
                try {
                    Thread.sleep(500);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new WriterException.Fatal("interrupted while learning the id of topic " + topic, interrupted);
                }
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            handle(WriteCycle.Input.REVOKED, partitions, Batch.CloseReason.REVOKE);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            handle(WriteCycle.Input.LOST, partitions, Batch.CloseReason.REVOKE);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions), COMMIT_TIMEOUT);
            String logId = logIdOf(topic);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                Optional<ReplayFence.Fence> fence = ReplayFence.parse(c == null ? null : c.metadata(), tp.topic());
                if (fence.isPresent() && !fence.get().logId().equals(logId) && !fence.get().logId().equals(tp.topic())) {
                    LOG.warn("{}: ignoring the fence of an earlier topic of this name (id {}, now {})", tp, fence.get().logId(), logId);
                    fence = Optional.empty();
                }
                accumulator.assign(tp, logId, fence);
                offsets.assigned(tp, c == null ? -1 : c.offset());
                fence.ifPresent(f -> LOG.info("{}: replaying the fenced batch {}..{}", tp, c.offset(), f.lastOffset()));
            }
        }
    }
}

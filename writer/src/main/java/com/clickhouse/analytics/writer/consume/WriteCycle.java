package com.clickhouse.analytics.writer.consume;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import com.clickhouse.analytics.writer.Backoff;

/**
 * The decisions of the {@link ConsumerLoop}, as a state machine: when to write a round, how to react
 * to its outcome (retry with backoff, pause, resume), what to do with revoked partitions and on
 * SIGTERM. {@link #transition} is pure — a state and an input in, the next state and the actions to
 * take out — so the whole table is tested without Kafka, ClickHouse or sleeping; the loop only
 * carries the actions out. Time comes from the injected {@link Clock}. Not thread-safe: owned by the
 * consumer thread.
 *
 * <p>Invariants the table keeps (writer README, "Semantics"):
 * <ul>
 *   <li>Nothing is committed that is not durably written: every commit action is
 *       {@link Action#COMMIT_PENDING}, which commits only {@code OffsetTracker}'s inserted offsets.</li>
 *   <li>While {@link Phase#BACKING_OFF}, every assigned partition is paused ({@link #pausesEverything()})
 *       and rounds wait for the retry time; the retried round is the same batches (the batchers hand
 *       them out until written).</li>
 *   <li>Revoked partitions are written once only while healthy; in any other phase their buffered
 *       records are dropped and the next owner replays them from the last commit (and its fence).</li>
 *   <li>After {@link Input#STOP} no round is written but the drain's one final write; after
 *       {@link Input#FATAL} nothing is written at all. Round outcomes are illegal there. Either way the
 *       loop then closes the consumer (leaves the group), which revokes everything.</li>
 * </ul>
 */
public final class WriteCycle {

    /** Where the loop is. */
    public enum Phase {
        /** Healthy: every poll is followed by a round of the ready batches. */
        CONSUMING,
        /** A round failed retryably: every partition is paused; the same round is retried at {@code retryAtMillis}. */
        BACKING_OFF,
        /** SIGTERM: what is buffered was written once (if healthy) and committed; the consumer is closing. */
        DRAINING,
        /** A fatal error: the consumer is closing; nothing more is written. */
        FAILED
    }

    /** What just happened. The round outcomes ({@code WRITTEN} … {@code REBALANCED}) are only those of rounds the machine asked for. */
    public enum Input {
        /** A poll (and the backlog fill after it) returned. */
        POLLED,
        /** The round's batches are in ClickHouse and their ends committed. */
        WRITTEN,
        /** The round had no batch to write. */
        NOTHING_TO_WRITE,
        /** ClickHouse (or the fence or end commit) could not take the round now: retryable. */
        UNAVAILABLE,
        /** The fence commit was refused: the group rebalanced and the partitions are being taken away. */
        REBALANCED,
        /** Partitions are revoked (rebalance, or {@code close()} after the loop ended). */
        REVOKED,
        /** Partitions are lost (session expired): another member may already own them. */
        LOST,
        /** {@code stop()} was called, or the loop ended by a non-fatal exception. */
        STOP,
        /** A fatal error ended the loop. */
        FATAL
    }

    /** What the loop must do, in list order. */
    public enum Action {
        /** Fence, write and commit the ready batches (at most one per partition), then report the outcome. */
        WRITE_ROUND,
        /** Close the affected partitions' batches now and write them once; a failure leaves them to the next owner. */
        WRITE_FINAL,
        /** Commit the inserted offsets not yet committed (of the affected partitions); a failure is only logged. */
        COMMIT_PENDING,
        /** Forget the affected partitions' buffered records and offsets. */
        FORGET,
        /** A retry is scheduled (log it, count it, show the backing-off gauge). */
        SCHEDULE_RETRY,
        /** Writing works again after failed attempts (log it, clear the gauge). */
        RESUME
    }

    /** The machine's state: the phase, and while backing off the failed attempts so far and when to retry. */
    public record State(Phase phase, int failedAttempts, long retryAtMillis) {

        public static final State CONSUMING = new State(Phase.CONSUMING, 0, 0);

        public State {
            Objects.requireNonNull(phase, "phase");
        }

        static State backingOff(int failedAttempts, long retryAtMillis) {
            return new State(Phase.BACKING_OFF, failedAttempts, retryAtMillis);
        }

        State in(Phase next) {
            return new State(next, failedAttempts, retryAtMillis);
        }
    }

    /** The next state and what to do to get there. */
    public record Transition(State next, List<Action> actions) {
        public Transition {
            actions = List.copyOf(actions);
        }
    }

    /** The longest a poll blocks, so stop() and retries are never far away. */
    static final Duration MAX_POLL_WAIT = Duration.ofMillis(250);

    private final Backoff backoff;
    private final Clock clock;
    private State state = State.CONSUMING;

    public WriteCycle(Backoff backoff, Clock clock) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Applies {@code input} at the clock's current time; returns the actions to take, in order. */
    public List<Action> on(Input input) {
        Transition t = transition(state, input, clock.millis(), backoff);
        state = t.next();
        return t.actions();
    }

    public State state() {
        return state;
    }

    /** While backing off every assigned partition is paused, so memory stays bounded and nothing is fetched. */
    public boolean pausesEverything() {
        return state.phase() == Phase.BACKING_OFF;
    }

    /** How long the next poll may block: until the next batch deadline, or the retry time when backing off. */
    public Duration pollTimeout(long millisUntilNextDeadline) {
        long until = state.phase() == Phase.BACKING_OFF ? state.retryAtMillis() - clock.millis() : millisUntilNextDeadline;
        return Duration.ofMillis(Math.clamp(until, 0, MAX_POLL_WAIT.toMillis()));
    }

    /**
     * Whether to poll again before writing: during a backlog (polls come back full) keep fetching up to
     * {@code fillUntilMillis} (half the age bound after the first poll) so batches close on rows or bytes,
     * not on the age they reached while the previous round was written; stop as soon as a batch is closed.
     */
    public static boolean keepFilling(int fetched, int maxPollRecords, boolean hasClosedBatch, long nowMillis, long fillUntilMillis) {
        return fetched >= maxPollRecords && !hasClosedBatch && nowMillis < fillUntilMillis;
    }

    /** The whole table. Pure: no I/O, no clock but {@code nowMillis}; {@code backoff} only for the retry delay. */
    public static Transition transition(State state, Input input, long nowMillis, Backoff backoff) {
        return switch (state.phase()) {
            case CONSUMING -> consuming(state, input, nowMillis, backoff);
            case BACKING_OFF -> backingOff(state, input, nowMillis, backoff);
            case DRAINING, FAILED -> stopped(state, input);
        };
    }

    private static Transition consuming(State state, Input input, long nowMillis, Backoff backoff) {
        return switch (input) {
            case POLLED -> stay(state, Action.WRITE_ROUND);
            case WRITTEN, REBALANCED -> stay(state);
            case NOTHING_TO_WRITE -> stay(state, Action.COMMIT_PENDING);
            case UNAVAILABLE -> retry(1, nowMillis, backoff);
            case REVOKED -> stay(state, Action.WRITE_FINAL, Action.COMMIT_PENDING, Action.FORGET);
            case LOST -> stay(state, Action.FORGET);
            case STOP -> go(state.in(Phase.DRAINING), Action.WRITE_FINAL, Action.COMMIT_PENDING);
            case FATAL -> go(state.in(Phase.FAILED));
        };
    }

    private static Transition backingOff(State state, Input input, long nowMillis, Backoff backoff) {
        return switch (input) {
            case POLLED -> nowMillis >= state.retryAtMillis() ? stay(state, Action.WRITE_ROUND) : stay(state);
            case WRITTEN -> go(State.CONSUMING, Action.RESUME);
            // The batches that failed went away with their partitions: nothing is left to retry, and
            // staying paused would keep every partition paused with nothing ever closing a batch.
            case NOTHING_TO_WRITE -> go(State.CONSUMING, Action.COMMIT_PENDING, Action.RESUME);
            case UNAVAILABLE -> retry(state.failedAttempts() + 1, nowMillis, backoff);
            case REBALANCED -> stay(state);
            // ClickHouse is failing: do not hold the rebalance up with a write that would fail too.
            case REVOKED -> stay(state, Action.COMMIT_PENDING, Action.FORGET);
            case LOST -> stay(state, Action.FORGET);
            case STOP -> go(state.in(Phase.DRAINING), Action.COMMIT_PENDING);
            case FATAL -> go(state.in(Phase.FAILED));
        };
    }

    /** DRAINING and FAILED: leaving the group revokes everything; nothing is written any more. */
    private static Transition stopped(State state, Input input) {
        return switch (input) {
            case REVOKED -> stay(state, Action.COMMIT_PENDING, Action.FORGET);
            case LOST -> stay(state, Action.FORGET);
            case FATAL -> go(state.in(Phase.FAILED));
            case POLLED, WRITTEN, NOTHING_TO_WRITE, UNAVAILABLE, REBALANCED, STOP ->
                    throw new IllegalStateException(input + " after the loop ended (" + state.phase() + ")");
        };
    }

    private static Transition retry(int attempt, long nowMillis, Backoff backoff) {
        return go(State.backingOff(attempt, nowMillis + backoff.delay(attempt).toMillis()),
                Action.SCHEDULE_RETRY, Action.COMMIT_PENDING);
    }

    private static Transition stay(State state, Action... actions) {
        return go(state, actions);
    }

    private static Transition go(State next, Action... actions) {
        return new Transition(next, List.of(actions));
    }
}

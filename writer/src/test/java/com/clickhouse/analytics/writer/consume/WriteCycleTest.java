package com.clickhouse.analytics.writer.consume;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.clickhouse.analytics.writer.Backoff;
import com.clickhouse.analytics.writer.ManualClock;
import com.clickhouse.analytics.writer.consume.WriteCycle.Action;
import com.clickhouse.analytics.writer.consume.WriteCycle.Input;
import com.clickhouse.analytics.writer.consume.WriteCycle.Phase;
import com.clickhouse.analytics.writer.consume.WriteCycle.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.COMMIT_PENDING;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.FORGET;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.RESUME;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.SCHEDULE_RETRY;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.WRITE_FINAL;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Action.WRITE_ROUND;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.FATAL;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.LOST;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.NOTHING_TO_WRITE;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.POLLED;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.REBALANCED;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.REVOKED;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.STOP;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.UNAVAILABLE;
import static com.clickhouse.analytics.writer.consume.WriteCycle.Input.WRITTEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The consumer loop's decisions, one row per (state, input): the commit path without Kafka, ClickHouse or sleeping. */
class WriteCycleTest {

    /** Half of each jitter range: attempt n waits 0.75 × min(15 s, 200 ms × 2^(n-1)). */
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(15), () -> 0.5);
    private static final long NOW = 1_000_000;

    private static final State CONSUMING = State.CONSUMING;
    /** Second failed attempt, retry due at NOW + 100. */
    private static final State WAITING = new State(Phase.BACKING_OFF, 2, NOW + 100);
    /** Second failed attempt, retry due since 1 ms. */
    private static final State DUE = new State(Phase.BACKING_OFF, 2, NOW - 1);
    private static final State DRAINING = new State(Phase.DRAINING, 0, 0);
    private static final State DRAINING_AFTER_FAILURES = new State(Phase.DRAINING, 2, NOW + 100);
    private static final State FAILED = new State(Phase.FAILED, 0, 0);

    static Stream<Arguments> table() {
        return Stream.of(
                // healthy: every poll writes a round; a retryable failure starts backing off (150 ms)
                row(CONSUMING, POLLED, CONSUMING, WRITE_ROUND),
                row(CONSUMING, WRITTEN, CONSUMING),
                row(CONSUMING, NOTHING_TO_WRITE, CONSUMING, COMMIT_PENDING),
                row(CONSUMING, UNAVAILABLE, new State(Phase.BACKING_OFF, 1, NOW + 150), SCHEDULE_RETRY, COMMIT_PENDING),
                row(CONSUMING, REBALANCED, CONSUMING),
                row(CONSUMING, REVOKED, CONSUMING, WRITE_FINAL, COMMIT_PENDING, FORGET),
                row(CONSUMING, LOST, CONSUMING, FORGET),
                row(CONSUMING, STOP, DRAINING, WRITE_FINAL, COMMIT_PENDING),
                row(CONSUMING, FATAL, FAILED),

                // backing off: polls keep the group membership but write nothing until the retry is due
                row(WAITING, POLLED, WAITING),
                row(DUE, POLLED, DUE, WRITE_ROUND),
                row(new State(Phase.BACKING_OFF, 2, NOW), POLLED, new State(Phase.BACKING_OFF, 2, NOW), WRITE_ROUND),
                row(DUE, WRITTEN, CONSUMING, RESUME),
                row(DUE, NOTHING_TO_WRITE, CONSUMING, COMMIT_PENDING, RESUME),
                row(DUE, UNAVAILABLE, new State(Phase.BACKING_OFF, 3, NOW + 600), SCHEDULE_RETRY, COMMIT_PENDING),
                row(DUE, REBALANCED, DUE),
                row(WAITING, REVOKED, WAITING, COMMIT_PENDING, FORGET),
                row(WAITING, LOST, WAITING, FORGET),
                row(WAITING, STOP, DRAINING_AFTER_FAILURES, COMMIT_PENDING),
                row(WAITING, FATAL, new State(Phase.FAILED, 2, NOW + 100)),

                // stopping: close() revokes everything; nothing more is written
                row(DRAINING, REVOKED, DRAINING, COMMIT_PENDING, FORGET),
                row(DRAINING, LOST, DRAINING, FORGET),
                row(DRAINING, FATAL, FAILED),
                row(FAILED, REVOKED, FAILED, COMMIT_PENDING, FORGET),
                row(FAILED, LOST, FAILED, FORGET),
                row(FAILED, FATAL, FAILED));
    }

    /** Inputs that cannot happen once the loop ended: no round is asked for, so none can report. */
    static Stream<Arguments> illegal() {
        Set<Input> afterEnd = EnumSet.of(POLLED, WRITTEN, NOTHING_TO_WRITE, UNAVAILABLE, REBALANCED, STOP);
        return Stream.of(DRAINING, FAILED).flatMap(s -> afterEnd.stream().map(i -> arguments(s, i)));
    }

    private static Arguments row(State state, Input input, State next, Action... actions) {
        return arguments(state, input, next, List.of(actions));
    }

    @ParameterizedTest(name = "{0} + {1} -> {2} {3}")
    @MethodSource("table")
    void transition(State state, Input input, State next, List<Action> actions) {
        WriteCycle.Transition t = WriteCycle.transition(state, input, NOW, BACKOFF);
        assertEquals(next, t.next(), "next state");
        assertEquals(actions, t.actions(), "actions, in order");
    }

    @ParameterizedTest(name = "{0} + {1} is refused")
    @MethodSource("illegal")
    void refusedAfterTheEnd(State state, Input input) {
        assertThrows(IllegalStateException.class, () -> WriteCycle.transition(state, input, NOW, BACKOFF));
    }

    /** A new phase or input without a row fails here rather than being silently unhandled. */
    @Test
    void everyPhaseAndInputHasARow() {
        Set<String> covered = new HashSet<>();
        Stream.concat(table(), illegal()).forEach(a ->
                covered.add(((State) a.get()[0]).phase() + "/" + a.get()[1]));
        for (Phase phase : Phase.values()) {
            for (Input input : Input.values()) {
                assertTrue(covered.contains(phase + "/" + input), "no row for " + phase + " + " + input);
            }
        }
    }

    /** Nothing but COMMIT_PENDING ever commits, and it only commits inserted offsets: no row writes after the end. */
    @Test
    void noRowWritesOnceStopping() {
        table().forEach(a -> {
            State state = (State) a.get()[0];
            @SuppressWarnings("unchecked") List<Action> actions = (List<Action>) a.get()[3];
            if (state.phase() == Phase.DRAINING || state.phase() == Phase.FAILED) {
                assertFalse(actions.contains(WRITE_ROUND) || actions.contains(WRITE_FINAL), state + " " + a.get()[1]);
            }
        });
    }

    @ParameterizedTest(name = "{0} rows fetched of {1}, closed batch {2}, now {3}, fill until {4} -> keep filling {5}")
    @CsvSource({
            "500, 500, false, 10, 20, true",   // a full poll: a backlog, fetch more
            "499, 500, false, 10, 20, false",  // a short poll: the log end is reached
            "500, 500, true, 10, 20, false",   // a batch closed: write it now
            "500, 500, false, 20, 20, false",  // the fill window is over
            "900, 500, false, 19, 20, true",
    })
    void keepFilling(int fetched, int maxPollRecords, boolean closed, long now, long fillUntil, boolean expected) {
        assertEquals(expected, WriteCycle.keepFilling(fetched, maxPollRecords, closed, now, fillUntil));
    }

    @Test
    void pollWaitsForTheBatchDeadlineOrTheRetryAtMost250Ms() {
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(NOW));
        WriteCycle cycle = new WriteCycle(BACKOFF, clock);
        assertEquals(Duration.ofMillis(40), cycle.pollTimeout(40));
        assertEquals(Duration.ofMillis(250), cycle.pollTimeout(Long.MAX_VALUE));
        assertEquals(Duration.ZERO, cycle.pollTimeout(0));
        cycle.on(POLLED);
        cycle.on(UNAVAILABLE); // retry in 150 ms; the batch deadline no longer matters
        assertEquals(Duration.ofMillis(150), cycle.pollTimeout(5));
        clock.advance(Duration.ofMillis(200));
        assertEquals(Duration.ZERO, cycle.pollTimeout(5));
    }

    /** An outage as the loop sees it: back off with growing waits, polls in between write nothing, the first success resumes. */
    @Test
    void outageThenRecovery() {
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(NOW));
        WriteCycle cycle = new WriteCycle(BACKOFF, clock);
        assertEquals(List.of(WRITE_ROUND), cycle.on(POLLED));
        assertEquals(List.of(SCHEDULE_RETRY, COMMIT_PENDING), cycle.on(UNAVAILABLE));
        assertTrue(cycle.pausesEverything());
        long[] waits = {150, 300, 600, 1200, 2400, 4800, 9600, 11250, 11250};
        for (int attempt = 1; attempt < waits.length; attempt++) {
            clock.advance(Duration.ofMillis(waits[attempt - 1] - 1));
            assertEquals(List.of(), cycle.on(POLLED), "attempt " + attempt + ": not due yet");
            clock.advance(Duration.ofMillis(1));
            assertEquals(List.of(WRITE_ROUND), cycle.on(POLLED), "attempt " + attempt + ": due");
            cycle.on(UNAVAILABLE);
            assertEquals(attempt + 1, cycle.state().failedAttempts());
            assertEquals(clock.millis() + waits[attempt], cycle.state().retryAtMillis());
        }
        clock.advance(Duration.ofSeconds(20));
        assertEquals(List.of(WRITE_ROUND), cycle.on(POLLED));
        assertEquals(List.of(RESUME), cycle.on(WRITTEN));
        assertEquals(CONSUMING, cycle.state());
        assertFalse(cycle.pausesEverything());
    }

    /** A rebalance while ClickHouse is down drops the revoked batches; SIGTERM then drains without writing. */
    @Test
    void revokeAndStopWhileBackingOff() {
        ManualClock clock = new ManualClock(Instant.ofEpochMilli(NOW));
        WriteCycle cycle = new WriteCycle(BACKOFF, clock);
        cycle.on(POLLED);
        cycle.on(UNAVAILABLE);
        assertEquals(List.of(COMMIT_PENDING, FORGET), cycle.on(REVOKED));
        assertEquals(List.of(COMMIT_PENDING), cycle.on(STOP));
        assertEquals(List.of(COMMIT_PENDING, FORGET), cycle.on(REVOKED)); // close() revokes what is left
        assertThrows(IllegalStateException.class, () -> cycle.on(POLLED));
    }
}

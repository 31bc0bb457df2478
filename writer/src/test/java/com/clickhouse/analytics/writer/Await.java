package com.clickhouse.analytics.writer;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.junit.jupiter.api.Assertions;

/** Polls a condition until it holds or the time is up, then fails with a message saying what was seen. */
public final class Await {

    private Await() {
    }

    public static void until(Duration timeout, Callable<Boolean> condition, Supplier<String> whatWasSeen) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // e.g. ClickHouse restarting: look again
            }
            Thread.sleep(250);
        }
        Assertions.fail("not reached within " + timeout.toSeconds() + " s: " + whatWasSeen.get());
    }
}

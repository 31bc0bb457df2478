package com.clickhouse.analytics.testkit;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** A randomized test that fails names its seed; the seed property replays it. */
class TestSeedTest {

    static volatile long usedSeed;

    @Test
    void aFailureNamesTheSeedToReplay() {
        List<Event> failed = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(FailsRandomly.class)).execute().testEvents().failed().list();
        assertEquals(1, failed.size());
        Throwable t = failed.getFirst().getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable).orElseThrow();
        assertEquals("the test's own failure", t.getMessage());
        assertTrue(Arrays.stream(t.getSuppressed()).anyMatch(s -> s.getMessage().contains("-Dtest.seed=" + usedSeed)),
                Arrays.toString(t.getSuppressed()));
    }

    @Test
    void theSeedPropertyOverridesBothKinds() {
        String previous = System.getProperty(TestSeed.PROPERTY);
        System.setProperty(TestSeed.PROPERTY, "1234");
        try {
            assertEquals(1234, TestSeed.random());
            assertEquals(1234, TestSeed.seed(42));
        } finally {
            if (previous == null) {
                System.clearProperty(TestSeed.PROPERTY);
            } else {
                System.setProperty(TestSeed.PROPERTY, previous);
            }
        }
        if (previous == null) {
            assertEquals(42, TestSeed.seed(42));
        }
    }

    static class FailsRandomly {
        @Test
        void fails() {
            usedSeed = TestSeed.random();
            new Random(usedSeed).nextInt();
            fail("the test's own failure");
        }
    }
}

package com.clickhouse.analytics.deploy;

import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway leaves a rollout without refusing requests endpoints still send it, and without being killed mid-drain. */
class GatewayRolloutTest {

    @Test
    void preStopSleepsBeforeSigterm() {
        Lifecycle lifecycle = Chart.renderWithRequired().container("gateway").getLifecycle();
        assertEquals(List.of("sleep", "10"), lifecycle.getPreStop().getExec().getCommand());
    }

    /**
     * Kubernetes counts the grace period from the start of preStop. After it the gateway drains for
     * up to gateway.shutdown-grace, closes the producer within the same bound again, and the admin
     * client within 2 s (GatewayMain.Gateway.close): the default grace period must cover all of it.
     */
    @Test
    void gracePeriodCoversSleepDrainAndProducerClose() throws IOException {
        PodSpec pod = Chart.renderWithRequired().pod("gateway");
        long shutdownGrace = shutdownGraceSeconds();
        long needed = 10 + shutdownGrace + shutdownGrace + 2;
        assertTrue(pod.getTerminationGracePeriodSeconds() >= needed,
                pod.getTerminationGracePeriodSeconds() + " s < " + needed + " s with gateway.shutdown-grace " + shutdownGrace + " s");
        assertEquals(60L, pod.getTerminationGracePeriodSeconds());
    }

    @Test
    void bothNumbersAreValues() {
        Rendered chart = Chart.renderWithRequired("gateway.preStopSleepSeconds=5", "gateway.terminationGracePeriodSeconds=90");
        assertEquals(List.of("sleep", "5"), chart.container("gateway").getLifecycle().getPreStop().getExec().getCommand());
        assertEquals(90L, chart.pod("gateway").getTerminationGracePeriodSeconds());
    }

    @Test
    void aGracePeriodNoLongerThanTheSleepFailsEarly() {
        String message = Chart.failure(Chart.withRequired("gateway.preStopSleepSeconds=30", "gateway.terminationGracePeriodSeconds=30"));
        assertTrue(message.contains("gateway.terminationGracePeriodSeconds (30) must be above gateway.preStopSleepSeconds (30)"), message);
    }

    /** gateway.shutdown-grace as the gateway ships it (gateway/src/main/resources/gateway.conf). */
    private static long shutdownGraceSeconds() throws IOException {
        String conf = Files.readString(Tools.REPOSITORY.resolve("gateway/src/main/resources/gateway.conf"));
        Matcher grace = Pattern.compile("(?m)^\\s*shutdown-grace\\s*=\\s*(\\d+)s\\b").matcher(conf);
        assertTrue(grace.find(), "no shutdown-grace = <n>s in the gateway's gateway.conf");
        return Duration.ofSeconds(Long.parseLong(grace.group(1))).toSeconds();
    }
}

package com.clickhouse.analytics.deploy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerting rules checked and unit-tested by Prometheus's own promtool (Debian's
 * {@code prometheus} package, installed by deploy/tools/install.sh when missing).
 */
class PromtoolRulesTest {
    private static final Path MONITORING = Path.of("monitoring").toAbsolutePath();

    @Test
    void rulesAreValid() {
        Tools.Run check = Tools.run(MONITORING, List.of(Tools.path("promtool"), "check", "rules",
                Path.of("").toAbsolutePath().resolve(MonitoringTest.RULES).toString()), 120).requireSuccess();
        assertTrue(check.output().contains("SUCCESS: 9 rules found"), check.output());
    }

    /** deploy/monitoring/rules.test.yml: each alert fires on the series meant to fire it, and only on those. */
    @Test
    void rulesPassTheirUnitTests() {
        Tools.Run test = Tools.run(MONITORING, List.of(Tools.path("promtool"), "test", "rules", "rules.test.yml"), 120).requireSuccess();
        assertTrue(test.output().contains("SUCCESS"), test.output());
    }
}

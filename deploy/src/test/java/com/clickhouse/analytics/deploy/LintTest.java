package com.clickhouse.analytics.deploy;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** helm lint --strict on the chart as shipped, with its default values. */
class LintTest {

    @Test
    void lintIsClean() {
        LintResult lint = Chart.lint();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
        for (String message : lint.getMessages()) {
            assertFalse(message.contains("[WARNING]") || message.contains("[ERROR]"), message);
        }
    }
}

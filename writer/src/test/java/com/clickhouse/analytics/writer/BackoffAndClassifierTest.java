package com.clickhouse.analytics.writer;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.client.api.ServerException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

class BackoffAndClassifierTest {

    @Test
    void backoffGrowsExponentiallyWithEqualJitterUpToTheCap() {
        Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.0);
        Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.999999);
        long[] ceilings = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
        for (int attempt = 1; attempt <= ceilings.length; attempt++) {
            assertEquals(ceilings[attempt - 1] / 2, low.delay(attempt).toMillis(), "attempt " + attempt);
            assertEquals(ceilings[attempt - 1] - 1, high.delay(attempt).toMillis(), "attempt " + attempt);
        }
        assertEquals(2500, low.delay(1000).toMillis());
    }

    private final ClickHouseErrorClassifier classifier = new ClickHouseErrorClassifier();

    /** The kinds themselves are tested in ops (ClickHouseFailuresTest); here, that each becomes the right WriterException. */
    @Test
    void eachKindBecomesItsWriterException() {
        Object[][] table = {
                {469, WriterException.RecordRejected.class, "record_rejected"}, // VIOLATED_CONSTRAINT: dead-letter
                {60, WriterException.Fatal.class, "fatal"},                     // UNKNOWN_TABLE: stop
                {241, WriterException.Unavailable.class, "clickhouse_error_241"}, // MEMORY_LIMIT_EXCEEDED: retry
                {999_999, WriterException.Unavailable.class, "clickhouse_error_999999"}, // unknown: never lose data
        };
        for (Object[] row : table) {
            ServerException e = new ServerException((int) row[0], "Code: " + row[0] + "\nStack trace", 500, "q");
            WriterException w = classifier.classify("insert", new CompletionException(e));
            assertInstanceOf((Class<?>) row[1], w, "code " + row[0]);
            assertEquals(row[2], w.tag(), "code " + row[0]);
            assertEquals("insert failed: Code: " + row[0], w.getMessage());
        }
        assertEquals(469, ((WriterException.RecordRejected) classifier.classify("insert", new ServerException(469, "x", 500, "q"))).code());
    }

    @Test
    void transportFailuresAreRetryable() {
        assertEquals("clickhouse_unavailable", classifier.classify("insert", new ConnectException("refused")).tag());
        assertEquals("clickhouse_unavailable", classifier.classify("insert", new IOException("reset")).tag());
        assertEquals("clickhouse_unavailable",
                classifier.classify("insert", new com.clickhouse.client.api.ClientException("x", new IOException("broken pipe"))).tag());
        assertEquals("clickhouse_client_error", classifier.classify("insert", new IllegalStateException("bug")).tag());
    }

    @Test
    void aWriterExceptionInsideTheChainIsKept() {
        WriterException inner = new WriterException.Fatal("schema", null);
        assertSame(inner, classifier.classify("insert", new CompletionException(new RuntimeException(inner))));
    }
}

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

    @Test
    void classificationTable() {
        Object[][] table = {
                {469, WriterException.RecordRejected.class}, // VIOLATED_CONSTRAINT
                {27, WriterException.RecordRejected.class},  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
                {117, WriterException.RecordRejected.class}, // INCORRECT_DATA
                {60, WriterException.Fatal.class},           // UNKNOWN_TABLE
                {516, WriterException.Fatal.class},          // AUTHENTICATION_FAILED
                {16, WriterException.Fatal.class},           // NO_SUCH_COLUMN_IN_TABLE
                {159, WriterException.Unavailable.class},    // TIMEOUT_EXCEEDED
                {241, WriterException.Unavailable.class},    // MEMORY_LIMIT_EXCEEDED
                {252, WriterException.Unavailable.class},    // TOO_MANY_PARTS
                {999_999, WriterException.Unavailable.class}, // unknown: never lose data
        };
        for (Object[] row : table) {
            ServerException e = new ServerException((int) row[0], "Code: " + row[0], 500, "q");
            assertInstanceOf((Class<?>) row[1], classifier.classify("insert", new CompletionException(e)), "code " + row[0]);
        }
    }

    @Test
    void transportFailuresAreRetryable() {
        assertInstanceOf(WriterException.Unavailable.class, classifier.classify("insert", new ConnectException("refused")));
        assertInstanceOf(WriterException.Unavailable.class, classifier.classify("insert", new IOException("reset")));
        assertInstanceOf(WriterException.Unavailable.class,
                classifier.classify("insert", new com.clickhouse.client.api.ClientException("x", new IOException("broken pipe"))));
    }
}

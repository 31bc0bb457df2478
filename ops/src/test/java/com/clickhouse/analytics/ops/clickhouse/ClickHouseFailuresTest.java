package com.clickhouse.analytics.ops.clickhouse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure.Kind;
import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure.Origin;
import com.clickhouse.client.api.ClientException;
import com.clickhouse.client.api.ServerException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickHouseFailuresTest {

    private static ServerException server(int code) {
        return new ServerException(code, "Code: " + code + ". DB::Exception: x", 500, "q");
    }

    @Test
    void serverCodesTable() {
        Object[][] table = {
                {469, Kind.RECORD_CAUSED}, // VIOLATED_CONSTRAINT
                {27, Kind.RECORD_CAUSED},  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
                {117, Kind.RECORD_CAUSED}, // INCORRECT_DATA
                {1001, Kind.RECORD_CAUSED}, // STD_EXCEPTION
                {60, Kind.FATAL},          // UNKNOWN_TABLE
                {516, Kind.FATAL},         // AUTHENTICATION_FAILED
                {195, Kind.FATAL},         // IP_ADDRESS_NOT_ALLOWED
                {16, Kind.FATAL},          // NO_SUCH_COLUMN_IN_TABLE
                {497, Kind.FATAL},         // ACCESS_DENIED
                {159, Kind.RETRYABLE},     // TIMEOUT_EXCEEDED
                {241, Kind.RETRYABLE},     // MEMORY_LIMIT_EXCEEDED
                {252, Kind.RETRYABLE},     // TOO_MANY_PARTS
                {57, Kind.RETRYABLE},      // TABLE_ALREADY_EXISTS
                {999_999, Kind.RETRYABLE}, // unknown: never lose data
        };
        for (Object[] row : table) {
            int code = (int) row[0];
            ClickHouseFailure f = ClickHouseFailures.classify(new CompletionException(server(code)));
            assertEquals(row[1], f.kind(), "code " + code);
            assertEquals(row[1], ClickHouseFailures.kind(code), "code " + code);
            assertEquals(Origin.SERVER, f.origin());
            assertEquals(code, f.code());
        }
    }

    @Test
    void refusedCredentialsAndLostCreateRaces() {
        for (int code : new int[] {192, 193, 194, 195, 516}) {
            assertTrue(ClickHouseFailures.classify(server(code)).authentication(), "code " + code);
        }
        ClickHouseFailure http401 = ClickHouseFailures.classify(new ServerException(0, "Unauthorized", 401, "q"));
        assertTrue(http401.authentication());
        assertEquals(Kind.FATAL, http401.kind());
        assertFalse(ClickHouseFailures.classify(server(497)).authentication(), "ACCESS_DENIED is a permission, not a login");
        assertTrue(ClickHouseFailures.classify(new ClientException("wrapped", server(82))).alreadyExists());
        assertTrue(ClickHouseFailures.classify(new ExecutionException(server(57))).alreadyExists());
        assertFalse(ClickHouseFailures.classify(server(60)).alreadyExists());
    }

    @Test
    void noAnswerIsRetryable() {
        for (Throwable t : new Throwable[] {new ConnectException("Connection refused"), new IOException("reset"),
                new ClientException("Failed to get response", new UnknownHostException("clickhouse")),
                new CompletionException(new ClientException("x", new IOException("broken pipe"))), new TimeoutException()}) {
            ClickHouseFailure f = ClickHouseFailures.classify(t);
            assertEquals(Kind.RETRYABLE, f.kind(), t.toString());
            assertEquals(Origin.UNREACHABLE, f.origin(), t.toString());
        }
        assertEquals("UnknownHostException: clickhouse",
                ClickHouseFailures.classify(new ClientException("Failed", new UnknownHostException("clickhouse"))).message());
    }

    @Test
    void aClientBugIsRetryableAndNamed() {
        IllegalStateException bug = new IllegalStateException("bad state", new IllegalArgumentException("root"));
        ClickHouseFailure f = ClickHouseFailures.classify(new CompletionException(bug));
        assertEquals(Kind.RETRYABLE, f.kind());
        assertEquals(Origin.CLIENT, f.origin());
        assertSame(bug, f.error());
        assertEquals("IllegalStateException: bad state (IllegalArgumentException: root)", f.message());
    }

    @Test
    void theServerMessageIsOneBoundedLineWithoutStackTrace() {
        String multiLine = "Code: 62. DB::Exception: Syntax error: failed at position 30 (')') (line 2, col 3): )\n"
                + "ENGINE = Memory. Expected one of: … (SYNTAX_ERROR), Stack trace (when copying this message, always include the lines below):\n"
                + "\n0. DB::Exception::Exception(…)\n1. …";
        ClickHouseFailure f = ClickHouseFailures.classify(new ServerException(62, multiLine, 500, "q"));
        assertEquals("Code: 62. DB::Exception: Syntax error: failed at position 30 (')') (line 2, col 3): ) "
                + "ENGINE = Memory. Expected one of: … (SYNTAX_ERROR)", f.message());
        String huge = ClickHouseFailures.classify(new ServerException(6, "x".repeat(5000), 500, "q")).message();
        assertEquals(401, huge.length(), "400 characters and an ellipsis");
    }
}

package com.clickhouse.analytics.writer.clickhouse;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.client.api.ServerException;

/**
 * Turns whatever the ClickHouse client threw into a {@link WriterException}: the single place
 * that knows which ClickHouse error codes mean "try again later", "this data is bad" or "stop".
 *
 * <p>Unknown server codes are treated as retryable: the writer then keeps the batch, backs off and
 * shows the error in logs and metrics, which loses nothing. Treating an unknown code as
 * record-caused would dead-letter good data; treating it as fatal would crash-loop the pod.
 */
public final class ClickHouseErrorClassifier {

    public enum Kind { RETRYABLE, RECORD_CAUSED, FATAL }

    /** The data of the insert itself is unacceptable: parse errors, constraint violations, out-of-range values. */
    static final Set<Integer> RECORD_CAUSED = Set.of(
            6,    // CANNOT_PARSE_TEXT
            27,   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
            38,   // CANNOT_PARSE_DATE
            41,   // CANNOT_PARSE_DATETIME
            69,   // ARGUMENT_OUT_OF_BOUND
            70,   // CANNOT_CONVERT_TYPE
            72,   // CANNOT_PARSE_NUMBER
            117,  // INCORRECT_DATA
            131,  // TOO_LARGE_STRING_SIZE
            321,  // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
            376,  // CANNOT_PARSE_UUID
            407,  // DECIMAL_OVERFLOW
            469,  // VIOLATED_CONSTRAINT
            1001  // STD_EXCEPTION (e.g. a malformed JSON value in a JSON column)
    );

    /** Nothing changes by waiting and nothing is wrong with a single record: configuration or schema. */
    static final Set<Integer> FATAL = Set.of(
            16,   // NO_SUCH_COLUMN_IN_TABLE
            43,   // ILLEGAL_TYPE_OF_ARGUMENT
            184,  // ILLEGAL_AGGREGATION
            47,   // UNKNOWN_IDENTIFIER
            60,   // UNKNOWN_TABLE
            62,   // SYNTAX_ERROR
            81,   // UNKNOWN_DATABASE
            115,  // UNKNOWN_SETTING
            164,  // READONLY
            192,  // UNKNOWN_USER
            193,  // WRONG_PASSWORD
            194,  // REQUIRED_PASSWORD
            497,  // ACCESS_DENIED
            516   // AUTHENTICATION_FAILED
    );

    public Kind kind(int serverCode) {
        if (RECORD_CAUSED.contains(serverCode)) {
            return Kind.RECORD_CAUSED;
        }
        if (FATAL.contains(serverCode)) {
            return Kind.FATAL;
        }
        return Kind.RETRYABLE;
    }

    /** Classifies a failure of the operation named by {@code what} (e.g. "insert into events"). */
    public WriterException classify(String what, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof WriterException known) {
            return known;
        }
        if (cause instanceof ServerException server) {
            String message = what + " failed: " + firstLine(server.getMessage());
            return switch (kind(server.getCode())) {
                case RECORD_CAUSED -> new WriterException.RecordRejected(server.getCode(), message, server);
                case FATAL -> new WriterException.Fatal(message, server);
                case RETRYABLE -> new WriterException.Unavailable("clickhouse_error_" + server.getCode(), message, server);
            };
        }
        if (cause instanceof IOException || cause instanceof com.clickhouse.client.api.ClickHouseException) {
            return new WriterException.Unavailable("clickhouse_unavailable", what + " failed: " + firstLine(String.valueOf(cause.getMessage())), cause);
        }
        // Anything else is a bug of ours or of the client; retrying the same batch loses nothing.
        return new WriterException.Unavailable("clickhouse_client_error", what + " failed: " + cause, cause);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        // The client sometimes wraps the server's answer in a ClientException.
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ServerException || c instanceof WriterException) {
                return c;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return t;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 500 ? line.substring(0, 500) + "…" : line;
    }
}

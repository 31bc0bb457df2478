package com.clickhouse.analytics.ops.clickhouse;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure.Kind;
import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure.Origin;
import com.clickhouse.analytics.ops.logging.Messages;
import com.clickhouse.client.api.ConnectionInitiationException;
import com.clickhouse.client.api.ServerException;

/**
 * The one place that knows ClickHouse error codes: classifies what the ClickHouse client threw as
 * retryable, record-caused or fatal.
 *
 * <p>Unknown server codes are retryable: a writer then keeps the batch, backs off and shows the
 * error in logs and metrics, which loses nothing. Treating an unknown code as record-caused would
 * dead-letter good data; treating it as fatal would crash-loop the pod.
 */
public final class ClickHouseFailures {

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

    /** The server refused who is asking. Fatal as well. */
    static final Set<Integer> AUTHENTICATION = Set.of(
            192,  // UNKNOWN_USER
            193,  // WRONG_PASSWORD
            194,  // REQUIRED_PASSWORD
            195,  // IP_ADDRESS_NOT_ALLOWED
            516   // AUTHENTICATION_FAILED
    );

    /** Nothing changes by waiting and nothing is wrong with a single record: configuration or schema. */
    static final Set<Integer> FATAL = Set.of(
            16,   // NO_SUCH_COLUMN_IN_TABLE
            43,   // ILLEGAL_TYPE_OF_ARGUMENT
            47,   // UNKNOWN_IDENTIFIER
            60,   // UNKNOWN_TABLE
            62,   // SYNTAX_ERROR
            81,   // UNKNOWN_DATABASE
            115,  // UNKNOWN_SETTING
            164,  // READONLY
            184,  // ILLEGAL_AGGREGATION
            497   // ACCESS_DENIED
    );

    /** TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS. */
    static final Set<Integer> ALREADY_EXISTS = Set.of(57, 82);

    /** The HTTP status of a refused login when the server sends no error code. */
    private static final int HTTP_UNAUTHORIZED = 401;

    /** Long enough for a server message with the statement it quotes, short enough for one log line. */
    private static final int MAX_MESSAGE = 400;

    private ClickHouseFailures() {
    }

    /** What to do about the server error {@code code}. */
    public static Kind kind(int code) {
        if (RECORD_CAUSED.contains(code)) {
            return Kind.RECORD_CAUSED;
        }
        if (FATAL.contains(code) || AUTHENTICATION.contains(code)) {
            return Kind.FATAL;
        }
        return Kind.RETRYABLE;
    }

    /** Classifies what a ClickHouse client call threw (directly or through a future). */
    public static ClickHouseFailure classify(Throwable failure) {
        Throwable error = unwrap(failure);
        ServerException server = find(error, ServerException.class);
        if (server != null) {
            int code = server.getCode();
            boolean authentication = AUTHENTICATION.contains(code) || server.getTransportProtocolCode() == HTTP_UNAUTHORIZED;
            return new ClickHouseFailure(authentication ? Kind.FATAL : kind(code), Origin.SERVER, code, authentication,
                    ALREADY_EXISTS.contains(code), serverMessage(server), server);
        }
        if (isUnreachable(error)) {
            return new ClickHouseFailure(Kind.RETRYABLE, Origin.UNREACHABLE, 0, false, false, describe(rootCause(error)), error);
        }
        // A bug of ours or of the client: retrying the same request loses nothing.
        Throwable root = rootCause(error);
        return new ClickHouseFailure(Kind.RETRYABLE, Origin.CLIENT, 0, false, false,
                describe(error) + (root == error ? "" : " (" + describe(root) + ")"), error);
    }

    /** The first exception of type {@code type} in {@code t}'s cause chain, or null. */
    public static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** {@code t} without the wrapping of futures. */
    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof ExecutionException || current instanceof CompletionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /**
     * No answer from the server: the client could not connect, or an I/O failure (refused, reset,
     * unknown host, timeout, TLS) is somewhere in the chain, or a call timed out.
     */
    private static boolean isUnreachable(Throwable t) {
        return t instanceof ConnectionInitiationException || t instanceof TimeoutException || find(t, IOException.class) != null;
    }

    /** The server's message on one line, without the stack trace a server may append. */
    private static String serverMessage(ServerException se) {
        String message = se.getMessage() == null ? "code " + se.getCode() : se.getMessage();
        int stack = message.indexOf("Stack trace");
        if (stack > 0) {
            message = message.substring(0, stack).strip();
            message = message.endsWith(",") ? message.substring(0, message.length() - 1) : message;
        }
        return Messages.oneLine(message, MAX_MESSAGE);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return Messages.oneLine(t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message), MAX_MESSAGE);
    }
}

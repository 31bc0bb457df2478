package com.clickhouse.analytics.schema.migration;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

import com.clickhouse.client.api.ConnectionInitiationException;
import com.clickhouse.client.api.ServerException;

/**
 * Classifies what the ClickHouse client threw into the {@link MigrationException.Reason} an
 * operator acts on: the server is unreachable, it refused the credentials, or it rejected a
 * statement. The one place that knows ClickHouse error codes for the migrator.
 */
final class ClickHouseFailures {

    /** UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED, AUTHENTICATION_FAILED. */
    private static final Set<Integer> AUTHENTICATION_CODES = Set.of(192, 193, 194, 195, 516);

    /** TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS: a concurrent migrator created it first. */
    private static final Set<Integer> ALREADY_EXISTS_CODES = Set.of(57, 82);

    private ClickHouseFailures() {
    }

    /** The exception the client really threw, without the future's wrapping. */
    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof ExecutionException || current instanceof CompletionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /**
     * The server's error behind {@code t}, if the server answered with one. The client wraps it
     * differently per call ({@code queryAll} in a {@code ClientException}, futures in an
     * {@code ExecutionException}), so the whole cause chain is searched.
     */
    static ServerException serverError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ServerException se) {
                return se;
            }
        }
        return null;
    }

    /** Whether {@code t} says the object a statement creates exists already (a lost race). */
    static boolean alreadyExists(Throwable t) {
        ServerException se = serverError(t);
        return se != null && ALREADY_EXISTS_CODES.contains(se.getCode());
    }

    /**
     * @param t       what the client threw
     * @param doing   what was being done, e.g. {@code "V001__init.sql statement 2 (line 30) CREATE TABLE …"}
     */
    static MigrationException classify(Throwable t, String doing) {
        Throwable cause = unwrap(t);
        ServerException se = serverError(cause);
        if (se != null) {
            if (AUTHENTICATION_CODES.contains(se.getCode()) || se.getTransportProtocolCode() == 401) {
                return new MigrationException(MigrationException.Reason.AUTHENTICATION,
                        "ClickHouse refused the user or password: " + serverMessage(se), se);
            }
            return new MigrationException(MigrationException.Reason.SQL, doing + " failed: " + serverMessage(se), se);
        }
        if (isUnreachable(cause)) {
            return new MigrationException(MigrationException.Reason.UNREACHABLE,
                    "cannot reach ClickHouse: " + describe(rootCause(cause)), cause);
        }
        Throwable root = rootCause(cause);
        return new MigrationException(MigrationException.Reason.SQL, doing + " failed: " + describe(cause)
                + (root == cause ? "" : " (" + describe(root) + ")"), cause);
    }

    private static boolean isUnreachable(Throwable t) {
        if (t instanceof ConnectionInitiationException) {
            return true;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException
                    || c instanceof SocketTimeoutException || c instanceof SSLException) {
                return true;
            }
            if (c instanceof IOException && c != t && c.getCause() == null) {
                return true; // connection reset, closed, … below the client's own exception
            }
        }
        return false;
    }

    /** The server's message: first line, without the trailing stack trace, at most 400 characters. */
    static String serverMessage(ServerException se) {
        String message = se.getMessage() == null ? "code " + se.getCode() : se.getMessage();
        int stack = message.indexOf("Stack trace");
        if (stack > 0) {
            message = message.substring(0, stack);
        }
        message = MigrationException.oneLine(message);
        return message.length() <= 400 ? message : message.substring(0, 400) + "…";
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
        String text = t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
        text = MigrationException.oneLine(text);
        return text.length() <= 400 ? text : text.substring(0, 400) + "…";
    }
}

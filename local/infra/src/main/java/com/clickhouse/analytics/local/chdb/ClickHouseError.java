package com.clickhouse.analytics.local.chdb;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error as ClickHouse reports it: numeric code, symbolic name and the full
 * {@code Code: N. DB::Exception: … (NAME)} text, plus the HTTP status a ClickHouse server answers
 * with for it (transcribed from ClickHouse's {@code src/Server/HTTP/exceptionCodeToHTTPStatus.cpp},
 * keyed by name because the names are what chDB's messages carry).
 */
record ClickHouseError(int code, String name, String message) {

    private static final Pattern CODE = Pattern.compile("Code: (\\d+)\\.");
    private static final Pattern NAME = Pattern.compile("\\(([A-Z][A-Z0-9_]+)\\)");

    private static final Set<String> UNAUTHORIZED = Set.of("REQUIRED_PASSWORD");
    private static final Set<String> FORBIDDEN = Set.of("UNKNOWN_USER", "WRONG_PASSWORD", "AUTHENTICATION_FAILED",
            "SET_NON_GRANTED_ROLE", "ACCESS_DENIED");
    private static final Set<String> BAD_REQUEST = Set.of("BAD_ARGUMENTS", "CANNOT_COMPILE_REGEXP", "CANNOT_PARSE_TEXT",
            "CANNOT_PARSE_ESCAPE_SEQUENCE", "CANNOT_PARSE_QUOTED_STRING", "CANNOT_PARSE_DATE", "CANNOT_PARSE_DATETIME",
            "CANNOT_PARSE_NUMBER", "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING", "CANNOT_PARSE_IPV4", "CANNOT_PARSE_IPV6",
            "CANNOT_PARSE_UUID", "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "DUPLICATE_COLUMN", "ILLEGAL_COLUMN",
            "UNKNOWN_ELEMENT_IN_AST", "UNKNOWN_TYPE_OF_AST_NODE", "THERE_IS_NO_COLUMN", "TOO_DEEP_AST", "TOO_BIG_AST",
            "UNEXPECTED_AST_STRUCTURE", "SYNTAX_ERROR", "INCORRECT_DATA", "TYPE_MISMATCH",
            "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE");
    private static final Set<String> NOT_FOUND = Set.of("UNKNOWN_TABLE", "UNKNOWN_FUNCTION", "UNKNOWN_IDENTIFIER",
            "UNKNOWN_TYPE", "UNKNOWN_STORAGE", "UNKNOWN_DATABASE", "UNKNOWN_SETTING", "UNKNOWN_DIRECTION_OF_SORTING",
            "UNKNOWN_AGGREGATE_FUNCTION", "UNKNOWN_FORMAT", "UNKNOWN_DATABASE_ENGINE", "UNKNOWN_TYPE_OF_QUERY",
            "UNKNOWN_ROLE");

    /** Parses chDB's error text; text without a code becomes code 1000 (POCO_EXCEPTION's neighbour, "unknown"). */
    static ClickHouseError parse(String text) {
        String message = text.strip();
        Matcher code = CODE.matcher(message);
        int number = code.find() ? Integer.parseInt(code.group(1)) : 1000;
        String name = "UNKNOWN_EXCEPTION";
        Matcher names = NAME.matcher(message);
        while (names.find()) {
            name = names.group(1); // the last parenthesised upper-case word is the code's name
        }
        if (!message.startsWith("Code: ")) {
            message = "Code: " + number + ". DB::Exception: " + message;
        }
        return new ClickHouseError(number, name, message);
    }

    /** What a server answers for a failed login, word for word. */
    static ClickHouseError authenticationFailed(String user) {
        return new ClickHouseError(516, "AUTHENTICATION_FAILED", "Code: 516. DB::Exception: " + user
                + ": Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)");
    }

    int httpStatus() {
        if (UNAUTHORIZED.contains(name)) {
            return 401;
        }
        if (FORBIDDEN.contains(name)) {
            return 403;
        }
        if (BAD_REQUEST.contains(name)) {
            return 400;
        }
        if (NOT_FOUND.contains(name)) {
            return 404;
        }
        return switch (name) {
            case "QUERY_IS_TOO_LARGE" -> 413;
            case "NOT_IMPLEMENTED" -> 501;
            case "SOCKET_TIMEOUT", "CANNOT_OPEN_FILE", "CANNOT_SCHEDULE_TASK" -> 503;
            case "HTTP_LENGTH_REQUIRED" -> 411;
            case "TIMEOUT_EXCEEDED" -> 408;
            case "UNSUPPORTED_MEDIA_TYPE" -> 415;
            default -> 500;
        };
    }
}

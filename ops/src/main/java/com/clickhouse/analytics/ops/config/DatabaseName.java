package com.clickhouse.analytics.ops.config;

import java.util.regex.Pattern;

/**
 * A ClickHouse database name that is safe to paste into SQL unquoted: ASCII letters, digits and
 * underscores, not starting with a digit, at most 64 characters. Anything else is refused rather
 * than quoted, so a name can never change the meaning of a migration.
 *
 * @param value the validated name
 */
public record DatabaseName(String value) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    /** The database the services use when {@code CLICKHOUSE_DATABASE} is not set. */
    public static final DatabaseName DEFAULT = new DatabaseName("product_analytics");

    /** @throws IllegalArgumentException naming the value when it is not a plain identifier */
    public DatabaseName {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid ClickHouse database name " + quote(value)
                    + ": use 1 to 64 ASCII letters, digits or '_', not starting with a digit");
        }
    }

    public static DatabaseName of(String value) {
        return new DatabaseName(value);
    }

    private static String quote(String value) {
        if (value == null) {
            return "(null)";
        }
        String shown = value.length() <= 80 ? value : value.substring(0, 80) + "…";
        return "'" + shown.replace("\n", "\\n").replace("\r", "\\r") + "'";
    }

    @Override
    public String toString() {
        return value;
    }
}

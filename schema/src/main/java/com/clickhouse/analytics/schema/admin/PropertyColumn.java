package com.clickhouse.analytics.schema.admin;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One event property kept as a materialized column of {@code events}: {@code mat_<name>} computed
 * from {@code properties} at insert, with a skip index. The hot ones are created by migration V003
 * with exactly the SQL this record generates; {@code ./cpa materialize} adds any other.
 *
 * @param property the key inside {@code properties}, e.g. {@code $pathname}
 * @param column   the column name, e.g. {@code mat_pathname}
 * @param type     the column's type
 */
public record PropertyColumn(String property, String column, Type type) {

    /** The column types a property can have, with the extraction and skip index that fit each. */
    public enum Type {
        STRING("String", "JSONExtractString", "bloom_filter(0.01) GRANULARITY 4"),
        LOW_CARDINALITY("LowCardinality(String)", "JSONExtractString", "bloom_filter(0.01) GRANULARITY 4"),
        INT("Int64", "JSONExtractInt", "minmax GRANULARITY 1"),
        FLOAT("Float64", "JSONExtractFloat", "minmax GRANULARITY 1"),
        BOOL("Bool", "JSONExtractBool", "minmax GRANULARITY 1");

        final String sqlType;
        final String extract;
        final String index;

        Type(String sqlType, String extract, String index) {
            this.sqlType = sqlType;
            this.extract = extract;
            this.index = index;
        }

        /** {@code string}, {@code lowcardinality}, {@code int}, {@code float}, {@code bool}, or the ClickHouse type name. */
        public static Type named(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            for (Type t : values()) {
                if (t.sqlType.toLowerCase(Locale.ROOT).equals(n) || t.name().replace("_", "").toLowerCase(Locale.ROOT).equals(n)) {
                    return t;
                }
            }
            return switch (n) {
                case "int64", "integer", "number" -> INT;
                case "float64", "double" -> FLOAT;
                case "boolean" -> BOOL;
                default -> throw new IllegalArgumentException("unknown type '" + name + "' (string, lowcardinality, int, float, bool)");
            };
        }
    }

    private static final Pattern COLUMN = Pattern.compile("mat_[a-z0-9_]{1,60}");

    public PropertyColumn {
        Objects.requireNonNull(property, "property");
        Objects.requireNonNull(type, "type");
        if (property.isEmpty() || property.length() > 200) {
            throw new IllegalArgumentException("property name must have 1 to 200 characters");
        }
        if (!COLUMN.matcher(column).matches()) {
            throw new IllegalArgumentException("column name must match " + COLUMN + ", got " + column);
        }
    }

    /** The default column for {@code property}: {@code mat_} and the name, lower case, without a leading {@code $}. */
    public static PropertyColumn of(String property, Type type) {
        String base = property.startsWith("$") ? property.substring(1) : property;
        String column = "mat_" + base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return new PropertyColumn(property, column.length() > 64 ? column.substring(0, 64) : column, type);
    }

    public String indexName() {
        return "idx_" + column;
    }

    /** The expression of the column, as ClickHouse stores it in {@code system.columns.default_expression}. */
    public String expression() {
        return type.extract + "(properties, " + AdminSession.quote(property) + ")";
    }

    public String addColumnSql(String database) {
        return "ALTER TABLE " + database + ".events ADD COLUMN IF NOT EXISTS " + column + " " + type.sqlType + " MATERIALIZED "
                + expression();
    }

    public String addIndexSql(String database) {
        return "ALTER TABLE " + database + ".events ADD INDEX IF NOT EXISTS " + indexName() + " " + column + " TYPE " + type.index;
    }

    /** Computes the column, then its index, for the rows written before the column existed (a background mutation). */
    public String backfillSql(String database) {
        return "ALTER TABLE " + database + ".events MATERIALIZE COLUMN " + column + ", MATERIALIZE INDEX " + indexName();
    }

    public String sqlType() {
        return type.sqlType;
    }
}

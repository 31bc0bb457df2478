package com.clickhouse.analytics.writer.clickhouse;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClickHouse column type the writer can encode in RowBinary, parsed from the type name the
 * server reports ({@code DESCRIBE TABLE}). A {@code null} value is written as NULL in a
 * {@code Nullable} column and as the type's zero ({@code ''}, nil UUID, epoch, 0) otherwise.
 * {@code JSON} columns take a String (the insert sets {@code input_format_binary_read_json_as_string}).
 */
public record ColumnType(Kind kind, boolean nullable, int precision, String name) {

    public enum Kind { STRING, JSON, UUID, DATETIME64, DATETIME, INT8, INT16, INT32, INT64 }

    private static final Pattern WRAPPER = Pattern.compile("(LowCardinality|Nullable)\\((.*)\\)");
    private static final Pattern DATETIME64 = Pattern.compile("DateTime64\\((\\d)(?:,\\s*'[^']*')?\\)");
    private static final UUID NIL = new UUID(0, 0);

    public static Optional<ColumnType> parse(String type) {
        String t = type.strip();
        boolean nullable = false;
        Matcher wrapper;
        while ((wrapper = WRAPPER.matcher(t)).matches()) {
            nullable |= wrapper.group(1).equals("Nullable");
            t = wrapper.group(2).strip();
        }
        Matcher dt64 = DATETIME64.matcher(t);
        if (dt64.matches()) {
            return Optional.of(new ColumnType(Kind.DATETIME64, nullable, Integer.parseInt(dt64.group(1)), type));
        }
        if (t.equals("DateTime") || t.startsWith("DateTime(")) {
            return Optional.of(new ColumnType(Kind.DATETIME, nullable, 0, type));
        }
        if (t.equals("JSON") || t.startsWith("JSON(")) {
            return Optional.of(new ColumnType(Kind.JSON, nullable, 0, type));
        }
        Kind kind = switch (t) {
            case "String" -> Kind.STRING;
            case "UUID" -> Kind.UUID;
            case "Int8", "UInt8", "Bool" -> Kind.INT8;
            case "Int16", "UInt16" -> Kind.INT16;
            case "Int32", "UInt32" -> Kind.INT32;
            case "Int64", "UInt64" -> Kind.INT64;
            default -> null;
        };
        return kind == null ? Optional.empty() : Optional.of(new ColumnType(kind, nullable, 0, type));
    }

    public void write(Object value, RowBinaryOutput out) throws IOException {
        if (nullable) {
            if (value == null) {
                out.writeByte(1);
                return;
            }
            out.writeByte(0);
        }
        switch (kind) {
            case STRING, JSON -> out.writeString(value == null ? (kind == Kind.JSON ? "{}" : "") : value.toString());
            case UUID -> out.writeUuid(value == null ? NIL : (UUID) value);
            case DATETIME64 -> out.writeDateTime64(value == null ? Instant.EPOCH : (Instant) value, precision);
            case DATETIME -> out.writeDateTime(value == null ? Instant.EPOCH : (Instant) value);
            case INT8 -> out.writeByte(number(value).intValue());
            case INT16 -> {
                int v = number(value).intValue();
                out.writeByte(v);
                out.writeByte(v >>> 8);
            }
            case INT32 -> out.writeInt32(number(value).intValue());
            case INT64 -> out.writeInt64(number(value).longValue());
        }
    }

    private static Number number(Object value) {
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return value == null ? 0 : (Number) value;
    }
}

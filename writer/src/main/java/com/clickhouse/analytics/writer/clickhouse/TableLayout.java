package com.clickhouse.analytics.writer.clickhouse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import com.clickhouse.analytics.writer.WriterException;

/**
 * The columns the writer fills in one table, in insert order, each with its RowBinary type and
 * how to get its value from a row. Built once at start-up from the table's real columns, so a
 * migration that adds a column with a default does not break a running writer, and a missing or
 * unencodable column fails start-up with a message naming it instead of failing every insert.
 *
 * @param <R> the row type
 */
public final class TableLayout<R> {

    /** A column to fill. */
    public record Column<R>(String name, ColumnType type, Function<R, Object> value) {
    }

    /** One column of the table as the server describes it. */
    public record Described(String name, String type, String defaultKind) {
    }

    private final String table;
    private final List<Column<R>> columns;
    private final boolean hasJson;

    public TableLayout(String table, List<Column<R>> columns) {
        this.table = table;
        this.columns = List.copyOf(columns);
        this.hasJson = columns.stream().anyMatch(c -> c.type().kind() == ColumnType.Kind.JSON);
    }

    /**
     * Matches the table's columns against the values the writer knows how to produce.
     *
     * @param known    column name → value of a row, for every column the writer can fill
     * @param required columns the table must have
     * @throws WriterException.Fatal naming the column when a required one is missing or a known one has a type we cannot write
     */
    public static <R> TableLayout<R> of(String table, List<Described> described, Map<String, Function<R, Object>> known,
                                        Set<String> required) {
        List<Column<R>> columns = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (Described d : described) {
            present.add(d.name());
            String kind = d.defaultKind() == null ? "" : d.defaultKind();
            if (kind.equals("MATERIALIZED") || kind.equals("ALIAS") || kind.equals("EPHEMERAL")) {
                continue;
            }
            Function<R, Object> value = known.get(d.name());
            if (value == null) {
                continue; // the server fills it (its DEFAULT, or the type's zero)
            }
            ColumnType type = ColumnType.parse(d.type()).orElseThrow(() -> new WriterException.Fatal(
                    "column " + table + "." + d.name() + " has type " + d.type() + ", which the writer cannot encode", null));
            columns.add(new Column<>(d.name(), type, value));
        }
        List<String> missing = required.stream().filter(r -> !present.contains(r)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new WriterException.Fatal("table " + table + " lacks required column(s) " + missing
                    + " (has " + present + "): run the migrations", null);
        }
        return new TableLayout<>(table, columns);
    }

    public String table() {
        return table;
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    /** Whether an insert must ask the server to read JSON columns from strings. */
    public boolean hasJson() {
        return hasJson;
    }

    public void write(Collection<R> rows, RowBinaryOutput out) throws IOException {
        for (R row : rows) {
            for (Column<R> column : columns) {
                column.type().write(column.value().apply(row), out);
            }
        }
        out.flush();
    }

    @Override
    public String toString() {
        return "TableLayout[" + table + " " + columnNames() + "]";
    }
}

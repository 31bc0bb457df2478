package com.clickhouse.analytics.writer.clickhouse;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;

/**
 * Inserts event rows with client-v2 as RowBinary with an explicit column list, encoded straight
 * from the rows into the request body (no intermediate copy of the batch). Each insert carries
 * {@code insert_deduplication_token}, so ClickHouse drops an insert it already has (needs
 * {@code non_replicated_deduplication_window} on a non-replicated table, set by the migrations).
 */
public final class ClickHouseBatchWriter implements BatchWriter {

    private final Client client;
    private final TableLayout<EventRow> layout;
    private final ClickHouseErrorClassifier classifier;
    private final Duration timeout;

    public ClickHouseBatchWriter(Client client, TableLayout<EventRow> layout, ClickHouseErrorClassifier classifier, Duration timeout) {
        this.client = client;
        this.layout = layout;
        this.classifier = classifier;
        this.timeout = timeout;
    }

    @Override
    public void insert(List<EventRow> rows, String deduplicationToken) {
        insert(client, layout, rows, deduplicationToken, classifier, timeout);
    }

    /** One RowBinary insert of {@code rows} into {@code layout}'s table; {@code token} may be null. */
    public static <R> void insert(Client client, TableLayout<R> layout, List<R> rows, String token,
                           ClickHouseErrorClassifier classifier, Duration timeout) {
        InsertSettings settings = new InsertSettings();
        settings.serverSetting("async_insert", "0"); // a server or profile default of 1 would bypass the deduplication token
        if (token != null) {
            settings.setDeduplicationToken(token);
            settings.serverSetting("insert_deduplicate", "1");
        }
        if (layout.hasJson()) {
            settings.serverSetting("input_format_binary_read_json_as_string", "1");
        }
        try {
            client.insert(layout.table(), layout.columnNames(),
                            out -> layout.write(rows, new RowBinaryOutput(out, 64 * 1024)),
                            ClickHouseFormat.RowBinary, settings)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriterException.Unavailable("interrupted", "insert into " + layout.table() + " interrupted", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new WriterException.Unavailable("clickhouse_timeout", "insert into " + layout.table() + " took over " + timeout, e);
        } catch (Exception e) {
            throw classifier.classify("insert into " + layout.table(), e);
        }
    }

    @Override
    public String toString() {
        return "ClickHouseBatchWriter[" + layout + "]";
    }
}

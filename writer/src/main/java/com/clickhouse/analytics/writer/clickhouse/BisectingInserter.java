package com.clickhouse.analytics.writer.clickhouse;

import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.writer.WriterException;

/**
 * Inserts a batch, and when ClickHouse rejects its data, finds the rejected rows by bisection:
 * each half is inserted on its own (with its own token), recursively, until single rows are left
 * that are refused on their own. The good rows are inserted; the rejected ones are returned for the
 * dead-letter topic. A batch with k bad rows of n costs about {@code 2k·log2(n)} extra inserts.
 *
 * <p>Deterministic: the halves depend only on the rows, so a replayed batch is split the same way
 * and every sub-insert carries the same token as before (ClickHouse drops the ones already in).
 * Retryable and fatal errors propagate untouched; the whole batch is then retried later.
 */
public final class BisectingInserter implements EventInserter {

    /** A row ClickHouse refused, and why. */
    public record Rejected(EventRow row, WriterException.RecordRejected error) {
    }

    private final BatchWriter writer;

    public BisectingInserter(BatchWriter writer) {
        this.writer = writer;
    }

    /** Inserts the rows of the batch whose token is {@code batchToken}; returns the rows refused one by one. */
    @Override
    public List<Rejected> insert(List<EventRow> rows, String batchToken) {
        List<Rejected> rejected = new ArrayList<>();
        if (!rows.isEmpty()) {
            insert(rows, batchToken, batchToken, rejected);
        }
        return rejected;
    }

    private void insert(List<EventRow> rows, String token, String batchToken, List<Rejected> rejected) {
        try {
            writer.insert(rows, token);
        } catch (WriterException.RecordRejected e) {
            if (rows.size() == 1) {
                rejected.add(new Rejected(rows.getFirst(), e));
                return;
            }
            int middle = rows.size() / 2;
            List<EventRow> left = rows.subList(0, middle);
            List<EventRow> right = rows.subList(middle, rows.size());
            insert(left, subToken(batchToken, left), batchToken, rejected);
            insert(right, subToken(batchToken, right), batchToken, rejected);
        }
    }

    /**
     * A sub-batch is named by the whole batch's token (which names the log) and its own offset
     * range, so it never equals a whole batch's token and a replayed bisection repeats it exactly.
     */
    private static String subToken(String batchToken, List<EventRow> rows) {
        return batchToken + "/part-" + rows.getFirst().source().offset() + "-" + rows.getLast().source().offset();
    }
}

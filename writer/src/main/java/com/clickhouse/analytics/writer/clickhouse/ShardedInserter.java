package com.clickhouse.analytics.writer.clickhouse;

import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.writer.WriterException;

/**
 * Inserts a batch on a sharded cluster: the rows are split by {@link ShardLayout} (the shard that
 * {@code events_distributed} would give each distinct id) and each shard's part goes into that
 * shard's local {@code events}, in shard order, through the shard's own {@link BisectingInserter},
 * under the token {@link ShardLayout#token(String, int)} (the batch's token and the shard). A shard
 * with no rows in the batch gets no insert.
 *
 * <p>Exactly once: the split is a pure function of the rows (their distinct ids) and the layout, so
 * a retry or a replay of the batch (same boundaries, thanks to the replay fence) sends every shard the
 * same part under the same token; a shard that already has its part drops it, the others insert
 * theirs. If any shard fails, this throws and the batch is not committed — nothing is lost, and what
 * did land is deduplicated when the batch is written again.
 */
public final class ShardedInserter implements EventInserter {

    /** Per-shard outcomes, for metrics. */
    public interface Counts {
        void inserted(int shard, long rows);

        void failed(int shard);
    }

    private final ShardLayout layout;
    private final List<BisectingInserter> shards;
    private final Counts counts;

    /** @param shards one inserter per shard of {@code layout}, in its order */
    public ShardedInserter(ShardLayout layout, List<BisectingInserter> shards, Counts counts) {
        if (layout.isEmpty() || layout.shards().size() != shards.size()) {
            throw new IllegalArgumentException("one inserter per shard: " + layout.shards().size() + " shards, " + shards.size() + " inserters");
        }
        this.layout = layout;
        this.shards = List.copyOf(shards);
        this.counts = counts;
    }

    @Override
    public List<BisectingInserter.Rejected> insert(List<EventRow> rows, String batchToken) {
        List<List<EventRow>> parts = layout.split(rows);
        List<BisectingInserter.Rejected> rejected = new ArrayList<>();
        for (int shard = 0; shard < parts.size(); shard++) {
            List<EventRow> part = parts.get(shard);
            if (part.isEmpty()) {
                continue;
            }
            List<BisectingInserter.Rejected> refused;
            try {
                refused = shards.get(shard).insert(part, layout.token(batchToken, shard));
            } catch (WriterException.Unavailable e) {
                counts.failed(shard);
                throw new WriterException.Unavailable(e.tag(), onShard(shard, e), e);
            } catch (WriterException.Fatal e) {
                counts.failed(shard);
                throw new WriterException.Fatal(onShard(shard, e), e);
            }
            counts.inserted(shard, part.size() - refused.size());
            rejected.addAll(refused);
        }
        return rejected;
    }

    private String onShard(int shard, WriterException e) {
        return "shard " + shard + " (" + layout.shards().get(shard).url() + "): " + e.getMessage();
    }

    @Override
    public String toString() {
        return "ShardedInserter[" + layout + "]";
    }
}

package com.clickhouse.analytics.writer.clickhouse;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The shards of a sharded cluster ({@code CLICKHOUSE_SHARDS}) and the rule that gives each event
 * row its shard: the one {@code events_distributed} (a {@code Distributed} table sharded by
 * {@code cityHash64(distinct_id)}) would choose. ClickHouse's rule: with shard weights w0, w1, …
 * (in {@code remote_servers} order) and total W, a row goes to the shard whose range
 * {@code [w0 + … + w(i-1), w0 + … + wi)} contains {@code sharding_key % W}, the key taken as UInt64.
 * So every replay of an event (same distinct id) and every event of one distinct id lands on one
 * shard, where {@code FINAL} collapses them.
 *
 * <p>Empty ({@link #NONE}) when the variable is unset: the writer then inserts into the node of
 * {@code CLICKHOUSE_URL} as it always did. Immutable.
 */
public final class ShardLayout {

    /** One shard: its position in {@code remote_servers}, a node to insert into, its weight. */
    public record Shard(int index, String url, long weight) {
    }

    /** No shards configured: one node. */
    public static final ShardLayout NONE = new ShardLayout(List.of());

    /** ClickHouse reads shard weights as UInt32. */
    private static final long MAX_WEIGHT = 0xffffffffL;

    private final List<Shard> shards;
    /** Exclusive upper bounds of the shards' ranges; the last is the total weight. */
    private final long[] ends;
    /** The weights as the tokens name them, {@code 1.1}. */
    private final String weights;

    private ShardLayout(List<Shard> shards) {
        this.shards = List.copyOf(shards);
        this.weights = shards.stream().map(s -> Long.toString(s.weight())).collect(Collectors.joining("."));
        this.ends = new long[shards.size()];
        long sum = 0;
        for (int i = 0; i < ends.length; i++) {
            sum += shards.get(i).weight();
            ends[i] = sum;
        }
    }

    /**
     * Parses {@code url[*weight],url[*weight],…}: one {@code http(s)://} URL per shard, in the order
     * of the cluster's {@code remote_servers}, weight 1 unless given (0 = the shard takes no rows, as
     * in ClickHouse). Blank = {@link #NONE}.
     *
     * @throws IllegalArgumentException saying what is wrong (the caller names the variable)
     */
    public static ShardLayout parse(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        List<Shard> shards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String item : value.split(",", -1)) {
            String entry = item.strip();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("has an empty entry: give one URL per shard, comma-separated");
            }
            int star = entry.lastIndexOf('*');
            String url = star < 0 ? entry : entry.substring(0, star).strip();
            long weight = star < 0 ? 1 : weight(entry.substring(star + 1).strip(), url);
            checkUrl(url);
            if (!seen.add(url.replaceAll("/+$", ""))) {
                throw new IllegalArgumentException("names " + shown(url) + " twice: each shard must be a different node");
            }
            shards.add(new Shard(shards.size(), url, weight));
        }
        if (shards.stream().mapToLong(Shard::weight).sum() == 0) {
            throw new IllegalArgumentException("gives every shard weight 0: at least one shard must take rows");
        }
        return new ShardLayout(shards);
    }

    private static long weight(String text, String url) {
        try {
            long weight = Long.parseLong(text);
            if (weight >= 0 && weight <= MAX_WEIGHT) {
                return weight;
            }
        } catch (NumberFormatException notANumber) {
            // said below
        }
        throw new IllegalArgumentException("gives " + shown(url) + " the weight '" + text + "': a weight is a whole number from 0 to " + MAX_WEIGHT);
    }

    private static void checkUrl(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getUserInfo() != null) {
                throw new IllegalArgumentException("must not carry credentials; the shards use CLICKHOUSE_USER and CLICKHOUSE_PASSWORD");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("must list http:// or https:// URLs with a host, like http://ch-shard-1:8123, got '" + shown(url) + "'");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("has an entry that is not a URL: '" + shown(url) + "'");
        }
    }

    /** {@code url} without anything that could be a password (before an {@code @}), for messages. */
    private static String shown(String url) {
        return url.replaceAll("^([A-Za-z][A-Za-z0-9+.-]*://)?[^/@]*@", "$1…@");
    }

    public boolean isEmpty() {
        return shards.isEmpty();
    }

    public List<Shard> shards() {
        return shards;
    }

    /** The shard of a row whose {@code distinct_id} is {@code distinctId}. */
    public int shardOf(String distinctId) {
        return shardOfKey(CityHash64.hash(distinctId.getBytes(StandardCharsets.UTF_8)));
    }

    /** The shard of the sharding key {@code key} (a UInt64 bit pattern), by Distributed's weight rule. */
    public int shardOfKey(long key) {
        long slot = Long.remainderUnsigned(key, ends[ends.length - 1]);
        int shard = 0;
        while (slot >= ends[shard]) {
            shard++;
        }
        return shard;
    }

    /** {@code rows} split by shard, each part in the rows' order (so the split of a batch is the same on every replay). */
    public List<List<EventRow>> split(List<EventRow> rows) {
        List<List<EventRow>> parts = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            parts.add(new ArrayList<>());
        }
        for (EventRow row : rows) {
            parts.get(shardOf(row.event().distinctId())).add(row);
        }
        return parts;
    }

    /**
     * The deduplication token of a batch's part for {@code shard}:
     * {@code <batch token>/shard-<index>-of-<weights>}. Per shard, so a replay that finds one shard's
     * part already inserted drops just that part; naming the weights (e.g. {@code 1.1}) makes a
     * changed layout (a shard added, a weight changed) give new tokens — otherwise a replay under a
     * new layout could send another set of rows under an old part's token, and the shard would drop
     * them as a duplicate.
     */
    public String token(String batchToken, int shard) {
        return batchToken + "/shard-" + shard + "-of-" + weights;
    }

    @Override
    public String toString() {
        return isEmpty() ? "none" : shards.stream().map(s -> s.url() + "*" + s.weight()).collect(Collectors.joining(","));
    }
}

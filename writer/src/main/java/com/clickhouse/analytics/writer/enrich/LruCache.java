package com.clickhouse.analytics.writer.enrich;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A bounded least-recently-used cache for the enrichment step's lookups, with hit and miss
 * counts for the metrics. Not thread-safe: one batch is enriched at a time, on the writer's
 * prepare thread. A size of 0 caches nothing.
 */
final class LruCache<K, V> {

    private final int capacity;
    private final LinkedHashMap<K, V> entries;
    private volatile long hits; // written by the prepare thread only, read by the metrics
    private volatile long misses;

    LruCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > LruCache.this.capacity;
            }
        };
    }

    /** The cached value of {@code key}, else {@code compute}'s (cached, null included). */
    V get(K key, Function<K, V> compute) {
        V value = entries.get(key);
        if (value != null || entries.containsKey(key)) {
            hits++;
            return value;
        }
        misses++;
        value = compute.apply(key);
        if (capacity > 0) {
            entries.put(key, value);
        }
        return value;
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }
}

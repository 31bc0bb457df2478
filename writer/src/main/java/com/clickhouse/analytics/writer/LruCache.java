package com.clickhouse.analytics.writer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A bounded least-recently-used cache with hit and miss counts for the metrics, for the steps
 * that remember lookups between batches (enrichment's addresses and user agents, identity's
 * persons). Not thread-safe: a batch is prepared on one thread at a time. A capacity of 0 caches
 * nothing.
 */
public final class LruCache<K, V> {

    private final int capacity;
    private final LinkedHashMap<K, V> entries;
    private volatile long hits; // written by the prepare thread only, read by the metrics
    private volatile long misses;

    public LruCache(int capacity) {
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
    public V get(K key, Function<K, V> compute) {
        V value = entries.get(key);
        if (value != null || entries.containsKey(key)) {
            hits++;
            return value;
        }
        misses++;
        value = compute.apply(key);
        put(key, value);
        return value;
    }

    /** The cached value of {@code key} or null, counted as a hit or a miss. */
    public V get(K key) {
        V value = entries.get(key);
        if (value != null) {
            hits++;
        } else {
            misses++;
        }
        return value;
    }

    public void put(K key, V value) {
        if (capacity > 0) {
            entries.put(key, value);
        }
    }

    public void remove(K key) {
        entries.remove(key);
    }

    public void clear() {
        entries.clear();
    }

    public int size() {
        return entries.size();
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    /** Hits over lookups so far, 0 before the first. */
    public double hitRatio() {
        long h = hits;
        long total = h + misses;
        return total == 0 ? 0 : (double) h / total;
    }
}

package com.clickhouse.analytics.writer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LruCacheTest {

    @Test
    void computesOnceAndCountsHitsAndMisses() {
        List<String> computed = new ArrayList<>();
        LruCache<String, String> cache = new LruCache<>(10);
        for (int i = 0; i < 3; i++) {
            assertEquals("A", cache.get("a", k -> {
                computed.add(k);
                return k.toUpperCase();
            }));
        }
        assertEquals(List.of("a"), computed);
        assertEquals(2, cache.hits());
        assertEquals(1, cache.misses());
    }

    @Test
    void cachesNullAnswersToo() {
        LruCache<String, String> cache = new LruCache<>(4);
        int[] calls = {0};
        assertNull(cache.get("private", k -> {
            calls[0]++;
            return null;
        }));
        assertNull(cache.get("private", k -> {
            calls[0]++;
            return null;
        }));
        assertEquals(1, calls[0], "a lookup that found nothing is not repeated");
        assertEquals(1, cache.hits());
    }

    @Test
    void evictsTheLeastRecentlyUsedBeyondItsCapacity() {
        LruCache<Integer, Integer> cache = new LruCache<>(2);
        cache.get(1, k -> k);
        cache.get(2, k -> k);
        cache.get(1, k -> -1); // a hit: 1 is now the most recent
        cache.get(3, k -> k);  // evicts 2
        assertEquals(2, cache.size());
        assertEquals(1, cache.get(1, k -> -1), "kept");
        assertEquals(-2, cache.get(2, k -> -k), "evicted, so computed again");
    }

    @Test
    void sizeZeroCachesNothingAndClearEmpties() {
        LruCache<String, String> none = new LruCache<>(0);
        none.get("a", k -> k);
        none.get("a", k -> k);
        assertEquals(0, none.size());
        assertEquals(2, none.misses());
        LruCache<String, String> cache = new LruCache<>(5);
        cache.get("a", k -> k);
        cache.clear();
        assertEquals(0, cache.size());
        assertThrows(IllegalArgumentException.class, () -> new LruCache<>(-1));
    }
}

package com.clickhouse.analytics.writer.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseTables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The person cache on the real ClickHouse store: a row it wrote or read is reused while its
 * version is the latest, and never once another writer (a second store on the same tables) or a
 * deletion has written a newer one.
 */
class CachingPersonStoreTest {

    private static final Instant T = Instant.parse("2026-05-01T10:00:00Z");
    private TestClickHouse ch;
    private ClickHousePersonStore table;

    @BeforeEach
    void open() throws Exception {
        ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), "person_cache").migrate(SchemaMigrator::migrate);
        ClickHouseTables tables = new ClickHouseTables(ch.client, ch.database, new ClickHouseErrorClassifier());
        table = tables.personStore(Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        ch.close();
    }

    private static final String PROJECT = "p";

    private static PersonStore.PersonRow row(PersonStore.PersonKey key, String properties, boolean deleted, long version) {
        return new PersonStore.PersonRow(key.project(), "d-" + key.id(), key.id(), properties, T, T, T, false, deleted, version);
    }

    private static PersonStore.PersonKey person() {
        return new PersonStore.PersonKey(PROJECT, UUID.randomUUID());
    }

    @Test
    void reusesWhatItWroteWhileTheVersionIsTheLatest() {
        CachingPersonStore cache = new CachingPersonStore(table, 100);
        PersonStore.PersonKey a = person();
        cache.insertPersons(List.of(row(a, "{\"plan\":\"free\"}", false, 10)));

        assertEquals("{\"plan\":\"free\"}", cache.persons(List.of(a)).get(a).properties());
        assertEquals(1.0, cache.hitRatio(), "the written row was reused, not read");
        assertEquals(Map.of(a, 10L), table.versionsOf(List.of(a, person(), new PersonStore.PersonKey("other", a.id()))),
                "another project's person of the same id is another person");
    }

    @Test
    void anotherWritersNewerRowIsReadAndADeletionIsNoRow() {
        CachingPersonStore cache = new CachingPersonStore(table, 100);
        CachingPersonStore otherWriter = new CachingPersonStore(table, 100);
        PersonStore.PersonKey a = person();
        PersonStore.PersonKey b = person();
        table.insertPersons(List.of(row(a, "{\"v\":1}", false, 1), row(b, "{\"v\":1}", false, 1)));
        assertEquals(2, cache.persons(List.of(a, b)).size());
        assertEquals(0.0, cache.hitRatio(), "first sight: read");

        otherWriter.insertPersons(List.of(row(a, "{\"v\":2}", false, 2)));
        table.insertPersons(List.of(row(b, "{\"v\":1}", true, 5))); // delete-person's row

        Map<PersonStore.PersonKey, PersonStore.PersonRow> now = cache.persons(List.of(a, b));
        assertEquals("{\"v\":2}", now.get(a).properties(), "the newer version, read again");
        assertEquals(2, now.get(a).version());
        assertFalse(now.containsKey(b), "a deleted person is no row, as the table answers");
        assertEquals(table.persons(List.of(a, b)).keySet(), now.keySet());

        Map<PersonStore.PersonKey, PersonStore.PersonRow> again = cache.persons(List.of(a, b));
        assertEquals("{\"v\":2}", again.get(a).properties());
        assertTrue(cache.hitRatio() > 0, "the re-read row is reused next time: " + cache.hitRatio());
    }

    @Test
    void aCapacityOfZeroReadsEveryTime() {
        CachingPersonStore none = new CachingPersonStore(table, 0);
        PersonStore.PersonKey a = person();
        none.insertPersons(List.of(row(a, "{}", false, 3)));
        assertEquals(3, none.persons(List.of(a)).get(a).version());
        assertEquals(3, none.persons(List.of(a)).get(a).version());
        assertEquals(0.0, none.hitRatio());
        assertEquals(0, none.size());
    }
}

package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseTables;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group types and groups against the real ClickHouse store: indexes in order of first appearance,
 * stable across batches and resolvers (a restart), a replay writes nothing new, a sixth type is
 * counted and warned about, and two writers claiming at once end with one mapping both used.
 */
class GroupResolverTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private TestClickHouse ch;
    private ClickHouseGroupStore store;
    private ClickHousePersonStore persons;
    private final AtomicInteger unmapped = new AtomicInteger();
    private Instant clock = Instant.parse("2026-04-01T12:00:00Z");

    @BeforeEach
    void open() throws Exception {
        ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), "groups").migrate(SchemaMigrator::migrate);
        ClickHouseTables tables = new ClickHouseTables(ch.client, ch.database, new ClickHouseErrorClassifier());
        store = tables.groupStore(Duration.ofSeconds(30));
        persons = tables.personStore(Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        ch.close();
    }

    private GroupResolver resolver() {
        return new GroupResolver(store, persons::insertWarnings, Event::apiKey, Clock.systemUTC(), unmapped::incrementAndGet);
    }

    @Test
    void indexesFollowFirstAppearanceAndSurviveRestartsAndReplays() throws Exception {
        Event pv = event("k1", "$pageview", "{\"$groups\":{\"company\":\"acme\",\"project\":\"p1\"}}");
        Event identify = event("k1", "$groupidentify",
                "{\"$group_type\":\"company\",\"$group_key\":\"acme\",\"$group_set\":{\"plan\":\"free\",\"name\":\"Acme\"},"
                        + "\"$groups\":{\"company\":\"acme\"}}");
        Event plain = event("k1", "$pageview", "{\"x\":1}");
        assertEquals(List.of(List.of("acme", "p1", "", "", ""), List.of("acme", "", "", "", ""), List.of()),
                resolver().resolve(List.of(pv, identify, plain)));
        assertEquals(Map.of("plan", "free", "name", "Acme"), groupProperties("k1", 0, "acme"));
        Instant created = ch.query("SELECT created_at FROM {db}.groups FINAL").getFirst().getInstant("created_at");
        assertEquals(identify.timestamp(), created);

        // A restarted writer (a new resolver, nothing cached): the same indexes; a new type gets the next one.
        List<Event> second = List.of(
                event("k1", "$pageview", "{\"$groups\":{\"team\":\"t1\",\"company\":\"acme\"}}"),
                event("k1", "$groupidentify", "{\"$group_type\":\"company\",\"$group_key\":\"acme\",\"$group_set\":{\"plan\":\"pro\",\"seats\":3}}"),
                event("k2", "$pageview", "{\"$groups\":{\"team\":\"t9\"}}"));
        List<List<String>> expected = List.of(List.of("acme", "", "t1", "", ""), List.of(), List.of("t9", "", "", "", ""));
        assertEquals(expected, resolver().resolve(second));
        assertEquals(Map.of("plan", "pro", "name", "Acme", "seats", 3), groupProperties("k1", 0, "acme"));
        long claims = ch.longValue("SELECT count() FROM {db}.group_type_mapping");
        long groupRows = ch.longValue("SELECT count() FROM {db}.groups");
        assertEquals(4, claims, "company, project and team of k1, team of k2");

        // The writer's replay of the second batch: the same columns and properties, no new claim, the row converges.
        assertEquals(expected, resolver().resolve(second));
        assertEquals(claims, ch.longValue("SELECT count() FROM {db}.group_type_mapping"));
        assertTrue(ch.longValue("SELECT count() FROM {db}.groups") <= groupRows + 1);
        assertEquals(Map.of("plan", "pro", "name", "Acme", "seats", 3), groupProperties("k1", 0, "acme"));
        assertEquals(1, ch.longValue("SELECT count() FROM {db}.groups FINAL"));
        assertEquals(0, unmapped.get());
        assertEquals(Map.of("company", 0, "project", 1, "team", 2), mapping("k1"));
        assertEquals(Map.of("team", 0), mapping("k2"));
    }

    @Test
    void aSixthTypeStaysInThePropertiesIsCountedAndWarned() {
        GroupResolver r = resolver();
        r.resolve(List.of(event("k", "$pageview", "{\"$groups\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\"}}")));
        Event sixth = event("k", "$pageview", "{\"$groups\":{\"f\":\"6\",\"a\":\"1\"}}");
        Event identify = event("k", "$groupidentify", "{\"$group_type\":\"f\",\"$group_key\":\"6\",\"$group_set\":{\"n\":1}}");
        assertEquals(List.of(List.of("1", "", "", "", ""), List.of()), r.resolve(List.of(sixth, identify)));
        assertEquals(2, unmapped.get(), "the sixth type on the pageview and on the $groupidentify");
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.groups"));
        assertEquals(1, ch.longValue("SELECT count() FROM {db}.ingestion_warnings WHERE type = 'group_type_limit' AND event_uuid = '"
                + sixth.uuid() + "' AND JSONExtractString(details, 'group_type') = 'f'"), "one warning per batch and type");
        // a new resolver reads the full mapping and does not claim again
        long claims = ch.longValue("SELECT count() FROM {db}.group_type_mapping");
        resolver().resolve(List.of(sixth));
        assertEquals(claims, ch.longValue("SELECT count() FROM {db}.group_type_mapping"));
    }

    /** Two writers meet new types of one project at once: one mapping results, and each used it. */
    @Test
    void concurrentWritersAgreeOnOneMapping() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            String project = "race-" + attempt;
            List<String> typesA = List.of("t1", "t2", "t3");
            List<String> typesB = List.of("t3", "t4", "t5", "t6");
            Callable<List<List<String>>> a = () -> resolver().resolve(List.of(groupsEvent(project, typesA)));
            Callable<List<List<String>>> b = () -> resolver().resolve(List.of(groupsEvent(project, typesB)));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<List<List<String>>>> results;
            try {
                results = pool.invokeAll(List.of(a, b));
            } finally {
                pool.shutdown();
            }
            Map<String, Integer> mapping = mapping(project);
            assertEquals(5, mapping.size(), "five of the six types mapped: " + mapping);
            assertEquals(5, new HashSet<>(mapping.values()).size(), "distinct indexes: " + mapping);
            assertColumnsFollow(mapping, typesA, results.get(0).get().getFirst());
            assertColumnsFollow(mapping, typesB, results.get(1).get().getFirst());
        }
    }

    private static void assertColumnsFollow(Map<String, Integer> mapping, List<String> types, List<String> columns) {
        Set<String> seen = new HashSet<>();
        for (String type : types) {
            Integer index = mapping.get(type);
            if (index != null) {
                assertEquals("key-" + type, columns.get(index), type + " at " + index + ": " + columns);
                seen.add("key-" + type);
            }
        }
        for (String c : columns) {
            assertTrue(c.isEmpty() || seen.contains(c), "only mapped types fill columns: " + columns);
        }
    }

    private Event groupsEvent(String project, List<String> types) {
        StringBuilder groups = new StringBuilder("{\"$groups\":{");
        for (int i = 0; i < types.size(); i++) {
            groups.append(i == 0 ? "" : ",").append('"').append(types.get(i)).append("\":\"key-").append(types.get(i)).append('"');
        }
        return event(project, "$pageview", groups.append("}}").toString());
    }

    private Map<String, Integer> mapping(String project) {
        List<GroupStore.Claim> claims = new ArrayList<>(store.claims(List.of(project)));
        return GroupTypeClaims.resolve(claims);
    }

    private Map<?, ?> groupProperties(String project, int index, String key) throws Exception {
        return JSON.readValue(store.groups(List.of(new GroupStore.GroupKey(project, index, key)))
                .get(new GroupStore.GroupKey(project, index, key)).properties(), Map.class);
    }

    private Event event(String apiKey, String name, String properties) {
        clock = clock.plusSeconds(1);
        return new Event(UUID.randomUUID(), apiKey, name, "user", properties, clock, null, clock, null, null, null);
    }
}

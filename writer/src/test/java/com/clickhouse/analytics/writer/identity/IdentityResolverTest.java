package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseTables;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The resolution rules, batch by batch, on the real ClickHouse store: one migrated database for the
 * class, a project of its own per test (the event's api key), the tables read back after each batch.
 */
class IdentityResolverTest {

    /** The real store, counting the round trips the rules promise to keep few. */
    static final class CountingStore implements PersonStore {
        private final PersonStore store;
        final List<Collection<DistinctKey>> lookups = new ArrayList<>();
        final List<Collection<PersonKey>> reads = new ArrayList<>();
        final List<List<PersonRow>> written = new ArrayList<>();
        final List<DistinctIdRow> links = new ArrayList<>();
        final List<OverrideRow> overrides = new ArrayList<>();
        int personInserts;

        CountingStore(PersonStore store) {
            this.store = store;
        }

        @Override
        public Map<DistinctKey, UUID> personIdsOf(Collection<DistinctKey> ids) {
            lookups.add(List.copyOf(ids));
            return store.personIdsOf(ids);
        }

        @Override
        public Map<PersonKey, PersonRow> persons(Collection<PersonKey> ids) {
            reads.add(List.copyOf(ids));
            return store.persons(ids);
        }

        @Override
        public Map<PersonKey, Long> versionsOf(Collection<PersonKey> ids) {
            return store.versionsOf(ids);
        }

        @Override
        public Map<DistinctKey, UUID> distinctIdsOf(Collection<PersonKey> personIds) {
            return store.distinctIdsOf(personIds);
        }

        @Override
        public Map<PersonKey, UUID> overridesOf(Collection<PersonKey> old) {
            return store.overridesOf(old);
        }

        @Override
        public Map<PersonKey, UUID> overridesTo(Collection<PersonKey> targets) {
            return store.overridesTo(targets);
        }

        @Override
        public void insertDistinctIds(List<DistinctIdRow> rows) {
            links.addAll(rows);
            store.insertDistinctIds(rows);
        }

        @Override
        public void insertPersons(List<PersonRow> rows) {
            personInserts++;
            written.add(List.copyOf(rows));
            store.insertPersons(rows);
        }

        @Override
        public void insertOverrides(List<OverrideRow> rows) {
            overrides.addAll(rows);
            store.insertOverrides(rows);
        }

        @Override
        public void insertWarnings(List<WarningRow> rows) {
            store.insertWarnings(rows);
        }
    }

    /** A person row as the table holds it now ({@code FINAL}: its latest version, deletions included). */
    record StoredPerson(String properties, boolean identified, boolean deleted) {
    }

    private static TestClickHouse ch;
    private static PersonStore table;

    @BeforeAll
    static void migrate() throws Exception {
        ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), "resolver").migrate(SchemaMigrator::migrate);
        ClickHouseTables tables = new ClickHouseTables(ch.client, ch.database, new ClickHouseErrorClassifier());
        table = tables.personStore(Duration.ofSeconds(30));
    }

    @AfterAll
    static void drop() {
        ch.close();
    }

    /** This test's project: the api key of its events, a bare key. */
    private final String project = TestClickHouse.uniqueName("k");

    /** The links of this test's project, by distinct id (deleted ones left out). */
    private Map<String, UUID> links() {
        Map<String, UUID> out = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT distinct_id, argMax(person_id, version) AS person FROM {db}.person_distinct_ids"
                + " WHERE project = '" + project + "' GROUP BY distinct_id HAVING argMax(is_deleted, version) = 0")) {
            out.put(r.getString("distinct_id"), r.getUUID("person"));
        }
        return out;
    }

    /** The persons of this test's project, by id. */
    private Map<UUID, StoredPerson> persons() {
        Map<UUID, StoredPerson> out = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT id, properties, toInt8(is_identified) AS identified, toInt8(is_deleted) AS deleted"
                + " FROM {db}.persons FINAL WHERE project = '" + project + "'")) {
            out.put(r.getUUID("id"), new StoredPerson(r.getString("properties"), r.getByte("identified") == 1,
                    r.getByte("deleted") == 1));
        }
        return out;
    }

    /** The overrides of this test's project, old → new. */
    private Map<UUID, UUID> overrides() {
        Map<UUID, UUID> out = new HashMap<>();
        for (GenericRecord r : ch.query("SELECT old_person_id, override_person_id FROM {db}.person_overrides FINAL"
                + " WHERE project = '" + project + "'")) {
            out.put(r.getUUID("old_person_id"), r.getUUID("override_person_id"));
        }
        return out;
    }

    /** The warning types of this test's project, oldest first. */
    private List<String> warnings() {
        return ch.query("SELECT type FROM {db}.ingestion_warnings WHERE api_key = '" + project + "' ORDER BY timestamp").stream()
                .map(r -> r.getString("type")).toList();
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final CountingStore store = new CountingStore(table);
    private final List<String> outcomes = new ArrayList<>();
    private final IdentityResolver resolver = new IdentityResolver(store, 1000, Duration.ofDays(1),
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), outcomes::add);

    private Event event(String name, String distinctId, String properties, String set, String setOnce, String anon, String alias) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Event(UUID.randomUUID(), project, name, distinctId, properties == null ? "{}" : properties, t, null, t, null, null,
                PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce)
                        .with(RecordField.ANON_DISTINCT_ID, anon).with(RecordField.ALIAS, alias));
    }

    private Event pageview(String distinctId) {
        return event("$pageview", distinctId, null, null, null, null, null);
    }

    private Event personless(String distinctId) {
        return event("$pageview", distinctId, "{\"$process_person_profile\":false}", "{\"x\":1}", null, null, null);
    }

    private Event identify(String distinctId, String anon) {
        return event("$identify", distinctId, null, null, null, anon, null);
    }

    private UUID det(String id) {
        return PersonIds.deterministic(project, id);
    }

    private List<UUID> persons(List<Event> events) {
        return resolver.resolve(events).stream().map(IdentityResolver.Identity::personId).toList();
    }

    @Test
    void deterministicIdIsTheOriginalsBitsOverProjectAndDistinctId() {
        UUID id = PersonIds.deterministic("app-a", "user-1");
        assertEquals(5, id.version());
        assertEquals(2, id.variant());
        assertFalse(id.equals(PersonIds.deterministic("app-a", "user-2")));
        assertFalse(id.equals(PersonIds.deterministic("app-b", "user-1")), "another project, another person");
        assertEquals(PersonIds.beforeProjects("app-a:user-1"), id, "sha1 of project:distinct_id");
    }

    /** The merge cases of PostHog's person-merge-service, one row each. */
    @Test
    void mergeRuleTable() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        record Case(PersonEvent.Merge merge, String into, String other, UUID intoPerson, UUID otherPerson, boolean otherIdentified,
                    MergeRule.Outcome expected) {
        }
        List<Case> cases = List.of(
                new Case(PersonEvent.Merge.IDENTIFY, "u", "u", a, a, false, MergeRule.Outcome.SAME_ID),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anonymous", null, null, false, MergeRule.Outcome.ILLEGAL_ID),
                new Case(PersonEvent.Merge.IDENTIFY, "null", "anon", null, null, false, MergeRule.Outcome.ILLEGAL_ID),
                new Case(PersonEvent.Merge.CREATE_ALIAS, "u", " ", null, null, false, MergeRule.Outcome.ILLEGAL_ID),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", null, null, false, MergeRule.Outcome.CREATE),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", null, b, true, MergeRule.Outcome.ADD_INTO),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", a, null, false, MergeRule.Outcome.ADD_OTHER),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", a, a, true, MergeRule.Outcome.SAME_PERSON),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", a, b, false, MergeRule.Outcome.MERGE),
                new Case(PersonEvent.Merge.IDENTIFY, "u", "anon", a, b, true, MergeRule.Outcome.REFUSED_IDENTIFIED),
                new Case(PersonEvent.Merge.CREATE_ALIAS, "u", "alias", a, b, true, MergeRule.Outcome.REFUSED_IDENTIFIED),
                new Case(PersonEvent.Merge.MERGE_DANGEROUSLY, "u", "other", a, b, true, MergeRule.Outcome.MERGE));
        for (Case c : cases) {
            assertEquals(c.expected(), MergeRule.decide(c.merge(), c.into(), c.other(), c.intoPerson(), c.otherPerson(), c.otherIdentified()),
                    c.toString());
        }
    }

    @Test
    void illegalIdsArePostHogs() {
        for (String id : List.of("anonymous", "ANONYMOUS", "\"guest\"", "'distinct_id'", "[object Object]", "NaN", "None", "none",
                "null", "0", "undefined", "UnDeFiNeD", "true", "email", "", "  ")) {
            assertTrue(IllegalDistinctIds.isIllegal(id), id);
        }
        for (String id : List.of("nan", "NULL", "user-1", "00", "Null")) {
            assertFalse(IllegalDistinctIds.isIllegal(id), id);
        }
    }

    @Test
    void personlessEventsWriteNothingAndUseAnExistingPerson() {
        assertEquals(List.of(det("anon")), persons(List.of(personless("anon"))));
        assertTrue(links().isEmpty());
        assertTrue(persons().isEmpty());
        assertEquals(IdentityResolver.Identity.class, resolver.resolve(List.of(personless("anon"))).getFirst().getClass());
        assertEquals(PersonMode.PROPERTYLESS, resolver.resolve(List.of(personless("anon"))).getFirst().mode());

        persons(List.of(identify("user", "other")));
        assertEquals(List.of(det("user")), persons(List.of(personless("other"))), "an id with a person keeps it");
        assertFalse(persons().get(det("user")).properties().contains("\"x\""), "a personless $set is ignored");
    }

    @Test
    void personlessBrowsingThenIdentifyCreatesOnePersonAndOverridesTheAnonymousId() {
        persons(List.of(personless("anon"), personless("anon")));
        List<UUID> ids = persons(List.of(identify("user", "anon"), pageview("anon")));
        assertEquals(List.of(det("user"), det("user")), ids);
        assertEquals(Map.of("anon", det("user"), "user", det("user")), links());
        assertEquals(1, persons().size());
        assertTrue(persons().get(det("user")).identified());
        assertEquals(Map.of(det("anon"), det("user"), PersonIds.beforeProjects("anon"), det("user")), overrides(),
                "the joined id's own id, and the one events written before projects carry");
    }

    @Test
    void identifyOfAnAlreadyIdentifiedAnonymousPersonIsRefusedWithAWarning() {
        persons(List.of(identify("user-1", "anon")));
        persons(List.of(pageview("user-2")));
        List<UUID> ids = persons(List.of(identify("user-2", "anon")));
        assertEquals(List.of(det("user-2")), ids);
        assertEquals(det("user-1"), links().get("anon"));
        assertEquals(List.of("merge_refused"), warnings());
        assertTrue(outcomes.contains("refused_identified"));
    }

    @Test
    void mergeMovesEveryDistinctIdMergesPropertiesAndResolvesOverrideChains() {
        persons(List.of(event("$identify", "a", null, "{\"p\":\"a\",\"only_a\":1}", null, "a-anon", null)));
        persons(List.of(event("$set", "b", null, "{\"p\":\"b\",\"only_b\":2}", null, null, null), identify("b", "b-anon")));
        // b's person is identified, so only $merge_dangerously may merge it into a's.
        persons(List.of(event("$merge_dangerously", "a", null, null, null, null, "b")));
        UUID a = det("a");
        for (String id : List.of("a", "a-anon", "b", "b-anon")) {
            assertEquals(a, links().get(id), id);
        }
        assertTrue(persons().get(det("b")).deleted());
        assertEquals(Map.of("p", "a", "only_a", 1, "only_b", 2), parse(persons().get(a).properties()));
        assertEquals(Map.of(det("a-anon"), a, det("b-anon"), a, det("b"), a, PersonIds.beforeProjects("a-anon"), a,
                PersonIds.beforeProjects("b-anon"), a), overrides(), "b-anon's overrides now skip b");
    }

    @Test
    void setSetOnceUnsetInEventOrderOnAnyEvent() {
        persons(List.of(event("$pageview", "u", "{\"$unset\":[\"gone\"]}", "{\"plan\":\"free\",\"gone\":1}", "{\"first\":\"1\"}", null, null),
                event("custom", "u", null, "{\"plan\":\"pro\"}", "{\"first\":\"2\",\"ref\":\"ad\"}", null, null)));
        persons(List.of(event("custom", "u", "{\"$unset\":{\"ref\":null}}", "{\"gone\":2}", null, null, null)));
        assertEquals(Map.of("plan", "pro", "first", "1", "gone", 2), parse(persons().get(det("u")).properties()));
    }

    @Test
    void campaignAndInitialPropertiesAreDerived() {
        persons(List.of(event("$pageview", "u", "{\"utm_source\":\"news\",\"gclid\":null,\"$current_url\":\"https://a/1\","
                + "\"$browser\":\"Firefox\",\"$referring_domain\":\"$direct\",\"$geoip_country_code\":\"DE\"}", null, null, null, null)));
        persons(List.of(event("$pageview", "u", "{\"utm_source\":\"ads\",\"$current_url\":\"https://a/2\"}", null, null, null, null)));
        Map<?, ?> p = parse(persons().get(det("u")).properties());
        assertEquals("ads", p.get("utm_source"));
        assertEquals("news", p.get("$initial_utm_source"));
        assertFalse(p.containsKey("$initial_gclid"), "a null never blocks the first touch");
        assertEquals("https://a/1", p.get("$initial_current_url"));
        assertEquals("https://a/2", p.get("$current_url"));
        assertEquals("Firefox", p.get("$initial_browser"));
        assertEquals("$direct", p.get("$initial_referring_domain"));
        assertEquals("DE", p.get("$initial_geoip_country_code"));
    }

    @Test
    void illegalIdNeverMergesAndTheEventIsStillResolved() {
        List<UUID> ids = persons(List.of(identify("user", "undefined")));
        assertEquals(List.of(det("user")), ids);
        assertFalse(links().containsKey("undefined"));
        assertEquals("illegal_distinct_id", warnings().getFirst());
        assertEquals(List.of("refused_illegal_id"), outcomes);
    }

    @Test
    void replayingABatchChangesNothing() {
        persons(List.of(personless("anon")));
        List<Event> batch = List.of(pageview("anon2"), identify("user", "anon"), event("$merge_dangerously", "user", null, null, null, null, "anon2"));
        List<UUID> first = persons(batch);
        Map<String, UUID> links = Map.copyOf(links());
        Map<UUID, UUID> overrides = Map.copyOf(overrides());
        List<UUID> again = new IdentityResolver(store, 1000, Duration.ofDays(1), Clock.systemUTC()).resolve(batch).stream()
                .map(IdentityResolver.Identity::personId).toList();
        assertEquals(first, again);
        assertEquals(links, links());
        assertEquals(overrides, overrides());
    }

    @Test
    void oneLookupPerBatchAndSteadyTrafficWritesNoPersonRows() {
        persons(List.of(pageview("a"), pageview("b"), pageview("a")));
        assertEquals(1, store.lookups.size());
        assertEquals(1, store.personInserts);
        persons(List.of(event("$pageview", "a", "{\"$current_url\":\"https://x/2\"}", null, null, null, null)));
        assertEquals(1, store.lookups.size(), "cached");
        assertEquals(2, store.personInserts, "a first-touch $initial_current_url is worth a row");
        persons(List.of(event("$pageview", "a", "{\"$current_url\":\"https://x/3\"}", null, null, null, null)));
        assertEquals(2, store.personInserts, "a changed $current_url alone is not (PostHog's filtered properties)");
    }

    @Test
    void activityAloneRewritesAPersonOncePerPeriod() {
        IdentityResolver hourly = new IdentityResolver(store, 1000, Duration.ofHours(1), Clock.systemUTC());
        IdentityResolver daily = new IdentityResolver(store, 1000, Duration.ofDays(1), Clock.systemUTC());
        daily.resolve(List.of(at(pageview("d"), "2026-03-01T09:10:00Z"), at(pageview("h"), "2026-03-01T09:10:00Z")));
        assertEquals(1, store.personInserts);
        daily.resolve(List.of(at(pageview("d"), "2026-03-01T17:50:00Z")));
        assertEquals(1, store.personInserts, "later the same day: no row for the activity alone");
        daily.resolve(List.of(at(pageview("d"), "2026-03-02T00:00:00Z")));
        assertEquals(2, store.personInserts, "the next day (UTC): one row");
        assertEquals(Instant.parse("2026-03-02T00:00:00Z"), table.persons(List.of(new PersonStore.PersonKey(project, det("d"))))
                .values().iterator().next().lastSeenAt());
        hourly.resolve(List.of(at(pageview("h"), "2026-03-01T09:59:00Z")));
        assertEquals(2, store.personInserts, "hourly: the same hour");
        hourly.resolve(List.of(at(pageview("h"), "2026-03-01T10:00:00Z")));
        assertEquals(3, store.personInserts, "hourly: the next hour");
    }

    private static Event at(Event e, String time) {
        Instant t = Instant.parse(time);
        return new Event(e.uuid(), e.apiKey(), e.event(), e.distinctId(), e.properties(), t, null, t, null, null, e.passThrough());
    }

    private static Map<?, ?> parse(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

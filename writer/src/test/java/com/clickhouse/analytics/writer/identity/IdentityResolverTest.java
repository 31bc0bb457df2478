package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The resolution rules with a plain in-memory {@link PersonStore}; the real store is covered by IdentityScenariosTest. */
class IdentityResolverTest {

    /** Remembers rows like the tables would (latest version wins, keyed by project) and counts round trips. */
    static final class MemoryStore implements PersonStore {
        final Map<DistinctKey, UUID> keyedLinks = new HashMap<>();
        final Map<PersonKey, PersonRow> keyedPersons = new HashMap<>();
        final Map<PersonKey, UUID> keyedOverrides = new HashMap<>();
        final List<WarningRow> warnings = new ArrayList<>();
        final List<Collection<DistinctKey>> lookups = new ArrayList<>();
        int linkInserts;
        int personInserts;
        int personReads;

        /** The links of project {@value #PROJECT}, by distinct id. */
        Map<String, UUID> links() {
            return ofProject(keyedLinks, DistinctKey::project, DistinctKey::distinctId);
        }

        /** The persons of project {@value #PROJECT}, by id. */
        Map<UUID, PersonRow> persons() {
            return ofProject(keyedPersons, PersonKey::project, PersonKey::id);
        }

        /** The overrides of project {@value #PROJECT}, old → new. */
        Map<UUID, UUID> overrides() {
            return ofProject(keyedOverrides, PersonKey::project, PersonKey::id);
        }

        private static <K, I, V> Map<I, V> ofProject(Map<K, V> keyed, Function<K, String> project, Function<K, I> id) {
            Map<I, V> out = new HashMap<>();
            keyed.forEach((k, v) -> {
                if (project.apply(k).equals(PROJECT)) {
                    out.put(id.apply(k), v);
                }
            });
            return out;
        }

        @Override
        public Map<DistinctKey, UUID> personIdsOf(Collection<DistinctKey> ids) {
            lookups.add(List.copyOf(ids));
            Map<DistinctKey, UUID> out = new HashMap<>();
            ids.forEach(id -> {
                if (keyedLinks.containsKey(id)) {
                    out.put(id, keyedLinks.get(id));
                }
            });
            return out;
        }

        @Override
        public Map<PersonKey, PersonRow> persons(Collection<PersonKey> ids) {
            personReads++;
            Map<PersonKey, PersonRow> out = new HashMap<>();
            ids.forEach(id -> {
                if (keyedPersons.containsKey(id) && !keyedPersons.get(id).deleted()) {
                    out.put(id, keyedPersons.get(id));
                }
            });
            return out;
        }

        @Override
        public Map<PersonKey, Long> versionsOf(Collection<PersonKey> ids) {
            Map<PersonKey, Long> out = new HashMap<>();
            ids.forEach(id -> {
                if (keyedPersons.containsKey(id) && !keyedPersons.get(id).deleted()) {
                    out.put(id, keyedPersons.get(id).version());
                }
            });
            return out;
        }

        @Override
        public Map<DistinctKey, UUID> distinctIdsOf(Collection<PersonKey> personIds) {
            Map<DistinctKey, UUID> out = new HashMap<>();
            keyedLinks.forEach((id, person) -> {
                if (personIds.contains(new PersonKey(id.project(), person))) {
                    out.put(id, person);
                }
            });
            return out;
        }

        @Override
        public Map<PersonKey, UUID> overridesOf(Collection<PersonKey> old) {
            Map<PersonKey, UUID> out = new HashMap<>();
            old.forEach(id -> {
                if (keyedOverrides.containsKey(id)) {
                    out.put(id, keyedOverrides.get(id));
                }
            });
            return out;
        }

        @Override
        public Map<PersonKey, UUID> overridesTo(Collection<PersonKey> targets) {
            Map<PersonKey, UUID> out = new HashMap<>();
            keyedOverrides.forEach((old, target) -> {
                if (targets.contains(new PersonKey(old.project(), target))) {
                    out.put(old, target);
                }
            });
            return out;
        }

        @Override
        public void insertDistinctIds(List<DistinctIdRow> rows) {
            linkInserts++;
            rows.forEach(r -> keyedLinks.put(new DistinctKey(r.project(), r.distinctId()), r.personId()));
        }

        @Override
        public void insertPersons(List<PersonRow> rows) {
            personInserts++;
            rows.forEach(r -> keyedPersons.put(new PersonKey(r.project(), r.id()), r));
        }

        @Override
        public void insertOverrides(List<OverrideRow> rows) {
            rows.forEach(r -> keyedOverrides.put(new PersonKey(r.project(), r.oldPersonId()), r.overridePersonId()));
        }

        @Override
        public void insertWarnings(List<WarningRow> rows) {
            warnings.addAll(rows);
        }
    }

    /** The project of {@link #event}: its api key, a bare key. */
    static final String PROJECT = "k";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryStore store = new MemoryStore();
    private final List<String> outcomes = new ArrayList<>();
    private final IdentityResolver resolver = new IdentityResolver(store, 1000,
            Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), outcomes::add);

    private static Event event(String name, String distinctId, String properties, String set, String setOnce, String anon, String alias) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Event(UUID.randomUUID(), "k", name, distinctId, properties == null ? "{}" : properties, t, null, t, null, null,
                PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce)
                        .with(RecordField.ANON_DISTINCT_ID, anon).with(RecordField.ALIAS, alias));
    }

    private static Event pageview(String distinctId) {
        return event("$pageview", distinctId, null, null, null, null, null);
    }

    private static Event personless(String distinctId) {
        return event("$pageview", distinctId, "{\"$process_person_profile\":false}", "{\"x\":1}", null, null, null);
    }

    private static Event identify(String distinctId, String anon) {
        return event("$identify", distinctId, null, null, null, anon, null);
    }

    private static UUID det(String id) {
        return PersonIds.deterministic(PROJECT, id);
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
        assertTrue(store.links().isEmpty());
        assertTrue(store.persons().isEmpty());
        assertEquals(IdentityResolver.Identity.class, resolver.resolve(List.of(personless("anon"))).getFirst().getClass());
        assertEquals(PersonMode.PROPERTYLESS, resolver.resolve(List.of(personless("anon"))).getFirst().mode());

        persons(List.of(identify("user", "other")));
        assertEquals(List.of(det("user")), persons(List.of(personless("other"))), "an id with a person keeps it");
        assertFalse(JSON.valueToTree(store.persons().get(det("user")).properties()).toString().contains("\"x\""));
    }

    @Test
    void personlessBrowsingThenIdentifyCreatesOnePersonAndOverridesTheAnonymousId() {
        persons(List.of(personless("anon"), personless("anon")));
        List<UUID> ids = persons(List.of(identify("user", "anon"), pageview("anon")));
        assertEquals(List.of(det("user"), det("user")), ids);
        assertEquals(Map.of("anon", det("user"), "user", det("user")), store.links());
        assertEquals(1, store.persons().size());
        assertTrue(store.persons().get(det("user")).identified());
        assertEquals(Map.of(det("anon"), det("user"), PersonIds.beforeProjects("anon"), det("user")), store.overrides(),
                "the joined id's own id, and the one events written before projects carry");
    }

    @Test
    void identifyOfAnAlreadyIdentifiedAnonymousPersonIsRefusedWithAWarning() {
        persons(List.of(identify("user-1", "anon")));
        persons(List.of(pageview("user-2")));
        List<UUID> ids = persons(List.of(identify("user-2", "anon")));
        assertEquals(List.of(det("user-2")), ids);
        assertEquals(det("user-1"), store.links().get("anon"));
        assertEquals(List.of("merge_refused"), store.warnings.stream().map(PersonStore.WarningRow::type).toList());
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
            assertEquals(a, store.links().get(id), id);
        }
        assertTrue(store.persons().get(det("b")).deleted());
        assertEquals(Map.of("p", "a", "only_a", 1, "only_b", 2), parse(store.persons().get(a).properties()));
        assertEquals(Map.of(det("a-anon"), a, det("b-anon"), a, det("b"), a, PersonIds.beforeProjects("a-anon"), a,
                PersonIds.beforeProjects("b-anon"), a), store.overrides(), "b-anon's overrides now skip b");
    }

    @Test
    void setSetOnceUnsetInEventOrderOnAnyEvent() {
        persons(List.of(event("$pageview", "u", "{\"$unset\":[\"gone\"]}", "{\"plan\":\"free\",\"gone\":1}", "{\"first\":\"1\"}", null, null),
                event("custom", "u", null, "{\"plan\":\"pro\"}", "{\"first\":\"2\",\"ref\":\"ad\"}", null, null)));
        persons(List.of(event("custom", "u", "{\"$unset\":{\"ref\":null}}", "{\"gone\":2}", null, null, null)));
        assertEquals(Map.of("plan", "pro", "first", "1", "gone", 2), parse(store.persons().get(det("u")).properties()));
    }

    @Test
    void campaignAndInitialPropertiesAreDerived() {
        persons(List.of(event("$pageview", "u", "{\"utm_source\":\"news\",\"gclid\":null,\"$current_url\":\"https://a/1\","
                + "\"$browser\":\"Firefox\",\"$referring_domain\":\"$direct\",\"$geoip_country_code\":\"DE\"}", null, null, null, null)));
        persons(List.of(event("$pageview", "u", "{\"utm_source\":\"ads\",\"$current_url\":\"https://a/2\"}", null, null, null, null)));
        Map<?, ?> p = parse(store.persons().get(det("u")).properties());
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
        assertFalse(store.links().containsKey("undefined"));
        assertEquals("illegal_distinct_id", store.warnings.getFirst().type());
        assertEquals(List.of("refused_illegal_id"), outcomes);
    }

    @Test
    void replayingABatchChangesNothing() {
        persons(List.of(personless("anon")));
        List<Event> batch = List.of(pageview("anon2"), identify("user", "anon"), event("$merge_dangerously", "user", null, null, null, null, "anon2"));
        List<UUID> first = persons(batch);
        Map<String, UUID> links = Map.copyOf(store.links());
        Map<UUID, UUID> overrides = Map.copyOf(store.overrides());
        List<UUID> again = new IdentityResolver(store, 1000, Clock.systemUTC()).resolve(batch).stream()
                .map(IdentityResolver.Identity::personId).toList();
        assertEquals(first, again);
        assertEquals(links, store.links());
        assertEquals(overrides, store.overrides());
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

    private static Map<?, ?> parse(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

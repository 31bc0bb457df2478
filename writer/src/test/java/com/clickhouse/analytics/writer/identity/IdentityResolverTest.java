package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import org.junit.jupiter.api.Test;

/** The resolution rules with a plain in-memory {@link PersonStore}; the real store is covered by IdentityScenariosTest. */
class IdentityResolverTest {

    /** Remembers rows like the tables would (latest version wins) and counts round trips. */
    static final class MemoryStore implements PersonStore {
        final Map<String, UUID> links = new HashMap<>();
        final Map<UUID, PersonRow> persons = new HashMap<>();
        final List<Collection<String>> lookups = new ArrayList<>();
        int linkInserts;
        int personInserts;

        @Override
        public Map<String, UUID> personIdsOf(Collection<String> ids) {
            lookups.add(List.copyOf(ids));
            Map<String, UUID> out = new HashMap<>();
            ids.forEach(id -> {
                if (links.containsKey(id)) {
                    out.put(id, links.get(id));
                }
            });
            return out;
        }

        @Override
        public Map<UUID, PersonRow> persons(Collection<UUID> ids) {
            Map<UUID, PersonRow> out = new HashMap<>();
            ids.forEach(id -> {
                if (persons.containsKey(id)) {
                    out.put(id, persons.get(id));
                }
            });
            return out;
        }

        @Override
        public void insertDistinctIds(List<DistinctIdRow> rows) {
            linkInserts++;
            rows.forEach(r -> links.put(r.distinctId(), r.personId()));
        }

        @Override
        public void insertPersons(List<PersonRow> rows) {
            personInserts++;
            rows.forEach(r -> persons.put(r.id(), r));
        }
    }

    private final MemoryStore store = new MemoryStore();
    private final IdentityResolver resolver = new IdentityResolver(store, 1000, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

    private static Event event(String name, String distinctId, String set, String setOnce, String anon, String alias) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new Event(UUID.randomUUID(), "k", name, distinctId, "{}", t, null, t, null, null,
                PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce)
                        .with(RecordField.ANON_DISTINCT_ID, anon).with(RecordField.ALIAS, alias));
    }

    @Test
    void deterministicIdMatchesTheOriginal() {
        // sha1("user-1")[0..16) with version 5 and the RFC 4122 variant, as the TypeScript service computes it.
        UUID id = PersonIds.deterministic("user-1");
        assertEquals(5, id.version());
        assertEquals(2, id.variant());
        assertEquals(id, PersonIds.deterministic("user-1"));
        assertTrue(!id.equals(PersonIds.deterministic("user-2")));
    }

    @Test
    void unknownIdsGetTheirDeterministicPersonAndOneRoundTripPerStep() {
        List<UUID> ids = resolver.resolve(List.of(event("$pageview", "a", null, null, null, null),
                event("$pageview", "b", null, null, null, null), event("$pageview", "a", null, null, null, null)));
        assertEquals(List.of(PersonIds.deterministic("a"), PersonIds.deterministic("b"), PersonIds.deterministic("a")), ids);
        assertEquals(1, store.lookups.size());
        assertEquals(1, store.linkInserts);
        assertEquals(0, store.personInserts);
        // Second batch: everything is cached, no lookup, nothing new to insert.
        resolver.resolve(List.of(event("$pageview", "a", null, null, null, null)));
        assertEquals(1, store.lookups.size());
        assertEquals(1, store.linkInserts);
    }

    @Test
    void identifyLinksTheAnonymousIdForTheWholeBatch() {
        List<UUID> ids = resolver.resolve(List.of(event("$pageview", "anon", null, null, null, null),
                event("$identify", "user", "{\"a\":1}", null, "anon", null)));
        UUID user = PersonIds.deterministic("user");
        assertEquals(List.of(user, user), ids);
        assertEquals(user, store.links.get("anon"));
        assertTrue(store.persons.get(user).identified());
    }

    @Test
    void identifyAdoptsTheStoredAnonymousPerson() {
        resolver.resolve(List.of(event("$pageview", "anon", null, null, null, null)));
        List<UUID> ids = resolver.resolve(List.of(event("$identify", "user", null, null, "anon", null)));
        assertEquals(PersonIds.deterministic("anon"), ids.getFirst());
        assertEquals(PersonIds.deterministic("anon"), store.links.get("user"));
    }

    @Test
    void createAliasLinksTheAlias() {
        resolver.resolve(List.of(event("$create_alias", "user", null, null, null, "other")));
        assertEquals(PersonIds.deterministic("user"), store.links.get("other"));
        assertEquals(PersonIds.deterministic("user"), resolver.resolve(List.of(event("$pageview", "other", null, null, null, null))).getFirst());
    }

    @Test
    void setOverAndSetOnceUnderStoredProperties() {
        resolver.resolve(List.of(event("$identify", "u", "{\"plan\":\"free\",\"email\":\"x\"}", "{\"first\":\"1\"}", null, null)));
        resolver.resolve(List.of(event("$set", "u", "{\"plan\":\"pro\"}", "{\"first\":\"2\",\"ref\":\"ad\"}", null, null),
                event("$set", "u", null, "{\"ref\":\"later\"}", null, null)));
        PersonStore.PersonRow row = store.persons.get(PersonIds.deterministic("u"));
        assertEquals(Map.of("plan", "pro", "email", "x", "first", "1", "ref", "ad"), parse(row.properties()));
        assertTrue(row.identified(), "a $set after $identify keeps the person identified");
        assertEquals(2, store.personInserts);
    }

    private static Map<?, ?> parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void mergerIsTheOriginals() {
        assertEquals("{\"a\":1,\"b\":2}", new PersonPropertiesMerger("{\"a\":0}").apply("{\"a\":1}", "{\"a\":9,\"b\":2}").json());
        assertEquals("{\"x\":true}", new PersonPropertiesMerger("not json").apply(null, "{\"x\":true}").json());
    }
}

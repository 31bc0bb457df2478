package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseTables;
import com.clickhouse.analytics.writer.identity.IdentityResolverTest.CountingStore;
import com.clickhouse.analytics.writer.identity.PersonStore.PersonRow;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Persons left unread because their events ask what an earlier event found already there: the
 * digest's rules, the resolver's round trips, and a random differential on the real store — the
 * same traffic through a resolver that remembers nothing must write the same person rows and give
 * every event the same person.
 */
class UnchangedPersonsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCHES = 100;
    private static TestClickHouse ch;
    private static PersonStore table;

    @BeforeAll
    static void migrate() throws Exception {
        ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), "unchanged").migrate(SchemaMigrator::migrate);
        table = new ClickHouseTables(ch.client, ch.database, new ClickHouseErrorClassifier()).personStore(Duration.ofSeconds(30));
    }

    @AfterAll
    static void drop() {
        ch.close();
    }

    /** A project of each test's own, its store and a resolver that remembers unchanged persons. */
    private final String project = TestClickHouse.uniqueName("k");
    private final CountingStore store = new CountingStore(table);
    private final Unread unread = new Unread();
    private final IdentityResolver resolver = new IdentityResolver(store, 1000, Duration.ofDays(1), Clock.systemUTC(), unread);
    private final Instant t = Instant.parse("2026-03-01T09:00:00Z");

    /** The persons a resolver reports left unread, counted. */
    private static final class Unread implements IdentityResolver.Outcomes {
        long persons;

        @Override
        public void merge(String outcome) {
        }

        @Override
        public void unread(int count) {
            persons += count;
        }
    }

    private static Event event(String project, String name, String distinctId, String properties, String set, String setOnce,
                               String anon, Instant at) {
        return new Event(UUID.randomUUID(), project, name, distinctId, properties == null ? "{}" : properties, at, null, at, null, null,
                PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce).with(RecordField.ANON_DISTINCT_ID, anon));
    }

    private static UnchangedPersons.Digest digest(String name, String properties, String set, String setOnce) {
        return new UnchangedPersons(10).digest(PersonEvent.of(event("k", name, "u", properties, set, setOnce, null, Instant.EPOCH)));
    }

    @Test
    void theDigestKeepsWhatDecidesAWriteAndNothingElse() {
        String page = "{\"$current_url\":\"https://a/1\",\"$screen_width\":1200,\"$geoip_city_name\":\"Berlin\",\"$browser\":\"Firefox\"}";
        UnchangedPersons.Digest base = digest("$pageview", page, null, null);
        assertNotNull(base);
        assertEquals(base, digest("$pageview", page.replace("https://a/1", "https://a/2").replace("1200", "800")
                .replace("Firefox", "Chrome"), null, null), "filtered keys' values do not decide, and $initial_ values are set once");
        assertNotEquals(base, digest("$pageview", page.replace("Berlin", "Paris"), null, null), "a counting key's value does");
        assertNotEquals(base, digest("$pageview", page.replace(",\"$screen_width\":1200", ""), null, null), "so does a filtered key's presence");
        assertNotEquals(digest("custom", null, "{\"n\":1}", null), digest("custom", null, "{\"n\":1.0}", null), "1 and 1.0");
        assertNotEquals(digest("custom", null, "{\"n\":1}", null), digest("custom", null, "{\"n\":\"1\"}", null), "1 and \"1\"");
        assertEquals(digest("custom", null, null, "{\"first\":1}"), digest("custom", null, null, "{\"first\":2}"),
                "a $set_once value decides nothing the key's presence does not");
        assertNotEquals(digest("custom", null, "{\"ab\":\"c\"}", null), digest("custom", null, "{\"a\":\"bc\"}", null), "framed parts");
        assertSame(UnchangedPersons.NOTHING, digest("$exception", null, "{\"x\":1}", null), "an event that changes no person");
        assertSame(UnchangedPersons.NOTHING, digest("$groupidentify", "{\"$group_type\":\"company\"}", null, null), "nor one that asks nothing");
        assertNotNull(digest("$set", null, "{\"x\":1}", null), "a person event has a digest");
        assertNotEquals(digest("custom", null, "{\"x\":1}", null), digest("$set", null, "{\"x\":1}", null),
                "told apart from an ordinary event asking the same");
        assertNotEquals(digest("$set", null, "{\"$browser\":\"Firefox\"}", null), digest("$set", null, "{\"$browser\":\"Chrome\"}", null),
                "every change of a person event counts, a filtered key's too");
        assertNull(digest("custom", "{\"$unset\":[\"x\"]}", null, null), "an $unset goes the full way");
        assertNull(digest("custom", "{\"$process_person_profile\":false}", null, null), "personless");
        assertSame(UnchangedPersons.NOTHING, new UnchangedPersons(10).digest(PersonEvent.of(event("k", "$identify", "u", null, null, null,
                "anon", Instant.EPOCH))), "a merge's digest is of its property changes: the resolver checks the links itself");
        assertEquals(new UnchangedPersons(10).digest(PersonEvent.of(event("k", "$identify", "u", null, "{\"x\":1}", null, "a1", Instant.EPOCH))),
                new UnchangedPersons(10).digest(PersonEvent.of(event("k", "$identify", "u", null, "{\"x\":1}", null, "a2", Instant.EPOCH))));
    }

    @Test
    void aKnownPersonAskedTheSameIsCheckedByVersionNotRead() {
        String page = "{\"$current_url\":\"https://a/%d\",\"$geoip_city_name\":\"Berlin\"}";
        resolver.resolve(List.of(event(project, "$pageview", "u", page.formatted(1), null, null, null, t)));
        assertEquals(1, store.reads.size());
        assertEquals(1, store.personInserts, "created");
        resolver.resolve(List.of(event(project, "$pageview", "u", page.formatted(2), null, null, null, t.plusSeconds(60))));
        resolver.resolve(List.of(event(project, "$pageview", "u", page.formatted(3), null, null, null, t.plusSeconds(120))));
        assertEquals(1, store.reads.size(), "the written person, asked what its last event asked: not read");
        assertEquals(2, unread.persons);
        assertEquals(1, store.personInserts);

        // another writer changes the person: the remembered version is stale, so the person is read again
        new IdentityResolver(store, 0, Duration.ofDays(1), Clock.systemUTC())
                .resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", null, null, t.plusSeconds(150))));
        assertEquals(2, store.personInserts);
        int reads = store.reads.size();
        resolver.resolve(List.of(event(project, "$pageview", "u", page.formatted(4), null, null, null, t.plusSeconds(180))));
        assertEquals(reads + 1, store.reads.size(), "a newer version is read");
        assertEquals(2, unread.persons);
        resolver.resolve(List.of(event(project, "$pageview", "u", page.formatted(5), null, null, null, t.plusSeconds(190))));
        assertEquals(reads + 1, store.reads.size(), "and remembered as read and left unchanged");
        assertEquals(3, unread.persons);

        String paris = page.replace("Berlin", "Paris");
        resolver.resolve(List.of(event(project, "$pageview", "u", paris.formatted(6), null, null, null, t.plusSeconds(240))));
        assertEquals(reads + 2, store.reads.size(), "another ask is read");
        assertEquals(3, store.personInserts, "and written: the city counts");
        resolver.resolve(List.of(event(project, "$set", "u", null, "{\"plan\":\"pro\"}", null, null, t.plusSeconds(250)),
                event(project, "$pageview", "u", paris.formatted(7), null, null, null, t.plusSeconds(260))));
        assertEquals(reads + 3, store.reads.size(), "a person event not asked before is read");
        assertEquals(3, store.personInserts, "and changes nothing");
        resolver.resolve(List.of(event(project, "$pageview", "u", paris.formatted(8), null, null, null, t.plusSeconds(270)),
                event(project, "$set", "u", null, "{\"plan\":\"pro\"}", null, null, t.plusSeconds(280))));
        assertEquals(reads + 3, store.reads.size(), "each ask remembered of a version counts");
        assertEquals(4, unread.persons);
        resolver.resolve(List.of(event(project, "$pageview", "u", paris.formatted(9), null, null, null, t.plus(Duration.ofDays(1)))));
        assertEquals(reads + 4, store.reads.size(), "a later activity period is read");
        assertEquals(4, store.personInserts, "and written for its activity");
    }

    /**
     * The properties a batch writes are what its last change left, not what an earlier one did: an
     * ask of the earlier event changes the written person again.
     */
    @Test
    void aWrittenPersonIsRememberedWithItsLastChange() {
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", null, null, t),
                event(project, "custom", "u", null, "{\"plan\":\"free\"}", null, null, t.plusSeconds(1))));
        assertEquals(1, store.personInserts);
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", null, null, t.plusSeconds(2))));
        assertEquals(2, store.reads.size(), "the first event's ask is read");
        assertEquals(2, store.personInserts, "and written");
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", "{\"first\":1}", null, t.plusSeconds(3))));
        assertEquals(3, store.reads.size(), "a new $set_once key is another ask");
        assertEquals(3, store.personInserts);
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", "{\"first\":2}", null, t.plusSeconds(4))));
        assertEquals(3, store.reads.size(), "the last change's ask is not read");
        assertEquals(1, unread.persons);
        assertEquals(3, store.personInserts);
    }

    /**
     * An identified person's identify that finds its anonymous id linked to it already, or joins a
     * new one, reads no person: the link and the overrides of the new id are written all the same. An
     * anonymous id with a person of its own is a merge, read the full way.
     */
    @Test
    void aMergeThatOnlyJoinsReadsNoPerson() {
        String email = "{\"email\":\"u@example.com\"}";
        resolver.resolve(List.of(event(project, "$identify", "u", null, email, null, "a1", t)));
        assertEquals(1, store.personInserts, "created, identified, with a1");
        UUID person = store.written.getLast().getFirst().id();
        int reads = store.reads.size();
        resolver.resolve(List.of(event(project, "$identify", "u", null, email, null, "a1", t.plusSeconds(1))));
        assertEquals(reads, store.reads.size(), "both ids on the person already: not read");
        assertEquals(1, unread.persons);

        store.links.clear();
        store.overrides.clear();
        resolver.resolve(List.of(event(project, "$identify", "u", null, email, null, "a2", t.plusSeconds(2)),
                event(project, "$pageview", "a3", "{\"$process_person_profile\":false}", null, null, null, t.plusSeconds(3))));
        assertEquals(reads, store.reads.size(), "a2 had no person and joins it: not read");
        assertEquals(2, unread.persons);
        assertEquals(1, store.personInserts);
        assertEquals(List.of("a2"), store.links.stream().map(PersonStore.DistinctIdRow::distinctId).toList());
        assertEquals(person, store.links.getFirst().personId());
        assertEquals(Set.of(PersonIds.deterministic(project, "a2"), PersonIds.beforeProjects("a2")),
                store.overrides.stream().map(PersonStore.OverrideRow::oldPersonId).collect(Collectors.toSet()));
        assertEquals(Set.of(person), store.overrides.stream().map(PersonStore.OverrideRow::overridePersonId).collect(Collectors.toSet()));
        List<IdentityResolver.Identity> later = resolver.resolve(List.of(
                event(project, "$pageview", "a2", "{\"$process_person_profile\":false}", null, null, null, t.plusSeconds(4))));
        assertEquals(person, later.getFirst().personId(), "a2's later events are the person's");

        // a3 was used personless in the batch above (no person); a4 gets a person of its own
        resolver.resolve(List.of(event(project, "custom", "a4", null, "{\"plan\":\"free\"}", null, null, t.plusSeconds(5))));
        reads = store.reads.size();
        resolver.resolve(List.of(event(project, "$identify", "u", null, email, null, "a3", t.plusSeconds(6)),
                event(project, "custom", "a3", null, "{\"seen\":1}", null, null, t.plusSeconds(7))));
        assertEquals(reads + 1, store.reads.size(), "a joining id that another event of the batch names: read");
        assertEquals(1, tree(store.written.getLast().getFirst().properties()).get("seen").intValue(), "and that event applied to the person");
        resolver.resolve(List.of(event(project, "$identify", "u", null, email, null, "a4", t.plusSeconds(8))));
        assertEquals(reads + 2, store.reads.size(), "an anonymous id with a person of its own merges: read");
        assertTrue(store.written.getLast().stream().anyMatch(PersonStore.PersonRow::deleted), "a4's person merged away");

        resolver.resolve(List.of(event(project, "$pageview", "v", null, null, null, null, t)));
        resolver.resolve(List.of(event(project, "$pageview", "v", null, null, null, null, t.plusSeconds(1))));
        reads = store.reads.size();
        long unreadBefore = unread.persons;
        resolver.resolve(List.of(event(project, "$identify", "v", null, null, null, "b1", t.plusSeconds(2))));
        assertEquals(unreadBefore, unread.persons, "a person not identified yet is read: the join identifies it");
        assertEquals(reads + 1, store.reads.size());
        assertTrue(store.written.getLast().getFirst().identified());
    }

    /**
     * A filtered key that an earlier event of the batch set once is there for a later event's
     * {@code $set}, but not in the stored person that the next batch's event is checked against: the
     * later event is not what the person was left unchanged by.
     */
    @Test
    void anAskIsRememberedOnlyAsAppliedToTheStoredProperties() {
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"plan\":\"pro\"}", null, null, t)));
        assertEquals(1, store.personInserts);
        resolver.resolve(List.of(
                event(project, "custom", "u", "{\"$unset\":[\"none\"]}", null, "{\"$browser\":\"Firefox\"}", null, t.plusSeconds(1)),
                event(project, "custom", "u", null, "{\"$browser\":\"Firefox\"}", null, null, t.plusSeconds(2))));
        assertEquals(1, store.personInserts, "a filtered key set once alone is not worth a row");
        resolver.resolve(List.of(event(project, "custom", "u", null, "{\"$browser\":\"Firefox\"}", null, null, t.plusSeconds(3))));
        assertEquals(2, store.personInserts, "to the stored person $browser is new");
        assertEquals(0, unread.persons);
    }

    /**
     * Random traffic of a few persons (derived properties from small pools, so asks repeat; filtered
     * keys that change every time; explicit $set, $set_once and $unset; identifies that merge;
     * personless events; events that change no person or ask nothing; days that pass; another writer changing
     * persons now and then) through two resolvers in two projects: one that remembers unchanged
     * persons and one that remembers nothing. Every batch must write the same person rows, and
     * every event get the same person, named by its first distinct id.
     */
    @Test
    void randomTrafficWritesWhatAResolverThatRemembersNothingWrites() {
        long seed = System.nanoTime();
        System.out.println("UnchangedPersonsTest seed " + seed);
        Random random = new Random(seed);
        String remembering = TestClickHouse.uniqueName("r");
        String forgetting = TestClickHouse.uniqueName("f");
        CountingStore rStore = new CountingStore(table);
        CountingStore fStore = new CountingStore(table);
        Unread rUnread = new Unread();
        Unread fUnread = new Unread();
        IdentityResolver r = new IdentityResolver(rStore, 1000, Duration.ofDays(1), Clock.systemUTC(), rUnread);
        IdentityResolver f = new IdentityResolver(fStore, 0, Duration.ofDays(1), Clock.systemUTC(), fUnread);
        IdentityResolver rOther = new IdentityResolver(rStore, 0, Duration.ofDays(1), Clock.systemUTC());
        IdentityResolver fOther = new IdentityResolver(fStore, 0, Duration.ofDays(1), Clock.systemUTC());
        Map<UUID, String> rNames = new HashMap<>();
        Map<UUID, String> fNames = new HashMap<>();
        Instant at = Instant.parse("2026-03-01T00:00:00Z");
        for (int batch = 0; batch < BATCHES; batch++) {
            at = at.plus(Duration.ofMinutes(5 + random.nextInt(60)));
            // now and then another writer's batch, which moves its persons to another city: what the
            // remembering resolver remembered of them is stale from then on
            boolean other = random.nextInt(8) == 0;
            List<Spec> specs = new ArrayList<>();
            int size = 1 + random.nextInt(10);
            for (int i = 0; i < size; i++) {
                specs.add(Spec.random(random, at.plusSeconds(i), other));
            }
            String context = "seed " + seed + ", batch " + batch + ": " + specs;
            List<IdentityResolver.Identity> rIds = (other ? rOther : r).resolve(Spec.events(specs, remembering));
            List<IdentityResolver.Identity> fIds = (other ? fOther : f).resolve(Spec.events(specs, forgetting));
            name(rStore, rNames);
            name(fStore, fNames);
            assertEquals(rows(fStore), rows(rStore), context);
            assertEquals(links(fStore, fNames, forgetting), links(rStore, rNames, remembering), context + ": links");
            assertEquals(overrides(fStore, fNames, forgetting), overrides(rStore, rNames, remembering), context + ": overrides");
            for (int i = 0; i < specs.size(); i++) {
                assertEquals(rIds.get(i).mode(), fIds.get(i).mode(), context);
                assertEquals(nameOf(fIds.get(i).personId(), fNames, forgetting, specs.get(i)),
                        nameOf(rIds.get(i).personId(), rNames, remembering, specs.get(i)), context + ", event " + i);
            }
        }
        System.out.println("UnchangedPersonsTest: " + rUnread.persons + " persons left unread in " + BATCHES + " batches, "
                + rStore.personInserts + " person inserts");
        assertTrue(rUnread.persons > 0, "the traffic repeats itself: some persons must go unread (seed " + seed + ")");
        assertEquals(0, fUnread.persons);
    }

    /** One generated event, sent to both projects. */
    private record Spec(String name, String distinctId, String properties, String set, String setOnce, String anon, Instant at) {

        private static final String[] USERS = {"u1", "u2", "u3", "u4", "u5"};
        private static final String[] ANONS = {"a1", "a2", "a3"};
        /** Anonymous ids an identify joins, most of them once, as browsers' ids are. */
        private static final String[] FRESH = IntStream.rangeClosed(1, 40).mapToObj(i -> "n" + i).toArray(String[]::new);
        static final List<String> IDS = Stream.of(USERS, ANONS, FRESH).flatMap(Arrays::stream).toList();

        static Spec random(Random random, Instant at, boolean elsewhere) {
            String who = random.nextInt(4) == 0 ? ANONS[random.nextInt(ANONS.length)] : USERS[random.nextInt(USERS.length)];
            int kind = random.nextInt(100);
            if (kind < 4) {
                return new Spec("$identify", USERS[random.nextInt(USERS.length)], null, null, null, ANONS[random.nextInt(ANONS.length)], at);
            }
            if (kind < 7) { // a new browser of a user, or of a visitor not identified yet
                String into = random.nextBoolean() ? USERS[random.nextInt(USERS.length)] : ANONS[random.nextInt(ANONS.length)];
                return new Spec("$identify", into, null, random.nextBoolean() ? "{\"email\":\"" + into + "@x\"}" : null, null,
                        FRESH[random.nextInt(FRESH.length)], at);
            }
            if (kind < 9) {
                return new Spec("$exception", who, null, "{\"ignored\":1}", null, null, at);
            }
            if (kind < 14) {
                return new Spec("$pageview", who, "{\"$process_person_profile\":false}", null, null, null, at);
            }
            if (kind < 16) {
                return new Spec("$set", who, null, "{\"plan\":\"" + pick(random, "free", "pro") + "\"}", null, null, at);
            }
            if (kind < 20) {
                return new Spec("$groupidentify", who, "{\"$group_type\":\"company\",\"$group_key\":\"c1\"}", null, null, null, at);
            }
            StringBuilder p = new StringBuilder("{\"$current_url\":\"https://shop/").append(random.nextInt(1000)).append('"');
            if (random.nextInt(10) > 0) {
                p.append(",\"$screen_width\":").append(1000 + random.nextInt(900));
            }
            p.append(",\"$browser\":\"").append(pick(random, "Chrome", "Chrome", "Chrome", "Firefox")).append('"');
            p.append(",\"$geoip_city_name\":\"").append(elsewhere || random.nextInt(12) == 0 ? "Paris" : "Berlin").append('"');
            if (random.nextInt(10) == 0) {
                p.append(",\"utm_source\":\"").append(pick(random, "news", "ads")).append('"');
            }
            if (random.nextInt(25) == 0) {
                p.append(",\"$unset\":[\"").append(pick(random, "plan", "note", "$browser")).append("\"]");
            }
            String set = random.nextInt(12) == 0 ? "{\"note\":" + pick(random, "1", "1.0", "\"1\"", "null") + "}" : null;
            String setOnce = random.nextInt(12) == 0 ? "{\"" + pick(random, "first", "$browser", "$os") + "\":\"x" + random.nextInt(3) + "\"}"
                    : null;
            return new Spec(random.nextInt(20) == 0 ? "survey shown" : pick(random, "$pageview", "$pageview", "$autocapture"), who, p.append('}').toString(), set,
                    setOnce, null, at);
        }

        private static String pick(Random random, String... values) {
            return values[random.nextInt(values.length)];
        }

        static List<Event> events(List<Spec> specs, String project) {
            return specs.stream().map(s -> event(project, s.name, s.distinctId, s.properties, s.set, s.setOnce, s.anon, s.at)).toList();
        }
    }

    /** The person rows of the store's last batch, without ids and versions (a project's own); forgets them. */
    private static List<List<Object>> rows(CountingStore store) {
        List<PersonRow> last = store.written.isEmpty() ? List.of() : store.written.getLast();
        List<List<Object>> rows = new ArrayList<>();
        for (PersonRow row : last) {
            rows.add(List.of(row.distinctId(), tree(row.properties()), row.createdAt(), row.lastSeenAt(), row.identified(), row.deleted()));
        }
        store.written.clear();
        rows.sort(Comparator.comparing(Object::toString));
        return rows;
    }

    /**
     * Where each of the traffic's distinct ids is linked, by person name, as the store has it. (Not
     * the link rows a batch wrote: a resolver with a cache rewrites a link it finds moved by
     * another writer, one without has nothing to rewrite.)
     */
    private static List<String> links(CountingStore store, Map<UUID, String> names, String project) {
        List<PersonStore.DistinctKey> ids = Spec.IDS.stream().map(id -> new PersonStore.DistinctKey(project, id)).toList();
        return store.personIdsOf(ids).entrySet().stream()
                .map(l -> l.getKey().distinctId() + " → " + nameOfId(l.getValue(), names, project)).sorted().toList();
    }

    /** Where the ids the traffic's distinct ids derive are overridden to, by person name, as the store has it. */
    private static List<String> overrides(CountingStore store, Map<UUID, String> names, String project) {
        List<PersonStore.PersonKey> old = Spec.IDS.stream().flatMap(id -> Stream.of(PersonIds.deterministic(project, id), PersonIds.beforeProjects(id)))
                .map(id -> new PersonStore.PersonKey(project, id)).toList();
        return store.overridesOf(old).entrySet().stream()
                .map(o -> nameOfId(o.getKey().id(), names, project) + " → " + nameOfId(o.getValue(), names, project)).sorted().toList();
    }

    /** A person by the first distinct id it was written with, or as the id one of the traffic's distinct ids derives. */
    private static String nameOfId(UUID person, Map<UUID, String> names, String project) {
        String name = names.get(person);
        if (name != null) {
            return name;
        }
        for (String id : Spec.IDS) {
            if (person.equals(PersonIds.deterministic(project, id))) {
                return "derived:" + id;
            }
            if (person.equals(PersonIds.beforeProjects(id))) {
                return "before projects:" + id;
            }
        }
        return "unknown " + person;
    }

    /** Each person the store's last batch wrote, by its first distinct id: how events are compared across projects. */
    private static void name(CountingStore store, Map<UUID, String> names) {
        for (var batch : store.written) {
            batch.forEach(row -> names.put(row.id(), row.distinctId()));
        }
    }

    private static String nameOf(UUID person, Map<UUID, String> names, String project, Spec spec) {
        String name = names.get(person);
        if (name != null) {
            return name;
        }
        return person.equals(PersonIds.deterministic(project, spec.distinctId())) ? "derived:" + spec.distinctId() : "unknown " + person;
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }
}

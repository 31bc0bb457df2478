package com.clickhouse.analytics.writer.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.writer.LruCache;
import com.clickhouse.analytics.writer.identity.PersonStore.DistinctKey;
import com.clickhouse.analytics.writer.identity.PersonStore.PersonKey;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gives every event of a batch its {@code person_id} and {@code person_mode} with PostHog's rules,
 * per batch instead of per event:
 * <ol>
 *   <li>one {@link PersonStore#personIdsOf} for the batch's distinct ids (and the other id of each
 *       merge event) that the bounded cache does not know; one {@link PersonStore#versionsOf} for
 *       the persons whose every event asks what an earlier one asked and found already there
 *       ({@link UnchangedPersons}): those still at that version are not read, their events change
 *       nothing; one {@link PersonStore#persons} for the other persons they name (a person found
 *       merged away by another writer is followed through {@link PersonStore#overridesOf});</li>
 *   <li>the events in order: a {@linkplain PersonMode#PROPERTYLESS personless} event changes
 *       nothing; a full one first does its merge ({@link MergeRule}), then gets its person (created
 *       with the deterministic id when the distinct id has none) and applies its property changes
 *       ({@link PersonPropertiesMerger});</li>
 *   <li>when a merge happened: one {@link PersonStore#distinctIdsOf} and one
 *       {@link PersonStore#overridesTo} for the merged persons, so every distinct id moves and
 *       every earlier override is pointed at the surviving person (one join resolves any chain);</li>
 *   <li>one insert each of changed persons, overrides, warnings and links — links last: they are
 *       what a replay of the batch finds, and everything they imply is already written then.</li>
 * </ol>
 * Every event of the batch gets its distinct id's person as of the batch's end (also events
 * before a merge), so a replayed batch resolves to the same ids. Identity rows are written before
 * the batch's events; a crash in between replays into the same state.
 *
 * <p>Everything is keyed by project ({@link Event#project()}): a distinct id, a person, an override
 * and a merge belong to one project, so user "42" of two projects is two persons. The cache maps
 * (project, distinct id) → person id for ids this writer has seen or written. A link or
 * merge made by another writer is not seen until the entry is evicted; {@code person_overrides}
 * corrects what was written meanwhile (see the README). Not thread-safe: owned by one thread.
 */
public final class IdentityResolver {

    /** One event's outcome. */
    public record Identity(UUID personId, PersonMode mode) {
    }

    /** Counts what the rules decided; the writer exports it as a metric. */
    public interface Outcomes {
        Outcomes NONE = outcome -> { };

        /** {@code merged}, {@code refused_identified}, {@code refused_illegal_id}, {@code refused_personless}. */
        void merge(String outcome);

        /** Persons a batch did not read: each of their events was known to leave them unchanged ({@link UnchangedPersons}). */
        default void unread(int persons) {
        }
    }

    static final String SOURCE = "writer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PersonStore store;
    private final Clock clock;
    private final Outcomes outcomes;
    private final LruCache<DistinctKey, UUID> cache; // (project, distinct id) → person id
    private final UnchangedPersons unchanged;
    private final RowVersions versions;
    private final long activityMillis;

    /**
     * @param cacheSize          links (distinct id → person id) remembered between batches, and as
     *                           many persons known unchanged by their last events
     * @param activityResolution a person's row is rewritten for its activity alone when its latest
     *                           event moves into a later period of this length (epoch-aligned, UTC)
     *                           than its stored {@code last_seen_at}
     */
    public IdentityResolver(PersonStore store, int cacheSize, Duration activityResolution, Clock clock, Outcomes outcomes) {
        this.store = store;
        this.clock = clock;
        this.versions = new RowVersions(clock);
        this.outcomes = outcomes;
        this.cache = new LruCache<>(cacheSize);
        this.unchanged = new UnchangedPersons(cacheSize);
        this.activityMillis = activityResolution.toMillis();
        if (activityMillis < 1) {
            throw new IllegalArgumentException("activity resolution must be at least 1 ms, got " + activityResolution);
        }
    }

    public IdentityResolver(PersonStore store, int cacheSize, Duration activityResolution, Clock clock) {
        this(store, cacheSize, activityResolution, clock, Outcomes.NONE);
    }

    /** The identity of each event, in order. Writes the batch's identity rows before returning. */
    public List<Identity> resolve(List<Event> events) {
        // An event's changes (a few dozen nodes once enriched) are read only when it is applied, so
        // they die young: built for the whole batch up front, they outlived the person reads and
        // were promoted, a batch's worth at a time, into a full collection.
        List<Pending> batch = new ArrayList<>(events.size());
        for (Event e : events) {
            batch.add(Pending.of(e));
        }
        BatchState state = new BatchState(lookUp(batch));
        Set<PersonKey> unread = unread(state, batch);
        load(state, batch, unread);
        PersonMode[] modes = new PersonMode[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            // No merge of the batch moves an unread person's ids, so its distinct ids keep their links until here.
            if (p.full() && unread.contains(state.personKeyOf(p.key()))) {
                modes[i] = PersonMode.FULL;
                if (p.other() != null && !state.links.containsKey(p.other())) {
                    state.link(p.other(), state.links.get(p.key()), p.event()); // the other id joins, as it did when unread() decided
                }
                continue;
            }
            PersonEvent e = PersonEvent.of(p.event());
            modes[i] = e.mode();
            apply(state, e, p.key());
        }
        if (!state.mergedInto.isEmpty()) {
            moveMergedIds(state);
        }
        List<Identity> identities = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            DistinctKey key = batch.get(i).key();
            UUID linked = state.links.get(key);
            identities.add(new Identity(linked != null ? state.finalOf(new PersonKey(key.project(), linked)).id()
                    : PersonIds.deterministic(key.project(), key.distinctId()), modes[i]));
        }
        write(state);
        return identities;
    }

    /**
     * An event as the batch's lookups see it, before its changes are read: its distinct id, whether
     * it is processed with a person, and the merge it asks for with its other distinct id (full mode only).
     */
    private record Pending(Event event, DistinctKey key, boolean full, PersonEvent.Merge merge, DistinctKey other) {

        static Pending of(Event e) {
            DistinctKey key = new DistinctKey(e.project(), e.distinctId());
            boolean full = PersonEvent.isFull(e);
            PersonEvent.Merge merge = full ? PersonEvent.merge(e) : PersonEvent.Merge.NONE;
            String other = PersonEvent.mergeWith(e, merge);
            return new Pending(e, key, full, merge, other == null ? null : new DistinctKey(key.project(), other));
        }
    }

    /** Entries in the cache, for metrics and tests. */
    public int cachedLinks() {
        return cache.size();
    }

    private Map<DistinctKey, UUID> lookUp(List<Pending> batch) {
        Set<DistinctKey> ids = LinkedHashSet.newLinkedHashSet(batch.size());
        for (Pending p : batch) {
            ids.add(p.key());
            if (p.other() != null) {
                ids.add(p.other());
            }
        }
        Map<DistinctKey, UUID> known = HashMap.newHashMap(ids.size());
        List<DistinctKey> unknown = new ArrayList<>();
        for (DistinctKey id : ids) {
            UUID cached = cache.get(id);
            if (cached != null) {
                known.put(id, cached);
            } else {
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            known.putAll(store.personIdsOf(unknown));
        }
        return known;
    }

    /**
     * The persons the batch need not read: each is a person of the links known before the batch,
     * each of its full-mode events asks what an earlier event asked and found already there, with
     * no activity period after the stored one, and it is still at the version it was then. A merge
     * of such a person may only find its other id already linked to it or join an id that has no
     * person and that no other event of the batch names ({@link #joinsOnly}), and only when the
     * person is identified already. Its events would change nothing but links: it is left alone.
     */
    private Set<PersonKey> unread(BatchState state, List<Pending> batch) {
        Map<PersonKey, UnchangedPersons.Entry> candidates = new HashMap<>();
        Set<PersonKey> excluded = new HashSet<>();
        Map<DistinctKey, Integer> named = new HashMap<>(); // how often each merge's other id is named in the batch
        for (Pending p : batch) {
            if (p.other() != null) {
                named.put(p.other(), 0);
            }
        }
        if (!named.isEmpty()) {
            for (Pending p : batch) {
                named.computeIfPresent(p.key(), (id, n) -> n + 1);
                if (p.other() != null) {
                    named.computeIfPresent(p.other(), (id, n) -> n + 1);
                }
            }
        }
        for (Pending p : batch) {
            if (!p.full()) {
                continue;
            }
            PersonKey person = state.personKeyOf(p.key());
            if (p.other() != null && !joinsOnly(state, p, named)) { // a merge: both persons are read
                excluded.add(person);
                excluded.add(state.personKeyOf(p.other()));
                continue;
            }
            if (excluded.contains(person)) {
                continue;
            }
            UnchangedPersons.Entry entry = state.known.containsKey(p.key()) ? unchanged.get(person) : null;
            Event event = p.event();
            if (entry != null && entry.lastSeenAt() != null && (p.other() == null || entry.identified())
                    && period(event.timestamp(), activityMillis) <= period(entry.lastSeenAt(), activityMillis)
                    && unchanged.asksTheSame(entry, unchanged.digest(PersonEvent.of(event)))) {
                candidates.put(person, entry);
            } else {
                excluded.add(person);
            }
        }
        candidates.keySet().removeAll(excluded);
        if (candidates.isEmpty()) {
            return Set.of();
        }
        Map<PersonKey, Long> current = store.versionsOf(candidates.keySet());
        candidates.entrySet().removeIf(c -> !Long.valueOf(c.getValue().version()).equals(current.get(c.getKey())));
        outcomes.unread(candidates.size());
        return candidates.keySet();
    }

    /**
     * Whether the merge {@code p} asks for, as the links known before the batch stand, finds both
     * ids on one person or joins its other id, which has no person, to the event's person
     * ({@link MergeRule.Outcome#SAME_PERSON}, {@link MergeRule.Outcome#ADD_OTHER}): neither reads a
     * person's properties. A joining id named by another event of the batch is left to the full
     * way, where that event may give it a person first.
     */
    private static boolean joinsOnly(BatchState state, Pending p, Map<DistinctKey, Integer> named) {
        UUID into = state.known.get(p.key());
        UUID other = state.known.get(p.other());
        // whether the other person is identified decides only between a merge and a refusal: neither is accepted here
        MergeRule.Outcome outcome = MergeRule.decide(p.merge(), p.key().distinctId(), p.other().distinctId(), into, other, false);
        return outcome == MergeRule.Outcome.SAME_PERSON
                || outcome == MergeRule.Outcome.ADD_OTHER && named.get(p.other()) == 1;
    }

    /** Reads the persons the full-mode events name (but the unread ones); follows persons another writer merged away. */
    private void load(BatchState state, List<Pending> batch, Set<PersonKey> unread) {
        Set<PersonKey> wanted = new LinkedHashSet<>();
        for (Pending p : batch) {
            if (p.full() && !unread.contains(state.personKeyOf(p.key()))) {
                wanted.add(state.personKeyOf(p.key()));
                if (p.other() != null) {
                    wanted.add(state.personKeyOf(p.other()));
                }
            }
        }
        wanted.removeAll(unread);
        if (wanted.isEmpty()) {
            return;
        }
        Map<PersonKey, PersonStore.PersonRow> rows = new HashMap<>(store.persons(wanted));
        Set<PersonKey> linkedButMissing = new LinkedHashSet<>();
        state.links.forEach((id, person) -> linkedButMissing.add(new PersonKey(id.project(), person)));
        linkedButMissing.retainAll(wanted);
        linkedButMissing.removeAll(rows.keySet());
        Map<PersonKey, UUID> redirects = linkedButMissing.isEmpty() ? Map.of() : store.overridesOf(linkedButMissing);
        if (!redirects.isEmpty()) {
            Set<PersonKey> targets = new LinkedHashSet<>();
            redirects.forEach((old, target) -> targets.add(new PersonKey(old.project(), target)));
            targets.removeAll(rows.keySet());
            if (!targets.isEmpty()) {
                rows.putAll(store.persons(targets));
            }
            state.links.replaceAll((id, person) -> redirects.getOrDefault(new PersonKey(id.project(), person), person));
        }
        rows.forEach((key, row) -> state.persons.put(key, new Person(key, row, row.createdAt())));
    }

    private void apply(BatchState state, PersonEvent e, DistinctKey key) {
        Event event = e.event();
        if (e.mode() == PersonMode.PROPERTYLESS) {
            if (e.merge() != PersonEvent.Merge.NONE) {
                // PostHog drops such an event; this writer stores it (exactly once) and changes nothing.
                state.warn(event, "invalid_event_when_process_person_profile_is_false",
                        details("event", event.event(), "other_distinct_id", e.mergeWith()));
                outcomes.merge("refused_personless");
            }
            return;
        }
        if (e.merge() != PersonEvent.Merge.NONE) {
            merge(state, e, key);
        }
        Person person = state.personOf(key, event.timestamp());
        if (e.updatesProperties()) {
            boolean pristine = person.stored != null && person.properties.pristine();
            person.properties.apply(e);
            if (pristine && !person.properties.changed()) {
                // applied to the stored properties themselves, and found to change nothing: worth remembering
                person.leftUnchanged(unchanged.digest(e));
            }
            person.lastChange = e;
        }
        person.seen(event.timestamp());
    }

    /** A merge never crosses projects: both distinct ids are of the event's project. */
    private void merge(BatchState state, PersonEvent e, DistinctKey intoKey) {
        Event event = e.event();
        String into = intoKey.distinctId();
        String other = e.mergeWith();
        DistinctKey otherKey = new DistinctKey(intoKey.project(), other);
        UUID intoPerson = state.links.get(intoKey);
        UUID otherPerson = state.links.get(otherKey);
        Person otherRow = otherPerson == null ? null : state.persons.get(new PersonKey(intoKey.project(), otherPerson));
        MergeRule.Outcome outcome = MergeRule.decide(e.merge(), into, other, intoPerson, otherPerson,
                otherRow != null && otherRow.identified);
        switch (outcome) {
            case SAME_ID, SAME_PERSON -> { }
            case ILLEGAL_ID -> {
                String illegal = IllegalDistinctIds.isIllegal(into) ? into : other;
                state.warn(event, "illegal_distinct_id", details("illegal_distinct_id", illegal,
                        "other_distinct_id", illegal.equals(into) ? other : into, "posthog_type", "cannot_merge_with_illegal_distinct_id"));
                outcomes.merge("refused_illegal_id");
            }
            case CREATE -> {
                Person created = state.personOf(intoKey, event.timestamp());
                state.join(otherKey, created.key.id(), event);
            }
            case ADD_INTO -> state.join(intoKey, otherPerson, event);
            case ADD_OTHER -> state.join(otherKey, intoPerson, event);
            case MERGE -> {
                Person target = state.personOf(intoKey, event.timestamp());
                Person source = state.personOf(otherKey, event.timestamp());
                target.properties.under(source.properties.properties());
                target.createdAt = target.createdAt.isBefore(source.createdAt) ? target.createdAt : source.createdAt;
                target.identified = true;
                target.versionFloor = Math.max(target.versionFloor, source.versionFloor);
                target.merged = true;
                source.mergedAway = true;
                state.mergedInto.put(source.key, target.key);
                state.overrides.put(source.key, new Redirect(target.key.id(), event.apiKey()));
                state.links.replaceAll((id, person) -> id.project().equals(source.key.project()) && person.equals(source.key.id())
                        ? target.key.id() : person);
                outcomes.merge("merged");
            }
            case REFUSED_IDENTIFIED -> {
                state.warn(event, "merge_refused", details("source_distinct_id", other, "target_distinct_id", into,
                        "reason", "already_identified", "posthog_type", "cannot_merge_already_identified"));
                outcomes.merge("refused_identified");
            }
        }
        if (outcome.identifies()) {
            Person person = state.personOf(intoKey, event.timestamp());
            if (!person.identified) {
                person.identified = true;
                person.merged = true;
            }
        }
    }

    /** Moves every stored distinct id of the merged persons and re-points overrides that named them. */
    private void moveMergedIds(BatchState state) {
        Set<PersonKey> sources = state.mergedInto.keySet();
        store.distinctIdsOf(sources).forEach((id, person) -> {
            UUID current = state.links.get(id);
            if (current == null || current.equals(person)) {
                state.links.put(id, person);
                state.known.putIfAbsent(id, person);
            }
        });
        store.overridesTo(sources).forEach((old, target) -> {
            String apiKey = state.overrides.get(new PersonKey(old.project(), target)).apiKey(); // the merge's event
            state.overrides.putIfAbsent(old, new Redirect(target, apiKey));
        });
    }

    private void write(BatchState state) {
        Instant now = clock.instant();
        List<PersonStore.PersonRow> personRows = new ArrayList<>();
        List<Person> unwritten = new ArrayList<>();
        List<Person> written = new ArrayList<>();
        for (Person p : state.persons.values()) {
            if (!p.mergedAway && !p.needsWrite(activityMillis)) {
                unwritten.add(p);
            } else {
                p.written = new PersonStore.PersonRow(p.key.project(), p.distinctId(), p.key.id(), p.properties.json(), p.createdAt,
                        now, p.lastSeen(), p.identified, p.mergedAway, versions.next(p.versionFloor));
                personRows.add(p.written);
                written.add(p);
            }
        }
        List<PersonStore.OverrideRow> overrideRows = new ArrayList<>();
        state.overrides.forEach((old, override) -> {
            UUID last = state.finalOf(new PersonKey(old.project(), override.target())).id();
            if (!old.id().equals(last)) {
                overrideRows.add(new PersonStore.OverrideRow(old.project(), override.apiKey(), old.id(), last, versions.next(0)));
            }
        });
        List<PersonStore.DistinctIdRow> linkRows = new ArrayList<>();
        Map<DistinctKey, UUID> finalLinks = LinkedHashMap.newLinkedHashMap(state.links.size());
        state.links.forEach((id, person) -> {
            UUID last = state.finalOf(new PersonKey(id.project(), person)).id();
            finalLinks.put(id, last);
            if (!last.equals(state.known.get(id))) {
                linkRows.add(new PersonStore.DistinctIdRow(id.project(), id.distinctId(), last, now, versions.next(0)));
            }
        });
        if (!personRows.isEmpty()) {
            store.insertPersons(personRows);
        }
        if (!overrideRows.isEmpty()) {
            store.insertOverrides(overrideRows);
        }
        if (!state.warnings.isEmpty()) {
            store.insertWarnings(state.warnings);
        }
        if (!linkRows.isEmpty()) {
            store.insertDistinctIds(linkRows);
        }
        finalLinks.forEach(cache::put);
        for (Person p : written) {
            if (p.mergedAway) {
                unchanged.forget(p.key);
            } else {
                // what was written is what the last change left: that change, asked again, finds it all there
                unchanged.remember(p.key, p.written, p.lastChange == null ? List.of() : Collections.singletonList(unchanged.digest(p.lastChange)));
            }
        }
        for (Person p : unwritten) {
            if (!p.leftUnchangedBy.isEmpty()) {
                unchanged.remember(p.key, p.stored, p.leftUnchangedBy);
            }
        }
    }

    /** The activity period {@code at} falls in: epoch-aligned, UTC, {@code activityMillis} long. */
    private static long period(Instant at, long activityMillis) {
        return Math.floorDiv(at.toEpochMilli(), activityMillis);
    }

    private static String details(String... keyValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.put(keyValues[i], keyValues[i + 1]);
        }
        return node.toString();
    }

    /** One batch's view of links and persons while its events are applied. */
    private final class BatchState {
        /** As stored (or cached) before the batch: what a link row is compared with. */
        final Map<DistinctKey, UUID> known;
        /** As the batch has made them so far. */
        final Map<DistinctKey, UUID> links;
        final Map<PersonKey, Person> persons = new LinkedHashMap<>();
        final Map<PersonKey, PersonKey> mergedInto = new HashMap<>();
        /** Old person → person its events belong to (same project); targets are resolved through {@link #finalOf} on write. */
        final Map<PersonKey, Redirect> overrides = new LinkedHashMap<>();
        final List<PersonStore.WarningRow> warnings = new ArrayList<>();

        BatchState(Map<DistinctKey, UUID> known) {
            this.known = known;
            this.links = new HashMap<>(known);
        }

        PersonKey personKeyOf(DistinctKey id) {
            UUID linked = links.get(id);
            return new PersonKey(id.project(), linked != null ? linked : PersonIds.deterministic(id.project(), id.distinctId()));
        }

        /** The distinct id's person, created (deterministic id, linked) when it has none. */
        Person personOf(DistinctKey distinctId, Instant at) {
            PersonKey key = personKeyOf(distinctId);
            links.putIfAbsent(distinctId, key.id());
            Person p = persons.computeIfAbsent(key, k -> new Person(k, null, at));
            p.firstDistinctId = p.firstDistinctId == null ? distinctId.distinctId() : p.firstDistinctId;
            return p;
        }

        /**
         * Links a distinct id that had no person to {@code person}. Its earlier events (personless
         * ones, or ones written by another writer before the link) carry its deterministic id, so
         * that id is overridden — PostHog's "personless distinct id" override, written always
         * because this project keeps no table of ids used personless.
         */
        void join(DistinctKey distinctId, UUID person, Event e) {
            persons.computeIfAbsent(new PersonKey(distinctId.project(), person), k -> new Person(k, null, e.timestamp()));
            link(distinctId, person, e);
        }

        /** {@link #join} for a person the batch does not read: only the link and its overrides. */
        void link(DistinctKey distinctId, UUID person, Event e) {
            links.put(distinctId, person);
            redirect(distinctId.project(), PersonIds.deterministic(distinctId.project(), distinctId.distinctId()), person, e);
            // Events written before projects carry the id derived from the distinct id alone, and V009
            // pointed it at the new derived id: pointed here at the person instead, so one join still
            // attributes them (one more row in an insert the join makes anyway).
            redirect(distinctId.project(), PersonIds.beforeProjects(distinctId.distinctId()), person, e);
        }

        private void redirect(String project, UUID old, UUID person, Event e) {
            if (!old.equals(person)) {
                overrides.putIfAbsent(new PersonKey(project, old), new Redirect(person, e.apiKey()));
            }
        }

        PersonKey finalOf(PersonKey person) {
            PersonKey current = person;
            for (int hops = 0; hops <= mergedInto.size(); hops++) {
                PersonKey next = mergedInto.get(current);
                if (next == null) {
                    return current;
                }
                current = next;
            }
            throw new IllegalStateException("merge cycle through " + person);
        }

        void warn(Event e, String type, String details) {
            warnings.add(new PersonStore.WarningRow(e.apiKey(), type, e.uuid(), e.distinctId(), details, clock.instant()));
        }
    }

    /** Where an old person id's events belong (a person of the same project), and the api key of the event that made the override. */
    private record Redirect(UUID target, String apiKey) {
    }

    /** One person while a batch is applied. */
    private static final class Person {
        final PersonKey key;
        final PersonStore.PersonRow stored;
        final PersonPropertiesMerger properties;
        Instant createdAt;
        boolean identified;
        /** Set by a merge or by becoming identified: the row must be written. */
        boolean merged;
        boolean mergedAway;
        long versionFloor;
        String firstDistinctId;
        /** What the events applied to the stored properties themselves asked, when they changed nothing (see {@link UnchangedPersons}). */
        List<UnchangedPersons.Digest> leftUnchangedBy = List.of();
        /** The last event applied that may change properties: the written properties are its fixpoint. */
        PersonEvent lastChange;
        /** The row the batch writes for this person, once decided. */
        PersonStore.PersonRow written;
        private Instant lastSeen;

        Person(PersonKey key, PersonStore.PersonRow stored, Instant createdAt) {
            this.key = key;
            this.stored = stored;
            this.properties = new PersonPropertiesMerger(stored == null ? null : stored.properties());
            this.createdAt = createdAt;
            this.identified = stored != null && stored.identified();
            this.versionFloor = stored == null ? 0 : stored.version();
            this.lastSeen = stored == null ? null : stored.lastSeenAt();
        }

        void leftUnchanged(UnchangedPersons.Digest digest) {
            if (UnchangedPersons.worthRemembering(digest) && !leftUnchangedBy.contains(digest)) {
                if (leftUnchangedBy.isEmpty()) {
                    leftUnchangedBy = new ArrayList<>(2);
                }
                leftUnchangedBy.add(digest);
            }
        }

        void seen(Instant at) {
            if (lastSeen == null || at.isAfter(lastSeen)) {
                lastSeen = at;
            }
        }

        Instant lastSeen() {
            return lastSeen == null ? createdAt : lastSeen;
        }

        String distinctId() {
            return stored != null && !stored.distinctId().isEmpty() ? stored.distinctId()
                    : firstDistinctId == null ? "" : firstDistinctId;
        }

        /**
         * New, changed, merged, or active in a later period than the stored row says: activity is
         * tracked to the period (a day by default) so a steadily active person costs one row per
         * period, not per batch.
         */
        boolean needsWrite(long activityMillis) {
            if (stored == null || merged || properties.changed()) {
                return true;
            }
            long storedPeriod = stored.lastSeenAt() == null ? Long.MIN_VALUE : period(stored.lastSeenAt(), activityMillis);
            return period(lastSeen(), activityMillis) > storedPeriod;
        }
    }
}

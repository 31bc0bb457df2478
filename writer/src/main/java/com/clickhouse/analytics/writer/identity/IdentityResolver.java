package com.clickhouse.analytics.writer.identity;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;

/**
 * Gives every event of a batch its {@code person_id} with the original service's rules, per batch
 * instead of per event:
 * <ol>
 *   <li>one {@link PersonStore#personIdsOf} for the batch's distinct ids (plus the
 *       {@code $anon_distinct_id} of {@code $identify} and the {@code alias} of {@code $create_alias})
 *       that the bounded cache does not know;</li>
 *   <li>{@code $identify} links the anonymous id to the identified person (the distinct id's person
 *       if it has one, else the anonymous id's, else the deterministic id of the distinct id);
 *       {@code $create_alias} links {@code alias} likewise; these links apply to every event of the
 *       batch, also to those before the link;</li>
 *   <li>one {@link PersonStore#insertDistinctIds} for links that are new or changed, one
 *       {@link PersonStore#persons} + {@link PersonStore#insertPersons} when the batch has
 *       {@code $identify} or {@code $set} events, merging {@code $set} over and {@code $set_once}
 *       under the stored properties.</li>
 * </ol>
 * Identity rows are written before the batch's events, so a crash between the two replays into the
 * same state. Deviation from the original, on purpose: {@code is_identified} stays true once set
 * (the original let a later {@code $set} clear it), and the {@code alias} of a {@code $create_alias}
 * is looked up too (the original read it from an empty map).
 *
 * <p>The cache maps distinct id → person id for ids this writer has seen or written. A link made by
 * another writer (another partition) is not seen until the entry is evicted: see the README's
 * cross-partition caveat. Not thread-safe: owned by the consumer thread.
 */
public final class IdentityResolver {

    static final String IDENTIFY = "$identify";
    static final String CREATE_ALIAS = "$create_alias";
    static final String SET = "$set";

    private final PersonStore store;
    private final Clock clock;
    private final LruCache cache;
    private long lastVersion;

    public IdentityResolver(PersonStore store, int cacheSize, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.cache = new LruCache(cacheSize);
    }

    /** The person id of each event, in order. Writes the batch's identity rows before returning. */
    public List<UUID> resolve(List<Event> events) {
        Map<String, UUID> known = lookUp(events);
        Map<String, UUID> links = batchLinks(events, known);
        List<UUID> personIds = new ArrayList<>(events.size());
        Map<String, UUID> finalLinks = LinkedHashMap.newLinkedHashMap(known.size());
        for (Event e : events) {
            UUID personId = personFor(e, known, links);
            personIds.add(personId);
            finalLinks.put(e.distinctId(), personId);
            if (isIdentify(e) && present(e.anonDistinctId())) {
                finalLinks.put(e.anonDistinctId(), personId);
            }
            if (isAlias(e) && present(e.alias())) {
                finalLinks.put(e.alias(), personId);
            }
        }
        Instant now = clock.instant();
        List<PersonStore.DistinctIdRow> newLinks = new ArrayList<>();
        finalLinks.forEach((distinctId, personId) -> {
            if (!personId.equals(known.get(distinctId))) {
                newLinks.add(new PersonStore.DistinctIdRow(distinctId, personId, now, nextVersion()));
            }
        });
        List<PersonStore.PersonRow> personRows = personUpdates(events, personIds, now);
        if (!newLinks.isEmpty()) {
            store.insertDistinctIds(newLinks);
        }
        if (!personRows.isEmpty()) {
            store.insertPersons(personRows);
        }
        finalLinks.forEach(cache::put);
        return personIds;
    }

    /** Entries in the cache, for metrics and tests. */
    public int cachedLinks() {
        return cache.size();
    }

    private Map<String, UUID> lookUp(List<Event> events) {
        Set<String> ids = LinkedHashSet.newLinkedHashSet(events.size());
        for (Event e : events) {
            ids.add(e.distinctId());
            if (present(e.anonDistinctId())) {
                ids.add(e.anonDistinctId());
            }
            if (isAlias(e) && present(e.alias())) {
                ids.add(e.alias());
            }
        }
        Map<String, UUID> known = HashMap.newHashMap(ids.size());
        List<String> unknown = new ArrayList<>();
        for (String id : ids) {
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

    /** The links this batch makes ({@code $identify}, {@code $create_alias}), decided from the stored state. */
    private static Map<String, UUID> batchLinks(List<Event> events, Map<String, UUID> known) {
        Map<String, UUID> links = new HashMap<>();
        for (Event e : events) {
            if (isIdentify(e)) {
                String anon = present(e.anonDistinctId()) ? e.anonDistinctId() : null;
                UUID personId = firstNonNull(known.get(e.distinctId()), anon == null ? null : known.get(anon),
                        PersonIds.deterministic(e.distinctId()));
                links.put(e.distinctId(), personId);
                if (anon != null) {
                    links.put(anon, personId);
                }
            } else if (isAlias(e) && present(e.alias())) {
                UUID personId = firstNonNull(known.get(e.distinctId()), known.get(e.alias()),
                        PersonIds.deterministic(e.distinctId()));
                links.put(e.distinctId(), personId);
                links.put(e.alias(), personId);
            }
        }
        return links;
    }

    private static UUID personFor(Event e, Map<String, UUID> known, Map<String, UUID> links) {
        UUID linked = links.get(e.distinctId());
        if (linked != null) {
            return linked;
        }
        String anon = present(e.anonDistinctId()) ? e.anonDistinctId() : null;
        if (anon != null && links.get(anon) != null) {
            return links.get(anon);
        }
        UUID stored = known.get(e.distinctId());
        if (stored != null) {
            return stored;
        }
        if (anon != null && !isIdentify(e) && known.get(anon) != null) {
            return known.get(anon);
        }
        return PersonIds.deterministic(e.distinctId());
    }

    private List<PersonStore.PersonRow> personUpdates(List<Event> events, List<UUID> personIds, Instant now) {
        Map<UUID, List<Integer>> updates = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (isIdentify(e) || SET.equals(e.event())) {
                updates.computeIfAbsent(personIds.get(i), id -> new ArrayList<>()).add(i);
            }
        }
        if (updates.isEmpty()) {
            return List.of();
        }
        Map<UUID, PersonStore.PersonRow> existing = store.persons(updates.keySet());
        List<PersonStore.PersonRow> rows = new ArrayList<>(updates.size());
        updates.forEach((personId, indexes) -> {
            PersonStore.PersonRow stored = existing.get(personId);
            PersonPropertiesMerger merger = new PersonPropertiesMerger(stored == null ? null : stored.properties());
            boolean identified = stored != null && stored.identified();
            String distinctId = null;
            for (int i : indexes) {
                Event e = events.get(i);
                merger.apply(e.set(), e.setOnce());
                identified |= isIdentify(e);
                distinctId = e.distinctId();
            }
            rows.add(new PersonStore.PersonRow(distinctId, personId, merger.json(),
                    stored == null ? now : stored.createdAt(), now, now, identified, nextVersion()));
        });
        return rows;
    }

    /** Microseconds since the epoch, strictly increasing within this process (as the original's version). */
    private long nextVersion() {
        long candidate = clock.millis() * 1000;
        lastVersion = Math.max(candidate, lastVersion + 1);
        return lastVersion;
    }

    private static boolean isIdentify(Event e) {
        return IDENTIFY.equals(e.event());
    }

    private static boolean isAlias(Event e) {
        return CREATE_ALIAS.equals(e.event());
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        throw new IllegalStateException("the last candidate is never null");
    }

    /** Distinct id → person id, least recently used evicted first. */
    private static final class LruCache extends LinkedHashMap<String, UUID> {
        private final int capacity;

        LruCache(int capacity) {
            super(Math.min(capacity, 1 << 16), 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, UUID> eldest) {
            return size() > capacity;
        }
    }
}

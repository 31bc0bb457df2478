package com.clickhouse.analytics.writer.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.writer.LruCache;

/**
 * A {@link PersonStore} that remembers the person rows it read or wrote, so a batch reads only the
 * persons it does not know, or knows in an older version. Every batch still asks the store for the
 * current version of each cached person it names ({@link PersonStore#versionsOf}, no properties,
 * no {@code FINAL}): another writer, or {@code delete-person}, may have written the person since,
 * and a row is only reused while its version is still the latest. That check is what lets several
 * writers share persons; what it saves is the read and parse of the properties, the bulk of a
 * person read (an enriched person's properties are about 1 KB).
 *
 * <p>Bounded by entries, least recently used evicted first. Not thread-safe: owned by the prepare
 * thread, like the resolver that uses it. Everything else passes through.
 */
public final class CachingPersonStore implements PersonStore {

    private final PersonStore store;
    private final LruCache<PersonKey, PersonRow> rows;
    private volatile long reused; // written by the prepare thread only, read by the metrics
    private volatile long readAgain;

    public CachingPersonStore(PersonStore store, int capacity) {
        this.store = store;
        this.rows = new LruCache<>(capacity);
    }

    @Override
    public Map<PersonKey, PersonRow> persons(Collection<PersonKey> ids) {
        Map<PersonKey, PersonRow> found = HashMap.newHashMap(ids.size());
        Map<PersonKey, PersonRow> cached = HashMap.newHashMap(ids.size());
        List<PersonKey> read = new ArrayList<>();
        for (PersonKey id : ids) {
            PersonRow row = rows.get(id);
            if (row != null) {
                cached.put(id, row);
            } else {
                read.add(id);
            }
        }
        if (!cached.isEmpty()) {
            Map<PersonKey, Long> current = store.versionsOf(cached.keySet());
            cached.forEach((id, row) -> {
                Long version = current.get(id);
                if (version == null) {
                    rows.remove(id); // deleted, or gone: as the store would answer, no row
                } else if (version == row.version()) {
                    found.put(id, row);
                } else {
                    read.add(id);
                }
            });
            reused += found.size();
        }
        readAgain += read.size();
        if (!read.isEmpty()) {
            Map<PersonKey, PersonRow> fresh = store.persons(read);
            fresh.forEach(rows::put);
            found.putAll(fresh);
        }
        return found;
    }

    /** Writes, then remembers what was written (a deleted row is forgotten): the batch's rows are the latest. */
    @Override
    public void insertPersons(List<PersonRow> written) {
        store.insertPersons(written);
        for (PersonRow row : written) {
            PersonKey key = new PersonKey(row.project(), row.id());
            if (row.deleted()) {
                rows.remove(key);
            } else {
                rows.put(key, row);
            }
        }
    }

    /** Rows reused over rows asked for (a person read for the first time, or again, is a miss); for the metrics. */
    public double hitRatio() {
        long hits = reused;
        long total = hits + readAgain;
        return total == 0 ? 0 : (double) hits / total;
    }

    public int size() {
        return rows.size();
    }

    @Override
    public Map<PersonKey, Long> versionsOf(Collection<PersonKey> ids) {
        return store.versionsOf(ids);
    }

    @Override
    public Map<DistinctKey, UUID> personIdsOf(Collection<DistinctKey> distinctIds) {
        return store.personIdsOf(distinctIds);
    }

    @Override
    public Map<DistinctKey, UUID> distinctIdsOf(Collection<PersonKey> personIds) {
        return store.distinctIdsOf(personIds);
    }

    @Override
    public Map<PersonKey, UUID> overridesOf(Collection<PersonKey> oldPersonIds) {
        return store.overridesOf(oldPersonIds);
    }

    @Override
    public Map<PersonKey, UUID> overridesTo(Collection<PersonKey> targets) {
        return store.overridesTo(targets);
    }

    @Override
    public void insertDistinctIds(List<DistinctIdRow> rows) {
        store.insertDistinctIds(rows);
    }

    @Override
    public void insertOverrides(List<OverrideRow> rows) {
        store.insertOverrides(rows);
    }

    @Override
    public void insertWarnings(List<WarningRow> rows) {
        store.insertWarnings(rows);
    }
}

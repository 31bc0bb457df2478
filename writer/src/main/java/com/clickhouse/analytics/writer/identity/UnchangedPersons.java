package com.clickhouse.analytics.writer.identity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.writer.LruCache;
import com.clickhouse.analytics.writer.identity.PersonStore.PersonKey;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Persons an ordinary event left unchanged, remembered between batches with a digest of what the
 * event asked, so that a later event asking the same of the same version of the person is known to
 * change nothing worth writing without the person being read. Most traffic is such events: a known
 * visitor's page views carry the same browser, city and campaign as the last ones, and the person
 * read (about 1 KB of enriched properties per person, read with {@code FINAL}) and its check were the
 * identity step's largest cost, in the writer and in ClickHouse.
 *
 * <p>What decides whether an ordinary event ({@link #digest}) makes its person worth writing is: each
 * {@code $set} key with its value, except keys whose change alone does not count
 * ({@link PersonEvent#FILTERED}, where only whether the key is stored matters), and the names of the
 * {@code $set_once} keys (their values matter only for keys that are missing, and a missing key is a
 * change). So two events with equal digests, applied to the same stored properties, make the same
 * decision; the digest is the first 128 bits of a SHA-256 of exactly that, so equal digests mean equal
 * inputs for any traffic. A person event ({@code $identify}, {@code $set}, …), whose every change
 * counts, is digested with all its values and marked as one. A merge's digest is of its property
 * changes alone: what it does to links the resolver decides from the links themselves. Events that
 * {@code $unset} get no digest: they always go the full way.
 *
 * <p>An entry holds a person's version and the digests known to leave that version unchanged. They
 * come from two places:
 * <ul>
 *   <li>a batch that did not write the person: each change-free event applied while the properties
 *       were still the stored ones themselves (an event applied after one that kept a new
 *       {@code $current_url} aside met other properties than the stored ones);</li>
 *   <li>a batch that wrote it: the written properties are what its last event left, and an event
 *       applied to the result of its own changes finds every {@code $set} value and every
 *       {@code $set_once} key already there, so the written version is remembered with the last
 *       event's digest. Without this, every person the batch wrote was read again by its next one.</li>
 * </ul>
 * The resolver checks the version in one query without properties ({@link PersonStore#versionsOf})
 * before it relies on an entry, so a person written since — by another writer or
 * {@code delete-person} — is read as before. Not thread-safe: owned by the resolver's thread.
 */
final class UnchangedPersons {

    /** 128 bits of what an ordinary event asks of its person. */
    record Digest(long high, long low) {
    }

    /** What an event asks of a person when it changes no properties at all: it leaves any person as it is, and says nothing worth remembering. */
    static final Digest NOTHING = new Digest(0, 0);

    /**
     * A stored person version, as much of the row as the resolver checks without reading it, and the
     * digests of events known to leave that version unchanged (at most {@value #MAX_DIGESTS}: an
     * ordinary page view, an identify, an alias, a group identify — each asks its own thing).
     */
    record Entry(long version, Instant lastSeenAt, boolean identified, List<Digest> digests) {
    }

    static final int MAX_DIGESTS = 4;

    private final LruCache<PersonKey, Entry> entries;
    private final MessageDigest sha256;
    private final StringBuilder text = new StringBuilder(512);

    UnchangedPersons(int capacity) {
        this.entries = new LruCache<>(capacity);
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * The digest of what {@code e} asks of its person's properties, {@link #NOTHING} when it changes
     * none, null when it must always be applied to a read person (an {@code $unset}, a personless event).
     */
    Digest digest(PersonEvent e) {
        if (e.mode() != PersonMode.FULL) {
            return null;
        }
        if (!e.updatesProperties()) {
            return NOTHING;
        }
        if (!e.unset().isEmpty()) {
            return null;
        }
        if (e.set().isEmpty() && e.setOnce().isEmpty()) {
            return NOTHING; // asks nothing: a $groupidentify, a custom event without person properties
        }
        text.setLength(0);
        // a person event's every change counts, so it is told apart and none of its values is left out
        boolean personEvent = PersonEvent.PERSON_EVENTS.contains(e.event().event());
        if (personEvent) {
            framed('p', "");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.set().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            if (!personEvent && PersonEvent.FILTERED.contains(key)) {
                framed('f', key); // its value does not decide: only whether the key is stored
            } else {
                JsonNode value = field.getValue();
                framed('s', key);
                // the node's type as well as its text: 1 and 1.0, or "1" and 1, are different values
                framed('t', value.isNumber() ? value.numberType().name() : value.getNodeType().name());
                framed('v', value.isTextual() ? value.textValue() : value.toString()); // the type tells text from JSON
            }
        }
        for (Iterator<String> it = e.setOnce().fieldNames(); it.hasNext(); ) {
            framed('o', it.next());
        }
        byte[] hash = sha256.digest(text.toString().getBytes(StandardCharsets.UTF_8));
        ByteBuffer bits = ByteBuffer.wrap(hash);
        return new Digest(bits.getLong(), bits.getLong());
    }

    /** {@code tag}, the length, then the text: no two different sequences of parts frame to the same text. */
    private void framed(char tag, String part) {
        text.append(tag).append(part.length()).append(':').append(part);
    }

    /**
     * Whether an event with {@code digest} asks of the person what {@code entry}'s event asked, or
     * nothing: applied to the remembered version, it would change nothing worth writing (its
     * activity is the caller's to check, as is the version).
     */
    boolean asksTheSame(Entry entry, Digest digest) {
        return digest == NOTHING || digest != null && entry.digests().contains(digest);
    }

    /** The entry of {@code person}, or null. */
    Entry get(PersonKey person) {
        return entries.get(person);
    }

    /** Whether {@code digest} says something an entry should keep: null and {@link #NOTHING} do not. */
    static boolean worthRemembering(Digest digest) {
        return digest != null && digest != NOTHING;
    }

    /**
     * Remembers that events with {@code digests} (those {@linkplain #worthRemembering worth it}) leave
     * {@code person} at {@code row}'s version unchanged, beside what is remembered of that same version
     * already (a newer version replaces it all).
     */
    void remember(PersonKey person, PersonStore.PersonRow row, List<Digest> digests) {
        Entry known = entries.get(person);
        List<Digest> all = new ArrayList<>(known != null && known.version() == row.version() ? known.digests() : List.of());
        for (Digest d : digests) {
            if (worthRemembering(d) && !all.contains(d)) {
                all.add(d);
            }
        }
        all = all.subList(Math.max(0, all.size() - MAX_DIGESTS), all.size()); // the most recent ones
        entries.put(person, new Entry(row.version(), row.lastSeenAt(), row.identified(), List.copyOf(all)));
    }

    /** Forgets {@code person}: it was merged away. */
    void forget(PersonKey person) {
        entries.remove(person);
    }
}

package com.clickhouse.analytics.writer.identity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Iterator;
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
 * inputs for any traffic. Events that merge, that are person events ({@code $identify}, {@code $set},
 * …) or that {@code $unset} get no digest: they always go the full way.
 *
 * <p>An entry is remembered only when the event was applied to the stored properties themselves (the
 * person's first change-free event in a batch that then did not write it), and it holds the stored
 * version: the resolver checks the version in one query without properties
 * ({@link PersonStore#versionsOf}) before it relies on an entry, so a person written since — by this
 * writer, another one or {@code delete-person} — is read as before. Not thread-safe: owned by the
 * resolver's thread.
 */
final class UnchangedPersons {

    /** 128 bits of what an ordinary event asks of its person. */
    record Digest(long high, long low) {
    }

    /** What an event asks of a person when it changes no properties at all: it leaves any person as it is, and says nothing worth remembering. */
    static final Digest NOTHING = new Digest(0, 0);

    /** A stored person version and the digest of an event found to leave it unchanged. */
    record Entry(long version, Instant lastSeenAt, Digest digest) {
    }

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
     * The digest of what {@code e} asks of its person, {@link #NOTHING} when it changes no
     * properties, null when it must always be applied to a read person (a merge, a person event, an
     * {@code $unset}, a personless event).
     */
    Digest digest(PersonEvent e) {
        if (e.mode() != PersonMode.FULL || e.merge() != PersonEvent.Merge.NONE) {
            return null;
        }
        if (!e.updatesProperties()) {
            return NOTHING;
        }
        if (PersonEvent.PERSON_EVENTS.contains(e.event().event()) || !e.unset().isEmpty()) {
            return null;
        }
        if (e.set().isEmpty() && e.setOnce().isEmpty()) {
            return NOTHING; // asks nothing: a $groupidentify, a custom event without person properties
        }
        text.setLength(0);
        for (Iterator<Map.Entry<String, JsonNode>> it = e.set().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            if (PersonEvent.FILTERED.contains(key)) {
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
        return digest == NOTHING || digest != null && digest.equals(entry.digest());
    }

    /** The entry of {@code person}, or null. */
    Entry get(PersonKey person) {
        return entries.get(person);
    }

    /** Remembers that an event with {@code digest} left {@code stored} unchanged. */
    void remember(PersonKey person, PersonStore.PersonRow stored, Digest digest) {
        entries.put(person, new Entry(stored.version(), stored.lastSeenAt(), digest));
    }

    /** Forgets {@code person}: it was written, so its remembered version is gone anyway. */
    void forget(PersonKey person) {
        entries.remove(person);
    }
}

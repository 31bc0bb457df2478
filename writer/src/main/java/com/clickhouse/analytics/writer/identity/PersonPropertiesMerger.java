package com.clickhouse.analytics.writer.identity;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One person's properties while a batch is applied, as PostHog's {@code computeEventPropertyUpdates}
 * treats them: per event {@code $set_once} fills only missing keys, then {@code $set} overwrites,
 * then {@code $unset} removes. Applied in event order. Remembers whether a change happened that is
 * worth writing the person for (see {@link PersonEvent#counts}).
 *
 * <p>The stored text is parsed into a tree only when an event changes something: most events of a
 * known person repeat what the person already has (the same browser, city, campaign), and building a
 * thousand-byte person's tree for each of them was the identity step's largest allocation. Until then
 * an event is checked against the text in one streaming pass ({@link #defers}), and
 * {@link #json()} gives the stored text back as it is. Nearly every page view also overwrites keys
 * whose change alone is not worth a write ({@code $current_url}, {@code $screen_width}, …: see
 * {@link PersonEvent#counts}); those values are kept aside, last one winning, and laid over the tree
 * only if it is built (a counting change, a merge) or the person is written anyway, so such traffic
 * parses no stored person either.
 */
public final class PersonPropertiesMerger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String stored;
    private ObjectNode properties; // null until something that counts changes
    private final Map<String, JsonNode> overwrites = new LinkedHashMap<>(); // $set of stored keys not yet in the tree, applied in order
    private boolean changed;

    /** Starts from a person's stored properties ({@code null} or unreadable text: none). */
    public PersonPropertiesMerger(String existing) {
        this.stored = existing == null || existing.isBlank() ? null : existing;
    }

    /** Applies one event's changes. */
    public PersonPropertiesMerger apply(PersonEvent e) {
        if (properties == null && defers(e)) {
            return this;
        }
        ObjectNode properties = properties();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.setOnce().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!properties.has(field.getKey())) {
                properties.set(field.getKey(), field.getValue());
                changed |= e.counts(field.getKey());
            }
        }
        // PostHog: if any changed key of a $set counts (is new, or not a filtered one), all of them do.
        for (Iterator<Map.Entry<String, JsonNode>> it = e.set().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode old = properties.get(field.getKey());
            if (!field.getValue().equals(old)) {
                changed |= old == null || e.counts(field.getKey());
                properties.set(field.getKey(), field.getValue());
            }
        }
        for (String key : e.unset()) {
            changed |= properties.remove(key) != null;
        }
        return this;
    }

    /** Overwrites with {@code values} ({@code $set} semantics, as a group's {@code $group_set}); whether anything changed. */
    public boolean set(ObjectNode values) {
        ObjectNode properties = properties();
        boolean any = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().equals(properties.get(field.getKey()))) {
                properties.set(field.getKey(), field.getValue());
                any = true;
            }
        }
        changed |= any;
        return any;
    }

    /**
     * A merge: the other person's properties under this one's ({@code {...other, ...into}} in
     * PostHog), before the merge event's own changes are applied.
     */
    public PersonPropertiesMerger under(ObjectNode other) {
        ObjectNode properties = properties();
        for (Iterator<Map.Entry<String, JsonNode>> it = other.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!properties.has(field.getKey())) {
                properties.set(field.getKey(), field.getValue());
                changed = true;
            }
        }
        return this;
    }

    /** Whether a change worth writing happened since construction. */
    public boolean changed() {
        return changed;
    }

    /** Whether the properties are still exactly the stored ones: nothing applied has changed them, not even a key kept aside. */
    boolean pristine() {
        return properties == null && overwrites.isEmpty() && !changed;
    }

    ObjectNode properties() {
        if (properties == null) {
            properties = parse(stored);
            overwrites.forEach(properties::set); // they came after the stored text
            overwrites.clear();
        }
        return properties;
    }

    /** The properties to write: the stored text itself while nothing has changed it. */
    public String json() {
        return properties != null || !overwrites.isEmpty() ? properties().toString() : stored != null ? stored : "{}";
    }

    /**
     * Whether {@code e} can do without the tree: every {@code $set_once} key is there, no
     * {@code $unset} key is there, and every {@code $set} key holds an equal value or is a stored
     * key whose change does not count — such values join {@link #overwrites}. One pass over the
     * stored top-level members; only values of {@code $set} keys are read, and strings, booleans and
     * nulls without building a node. False (so the tree decides) on anything unusual.
     */
    private boolean defers(PersonEvent e) {
        ObjectNode set = e.set();
        ObjectNode setOnce = e.setOnce();
        if (stored == null) {
            return set.isEmpty() && setOnce.isEmpty();
        }
        if (set.isEmpty() && setOnce.isEmpty() && e.unset().isEmpty()) {
            return true;
        }
        int setSeen = 0;
        int setOnceSeen = 0;
        List<String> overwritten = List.of();
        try (JsonParser p = JSON.createParser(stored)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken value = p.nextToken();
                if (setOnce.has(key)) {
                    setOnceSeen++;
                }
                if (e.unset().contains(key)) {
                    return false;
                }
                JsonNode wanted = set.get(key);
                if (wanted == null) {
                    p.skipChildren();
                    continue;
                }
                JsonNode current = overwrites.get(key);
                boolean same;
                if (current != null) {
                    p.skipChildren();
                    same = wanted.equals(current);
                } else {
                    same = sameValue(p, value, wanted);
                }
                if (!same) {
                    if (e.counts(key)) {
                        return false;
                    }
                    if (overwritten.isEmpty()) {
                        overwritten = new ArrayList<>();
                    }
                    overwritten.add(key);
                }
                setSeen++;
            }
            // equal counts: each key was met once (a stored text with a repeated key is left to the tree)
            if (token != JsonToken.END_OBJECT || setSeen != set.size() || setOnceSeen != setOnce.size()) {
                return false;
            }
            for (String key : overwritten) {
                overwrites.put(key, set.get(key));
            }
            return true;
        } catch (IOException | RuntimeException ex) {
            return false;
        }
    }

    /** Whether the value the parser is at equals {@code wanted} as the tree's nodes would compare them. */
    private static boolean sameValue(JsonParser p, JsonToken token, JsonNode wanted) throws IOException {
        return switch (token) {
            case VALUE_STRING -> wanted.isTextual() && sameText(p, wanted.textValue());
            case VALUE_TRUE -> wanted.isBoolean() && wanted.booleanValue();
            case VALUE_FALSE -> wanted.isBoolean() && !wanted.booleanValue();
            case VALUE_NULL -> wanted.isNull();
            default -> wanted.equals(JSON.readTree(p)); // numbers and containers: the node readTree builds
        };
    }

    private static boolean sameText(JsonParser p, String wanted) throws IOException {
        int length = p.getTextLength();
        if (length != wanted.length()) {
            return false;
        }
        char[] chars = p.getTextCharacters();
        int offset = p.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (chars[offset + i] != wanted.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static ObjectNode parse(String text) {
        if (text == null) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(text);
            return node instanceof ObjectNode object ? object : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode(); // as the original: unreadable stored properties count as none
        }
    }
}

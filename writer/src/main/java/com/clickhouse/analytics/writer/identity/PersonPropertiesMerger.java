package com.clickhouse.analytics.writer.identity;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One person's properties while a batch is applied, as PostHog's {@code computeEventPropertyUpdates}
 * treats them: per event {@code $set_once} fills only missing keys, then {@code $set} overwrites,
 * then {@code $unset} removes. Applied in event order. Remembers whether a change happened that is
 * worth writing the person for (see {@link PersonEvent#counts}).
 */
public final class PersonPropertiesMerger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode properties;
    private boolean changed;

    /** Starts from a person's stored properties ({@code null} or unreadable text: none). */
    public PersonPropertiesMerger(String existing) {
        this.properties = parse(existing);
    }

    /** Applies one event's changes. */
    public PersonPropertiesMerger apply(PersonEvent e) {
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

    ObjectNode properties() {
        return properties;
    }

    public String json() {
        return properties.toString();
    }

    private static ObjectNode parse(String text) {
        if (text == null || text.isBlank()) {
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

package com.clickhouse.analytics.writer.identity;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Person properties as the original service merges them: {@code $set_once} fills only keys the
 * person does not have, {@code $set} overwrites. Applied in event order, so within a batch a later
 * {@code $set} wins and the first {@code $set_once} of a key wins.
 */
public final class PersonPropertiesMerger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode properties;

    /** Starts from a person's stored properties ({@code null} or unreadable text: none). */
    public PersonPropertiesMerger(String existing) {
        this.properties = parse(existing);
    }

    public PersonPropertiesMerger apply(String set, String setOnce) {
        ObjectNode once = parse(setOnce);
        for (Iterator<Map.Entry<String, JsonNode>> it = once.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!properties.has(field.getKey())) {
                properties.set(field.getKey(), field.getValue());
            }
        }
        properties.setAll(parse(set));
        return this;
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

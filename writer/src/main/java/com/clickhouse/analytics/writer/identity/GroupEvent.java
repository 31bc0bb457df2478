package com.clickhouse.analytics.writer.identity;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.clickhouse.analytics.schema.record.Event;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one event asks of groups, read once per event from its properties: {@code $groups} (group
 * type → key: the event's {@code $group_N} columns) and, for a {@code $groupidentify}, the group
 * it identifies ({@code $group_type}, {@code $group_key}) with its {@code $group_set}. Keys may be
 * strings or numbers (as their text); anything else is ignored, as PostHog ignores it.
 *
 * <p>Most events have no groups: a properties text without {@code "$group} is not parsed at all.
 *
 * @param groups     the event's groups in the order sent (never null)
 * @param identifies the group a {@code $groupidentify} names, or null
 * @param set        its {@code $group_set} (never null when {@code identifies} is set)
 */
public record GroupEvent(Event event, String project, Map<String, String> groups, Identified identifies, ObjectNode set) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A group named by type and key. */
    public record Identified(String groupType, String groupKey) {
    }

    /** Reads {@code e}; {@code project} is the project its groups belong to. */
    public static GroupEvent of(Event e, String project) {
        String properties = e.properties();
        if (!properties.contains("\"$group")) {
            return new GroupEvent(e, project, Map.of(), null, null);
        }
        Map<String, String> groups = Map.of();
        String type = null;
        String key = null;
        ObjectNode set = null;
        try (JsonParser p = JSON.createParser(properties)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "$groups" -> groups = groups(p.readValueAsTree());
                        case "$group_type" -> type = text(p);
                        case "$group_key" -> key = text(p);
                        case "$group_set" -> set = p.readValueAsTree() instanceof ObjectNode o ? o : null;
                        default -> p.skipChildren();
                    }
                }
            }
        } catch (IOException unreadable) {
            // keep what was read; the codec already checked the text is a JSON object
        }
        boolean identify = e.event().equals("$groupidentify") && type != null && !type.isEmpty() && key != null && !key.isEmpty();
        return new GroupEvent(e, project, groups, identify ? new Identified(type, key) : null,
                identify ? (set == null ? JSON.createObjectNode() : set) : null);
    }

    private static Map<String, String> groups(JsonNode node) {
        if (!(node instanceof ObjectNode object) || object.isEmpty()) {
            return Map.of();
        }
        Map<String, String> groups = new LinkedHashMap<>();
        object.fields().forEachRemaining(f -> {
            JsonNode v = f.getValue();
            if (!f.getKey().isEmpty() && (v.isTextual() && !v.asText().isEmpty() || v.isNumber())) {
                groups.put(f.getKey(), v.asText());
            }
        });
        return groups;
    }

    private static String text(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            default -> {
                p.skipChildren();
                yield null;
            }
        };
    }
}

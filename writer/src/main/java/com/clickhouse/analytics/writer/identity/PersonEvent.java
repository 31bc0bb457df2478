package com.clickhouse.analytics.writer.identity;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.schema.record.Event;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one event asks of persons, read once per event: its {@link PersonMode}, the merge it asks
 * for ({@code $identify}, {@code $create_alias}, {@code $merge_dangerously}) and its property
 * changes — {@code $set} and {@code $set_once} (top level or in properties, as the gateway carries
 * them), {@code $unset} (top level and in properties: both apply), plus what PostHog derives from the event's own properties
 * ({@code personInitialAndUTMProperties}): every key of {@link #EVENT_TO_PERSON} is set on the
 * person and its {@code $initial_} version set once; {@code $geoip_*} likewise. An explicit
 * {@code $set}/{@code $set_once} key wins over a derived one.
 *
 * <p>The properties are streamed, not parsed into a tree: only the top-level keys named here are
 * read, everything else is skipped, so a large properties object costs one scan.
 *
 * @param mergeWith the other distinct id of a merge ({@code $anon_distinct_id} or {@code alias}), or null
 * @param set       keys to overwrite (never null)
 * @param setOnce   keys to fill when missing (never null)
 * @param unset     keys to remove (never null)
 */
public record PersonEvent(Event event, PersonMode mode, Merge merge, String mergeWith, ObjectNode set, ObjectNode setOnce,
                          List<String> unset) {

    /** The merge an event asks for. */
    public enum Merge { NONE, IDENTIFY, CREATE_ALIAS, MERGE_DANGEROUSLY }

    static final String PROCESS_PERSON_PROFILE = "$process_person_profile";
    private static final String PROCESS_PERSON_PROFILE_NAME = PROCESS_PERSON_PROFILE.substring(1); // also found when "$" is escaped

    /** PostHog's {@code EVENT_TO_PERSON_PROPERTIES} and {@code CAMPAIGN_PROPERTIES} ({@code person-property-utils.ts}). */
    static final Set<String> EVENT_TO_PERSON = Set.of(
            "$app_build", "$app_name", "$app_namespace", "$app_version",
            "$browser", "$browser_version", "$device_type", "$current_url", "$pathname", "$os", "$os_name", "$os_version",
            "$referring_domain", "$referrer", "$screen_height", "$screen_width", "$viewport_height", "$viewport_width",
            "$raw_user_agent",
            "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_name", "utm_term", "gclid", "gad_source", "gclsrc",
            "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid", "li_fat_id", "mc_cid", "igshid", "ttclid", "rdt_cid",
            "irclid", "_kx", "epik", "qclid", "sccid");

    /**
     * Keys whose change alone does not make a person row worth writing on an ordinary event
     * (PostHog's {@code FILTERED_PERSON_UPDATE_PROPERTIES}): they change on every page view. They
     * are still kept when the person is written for another reason.
     */
    static final Set<String> FILTERED = Set.of("$current_url", "$pathname", "$referring_domain", "$referrer",
            "$screen_height", "$screen_width", "$viewport_height", "$viewport_width", "$browser", "$browser_version",
            "$device_type", "$raw_user_agent", "$os", "$os_name", "$os_version",
            "$geoip_postal_code", "$geoip_time_zone", "$geoip_latitude", "$geoip_longitude", "$geoip_accuracy_radius",
            "$geoip_subdivision_1_code", "$geoip_subdivision_1_name", "$geoip_subdivision_2_code", "$geoip_subdivision_2_name",
            "$geoip_subdivision_3_code", "$geoip_subdivision_3_name", "$geoip_city_confidence", "$geoip_country_confidence",
            "$geoip_postal_code_confidence", "$geoip_subdivision_1_confidence", "$geoip_subdivision_2_confidence");

    /** Events whose property changes always count (PostHog's {@code PERSON_EVENTS}). */
    static final Set<String> PERSON_EVENTS = Set.of("$identify", "$create_alias", "$merge_dangerously", "$set");

    /** Events processed apart in PostHog, with no ordering against person updates: they never change persons. */
    static final Set<String> NO_PERSON_UPDATE = Set.of("$exception", "$$heatmap");

    /** The {@code $initial_} name of each key {@link #derive} sees on nearly every event, built once. */
    private static final Map<String, String> INITIAL = initialNames();

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code e}; unreadable JSON counts as absent (the gateway only forwards JSON objects). */
    public static PersonEvent of(Event e) {
        Merge merge = merge(e);
        String with = mergeWith(e, merge);
        ObjectNode set = object(e.set());
        ObjectNode setOnce = object(e.setOnce());
        Scan scan = Scan.of(e.properties(), true);
        PersonMode mode = scan.personless ? PersonMode.PROPERTYLESS : PersonMode.FULL;
        if (mode == PersonMode.FULL) {
            derive(scan, set, setOnce);
            if (e.event().equals("survey shown")) {
                set.put("$survey_last_seen_date", e.timestamp().toString()); // PostHog's event-based person property
            }
        }
        return new PersonEvent(e, mode, merge, with, set, setOnce, unset(e.unset(), scan.unset));
    }

    /**
     * Whether {@code e} is processed with a person ({@link PersonMode#FULL}), without reading its
     * changes: only a properties text that names {@code $process_person_profile} is scanned, and
     * then without building a node. (A key spelled with escapes passes as full: that only loads a
     * person {@link #of} then leaves alone.)
     */
    static boolean isFull(Event e) {
        return !e.properties().contains(PROCESS_PERSON_PROFILE_NAME) || !Scan.of(e.properties(), false).personless;
    }

    /** The merge {@code e} asks for. */
    static Merge merge(Event e) {
        return switch (e.event()) {
            case "$identify" -> e.anonDistinctId() != null ? Merge.IDENTIFY : Merge.NONE;
            case "$create_alias" -> e.alias() != null && !e.alias().isEmpty() ? Merge.CREATE_ALIAS : Merge.NONE;
            case "$merge_dangerously" -> e.alias() != null && !e.alias().isEmpty() ? Merge.MERGE_DANGEROUSLY : Merge.NONE;
            default -> Merge.NONE;
        };
    }

    /** The other distinct id of {@code e}'s {@code merge}, or null. */
    static String mergeWith(Event e, Merge merge) {
        return switch (merge) {
            case IDENTIFY -> e.anonDistinctId();
            case CREATE_ALIAS, MERGE_DANGEROUSLY -> e.alias();
            case NONE -> null;
        };
    }

    /** Whether the event may change person properties at all. */
    boolean updatesProperties() {
        return mode == PersonMode.FULL && !NO_PERSON_UPDATE.contains(event.event());
    }

    /** Whether a change of {@code key} alone makes the person worth writing. */
    boolean counts(String key) {
        return PERSON_EVENTS.contains(event.event()) || !FILTERED.contains(key);
    }

    /** PostHog's {@code personInitialAndUTMProperties}, on the keys the scan kept. */
    private static void derive(Scan scan, ObjectNode set, ObjectNode setOnce) {
        for (Map.Entry<String, JsonNode> p : scan.derived) {
            String key = p.getKey();
            JsonNode value = p.getValue();
            if (scan.server && (key.equals("$os") || key.equals("$os_version"))) {
                continue; // a server SDK stamps its host's OS, not the user's
            }
            if (!key.equals("$os_name") && !set.has(key)) {
                set.set(key, value);
            }
            // Never a null into $set_once: SDKs send absent campaign parameters as null, which would
            // block the real first-touch value for good.
            String initial = INITIAL.get(key);
            if (initial == null) {
                initial = initialName(key);
            }
            if (!value.isNull() && !key.equals("$os_name") && !setOnce.has(initial)) {
                setOnce.set(initial, value);
            }
        }
        JsonNode osName = scan.osName;
        if (osName != null && !osName.isNull() && !scan.server && !setOnce.has("$initial_os")) {
            setOnce.set("$initial_os", osName); // $os_name is the fallback alias of $os some SDKs send
        }
    }

    private static String initialName(String key) {
        return "$initial_" + (key.startsWith("$") ? key.substring(1) : key);
    }

    private static Map<String, String> initialNames() {
        Map<String, String> names = new HashMap<>();
        for (String key : EVENT_TO_PERSON) {
            names.put(key, initialName(key));
        }
        for (String geo : List.of("country_code", "country_name", "city_name", "subdivision_1_code", "subdivision_1_name",
                "postal_code", "continent_code", "continent_name", "latitude", "longitude", "time_zone")) {
            names.put("$geoip_" + geo, "$initial_geoip_" + geo);
        }
        return Map.copyOf(names);
    }

    /** The top-level {@code $unset}'s keys, then those of {@code properties.$unset}. */
    private static List<String> unset(String topLevel, List<String> inProperties) {
        if (topLevel == null || topLevel.isEmpty()) {
            return inProperties;
        }
        List<String> keys;
        try {
            keys = Scan.unsetKeys(JSON.readTree(topLevel));
        } catch (IOException e) {
            return inProperties; // the gateway only forwards an array or an object
        }
        keys.addAll(inProperties);
        return keys;
    }

    private static ObjectNode object(String json) {
        if (json == null || json.isEmpty()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(json) instanceof ObjectNode o ? o : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The top-level properties the person logic reads, in one streaming pass. */
    private static final class Scan {
        boolean personless;
        boolean server;
        JsonNode osName;
        List<String> unset = List.of();
        final List<Map.Entry<String, JsonNode>> derived = new ArrayList<>(4);

        /** @param changes whether to read what the event changes too; without, only {@code personless} is read, building nothing */
        static Scan of(String properties, boolean changes) {
            Scan scan = new Scan();
            try (JsonParser p = JSON.createParser(properties)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return scan;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken value = p.nextToken();
                    if (key.equals(PROCESS_PERSON_PROFILE)) {
                        scan.personless = value == JsonToken.VALUE_FALSE; // only a boolean false turns it off
                        p.skipChildren();
                    } else if (!changes) {
                        p.skipChildren();
                    } else if (key.equals("$is_server")) {
                        scan.server = value == JsonToken.VALUE_TRUE;
                        p.skipChildren();
                    } else if (key.equals("$unset")) {
                        scan.unset = unsetKeys(p.readValueAsTree());
                    } else if (EVENT_TO_PERSON.contains(key) || key.startsWith("$geoip_")) {
                        JsonNode node = value(p, value);
                        if (key.equals("$os_name")) {
                            scan.osName = node;
                        }
                        scan.derived.add(Map.entry(key, node));
                    } else {
                        p.skipChildren();
                    }
                }
            } catch (IOException e) {
                // keep what was read; the codec already checked the text is a JSON object
            }
            return scan;
        }

        /**
         * The value the parser is at, the node {@code readTree} would build: scalars directly, since
         * {@code readValueAsTree} sets up a deserialization context per call and an enriched event
         * has a dozen derived scalars. Containers (rare here) still go through it.
         */
        private static JsonNode value(JsonParser p, JsonToken token) throws IOException {
            JsonNodeFactory nodes = JSON.getNodeFactory();
            return switch (token) {
                case VALUE_STRING -> nodes.textNode(p.getText());
                case VALUE_TRUE -> nodes.booleanNode(true);
                case VALUE_FALSE -> nodes.booleanNode(false);
                case VALUE_NULL -> nodes.nullNode();
                case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                    case INT -> nodes.numberNode(p.getIntValue());
                    case LONG -> nodes.numberNode(p.getLongValue());
                    default -> nodes.numberNode(p.getBigIntegerValue());
                };
                case VALUE_NUMBER_FLOAT -> p.getNumberType() == JsonParser.NumberType.DOUBLE
                        ? nodes.numberNode(p.getDoubleValue()) : p.readValueAsTree();
                default -> p.readValueAsTree();
            };
        }

        /** {@code $unset} is an array of keys, or an object whose keys are unset (as PostHog reads it). */
        private static List<String> unsetKeys(JsonNode node) {
            List<String> keys = new ArrayList<>();
            if (node != null && node.isArray()) {
                node.forEach(k -> {
                    if (k.isTextual()) {
                        keys.add(k.asText());
                    }
                });
            } else if (node != null && node.isObject()) {
                node.fieldNames().forEachRemaining(keys::add);
            }
            return keys;
        }
    }
}

package com.clickhouse.analytics.gateway.decode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Segment's HTTP tracking API ({@code /v1/batch}, {@code /v1/track}, …, and the one-letter paths of
 * {@code @segment/analytics-next}: {@code /v1/b}, {@code /v1/t}, …), as Segment, RudderStack and
 * Jitsu SDKs send it, read into the same {@link RawBatch} as PostHog's capture JSON — so the
 * normalizer, the record and everything after it know one event model (DESIGN.md).
 *
 * <p>Each message becomes the PostHog event its SDK would have sent, which the {@link BatchParser}
 * then reads like any other body: its capture table decides what is pass-through ({@code $set},
 * {@code $anon_distinct_id}, {@code alias}, {@code $current_url}, …), in one place for both dialects.
 * The Segment path pays a tree and a second serialization for that; it is not the hot path.
 *
 * <ul>
 *   <li>{@code track} → its {@code event}; {@code page} → {@code $pageview}; {@code screen} →
 *       {@code $screen}; {@code identify} → {@code $identify} (traits as {@code $set},
 *       {@code anonymousId} as {@code $anon_distinct_id}); {@code alias} → {@code $create_alias}
 *       ({@code userId} the distinct id, {@code previousId} the {@code alias} merged into it);
 *       {@code group} → {@code $groupidentify} of the configured group type. Any other type has no
 *       event name and is dropped (counted) like a nameless PostHog event.</li>
 *   <li>distinct id {@code userId ?? anonymousId}; uuid the {@code messageId} when it is a UUID, else a
 *       name-based UUID (version 5) of write key and {@code messageId}, so an SDK's retry collapses.</li>
 *   <li>time {@code originalTimestamp ?? timestamp}, corrected by {@code sentAt} as PostHog corrects
 *       {@code timestamp} by {@code sent_at}.</li>
 *   <li>{@code context.ip}, {@code userAgent}, {@code library}, {@code campaign}, {@code page},
 *       {@code os}, {@code screen}, {@code timezone} → PostHog's properties ({@code $ip},
 *       {@code $raw_user_agent}, {@code $lib}, {@code utm_*}, {@code $current_url}, …), under what
 *       the message's own properties say.</li>
 *   <li>write key: the Basic-auth user, else {@code writeKey} in the body; keys that disagree are a 400.</li>
 * </ul>
 * Thread-safe.
 */
public final class SegmentParser {

    /** Segment's calls; {@link #BATCH} carries messages of the others, each naming its {@code type}. */
    public enum Call {
        BATCH, TRACK, PAGE, SCREEN, IDENTIFY, ALIAS, GROUP;

        /** The path segment after {@code /v1/}. */
        public String path() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Every path segment after {@code /v1/} that names this call: {@link #path()} and its first
         * letter, the short form Segment's browser library {@code @segment/analytics-next} posts to
         * ({@code /v1/t}, {@code /v1/p}, {@code /v1/i}, {@code /v1/a}, {@code /v1/g}, {@code /v1/s}, and
         * {@code /v1/b} for its batching strategy), as {@code api.segment.io} accepts it.
         */
        public List<String> paths() {
            return List.of(path(), path().substring(0, 1));
        }

        static Call ofType(String type) {
            if (type == null) {
                return null;
            }
            for (Call c : values()) {
                if (c != BATCH && c.path().equals(type)) {
                    return c;
                }
            }
            return null;
        }
    }

    /** Namespace of the name-based uuids made from message ids (RFC 9562 version 5). */
    private static final UUID MESSAGE_ID_NAMESPACE = UUID.fromString("5b0e9c1e-6f0a-4c8e-9a57-3c2f0d1e8a42");

    /** {@code context} member → PostHog property, for the plain string values. */
    private static final Map<String, String> CONTEXT_STRINGS = Map.of(
            "ip", "$ip",
            "userAgent", "$raw_user_agent",
            "timezone", "$timezone",
            "locale", "$locale");

    /** {@code context.campaign} member → PostHog's campaign property. */
    private static final Map<String, String> CAMPAIGN = Map.of(
            "source", "utm_source",
            "medium", "utm_medium",
            "name", "utm_campaign",
            "term", "utm_term",
            "content", "utm_content");

    private final ObjectMapper mapper;
    private final BatchParser parser;
    private final int maxEvents;
    private final String groupType;

    /**
     * @param parser    reads the translated body (and enforces its limits once more)
     * @param groupType {@code $group_type} of a {@code group} call ({@code gateway.segment.group-type})
     */
    public SegmentParser(BatchParser parser, int maxEvents, int maxStringBytes, String groupType) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.maxEvents = maxEvents;
        this.groupType = Objects.requireNonNull(groupType, "groupType");
        this.mapper = new ObjectMapper(BatchParser.jsonFactory(maxStringBytes));
    }

    /** The reader of route {@code /v1/<call>}. */
    public CaptureReader reader(Call call) {
        return new CaptureReader() {
            @Override
            public RawBatch read(PayloadDecoder.Json json, String authorization) throws GatewayError {
                return parse(json, call, authorization);
            }

            @Override
            public String toString() {
                return "SegmentParser[" + call.path() + "]";
            }
        };
    }

    /** The body of a {@code call} as the PostHog capture JSON it stands for, read by the {@link BatchParser}. */
    public RawBatch parse(PayloadDecoder.Json json, Call call, String authorization) throws GatewayError {
        byte[] posthog = translate(json.bytes(), json.length(), call, authorization); // valid UTF-8: Jackson wrote it
        return parser.parse(posthog, posthog.length);
    }

    /** Visible for tests: the PostHog envelope of a Segment body. */
    byte[] translate(byte[] bytes, int length, Call call, String authorization) throws GatewayError {
        JsonNode root = read(bytes, length);
        if (!root.isObject()) {
            throw GatewayError.badRequest("payload must be a JSON object");
        }
        String key = basicAuthUser(authorization);
        String bodyKey = text(root, "writeKey", "writeKey");
        if (key == null) {
            key = bodyKey;
        } else if (bodyKey != null && !bodyKey.isBlank() && !bodyKey.equals(key)) {
            throw GatewayError.badRequest("mixed api keys in one request");
        }
        JsonNode messages;
        JsonNode sharedContext = null;
        if (call == Call.BATCH) {
            messages = root.get("batch");
            if (messages == null || !messages.isArray()) {
                throw GatewayError.badRequest("field 'batch' must be an array");
            }
            if (messages.size() > maxEvents) {
                throw BatchParser.tooManyEvents(maxEvents);
            }
            sharedContext = root.get("context");
        } else {
            messages = mapper.createArrayNode().add(root);
        }
        String sentAt = text(root, "sentAt", "sentAt");
        if (sentAt == null && !messages.isEmpty() && messages.get(0).isObject()) {
            sentAt = text(messages.get(0), "sentAt", "sentAt");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 256);
        try (JsonGenerator g = mapper.createGenerator(out)) {
            g.writeStartObject();
            if (key != null) {
                g.writeStringField("api_key", key);
            }
            if (sentAt != null) {
                g.writeStringField("sent_at", sentAt);
            }
            g.writeArrayFieldStart("batch");
            int index = 0;
            for (JsonNode message : messages) {
                if (!message.isObject()) {
                    throw GatewayError.badRequest("event " + index + " is not a JSON object");
                }
                Call type = call == Call.BATCH ? Call.ofType(text(message, "type", "type")) : call;
                mapper.writeTree(g, event((ObjectNode) message, type, key, sharedContext, index));
                index++;
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** One Segment message as a PostHog event. */
    private ObjectNode event(ObjectNode m, Call type, String key, JsonNode sharedContext, int index) throws GatewayError {
        ObjectNode e = mapper.createObjectNode();
        String userId = id(m, "userId", index);
        String anonymousId = id(m, "anonymousId", index);
        String distinctId = userId != null ? userId : anonymousId;
        ObjectNode props = object(m, type == Call.IDENTIFY || type == Call.GROUP ? "traits" : "properties", index);
        JsonNode context = m.get("context");
        if (context == null || !context.isObject()) {
            context = sharedContext != null && sharedContext.isObject() ? sharedContext : mapper.createObjectNode();
        }
        String name = null;
        if (type != null) {
            switch (type) {
                case TRACK -> name = text(m, "event", "event of event " + index);
                case PAGE -> {
                    name = "$pageview";
                    JsonNode contextPage = context.path("page");
                    copy(props, "url", "$current_url", contextPage);
                    copy(props, "path", "$pathname", contextPage);
                    copy(props, "referrer", "$referrer", contextPage);
                    copy(props, "title", "title", contextPage);
                    putIfAbsent(props, "name", m.get("name"));
                    putIfAbsent(props, "category", m.get("category"));
                }
                case SCREEN -> {
                    name = "$screen";
                    putIfAbsent(props, "$screen_name", m.get("name") != null ? m.get("name") : props.get("name"));
                }
                case IDENTIFY -> {
                    name = "$identify";
                    ObjectNode traits = props.isEmpty() ? object(context, "traits", index) : props;
                    props = mapper.createObjectNode();
                    props.set("$set", traits);
                    if (userId != null && anonymousId != null && !anonymousId.equals(userId)) {
                        props.put("$anon_distinct_id", anonymousId);
                    }
                }
                case ALIAS -> {
                    name = "$create_alias";
                    String previousId = id(m, "previousId", index);
                    if (previousId != null) {
                        props.put("alias", previousId);
                    }
                }
                case GROUP -> {
                    name = "$groupidentify";
                    ObjectNode traits = props;
                    props = mapper.createObjectNode();
                    props.put("$group_type", groupType);
                    String groupId = id(m, "groupId", index);
                    if (groupId != null) {
                        props.put("$group_key", groupId);
                    }
                    props.set("$group_set", traits);
                }
                case BATCH -> throw new IllegalArgumentException("a batch is not a message");
            }
        }
        contextProperties(props, context);
        if (name != null) {
            e.put("event", name);
        }
        if (distinctId != null) {
            e.put("distinct_id", distinctId);
        }
        String messageId = id(m, "messageId", index);
        if (messageId != null) {
            e.put("uuid", uuid(key, messageId).toString());
        }
        JsonNode time = m.get("originalTimestamp");
        if (time == null || time.isNull()) {
            time = m.get("timestamp");
        }
        if (time != null && !time.isNull()) {
            if (!time.isTextual() && !time.isNumber()) {
                throw GatewayError.badRequest("field 'timestamp' of event " + index + " must be an ISO-8601 string");
            }
            e.set("timestamp", time);
        }
        String writeKey = text(m, "writeKey", "writeKey of event " + index);
        if (writeKey != null) {
            e.put("api_key", writeKey);
        }
        e.set("properties", props);
        return e;
    }

    /** Context-derived properties, each only where the message's own properties do not say. */
    private static void contextProperties(ObjectNode props, JsonNode context) {
        CONTEXT_STRINGS.forEach((member, property) -> putIfAbsent(props, property, textual(context.get(member))));
        JsonNode library = context.path("library");
        putIfAbsent(props, "$lib", textual(library.get("name")));
        putIfAbsent(props, "$lib_version", textual(library.get("version")));
        JsonNode campaign = context.path("campaign");
        CAMPAIGN.forEach((member, property) -> putIfAbsent(props, property, textual(campaign.get(member))));
        JsonNode page = context.path("page");
        putIfAbsent(props, "$current_url", textual(page.get("url")));
        putIfAbsent(props, "$pathname", textual(page.get("path")));
        putIfAbsent(props, "$referrer", textual(page.get("referrer")));
        JsonNode os = context.path("os");
        putIfAbsent(props, "$os", textual(os.get("name")));
        putIfAbsent(props, "$os_version", textual(os.get("version")));
        JsonNode screen = context.path("screen");
        putIfAbsent(props, "$screen_width", number(screen.get("width")));
        putIfAbsent(props, "$screen_height", number(screen.get("height")));
        JsonNode url = props.get("$current_url");
        if (url != null && url.isTextual()) {
            putIfAbsent(props, "$host", text(host(url.asText())));
        }
        JsonNode referrer = props.get("$referrer");
        if (referrer != null && referrer.isTextual()) {
            putIfAbsent(props, "$referring_domain", text(host(referrer.asText())));
        }
    }

    /** {@code props[property] = props[member] ?? contextPage[member]}, unless props already has it. */
    private static void copy(ObjectNode props, String member, String property, JsonNode contextPage) {
        JsonNode value = props.get(member);
        if (value == null || value.isNull()) {
            value = contextPage.get(member);
        }
        putIfAbsent(props, property, textual(value));
    }

    private static void putIfAbsent(ObjectNode props, String property, JsonNode value) {
        if (value != null && !value.isNull() && !value.isMissingNode() && !props.has(property)) {
            props.set(property, value);
        }
    }

    private static JsonNode textual(JsonNode node) {
        return node != null && node.isTextual() ? node : null;
    }

    private static JsonNode number(JsonNode node) {
        return node != null && node.isNumber() ? node : null;
    }

    private static JsonNode text(String text) {
        return text == null ? null : TextNode.valueOf(text);
    }

    /** {@code host[:port]} of an absolute URL, or null. */
    static String host(String url) {
        try {
            URI uri = new URI(url);
            String host = uri.getHost();
            if (host == null) {
                return null;
            }
            return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The messageId when it is a UUID, else the version-5 uuid of {@code key:messageId}: a retry gets the same one. */
    public static UUID uuid(String key, String messageId) {
        UUID parsed = parseUuid(messageId);
        return parsed != null ? parsed : nameBased(MESSAGE_ID_NAMESPACE, (key == null ? "" : key) + ":" + messageId);
    }

    private static UUID parseUuid(String text) {
        if (text.length() != 36 || text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-' || text.charAt(23) != '-') {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            if (i != 8 && i != 13 && i != 18 && i != 23 && Character.digit(text.charAt(i), 16) < 0) {
                return null;
            }
        }
        return UUID.fromString(text);
    }

    /** RFC 9562 version 5: SHA-1 of namespace and name, version and variant bits set. */
    static UUID nameBased(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        long msb = namespace.getMostSignificantBits();
        long lsb = namespace.getLeastSignificantBits();
        for (int i = 7; i >= 0; i--) {
            sha1.update((byte) (msb >>> (8 * i)));
        }
        for (int i = 7; i >= 0; i--) {
            sha1.update((byte) (lsb >>> (8 * i)));
        }
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (h[i] & 0xff);
            lo = (lo << 8) | (h[8 + i] & 0xff);
        }
        return new UUID(hi, lo);
    }

    /** The user of {@code Authorization: Basic base64(user:password)}, or null without such a header. */
    static String basicAuthUser(String authorization) throws GatewayError {
        if (authorization == null || authorization.isBlank()) {
            return null;
        }
        String a = authorization.strip();
        if (a.length() < 6 || !a.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null; // another scheme: the body may still carry writeKey
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(a.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new GatewayError(Kind.UNAUTHORIZED, "malformed Basic authorization");
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        return user.isBlank() ? null : user;
    }

    private JsonNode read(byte[] bytes, int length) throws GatewayError {
        try {
            JsonNode root = mapper.readTree(bytes, 0, length);
            if (root == null || root.isMissingNode()) {
                throw GatewayError.badRequest("malformed JSON: empty body");
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw GatewayError.badRequest("malformed JSON: " + BatchParser.unreadable(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw GatewayError.badRequest("malformed JSON: " + BatchParser.unreadable(e.getOriginalMessage()));
        } catch (IOException e) {
            throw GatewayError.badRequest("malformed JSON: " + BatchParser.unreadable(e.getMessage()));
        }
    }

    /** A string member, or null when absent or null; another type is a 400 naming {@code label}. */
    private static String text(JsonNode node, String member, String label) throws GatewayError {
        JsonNode v = node.get(member);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayError.badRequest("field '" + label + "' must be a string");
        }
        return v.asText();
    }

    /** An id member (string or number, as its text); empty counts as absent; another type is a 400. */
    private static String id(JsonNode node, String member, int index) throws GatewayError {
        JsonNode v = node.get(member);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw GatewayError.badRequest("field '" + member + "' of event " + index + " must be a string or a number");
        }
        String text = v.asText();
        return text.isBlank() ? null : text;
    }

    /** A copy of an object member, {@code {}} when absent or null; another type is a 400. */
    private ObjectNode object(JsonNode node, String member, int index) throws GatewayError {
        JsonNode v = node.get(member);
        if (v == null || v.isNull()) {
            return mapper.createObjectNode();
        }
        if (!v.isObject()) {
            throw GatewayError.badRequest("field '" + member + "' of event " + index + " must be a JSON object");
        }
        ObjectNode copy = mapper.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            copy.set(f.getKey(), f.getValue());
        }
        return copy;
    }

    @Override
    public String toString() {
        return "SegmentParser[group type " + groupType + "]";
    }
}

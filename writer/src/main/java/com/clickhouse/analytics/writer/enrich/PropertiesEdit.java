package com.clickhouse.analytics.writer.enrich;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.schema.record.EventCodec;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * What the enrichment step reads from an event's raw {@code properties} text, and the small edit
 * that adds keys to it: one streaming pass over the top-level names (nested values are skipped),
 * then, only when there is something to change, the new {@code "key":value} pairs spliced in before
 * the closing brace and {@code $ip}'s value replaced in place. Everything else keeps its bytes.
 */
final class PropertiesEdit {

    private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(EventCodec.READ_LIMITS).build();

    /** The top-level facts of one properties object. */
    record Scan(String ip, List<int[]> ipSpans, boolean geoipDisabled, boolean hasGeo, boolean hasDevice, int closingBrace,
                boolean empty) {
    }

    private PropertiesEdit() {
    }

    /** Scans {@code properties}, a JSON object's text; null if it is not one (nothing is then changed). */
    static Scan scan(String properties) {
        String ip = null;
        List<int[]> ipSpans = List.of();
        boolean disabled = false;
        boolean geo = false;
        boolean device = false;
        boolean empty = true;
        try (JsonParser p = JSON.createParser(properties)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                empty = false;
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("$ip")) {
                    int start = (int) p.currentTokenLocation().getCharOffset();
                    if (value == JsonToken.VALUE_STRING) {
                        ip = p.getText(); // consumes the string, so the location below is its end
                    } else {
                        p.skipChildren();
                    }
                    if (value.isScalarValue()) {
                        p.getText();
                        if (ipSpans.isEmpty()) {
                            ipSpans = new ArrayList<>(1);
                        }
                        ipSpans.add(new int[] {start, (int) p.currentLocation().getCharOffset()});
                    }
                    continue;
                }
                if (name.startsWith("$geoip_")) {
                    if (name.equals("$geoip_disable")) {
                        disabled |= value == JsonToken.VALUE_TRUE;
                    } else {
                        geo = true;
                    }
                } else if (name.equals("$browser") || name.equals("$os") || name.equals("$device_type")
                        || name.equals("$browser_version") || name.equals("$os_version")) {
                    device = true;
                }
                p.skipChildren();
            }
            if (token != JsonToken.END_OBJECT) {
                return null;
            }
            int closing = (int) p.currentTokenLocation().getCharOffset();
            if (closing < 0 || closing >= properties.length() || properties.charAt(closing) != '}') {
                return null;
            }
            return new Scan(ip, ipSpans, disabled, geo, device, closing, empty);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code properties} with {@code additions} appended and every {@code $ip} value replaced by
     * {@code ip} (when {@code ip} is not null); the same string when neither applies.
     */
    static String apply(String properties, Scan scan, Map<String, Object> additions, String ip) {
        return apply(properties, scan, members(additions), "", ip);
    }

    /**
     * As {@link #apply(String, Scan, Map, String)} with additions already rendered by
     * {@link #members} ({@code ""} for none): the caches keep lookups rendered, so an event costs
     * one copy of its properties and no map or rendering of its own.
     */
    static String apply(String properties, Scan scan, String first, String second, String ip) {
        boolean replaceIp = ip != null && !scan.ipSpans().isEmpty();
        if (first.isEmpty() && second.isEmpty() && !replaceIp) {
            return properties;
        }
        StringBuilder out = new StringBuilder(properties.length() + first.length() + second.length() + 2);
        out.append(properties, 0, scan.closingBrace());
        boolean empty = scan.empty();
        if (!first.isEmpty()) {
            out.append(empty ? "" : ",").append(first);
            empty = false;
        }
        if (!second.isEmpty()) {
            out.append(empty ? "" : ",").append(second);
        }
        out.append(properties, scan.closingBrace(), properties.length());
        if (replaceIp) { // spans lie before the closing brace: replace from the last so earlier offsets hold
            StringBuilder quoted = string(new StringBuilder(), ip);
            for (int i = scan.ipSpans().size() - 1; i >= 0; i--) {
                int[] span = scan.ipSpans().get(i);
                out.replace(span[0], span[1], quoted.toString());
            }
        }
        return out.toString();
    }

    /** {@code additions} as the members of a JSON object, without its braces; {@code ""} for none. */
    static String members(Map<String, Object> additions) {
        if (additions.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(32 * additions.size());
        for (Map.Entry<String, Object> addition : additions.entrySet()) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            string(out, addition.getKey()).append(':');
            value(out, addition.getValue());
        }
        return out.toString();
    }

    private static StringBuilder string(StringBuilder out, String value) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(value, out);
        return out.append('"');
    }

    private static void value(StringBuilder out, Object value) {
        switch (value) {
            case String s -> string(out, s);
            case BigDecimal d -> out.append(d.toPlainString());
            case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
            case Float f when f.isNaN() || f.isInfinite() -> out.append("null");
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            default -> string(out, value.toString());
        }
    }
}

package com.clickhouse.analytics.gateway.decode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.schema.record.Verbatim;
import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scanner against the Jackson path: whenever the scanner answers — a batch or an error — the
 * Jackson path gives the same, on generated capture bodies and on thousands of mutations of them.
 * And it does answer for the bodies SDKs send, or it would be no fast path.
 */
class BatchScannerTest {

    private static final int MAX_EVENTS = 50;
    private static final List<String> EVENT_NAMES = List.of("event", "distinct_id", "$distinct_id", "properties", "timestamp",
            "offset", "uuid", "api_key", "token", "$set", "$set_once", "elements_chain", "batch", "sent_at", "historical_migration",
            "type", "library", "x");
    private static final List<String> PROPERTY_NAMES = List.of("distinct_id", "$distinct_id", "token", "$set", "$set_once",
            "$session_id", "$window_id", "$current_url", "$host", "$elements_chain", "$anon_distinct_id", "alias", "$ignore_sent_at",
            "$browser", "$screen_width", "plan", "événement", "", "$lib");

    private final BatchParser parser = new BatchParser(MAX_EVENTS, 1 << 20);
    private final EventNormalizer normalizer = new EventNormalizer();
    private final EventCodec codec = new EventCodec();
    private int verbatimEvents;

    @Test
    void answersForWhatSdksSend() throws GatewayError {
        for (String body : List.of(
                "{\"api_key\":\"phc_k\",\"sent_at\":\"2026-01-01T00:00:00.000Z\",\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"u\","
                        + "\"properties\":{\"$current_url\":\"https://x.test/a?b=1\",\"$lib\":\"web\",\"$screen_width\":1920,\"n\":-1.5e3,"
                        + "\"ok\":true,\"no\":false,\"nil\":null,\"arr\":[1,[2],{\"a\":\"\\u00e9\\n\"}]},\"timestamp\":\"2026-01-01T00:00:00.000Z\"}]}",
                "[{\"event\":\"e\",\"properties\":{\"distinct_id\":42,\"token\":\"k\",\"$set\":{\"email\":\"a@b.c\"}}}]",
                "{\"token\":\"k\",\"event\":\"$identify\",\"distinct_id\":\"d\",\"$set\":{\"name\":\"Zoë 😀\"},\"offset\":-12}",
                " \n\t{ \"token\" : \"k\" , \"event\" : \"e\\\"q\\\\\" , \"distinct_id\" : \"d\" } \r\n")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            RawBatch fast = BatchScanner.scan(b, b.length, MAX_EVENTS);
            assertNotNull(fast, body);
            assertEquals(parser.parseWithJackson(b, b.length), withoutVerbatim(fast), body);
        }
    }

    @Test
    void leavesToJacksonWhatItIsNotSureAbout() throws GatewayError {
        for (String body : List.of("", "   ", "\uFEFF{}", "{\"ev\\u0065nt\":\"e\"}", "{\"event\":\"e\",}", "[{\"event\":01}]",
                "{\"offset\":1.5}", "{\"offset\":99999999999999999999}", "{\"event\":\"a\nb\"}", "{\"x\":tru}", "{\"x\":truex}",
                "{} {}", "{\"x\":\"\\q\"}", "{\"x\":\"\\u12\"}", "{\"properties\":[]}", "{\"batch\":{}}", "[1]",
                "{\"x\":" + "[".repeat(BatchScanner.MAX_DEPTH + 1) + "]".repeat(BatchScanner.MAX_DEPTH + 1) + "}",
                "{\"x\":" + "1".repeat(BatchScanner.MAX_NUMBER_LENGTH + 1) + "}", "{\"x\":1}é")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            assertNull(BatchScanner.scan(b, b.length, MAX_EVENTS), body);
        }
    }

    @Test
    void agreesWithJacksonOnGeneratedAndMutatedBodies() {
        Random random = new Random(TestSeed.seed(20261124));
        int accepted = 0;
        int mutatedAnswered = 0;
        int mutatedLeft = 0;
        for (int i = 0; i < 3_000; i++) {
            String body = new Generator(random).body();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            boolean answered = compare(b, b.length);
            if (jacksonAccepts(b)) {
                // The generator writes nothing the scanner leaves to Jackson by design.
                assertTrue(answered, body);
                accepted++;
            }
            for (int m = 0; m < 5; m++) {
                byte[] mutated = mutate(b, random);
                if (!Utf8.isValid(mutated, mutated.length)) {
                    continue; // PayloadDecoder stops those before either reader
                }
                if (compare(mutated, mutated.length)) {
                    mutatedAnswered++;
                } else {
                    mutatedLeft++;
                }
            }
        }
        assertTrue(accepted > 1_000, accepted + " generated bodies accepted");
        assertTrue(verbatimEvents > 500, verbatimEvents + " events encoded with and without their verbatim bytes");
        assertTrue(mutatedAnswered > 1_000 && mutatedLeft > 1_000, mutatedAnswered + " mutated bodies answered, " + mutatedLeft + " left");
    }

    private boolean jacksonAccepts(byte[] b) {
        try {
            parser.parseWithJackson(b, b.length);
            return true;
        } catch (GatewayError e) {
            return false;
        }
    }

    /** Whether the scanner answered; fails when its answer differs from the Jackson path's. */
    private boolean compare(byte[] b, int length) {
        Object reference;
        try {
            reference = parser.parseWithJackson(b, length);
        } catch (GatewayError e) {
            reference = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Object fast;
        try {
            fast = BatchScanner.scan(b, length, MAX_EVENTS);
        } catch (GatewayError e) {
            fast = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (fast == null) {
            return false;
        }
        assertEquals(reference, fast instanceof RawBatch batch ? withoutVerbatim(batch) : fast,
                () -> new String(b, 0, length, StandardCharsets.UTF_8));
        if (fast instanceof RawBatch batch) {
            recordsAreTheSameWithVerbatim(batch, () -> new String(b, 0, length, StandardCharsets.UTF_8));
        }
        return true;
    }

    /**
     * The bytes the scanner hands on for its strings are what the record's writer would write for
     * them: every record comes out the same with them as without.
     */
    private void recordsAreTheSameWithVerbatim(RawBatch batch, java.util.function.Supplier<String> body) {
        EventNormalizer.Normalized normalized;
        try {
            normalized = normalizer.normalize(batch, "phc_key",
                    new EventNormalizer.Context(Instant.parse("2026-11-24T10:00:00Z"), "127.0.0.1", "test", null, "$identify"));
        } catch (GatewayError invalid) {
            return; // a uuid or timestamp the normalizer refuses: no records
        }
        for (EventNormalizer.Accepted accepted : normalized.accepted()) {
            Event e = accepted.event();
            Verbatim verbatim = accepted.verbatim();
            assertNotNull(verbatim, body);
            assertArrayEquals(codec.encode(e), codec.encode(e, verbatim), body);
            verbatimEvents++;
        }
    }

    /** The batch with no event's verbatim bytes, which only the scanner hands on. */
    private static RawBatch withoutVerbatim(RawBatch b) {
        return new RawBatch(b.apiKey(), b.sentAt(), b.historicalMigration(), b.events().stream()
                .map(e -> new RawBatch.RawEvent(e.event(), e.distinctId(), e.properties(), e.timestamp(), e.offset(), e.uuid(),
                        e.token(), e.ignoreSentAt(), e.passThrough(), null))
                .toList());
    }

    private static byte[] mutate(byte[] b, Random random) {
        byte[] out = b.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && out.length > 0; e++) {
            int at = random.nextInt(out.length);
            byte[] nasty = "\"\\{}[],:0-.eE+ \n\u0001utnf19".getBytes(StandardCharsets.UTF_8);
            byte c = nasty[random.nextInt(nasty.length)];
            out = switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] d = new byte[out.length - 1];
                    System.arraycopy(out, 0, d, 0, at);
                    System.arraycopy(out, at + 1, d, at, out.length - at - 1);
                    yield d;
                }
                case 1 -> {
                    byte[] d = new byte[out.length + 1];
                    System.arraycopy(out, 0, d, 0, at);
                    d[at] = c;
                    System.arraycopy(out, at, d, at + 1, out.length - at);
                    yield d;
                }
                case 2 -> {
                    out[at] = c;
                    yield out;
                }
                default -> java.util.Arrays.copyOf(out, at);
            };
        }
        return out;
    }

    /** Random capture bodies: every shape, the fields both readers look at with values of every type. */
    private static final class Generator {
        private final Random r;
        private final StringBuilder s = new StringBuilder();

        Generator(Random random) {
            this.r = random;
        }

        String body() {
            switch (r.nextInt(3)) {
                case 0 -> {
                    s.append('{');
                    ws();
                    member("api_key", () -> string());
                    s.append(',');
                    member("sent_at", () -> s.append(r.nextInt(5) == 0 ? "null" : "\"2026-01-01T00:00:00.000Z\""));
                    if (r.nextBoolean()) {
                        s.append(',');
                        member("historical_migration", this::value);
                    }
                    s.append(',');
                    member("batch", this::events);
                    s.append('}');
                }
                case 1 -> events();
                default -> event();
            }
            ws();
            return s.toString();
        }

        /** {@code n} items between {@code open} and {@code close}, separated by commas. */
        private void container(char open, int n, Runnable item, char close) {
            s.append(open);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    s.append(',');
                }
                item.run();
            }
            s.append(close);
        }

        private void events() {
            container('[', r.nextInt(r.nextInt(20) == 0 ? MAX_EVENTS + 3 : 5), () -> {
                ws();
                event();
            }, ']');
        }

        private void event() {
            container('{', r.nextInt(8), () -> {
                String name = EVENT_NAMES.get(r.nextInt(EVENT_NAMES.size()));
                member(name, () -> {
                    switch (name) {
                        case "properties" -> properties();
                        case "api_key", "token" -> {
                            if (r.nextInt(4) == 0) {
                                value();
                            } else {
                                s.append(r.nextBoolean() ? "\"k\"" : "\"k2\"");
                            }
                        }
                        default -> typical(name);
                    }
                });
            }, '}');
        }

        private void properties() {
            if (r.nextInt(10) == 0) {
                value();
                return;
            }
            container('{', r.nextInt(10), () -> {
                String name = PROPERTY_NAMES.get(r.nextInt(PROPERTY_NAMES.size()));
                member(name, () -> typical(name));
            }, '}');
        }

        /** Mostly the type a field expects, sometimes any value. */
        private void typical(String name) {
            if (r.nextInt(4) == 0) {
                value();
                return;
            }
            switch (name) {
                case "offset" -> s.append(r.nextInt(2000) - 1000);
                case "$set", "$set_once" -> object(2);
                case "distinct_id", "$distinct_id", "timestamp" -> {
                    if (r.nextBoolean()) {
                        number();
                    } else {
                        string();
                    }
                }
                default -> string();
            }
        }

        private void member(String name, Runnable value) {
            ws();
            s.append('"').append(name).append('"');
            ws();
            s.append(':');
            ws();
            value.run();
            ws();
        }

        private void value() {
            value(r.nextInt(3));
        }

        private void value(int depth) {
            switch (r.nextInt(depth > 0 ? 7 : 5)) {
                case 0 -> string();
                case 1 -> number();
                case 2 -> s.append("true");
                case 3 -> s.append(r.nextBoolean() ? "false" : "null");
                case 4 -> s.append(r.nextBoolean() ? "\"true\"" : "\"TRUE\"");
                case 5 -> object(depth - 1);
                default -> container('[', r.nextInt(4), () -> {
                    ws();
                    value(depth - 1);
                }, ']');
            }
        }

        private void object(int depth) {
            container('{', r.nextInt(4),
                    () -> member(PROPERTY_NAMES.get(r.nextInt(PROPERTY_NAMES.size())), () -> value(Math.max(0, depth))), '}');
        }

        private void number() {
            String[] forms = {"0", "-0", "7", "-12", "1.5", "-0.25", "1e3", "2E-2", "3.5e+7", "12345678901234567890", "9223372036854775807",
                    "-9223372036854775808", "0.000001"};
            s.append(forms[r.nextInt(forms.length)]);
        }

        private void string() {
            s.append('"');
            int n = r.nextInt(r.nextInt(10) == 0 ? 60 : 12);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(16)) {
                    case 0 -> s.append("\\\"");
                    case 1 -> s.append("\\\\");
                    case 2 -> s.append("\\/");
                    case 3 -> s.append(new String[] {"\\b", "\\f", "\\n", "\\r", "\\t"}[r.nextInt(5)]);
                    case 4 -> s.append(String.format("\\u%04x", r.nextInt(0x10000)));
                    case 5 -> s.append(new String[] {"é", "ü", "😀", "中", "\u007f"}[r.nextInt(5)]);
                    default -> s.append((char) ('a' + r.nextInt(26)));
                }
            }
            s.append('"');
        }

        private void ws() {
            if (r.nextInt(4) == 0) {
                s.append(new String[] {" ", "\n", "\t", "\r\n  "}[r.nextInt(4)]);
            }
        }
    }
}

package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;

/**
 * {@link EventReader} gives exactly what the parser path gives, or steps aside: on the codec's own
 * records it must read them (that is its point), on anything else its answer, when it has one,
 * must be the parser's.
 */
class EventReaderTest {

    private static final long SEED = TestSeed.seed(0xEAD_0001L);

    private final EventCodec codec = new EventCodec();

    @Test
    void readsThePlainRecordsTheCodecWritesAsTheParserDoes() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < 5_000; i++) {
            byte[] record = codec.encode(plainEvent(random));
            Event fast = EventReader.read(record);
            assertNotNull(fast, "read directly: " + new String(record, StandardCharsets.UTF_8));
            assertEquals(codec.decodeWithParser(record), fast, "seed " + SEED + " case " + i);
        }
    }

    @Test
    void recordsWithEscapesOrControlCharactersAreLeftToTheParserOrReadAlike() throws Exception {
        Random random = new Random(SEED + 2);
        for (int i = 0; i < 5_000; i++) {
            byte[] record = codec.encode(EventCodecPropertyTest.randomEvent(random));
            Event fast = EventReader.read(record);
            if (fast != null) {
                assertEquals(codec.decodeWithParser(record), fast, "seed " + (SEED + 2) + " case " + i);
            }
        }
    }

    @Test
    void mutatedRecordsAreEitherLeftToTheParserOrReadAsTheParserReadsThem() {
        Random random = new Random(SEED + 1);
        String[] insertions = {" ", "\\u0041", "\\/", ",\"x\":1", "\"", "{", "}", "[", "]", ":", ",", "-", "0", "01", "1e", "é",
            "\u0001", "null", "\"$set\":{}", "\uFFFD", "\\\\"};
        int checked = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] record = codec.encode(plainEvent(random));
            byte[] mutated = switch (random.nextInt(4)) {
                case 0 -> flip(record, random);
                case 1 -> Arrays.copyOf(record, random.nextInt(record.length));
                default -> insert(record, insertions[random.nextInt(insertions.length)], random);
            };
            Event fast = EventReader.read(mutated);
            if (fast == null) {
                continue;
            }
            checked++;
            try {
                assertEquals(codec.decodeWithParser(mutated), fast, "mutation " + i + ": " + new String(mutated, StandardCharsets.UTF_8));
            } catch (EventDecodingException e) {
                fail("mutation " + i + " read directly but refused by the parser (" + e.getMessage() + "): "
                        + new String(mutated, StandardCharsets.UTF_8));
            }
        }
        assertEquals(true, checked > 100, "enough mutations were read directly to compare: " + checked);
    }

    @Test
    void stepsAsideForOtherLayouts() throws Exception {
        String record = new String(codec.encode(EventCodecTest.sample()), StandardCharsets.UTF_8);
        assertNull(EventReader.read((record + "\n").getBytes(StandardCharsets.UTF_8)), "trailing whitespace");
        assertNull(EventReader.read(record.replace("{\"v\":1,", "{\"v\":1,\"future\":2,").getBytes(StandardCharsets.UTF_8)),
                "an unknown field");
        assertNull(EventReader.read(record.replace("\"properties\":{", "\"properties\":{ ").getBytes(StandardCharsets.UTF_8)),
                "whitespace in a raw object");
        assertNull(EventReader.read(record.replace("{\"v\":1,", "{ \"v\":1,").getBytes(StandardCharsets.UTF_8)));
    }

    /** Events with mostly plain text, like real traffic, so that mutations hit the direct path. */
    private static Event plainEvent(Random r) {
        Event e = EventCodecPropertyTest.randomEvent(r);
        return new Event(e.uuid(), "phc_" + r.nextInt(1000), r.nextBoolean() ? "$pageview" : "clicked é", "user-" + r.nextInt(5000),
                "{\"$current_url\":\"https://example.com/p?x=" + r.nextInt(100) + "\",\"n\":[1,-2.5e3,true,null,{}],\"t\":\"a\\\"b\\\\c\\n\","
                        + "\"u\":\"ünï 👍\",\"nested\":{\"deep\":[[],{\"k\":0}]}}",
                e.timestamp(), e.sentAt(), e.receivedAt(), "10.0.0." + r.nextInt(255), "Mozilla/5.0",
                PassThrough.NONE.with(RecordField.CURRENT_URL, "https://example.com/p").with(RecordField.HOST, "example.com")
                        .with(RecordField.SET, r.nextBoolean() ? "{\"plan\":\"pro\"}" : null));
    }

    private static byte[] flip(byte[] record, Random r) {
        byte[] copy = record.clone();
        copy[r.nextInt(copy.length)] = (byte) r.nextInt(256);
        return copy;
    }

    private static byte[] insert(byte[] record, String text, Random r) {
        byte[] add = text.getBytes(StandardCharsets.UTF_8);
        int at = r.nextInt(record.length + 1);
        byte[] out = new byte[record.length + add.length];
        System.arraycopy(record, 0, out, 0, at);
        System.arraycopy(add, 0, out, at, add.length);
        System.arraycopy(record, at, out, at + add.length, record.length - at);
        return out;
    }
}

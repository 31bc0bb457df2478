package com.clickhouse.analytics.writer.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;

/**
 * {@link CityHash64} against the engine itself: {@code SELECT cityHash64(s)} for random strings of
 * every byte length from 0 to 300 (each length several times: every branch of the function and every
 * tail length of the long-string loop), as raw bytes and as UTF-8 text (one- to four-byte characters),
 * plus a few pinned values. The strings travel as hex ({@code unhex}) so the engine hashes exactly the
 * bytes Java hashed. The seed is printed; {@code -Dtest.seed=N} replays it.
 */
class CityHash64Test {

    private static final int PER_LENGTH = 8;
    private static final int MAX_LENGTH = 300;

    @Test
    void agreesWithTheEngineForRandomStringsOfEveryLengthUpTo300Bytes() throws Exception {
        long seed = TestSeed.random();
        System.out.println("CityHash64Test seed " + seed + " (-Dtest.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        List<byte[]> inputs = new ArrayList<>();
        for (int length = 0; length <= MAX_LENGTH; length++) {
            for (int i = 0; i < PER_LENGTH; i++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                inputs.add(bytes);
            }
        }
        for (int i = 0; i < 1_500; i++) {
            inputs.add(utf8Text(random, random.nextInt(MAX_LENGTH + 1)));
        }
        for (String pinned : List.of("", "a", "user-1", "anonymous-0190c7d2-8a1b-7c3e-9f00-123456789abc", "ü", "日本語", "🎉")) {
            inputs.add(pinned.getBytes(StandardCharsets.UTF_8));
        }
        try (TestClickHouse ch = TestClickHouse.create("cityhash")) {
            int checked = 0;
            for (int from = 0; from < inputs.size(); from += 400) {
                List<byte[]> chunk = inputs.subList(from, Math.min(inputs.size(), from + 400));
                List<Long> engine = engineHashes(ch, chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    byte[] s = chunk.get(i);
                    assertEquals(engine.get(i), CityHash64.hash(s), () -> "cityHash64 of " + s.length + " bytes " + HexFormat.of().formatHex(s));
                    checked++;
                }
            }
            assertEquals(inputs.size(), checked);
        }
    }

    @Test
    void hashesAByteRangeInsideALargerArray() {
        byte[] text = "xxuser-42-with-a-longer-distinct-id-than-sixty-four-bytes-to-reach-the-loop-yy".getBytes(StandardCharsets.UTF_8);
        byte[] inner = java.util.Arrays.copyOfRange(text, 2, text.length - 2);
        assertEquals(CityHash64.hash(inner), CityHash64.hash(text, 2, text.length - 4));
    }

    /** The engine's hashes of {@code inputs}, in order, from one query. */
    private static List<Long> engineHashes(TestClickHouse ch, List<byte[]> inputs) {
        StringBuilder sql = new StringBuilder("SELECT toString(arrayMap(x -> cityHash64(unhex(x)), [");
        for (int i = 0; i < inputs.size(); i++) {
            sql.append(i == 0 ? "'" : ",'").append(HexFormat.of().formatHex(inputs.get(i))).append('\'');
        }
        String array = ch.query(sql.append("]))").toString()).getFirst().getString(1);
        List<Long> hashes = new ArrayList<>();
        for (String value : array.substring(1, array.length() - 1).split(",")) {
            hashes.add(Long.parseUnsignedLong(value));
        }
        return hashes;
    }

    /** Text whose UTF-8 form has exactly {@code length} bytes, mixing ASCII, Latin, CJK and emoji. */
    private static byte[] utf8Text(Random random, int length) {
        StringBuilder text = new StringBuilder();
        int bytes = 0;
        while (bytes < length) {
            int room = length - bytes;
            int width = 1 + random.nextInt(Math.min(4, room));
            int codePoint = switch (width) {
                case 1 -> 0x20 + random.nextInt(0x5f);
                case 2 -> 0xa0 + random.nextInt(0x700);
                case 3 -> 0x4e00 + random.nextInt(0x5000);
                default -> 0x1f300 + random.nextInt(0x300);
            };
            text.appendCodePoint(codePoint);
            bytes += width;
        }
        byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(length, utf8.length);
        return utf8;
    }
}

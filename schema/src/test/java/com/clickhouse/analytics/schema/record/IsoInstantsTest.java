package com.clickhouse.analytics.schema.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

    /** Edge instants: each is formatted as {@link Instant#toString()} does and parsed back. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // epoch and around it
            "1970-01-01T00:00:00Z,                0,                  0",
            "1970-01-01T00:00:00.000000001Z,      0,                  1",
            "1969-12-31T23:59:59.999999999Z,      -1,                 999999999",
            "1969-12-31T23:59:59Z,                -1,                 0",
            // pre-1970
            "1900-01-01T00:00:00Z,                -2208988800,        0",
            "1600-02-29T12:34:56.789Z,            -11670953104,       789000000",
            "0000-01-01T00:00:00Z,                -62167219200,       0",
            "0000-02-29T00:00:00Z,                -62162121600,       0",
            "0001-01-01T00:00:00Z,                -62135596800,       0",
            // year 9999
            "9999-12-31T23:59:59.999999999Z,      253402300799,       999999999",
            "9999-01-01T00:00:00Z,                253370764800,       0",
            // leap days, including century rules
            "2024-02-29T23:59:59.500Z,            1709251199,         500000000",
            "2000-02-29T00:00:00Z,                951782400,          0",
            "2100-03-01T00:00:00Z,                4107542400,         0",
            // nanos: 0, 1, 999999999, millisecond- and microsecond-only
            "2026-11-24T10:00:00Z,                1795514400,         0",
            "2026-11-24T10:00:00.000000001Z,      1795514400,         1",
            "2026-11-24T10:00:00.999999999Z,      1795514400,         999999999",
            "2026-11-24T10:00:00.123Z,            1795514400,         123000000",
            "2026-11-24T10:00:00.001Z,            1795514400,         1000000",
            "2026-11-24T10:00:00.100Z,            1795514400,         100000000",
            "2026-11-24T10:00:00.123456Z,         1795514400,         123456000",
            "2026-11-24T10:00:00.000001Z,         1795514400,         1000",
            "2026-11-24T10:00:00.123456780Z,      1795514400,         123456780",
            "2026-12-31T23:59:59Z,                1798761599,         0",
    })
    void formatsAndParsesEdgeInstants(String text, long epochSecond, int nanos) {
        Instant instant = Instant.ofEpochSecond(epochSecond, nanos);
        assertEquals(text, instant.toString(), "the table itself agrees with Instant.toString");
        assertEquals(text, IsoInstants.toString(instant));
        assertEquals(instant, IsoInstants.parse(text));
        assertEquals(instant, Instant.parse(text));
    }

    @Test
    void outsideYears0To9999IsNotFormatted() {
        char[] out = new char[IsoInstants.MAX_LENGTH];
        Instant[] outside = {Instant.parse("-0001-12-31T23:59:59.999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.MIN, Instant.MAX};
        for (Instant instant : outside) {
            assertEquals(-1, IsoInstants.format(instant, out), instant.toString());
            assertEquals(instant.toString(), IsoInstants.toString(instant));
        }
    }

    @Test
    void agreesWithInstantOnRandomInstants() {
        Random r = new Random(TestSeed.seed(42));
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        char[] out = new char[IsoInstants.MAX_LENGTH];
        for (int i = 0; i < 200_000; i++) {
            long seconds = min + (long) (r.nextDouble() * (max - min + 1));
            int nanos = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> r.nextInt(1_000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1_000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            String expected = instant.toString();
            int n = IsoInstants.format(instant, out);
            assertEquals(expected, new String(out, 0, n));
            assertEquals(instant, IsoInstants.parse(expected), expected);
        }
    }

    /** Fractions of any length 1…9, not only the 3/6/9 the formatter writes, read as Instant.parse does. */
    @ParameterizedTest
    @ValueSource(strings = {"2026-11-24T10:00:00.1Z", "2026-11-24T10:00:00.12Z", "2026-11-24T10:00:00.1234Z",
            "2026-11-24T10:00:00.12345Z", "2026-11-24T10:00:00.1234567Z", "2026-11-24T10:00:00.12345678Z",
            "2026-11-24T10:00:00.000Z", "2026-11-24T10:00:00.000000000Z"})
    void parsesAnyFractionLength(String text) {
        assertEquals(Instant.parse(text), IsoInstants.parse(text));
    }

    /** Text outside the fast format is null (the codec then asks Instant.parse), never a wrong instant. */
    @ParameterizedTest
    @ValueSource(strings = {"", "2026-11-24", "2026-11-24T10:00:00", "2026-11-24T10:00Z", "2026-11-24T10:00:00.Z",
            "2026-11-24T10:00:00.1234567890Z", "2026-11-24T10:00:00+01:00", "2026-11-24T10:00:00z",
            "2026-11-24 10:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-24T24:00:00Z",
            "2026-11-24T10:60:00Z", "2026-11-24T23:59:60Z", "+2026-11-24T10:00:00Z", "-0001-01-01T00:00:00Z",
            "20261-11-24T10:00:00Z", "2026-11-24T10:00:0aZ", "2026-11-24T10:00:00.12a4Z", "2026/11/24T10:00:00Z",
            "2026-11-24T10:00:00,123Z", "２０２６-11-24T10:00:00Z"})
    void rejectsOtherText(String text) {
        assertNull(IsoInstants.parse(text));
    }

    @Test
    void writesUuidsAsUuidToString() {
        char[] out = new char[36];
        Random r = new Random(TestSeed.seed(7));
        UUID[] fixed = {new UUID(0, 0), new UUID(-1, -1), UUID.fromString("0192f1c2-7a3b-7c4d-8e5f-0123456789ab")};
        for (UUID uuid : fixed) {
            assertEquals(uuid.toString(), new String(out, 0, EventCodec.writeUuid(uuid, out)));
        }
        for (int i = 0; i < 10_000; i++) {
            UUID uuid = new UUID(r.nextLong(), r.nextLong());
            assertEquals(uuid.toString(), new String(out, 0, EventCodec.writeUuid(uuid, out)));
        }
    }
}

package com.clickhouse.analytics.gateway.normalize;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered UUIDs (RFC 9562 version 7): 48 bits of Unix milliseconds, then 74 random bits.
 * Events of one millisecond are not ordered among themselves; across milliseconds they sort by time,
 * which keeps ClickHouse's uuid column and Kafka tools readable. Also the strict parser for client
 * uuids.
 */
public final class UuidV7 {

    private UuidV7() {
    }

    public static UUID at(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (random.nextInt() & 0x0fffL);
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** The canonical 8-4-4-4-12 hexadecimal form only; null otherwise (UUID.fromString is laxer). */
    public static UUID parseStrict(String text) {
        if (text == null || text.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return null;
                }
            } else if (Character.digit(c, 16) < 0) {
                return null;
            }
        }
        return UUID.fromString(text);
    }
}

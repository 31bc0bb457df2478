package com.clickhouse.analytics.schema.record;

import java.time.Instant;

/**
 * ISO-8601 UTC text of an {@link Instant}, {@code yyyy-MM-ddTHH:mm:ss[.fff|.ffffff|.fffffffff]Z},
 * without {@code DateTimeFormatter} and without allocating: the codec writes three instants per
 * event, and {@link Instant#toString()} was about 13 % of the gateway's CPU.
 *
 * <p>{@link #format} produces exactly the characters of {@link Instant#toString()} (the fraction is
 * omitted, or 3, 6 or 9 digits, whichever is the shortest exact one), so records written before and
 * after this class are byte for byte the same. It covers years 0000…9999 and reports anything else
 * (which {@code toString} writes with a sign) as not formatted, for the caller to fall back.
 *
 * <p>{@link #parse} reads that format (with a fraction of any length from 1 to 9 digits) and returns
 * null for anything else — offsets, leap seconds, signed years — which the caller then gives to
 * {@link Instant#parse}; for what it accepts, it gives the same instant as {@code Instant.parse}.
 * Pure functions; thread-safe.
 */
public final class IsoInstants {

    /** Length of the longest text {@link #format} writes: {@code 2026-11-24T10:00:00.123456789Z}. */
    public static final int MAX_LENGTH = 30;

    private static final long MIN_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
    private static final long MAX_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private IsoInstants() {
    }

    /**
     * Writes {@code instant} as {@link Instant#toString()} would into {@code out} from index 0.
     *
     * @param out at least {@link #MAX_LENGTH} characters
     * @return the number of characters written, or -1 when the year is outside 0000…9999
     */
    public static int format(Instant instant, char[] out) {
        long seconds = instant.getEpochSecond();
        if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
            return -1;
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) (seconds - days * 86_400);
        // civil_from_days (H. Hinnant), in 400-year eras of 146,097 days starting on 0000-03-01.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int mp = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);

        two(out, 0, year / 100);
        two(out, 2, year % 100);
        out[4] = '-';
        two(out, 5, month);
        out[7] = '-';
        two(out, 8, day);
        out[10] = 'T';
        two(out, 11, secondOfDay / 3_600);
        out[13] = ':';
        two(out, 14, secondOfDay / 60 % 60);
        out[16] = ':';
        two(out, 17, secondOfDay % 60);
        return fraction(instant.getNano(), out, SECONDS_LENGTH);
    }

    /** Length of the text up to the seconds: {@code 2026-11-24T10:00:00}. */
    static final int SECONDS_LENGTH = 19;

    /**
     * Writes what {@link #format} writes after the seconds — the fraction, if any, and {@code Z} —
     * at {@code out[at…]}; returns the index after it. Lets a caller reuse the text up to the
     * seconds for instants within the same second.
     */
    static int fraction(int nanos, char[] out, int at) {
        if (nanos != 0) {
            out[at++] = '.';
            int digits;
            int value;
            if (nanos % 1_000_000 == 0) {
                digits = 3;
                value = nanos / 1_000_000;
            } else if (nanos % 1_000 == 0) {
                digits = 6;
                value = nanos / 1_000;
            } else {
                digits = 9;
                value = nanos;
            }
            for (int i = at + digits - 1; i >= at; i--) {
                out[i] = (char) ('0' + value % 10);
                value /= 10;
            }
            at += digits;
        }
        out[at++] = 'Z';
        return at;
    }

    /** {@link #format} as a string, falling back to {@link Instant#toString()} outside its years. */
    public static String toString(Instant instant) {
        char[] out = new char[MAX_LENGTH];
        int n = format(instant, out);
        return n < 0 ? instant.toString() : new String(out, 0, n);
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} (years 0000…9999, seconds 00…59, a valid date), or null
     * for any other text, including ones {@link Instant#parse} accepts.
     */
    public static Instant parse(CharSequence t) {
        int n = t.length();
        if (n < 20 || n > MAX_LENGTH || n == 21 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':' || t.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
        int hour = digits(t, 11, 2), minute = digits(t, 14, 2), second = digits(t, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month) || hour < 0
                || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            int fraction = digits(t, 20, fractionDigits);
            if (t.charAt(19) != '.' || fraction < 0) {
                return null;
            }
            nanos = fraction * POWERS[9 - fractionDigits];
        }
        return Instant.ofEpochSecond(epochDay(year, month, day) * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** days_from_civil (H. Hinnant): days since 1970-01-01 of a valid date. */
    private static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        int yearOfEra = (int) (y - era * 400);
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** The value of {@code count} decimal digits at {@code from}, or -1. */
    private static int digits(CharSequence t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            int d = t.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static void two(char[] out, int at, int value) {
        out[at] = (char) ('0' + value / 10);
        out[at + 1] = (char) ('0' + value % 10);
    }
}

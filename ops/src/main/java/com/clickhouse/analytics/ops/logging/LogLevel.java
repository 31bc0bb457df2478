package com.clickhouse.analytics.ops.logging;

import java.util.Locale;

/**
 * The accepted values of {@code LOG_LEVEL}: the slf4j levels plus {@code off}, and the original
 * service's pino names {@code fatal} (as {@code error}) and {@code silent} (as {@code off}).
 * Case does not matter.
 */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, OFF;

    /** What every service logs at unless {@code LOG_LEVEL} says otherwise: quiet. */
    public static final LogLevel DEFAULT = WARN;

    /** The words {@link #parse} accepts, for error messages. */
    public static final String ACCEPTED = "trace, debug, info, warn, error, fatal, silent, off";

    /** @throws IllegalArgumentException naming the accepted values */
    public static LogLevel parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "trace" -> TRACE;
            case "debug" -> DEBUG;
            case "info" -> INFO;
            case "warn" -> WARN;
            case "error", "fatal" -> ERROR;
            case "off", "silent" -> OFF;
            default -> throw new IllegalArgumentException("must be one of " + ACCEPTED + ", got '" + Messages.oneLine(v, 40) + "'");
        };
    }

    /** The level's name as slf4j-simple spells it. */
    public String slf4jName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

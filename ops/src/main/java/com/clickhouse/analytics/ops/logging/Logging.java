package com.clickhouse.analytics.ops.logging;

import java.util.Map;

/**
 * The logging set-up of every entry point: slf4j-simple at {@code LOG_LEVEL} (default
 * {@code warn}), ISO timestamps, and the Kafka clients never below {@code warn} (at {@code info}
 * they narrate every connection and rebalance).
 *
 * <p>slf4j-simple reads its settings once, when the first logger is created, and the Kafka
 * client's config classes create theirs when loaded. So {@link #configure} runs first in
 * {@code main}, from the raw environment, before the configuration is read; an invalid
 * {@code LOG_LEVEL} leaves the default here and then fails the configuration, which names it.
 */
public final class Logging {

    private Logging() {
    }

    /** Configures logging from {@code environment}'s {@code LOG_LEVEL}; returns the level applied. */
    public static LogLevel configure(Map<String, String> environment) {
        LogLevel level;
        String value = environment.get("LOG_LEVEL");
        try {
            level = value == null ? LogLevel.DEFAULT : LogLevel.parse(value);
        } catch (IllegalArgumentException invalid) {
            level = LogLevel.DEFAULT; // the configuration reports it, naming LOG_LEVEL
        }
        configure(level);
        return level;
    }

    /** Configures slf4j-simple at {@code level}; only effective before the first logger exists. */
    public static void configure(LogLevel level) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level.slf4jName());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        LogLevel kafka = level.compareTo(LogLevel.WARN) >= 0 ? level : LogLevel.WARN;
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", kafka.slf4jName());
    }
}

package com.clickhouse.analytics.writer.identity;

/**
 * How an event was processed for persons: the {@code events.person_mode} column, with PostHog's
 * values. {@code full}: the event may create and update its person and link or merge ids.
 * {@code propertyless}: the client sent {@code $process_person_profile: false}; the event got
 * the person its distinct id already had (else the deterministic id) and changed nothing.
 */
public enum PersonMode {
    FULL("full"),
    PROPERTYLESS("propertyless");

    private final String value;

    PersonMode(String value) {
        this.value = value;
    }

    /** The column value. */
    public String value() {
        return value;
    }
}

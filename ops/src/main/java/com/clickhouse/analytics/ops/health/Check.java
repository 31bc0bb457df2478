package com.clickhouse.analytics.ops.health;

import java.util.Optional;

/** A liveness or readiness condition: why the service is not healthy or ready, or empty when it is. */
@FunctionalInterface
public interface Check {

    /** Always fine: a process that can answer is alive. */
    Check ALWAYS = Optional::empty;

    /** The reason, for the response body; never a secret. May block only behind a {@code BlockingHandler}. */
    Optional<String> problem();
}

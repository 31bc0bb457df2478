package com.clickhouse.analytics.testkit;

import java.util.Map;
import java.util.function.BooleanSupplier;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;

/**
 * Decides where Kafka and ClickHouse come from, in the design's order: the environment
 * ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code CLICKHOUSE_URL}), then a Docker engine through
 * Testcontainers, then the local stack started by this project. Pure: it only decides.
 */
public final class InfrastructureResolver {

    /** Where one piece of infrastructure comes from. */
    public enum Source { ENVIRONMENT, DOCKER, LOCAL }

    private final Map<String, String> environment;
    private final BooleanSupplier dockerAvailable;

    public InfrastructureResolver(Map<String, String> environment, BooleanSupplier dockerAvailable) {
        this.environment = Map.copyOf(environment);
        this.dockerAvailable = dockerAvailable;
    }

    public Source kafka() {
        return choose("KAFKA_BOOTSTRAP_SERVERS");
    }

    public Source clickHouse() {
        return choose("CLICKHOUSE_URL");
    }

    /** The endpoint named by the environment; only meaningful when {@link #clickHouse()} is ENVIRONMENT. */
    public ClickHouseEndpoint clickHouseFromEnvironment() {
        return new ClickHouseEndpoint(environment.get("CLICKHOUSE_URL"),
                environment.getOrDefault("CLICKHOUSE_USER", "default"),
                environment.getOrDefault("CLICKHOUSE_PASSWORD", ""));
    }

    public String kafkaFromEnvironment() {
        return environment.get("KAFKA_BOOTSTRAP_SERVERS");
    }

    private Source choose(String variable) {
        String value = environment.get(variable);
        if (value != null && !value.isBlank()) {
            return Source.ENVIRONMENT;
        }
        return dockerAvailable.getAsBoolean() ? Source.DOCKER : Source.LOCAL;
    }
}

package com.clickhouse.analytics.testkit;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.testkit.InfrastructureResolver.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InfrastructureResolverTest {

    @ParameterizedTest(name = "env kafka={0} clickhouse={1} docker={2} -> {3}/{4}")
    @CsvSource({
            // kafka env,        clickhouse env,          docker, kafka source, clickhouse source
            "broker:9092,        http://ch:8123,          true,   ENVIRONMENT,  ENVIRONMENT",
            "broker:9092,        http://ch:8123,          false,  ENVIRONMENT,  ENVIRONMENT",
            "broker:9092,        '',                      true,   ENVIRONMENT,  DOCKER",
            "'',                 http://ch:8123,          false,  LOCAL,        ENVIRONMENT",
            "'',                 '',                      true,   DOCKER,       DOCKER",
            "'',                 '',                      false,  LOCAL,        LOCAL",
            "'   ',              '',                      false,  LOCAL,        LOCAL",
    })
    void prefersEnvironmentThenDockerThenLocal(String kafka, String clickHouse, boolean docker,
                                               Source kafkaSource, Source clickHouseSource) {
        var env = new java.util.HashMap<String, String>();
        if (!kafka.isEmpty()) {
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        }
        if (!clickHouse.isEmpty()) {
            env.put("CLICKHOUSE_URL", clickHouse);
        }
        var resolver = new InfrastructureResolver(env, () -> docker);
        assertEquals(kafkaSource, resolver.kafka());
        assertEquals(clickHouseSource, resolver.clickHouse());
    }

    @Test
    void doesNotAskDockerWhenTheEnvironmentAnswers() {
        var asked = new AtomicInteger();
        var resolver = new InfrastructureResolver(
                Map.of("KAFKA_BOOTSTRAP_SERVERS", "b:9092", "CLICKHOUSE_URL", "http://ch:8123"),
                () -> asked.incrementAndGet() > 0);
        resolver.kafka();
        resolver.clickHouse();
        assertEquals(0, asked.get());
    }

    @Test
    void readsClickHouseCredentialsFromTheEnvironment() {
        var resolver = new InfrastructureResolver(Map.of("CLICKHOUSE_URL", "http://ch:8123",
                "CLICKHOUSE_USER", "analytics", "CLICKHOUSE_PASSWORD", "s3cret"), () -> false);
        assertEquals(new ClickHouseEndpoint("http://ch:8123", "analytics", "s3cret"), resolver.clickHouseFromEnvironment());
        var defaults = new InfrastructureResolver(Map.of("CLICKHOUSE_URL", "http://ch:8123"), () -> false);
        assertEquals(new ClickHouseEndpoint("http://ch:8123", "default", ""), defaults.clickHouseFromEnvironment());
    }
}

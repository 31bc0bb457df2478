package com.clickhouse.analytics.local;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;

/**
 * The local broker and ClickHouse these tests exercise, one of each per test JVM, started on first
 * use and stopped with the JVM. The tests here are about the local stack itself, so they never take
 * the environment's or Docker's infrastructure that the other modules' resolver (cpa-testkit) may
 * choose.
 */
public final class LocalInfrastructure {

    private static String kafka;
    private static LocalClickHouse clickHouse;

    private LocalInfrastructure() {
    }

    public static synchronized String kafkaBootstrapServers() {
        if (kafka == null) {
            kafka = KafkaBroker.onFreePorts().start().bootstrapServers();
        }
        return kafka;
    }

    public static synchronized ClickHouseEndpoint clickHouse() {
        if (clickHouse == null) {
            clickHouse = LocalClickHouse.startTemporary();
        }
        return clickHouse.endpoint();
    }
}

package com.clickhouse.analytics.testkit;

import java.util.function.Supplier;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka and ClickHouse that tests run against: one of each per JVM, started lazily on first
 * use, chosen by {@link InfrastructureResolver} and stopped when the JVM exits. Tests isolate
 * themselves by topic and database names; a test that needs to stop a broker starts its own
 * {@link KafkaBroker}.
 *
 * <p>When nothing can provide a piece, the call throws with a message naming what is missing and
 * why: a test never skips itself.
 */
public final class Infrastructure {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server:25.8";

    private static final Infrastructure SHARED = new Infrastructure(
            new InfrastructureResolver(System.getenv(), Infrastructure::dockerAnswers));

    private final InfrastructureResolver resolver;
    private final Supplier<String> kafka;
    private final Supplier<ClickHouseEndpoint> clickHouse;

    Infrastructure(InfrastructureResolver resolver) {
        this.resolver = resolver;
        this.kafka = memoize(this::provideKafka);
        this.clickHouse = memoize(this::provideClickHouse);
    }

    /** The per-JVM instance. */
    public static Infrastructure shared() {
        return SHARED;
    }

    public String kafkaBootstrapServers() {
        return kafka.get();
    }

    public ClickHouseEndpoint clickHouse() {
        return clickHouse.get();
    }

    private String provideKafka() {
        return switch (resolver.kafka()) {
            case ENVIRONMENT -> resolver.kafkaFromEnvironment();
            case DOCKER -> {
                KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-kafka-container"));
                yield container.getBootstrapServers();
            }
            case LOCAL -> {
                try {
                    yield KafkaBroker.onFreePorts().start().bootstrapServers();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("No Kafka for the tests: KAFKA_BOOTSTRAP_SERVERS is not set, no Docker "
                            + "engine answers, and the local broker did not start: " + e.getMessage(), e);
                }
            }
        };
    }

    private ClickHouseEndpoint provideClickHouse() {
        return switch (resolver.clickHouse()) {
            case ENVIRONMENT -> resolver.clickHouseFromEnvironment();
            case DOCKER -> {
                ClickHouseContainer container = new ClickHouseContainer(CLICKHOUSE_IMAGE);
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-clickhouse-container"));
                yield new ClickHouseEndpoint("http://" + container.getHost() + ":" + container.getMappedPort(8123),
                        container.getUsername(), container.getPassword());
            }
            case LOCAL -> {
                try {
                    yield LocalClickHouse.startTemporary().endpoint();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("No ClickHouse for the tests: CLICKHOUSE_URL is not set, no Docker "
                            + "engine answers, and the local ClickHouse did not start: " + e.getMessage(), e);
                }
            }
        };
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static <T> Supplier<T> memoize(Supplier<T> delegate) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = delegate.get();
                }
                return value;
            }
        };
    }

}

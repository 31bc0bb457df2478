package com.clickhouse.analytics.testkit;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

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
 *
 * <p>What starting a piece leaves running — the broker's and ClickHouse's child processes, the
 * threads that watch them — is recorded, so {@link LeakCheck} does not blame the test class that
 * happened to need them first; so are the databases ClickHouse had when it came up.
 */
public final class Infrastructure {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server:25.8";

    private static final Infrastructure SHARED = new Infrastructure(
            new InfrastructureResolver(System.getenv(), Infrastructure::dockerAnswers));

    private final InfrastructureResolver resolver;
    private final Supplier<String> kafka;
    private final Supplier<ClickHouseEndpoint> clickHouse;
    private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
    private final Set<Long> ownProcesses = ConcurrentHashMap.newKeySet();
    private volatile ClickHouseEndpoint startedClickHouse;
    private volatile Set<String> initialDatabases = Set.of();

    Infrastructure(InfrastructureResolver resolver) {
        this.resolver = resolver;
        this.kafka = memoize(() -> owning(this::provideKafka));
        this.clickHouse = memoize(() -> {
            ClickHouseEndpoint endpoint = owning(this::provideClickHouse);
            initialDatabases = LeakCheck.databases(endpoint);
            startedClickHouse = endpoint;
            return endpoint;
        });
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

    /** The ClickHouse of {@link #clickHouse()} if some test asked for it already; never starts it. */
    Optional<ClickHouseEndpoint> startedClickHouse() {
        return Optional.ofNullable(startedClickHouse);
    }

    /** The databases the shared ClickHouse had when it came up. */
    Set<String> initialDatabases() {
        return initialDatabases;
    }

    /** Whether starting the shared infrastructure started this thread: it lives as long as the JVM, by design. */
    boolean owns(Thread thread) {
        return ownThreads.contains(thread);
    }

    /** Whether this process (or an ancestor of it) was started for the shared infrastructure. */
    boolean owns(ProcessHandle process) {
        for (Optional<ProcessHandle> p = Optional.of(process); p.isPresent(); p = p.get().parent()) {
            if (ownProcesses.contains(p.get().pid())) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code start} and records the threads and child processes it left running as the infrastructure's own. */
    private <T> T owning(Supplier<T> start) {
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Set<Long> processesBefore = descendants();
        T value = start.get();
        Thread.getAllStackTraces().keySet().stream().filter(t -> !threadsBefore.contains(t)).forEach(ownThreads::add);
        descendants().stream().filter(pid -> !processesBefore.contains(pid)).forEach(ownProcesses::add);
        return value;
    }

    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
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

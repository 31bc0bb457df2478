package com.clickhouse.analytics.gateway.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.ops.health.TopicCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code /ready}: whether the gateway can reach Kafka and its topic exists. A background
 * probe asks the cluster for its brokers and the topic every interval (on one daemon thread), so a
 * readiness request never waits on Kafka. Not ready before the first successful probe and once
 * shutdown has begun.
 */
public final class KafkaReadiness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaReadiness.class);

    private final Admin admin;
    private final TopicCheck topics;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private volatile boolean kafkaReachable;
    private volatile boolean shuttingDown;
    private volatile String problem = "not probed yet";

    public KafkaReadiness(Admin admin, List<String> topics, Duration interval) {
        this.admin = admin;
        this.topics = new TopicCheck(admin, topics, Duration.ofMillis(probeTimeoutMillis(interval)));
        this.interval = interval;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-readiness");
            t.setDaemon(true);
            return t;
        });
    }

    public KafkaReadiness start() {
        scheduler.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    public boolean ready() {
        return kafkaReachable && !shuttingDown;
    }

    /** Why not ready, for the {@code /ready} body; never contains secrets. */
    public String problem() {
        return shuttingDown ? "shutting down" : problem;
    }

    public void shuttingDown() {
        shuttingDown = true;
    }

    private static int probeTimeoutMillis(Duration interval) {
        return (int) Math.max(500, Math.min(5_000, interval.toMillis() * 2));
    }

    private void probe() {
        int timeout = probeTimeoutMillis(interval);
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeout)).nodes()
                    .get(timeout + 500L, TimeUnit.MILLISECONDS).size();
            if (nodes == 0) {
                unreachable("Kafka reports no brokers");
                return;
            }
            Optional<String> missing = topics.problem();
            if (missing.isPresent()) {
                unreachable(missing.get());
                return;
            }
            if (!kafkaReachable) {
                LOG.info("Kafka reachable ({} broker(s)) and {} present", nodes, topics);
            }
            kafkaReachable = true;
            problem = "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            unreachable("Kafka not reachable: " + e.getClass().getSimpleName());
        }
    }

    private void unreachable(String why) {
        if (kafkaReachable || !why.equals(problem)) {
            LOG.warn("not ready: {}", why);
        }
        kafkaReachable = false;
        problem = why;
    }

    @Override
    public void close() {
        shuttingDown = true;
        scheduler.shutdownNow();
    }
}

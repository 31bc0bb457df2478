package com.clickhouse.analytics.stack;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import com.clickhouse.analytics.local.process.TemporaryDirectory;

/**
 * The {@code ./cpa} commands that need Java: {@code up [--reset]} and {@code sql "…"}.
 * Data lives in {@code .data/} of the working directory (override with {@code CPA_DATA_DIR}, read by {@link StackSettings}).
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) throws Exception {
        // The launcher's own Kafka admin client would otherwise narrate the broker's start-up.
        // The services log by LOG_LEVEL; these properties do not reach their processes.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        if (args.length == 0) {
            System.err.println("usage: LocalStackMain up [--reset] | sql \"SELECT …\"");
            System.exit(2);
        }
        StackSettings settings;
        try {
            settings = StackSettings.fromEnvironment();
        } catch (IllegalArgumentException e) {
            System.err.println("cpa: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "up" -> up(settings, rest);
            case "sql" -> {
                if (rest.isEmpty()) {
                    System.err.println("usage: ./cpa sql \"SELECT …\"");
                    System.exit(2);
                }
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
                System.exit(new SqlCommand(settings, http).run(String.join(" ", rest), System.out, System.err));
            }
            default -> {
                System.err.println("unknown command: " + args[0]);
                System.exit(2);
            }
        }
    }

    private static void up(StackSettings settings, List<String> options) throws IOException, InterruptedException {
        for (String option : options) {
            if (!option.equals("--reset")) {
                System.err.println("cpa: unknown option " + option + " (up takes only --reset)");
                System.exit(2);
            }
        }
        if (options.contains("--reset")) {
            TemporaryDirectory.deleteTree(settings.dataDir());
            System.out.println("cpa: removed " + settings.dataDir());
        }
        long started = System.nanoTime();
        LocalStack stack;
        try {
            stack = new LocalStack(settings, System.getProperty("java.class.path")).start();
        } catch (RuntimeException e) {
            System.err.println("cpa: the local stack did not start: " + e.getMessage());
            System.err.println("cpa: logs are in " + settings.dataDir().resolve("logs"));
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\ncpa: stopping…");
            stack.close();
            System.out.println("cpa: stopped; data kept in " + settings.dataDir() + " (./cpa up --reset removes it)");
            stopped.countDown();
        }, "stop-local-stack"));
        System.out.println(banner(settings, Duration.ofNanos(System.nanoTime() - started)));
        stopped.await();
    }

    static String banner(StackSettings s, Duration startup) {
        String curl = "curl -s -X POST " + s.gatewayUrl() + "/batch/ -H 'Content-Type: application/json' \\\n"
                + "    -d '{\"api_key\":\"" + s.apiKey() + "\",\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"user-1\","
                + "\"properties\":{\"$current_url\":\"http://localhost:3000/\"}}]}'";
        return """

                ClickHouse Product Analytics is running (ready in %.1f s)

                  gateway       %s   (writer health/metrics: http://127.0.0.1:%d/metrics, historical writer :%d)
                  API key       %s
                  origins       %s   (may send without a key)
                  ClickHouse    %s   user %s  password %s  database %s
                  Kafka         %s   topics %s, %s, %s (historical_migration batches)
                  data, logs    %s

                Send an event:
                  %s

                See it arrive (within about a second):
                  ./cpa sql "SELECT timestamp, event, distinct_id, person_id FROM %s.events FINAL ORDER BY timestamp DESC LIMIT 10"

                Ctrl-C stops everything; data is kept (./cpa up --reset starts from scratch).
                """.formatted(startup.toMillis() / 1000.0, s.gatewayUrl(), s.writerPort(), s.historicalWriterPort(), s.apiKey(),
                String.join(", ", s.allowedOrigins()), s.clickHouseUrl(), s.clickHouseUser(), s.clickHousePassword(),
                s.database(), s.kafkaBootstrapServers(), s.eventsTopic(), s.dlqTopic(), s.historicalTopic(), s.dataDir(), curl, s.database());
    }

}

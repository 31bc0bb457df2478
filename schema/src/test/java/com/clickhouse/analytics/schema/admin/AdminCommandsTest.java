package com.clickhouse.analytics.schema.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.schema.migration.Migrate;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.Test;

/** {@code ./cpa materialize} and {@code ./cpa ttl} (and the TTL applied by {@code migrate}) against the real engine. */
class AdminCommandsTest {

    private static final List<String> HOT = List.of("$pathname", "$referrer", "$referring_domain", "$browser", "$os", "$device_type",
            "utm_source", "utm_medium", "utm_campaign", "$lib", "$screen_width", "$geoip_country_code");

    @Test
    void materializeAddsAndBackfillsAColumnOnceAndItsDryRunChangesNothing() throws Exception {
        try (TestClickHouse ch = TestClickHouse.create("materialize")) {
            Map<String, String> env = env(ch, Map.of());
            assertEquals(0, Migrate.run(env, quiet(), quiet()));
            ch.execute("INSERT INTO {db}.events (uuid, api_key, event, distinct_id, person_id, properties, timestamp, received_at, session_id,"
                    + " window_id, current_url, host, elements_chain, ip, user_agent) SELECT generateUUIDv4(), 'k', 'signed_up', 'u', generateUUIDv4(),"
                    + " concat('{\"plan\":\"', if(number % 2 = 0, 'pro', 'free'), '\",\"seats\":', toString(number), '}'), now64(6), now64(6),"
                    + " '', '', '', '', '', '', '' FROM numbers(10)");

            Result dry = run(env, "plan", "--dry-run");
            assertEquals(0, dry.code, dry.err);
            assertTrue(dry.out.contains("ALTER TABLE " + ch.database + ".events ADD COLUMN IF NOT EXISTS mat_plan String MATERIALIZED"
                    + " JSONExtractString(properties, 'plan');"), dry.out);
            assertTrue(dry.out.contains("MATERIALIZE COLUMN mat_plan, MATERIALIZE INDEX idx_mat_plan;"), dry.out);
            assertEquals(0, ch.longValue("SELECT count() FROM system.columns WHERE database = '{db}' AND table = 'events' AND name = 'mat_plan'"));

            Result real = run(env, "plan");
            assertEquals(0, real.code, real.err);
            awaitMutations(ch);
            assertEquals(5, ch.longValue("SELECT count() FROM {db}.events WHERE mat_plan = 'pro'"), "backfilled rows");
            assertEquals(0, run(env, "seats", "int").code);
            awaitMutations(ch);
            assertEquals(45, ch.longValue("SELECT sum(mat_seats) FROM {db}.events"));

            long mutations = ch.longValue("SELECT count() FROM system.mutations WHERE database = '{db}'");
            Result again = run(env, "plan");
            assertEquals(0, again.code, again.err);
            assertTrue(again.out.contains("already holds plan"), again.out);
            assertEquals(mutations, ch.longValue("SELECT count() FROM system.mutations WHERE database = '{db}'"), "no second backfill");

            Result clash = run(env, "other", "--column=mat_plan");
            assertEquals(2, clash.code);
            assertTrue(clash.err.contains("choose another name"), clash.err);

            // V003's (and V010's) hot columns are exactly what the command generates: it finds each one present.
            for (String property : HOT) {
                String type = property.equals("$screen_width") ? "int"
                        : List.of("$browser", "$os", "$device_type", "$lib", "$geoip_country_code").contains(property) ? "lowcardinality" : "string";
                Result hot = run(env, property, type);
                assertEquals(0, hot.code, property + ": " + hot.err);
                assertTrue(hot.out.contains("already holds " + property), hot.out);
            }
            assertTrue(ch.longValue("SELECT count() FROM system.data_skipping_indices WHERE database = '{db}' AND table = 'events'"
                    + " AND name LIKE 'idx_mat_%'") >= HOT.size() + 2);
        }
    }

    @Test
    void ttlIsAppliedByMigrateFromTheEnvironmentAndChangedByOneCommand() throws Exception {
        try (TestClickHouse ch = TestClickHouse.create("ttl")) {
            assertEquals(0, Migrate.run(env(ch, Map.of()), quiet(), quiet()));
            assertEquals("no TTL", ttlOf(ch, "events"));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, Migrate.run(env(ch, Map.of("EVENTS_TTL_DAYS", "400", "WARNINGS_TTL_DAYS", "30")),
                    new PrintStream(out, true, StandardCharsets.UTF_8), quiet()));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("MODIFY TTL toDateTime(timestamp) + INTERVAL 400 DAY"), out.toString());
            assertEquals("400", ttlOf(ch, "events"));
            assertEquals("400", ttlOf(ch, "sessions_aggregated_v2"));
            assertEquals("30", ttlOf(ch, "ingestion_warnings"));

            ByteArrayOutputStream again = new ByteArrayOutputStream();
            assertEquals(0, Migrate.run(env(ch, Map.of("EVENTS_TTL_DAYS", "400")), new PrintStream(again, true, StandardCharsets.UTF_8), quiet()));
            assertTrue(!again.toString(StandardCharsets.UTF_8).contains("TTL"), "unchanged TTL, no ALTER: " + again);

            Map<String, String> env = env(ch, Map.of());
            Result dry = ttl(env, "events", "90", "--dry-run");
            assertEquals(0, dry.code, dry.err);
            assertTrue(dry.out.contains("INTERVAL 90 DAY;"), dry.out);
            assertEquals("400", ttlOf(ch, "events"));
            assertEquals(0, ttl(env, "events", "90").code);
            assertEquals("90", ttlOf(ch, "events"));
            Result show = ttl(env, "events");
            assertTrue(show.out.contains(ch.database + ".events: 90 days (by timestamp)"), show.out);
            assertEquals(0, ttl(env, "warnings", "none").code);
            assertEquals("no TTL", ttlOf(ch, "ingestion_warnings"));
            assertEquals(2, ttl(env, "events", "-3").code);
            assertEquals(2, ttl(env, "persons", "3").code);
            assertEquals(2, Migrate.run(env(ch, Map.of("EVENTS_TTL_DAYS", "soon")), quiet(), quiet()));
        }
    }

    private static String ttlOf(TestClickHouse ch, String table) {
        String engine = ch.query("SELECT engine_full FROM system.tables WHERE database = '{db}' AND name = '" + table + "'").getFirst().getString(1);
        var m = java.util.regex.Pattern.compile("toIntervalDay\\((\\d+)\\)").matcher(engine);
        return m.find() ? m.group(1) : "no TTL";
    }

    static void awaitMutations(TestClickHouse ch) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ch.longValue("SELECT count() FROM system.mutations WHERE database = '{db}' AND NOT is_done") > 0) {
            assertTrue(System.nanoTime() < deadline, "mutations still running");
            Thread.sleep(100);
        }
    }

    static Map<String, String> env(TestClickHouse ch, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("CLICKHOUSE_URL", ch.endpoint.url());
        env.put("CLICKHOUSE_USER", ch.endpoint.user());
        env.put("CLICKHOUSE_PASSWORD", ch.endpoint.password());
        env.put("CLICKHOUSE_DATABASE", ch.database);
        return env;
    }

    private static Result run(Map<String, String> env, String... args) {
        return Result.of((out, err) -> Materialize.run(env, out, err, args));
    }

    private static Result ttl(Map<String, String> env, String... args) {
        return Result.of((out, err) -> Ttl.run(env, out, err, args));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** A command's exit code and what it printed. */
    record Result(int code, String out, String err) {
        static Result of(java.util.function.ToIntBiFunction<PrintStream, PrintStream> command) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = command.applyAsInt(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}

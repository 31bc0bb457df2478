package com.clickhouse.analytics.writer.deadletter;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.ops.config.CommandLine;
import com.clickhouse.analytics.ops.config.Settings;
import com.clickhouse.analytics.writer.WriterConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./cpa dlq list|show|replay}: look at the dead-letter topic and send letters back once the
 * cause is fixed (a constraint dropped, a column added, a writer upgraded that reads a newer record
 * version). Kafka from {@code KAFKA_BOOTSTRAP_SERVERS} (and {@code KAFKA_*} client settings), the
 * topic from {@code DLQ_TOPIC} (default {@code events_dlq}).
 *
 * <pre>
 *   list   [FILTER…]                     one line per letter
 *   show   PARTITION:OFFSET              one letter's headers and value
 *   replay [FILTER…] [--to TOPIC] [--dry-run]
 * FILTER: --reason TAG  --since ISO-8601  --until ISO-8601  --from-offset N  --to-offset N
 * </pre>
 */
public final class DeadLetterCommand {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MESSAGE_WIDTH = 120;

    private final DeadLetterReader reader;
    private final DeadLetterReplayer replayer;
    private final PrintStream out;

    public DeadLetterCommand(DeadLetterReader reader, DeadLetterReplayer replayer, PrintStream out) {
        this.reader = reader;
        this.replayer = replayer;
        this.out = out;
    }

    public static void main(String[] args) {
        String bootstrap;
        String topic;
        Map<String, String> passThrough;
        try {
            Settings settings = WriterConfig.settings(System.getenv());
            bootstrap = settings.required("writer.kafka.bootstrap-servers");
            topic = settings.required("writer.kafka.dlq-topic");
            passThrough = settings.kafkaPassThrough();
        } catch (IllegalArgumentException e) {
            System.err.println("cpa dlq: " + e.getMessage());
            System.exit(2);
            return;
        }
        Map<String, Object> consumerSettings = clientSettings(passThrough, bootstrap);
        consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> producerSettings = clientSettings(passThrough, bootstrap);
        producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        int status;
        try (var consumer = new KafkaConsumer<>(consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             var producer = new KafkaProducer<>(producerSettings, new ByteArraySerializer(), new ByteArraySerializer())) {
            status = new DeadLetterCommand(new DeadLetterReader(consumer, topic, TIMEOUT),
                    new DeadLetterReplayer(producer, TIMEOUT), System.out).run(args);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("cpa dlq: " + e.getMessage());
            status = 2;
        }
        System.exit(status);
    }

    /** Runs one command; returns the exit status (0 done, 2 bad arguments). */
    public int run(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: dlq list|show|replay … (see ./cpa help)");
        }
        List<String> rest = List.of(args).subList(1, args.length);
        switch (args[0]) {
            case "list" -> list(Options.parse(rest, false));
            case "show" -> show(rest);
            case "replay" -> replay(Options.parse(rest, true));
            default -> throw new IllegalArgumentException("unknown dlq command '" + args[0] + "': list, show or replay");
        }
        return 0;
    }

    private void list(Options options) {
        List<StoredDeadLetter> letters = reader.read(options.filter());
        for (StoredDeadLetter letter : letters) {
            out.println(line(letter));
        }
        out.println(letters.size() + " dead letter(s)");
    }

    private void show(List<String> args) {
        if (args.size() != 1 || !args.getFirst().matches("[0-9]+:[0-9]+")) {
            throw new IllegalArgumentException("usage: dlq show PARTITION:OFFSET (as list prints them)");
        }
        String[] at = args.getFirst().split(":");
        int partition = Integer.parseInt(at[0]);
        long offset = Long.parseLong(at[1]);
        StoredDeadLetter letter = reader.read(new DeadLetterFilter(null, null, null, offset, offset)).stream()
                .filter(l -> l.partition() == partition).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no dead letter at " + args.getFirst()));
        out.println("at:         " + letter.coordinates());
        out.println("error:      " + letter.error());
        out.println("message:    " + letter.message());
        out.println("source:     " + letter.sourceTopic() + "/" + letter.sourcePartition() + "@" + letter.sourceOffset());
        out.println("failed_at:  " + letter.failedAt());
        out.println("key:        " + text(letter.key()));
        out.println("value:      " + text(letter.value()));
    }

    private void replay(Options options) {
        List<StoredDeadLetter> letters = reader.read(options.filter());
        for (StoredDeadLetter letter : letters) {
            out.println((options.dryRun() ? "would replay " : "replaying ") + line(letter));
        }
        if (options.dryRun()) {
            out.println(letters.size() + " dead letter(s) would be replayed (dry run: nothing sent)");
            return;
        }
        int sent = replayer.replay(letters, options.target());
        out.println(sent + " dead letter(s) replayed");
    }

    private static String line(StoredDeadLetter letter) {
        String message = letter.message() == null ? "" : letter.message().lines().findFirst().orElse("");
        if (message.length() > MESSAGE_WIDTH) {
            message = message.substring(0, MESSAGE_WIDTH) + "…";
        }
        return String.format(Locale.ROOT, "%-10s %-16s %s/%s@%s  %s  %s", letter.coordinates(), letter.error(),
                letter.sourceTopic(), letter.sourcePartition(), letter.sourceOffset(), letter.failedAt(), message);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "(null)" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static Map<String, Object> clientSettings(Map<String, String> passThrough, String bootstrap) {
        Map<String, Object> settings = new HashMap<>(passThrough);
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return settings;
    }

    /** The command line after the verb. */
    record Options(DeadLetterFilter filter, String target, boolean dryRun) {

        private static final Set<String> FILTERS = Set.of("reason", "since", "until", "from-offset", "to-offset");
        private static final String USAGE = "usage: dlq list|replay [--reason R] [--since T] [--until T] [--from-offset N] "
                + "[--to-offset N], replay also [--to TOPIC] [--dry-run]";

        static Options parse(List<String> args, boolean replay) {
            Set<String> options = new HashSet<>(FILTERS);
            if (replay) {
                options.add("to");
            }
            CommandLine line = CommandLine.parse(USAGE, args, 0, 0, replay ? Set.of("dry-run") : Set.of(), options);
            DeadLetterFilter filter = new DeadLetterFilter(line.option("reason").orElse(null),
                    line.option("since").map(t -> instant("--since", t)).orElse(null),
                    line.option("until").map(t -> instant("--until", t)).orElse(null),
                    line.option("from-offset").map(o -> offset("--from-offset", o)).orElse(-1L),
                    line.option("to-offset").map(o -> offset("--to-offset", o)).orElse(-1L));
            return new Options(filter, line.option("to").orElse(null), line.has("dry-run"));
        }

        private static Instant instant(String option, String text) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(option + " takes an ISO-8601 instant such as 2026-12-01T00:00:00Z, not '" + text + "'");
            }
        }

        private static long offset(String option, String text) {
            try {
                long offset = Long.parseLong(text);
                if (offset >= 0) {
                    return offset;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(option + " takes an offset (0 or more), not '" + text + "'");
        }
    }
}

package com.clickhouse.analytics.bench.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.clickhouse.analytics.gateway.decode.BatchParser;
import com.clickhouse.analytics.gateway.decode.PayloadDecoder;
import com.clickhouse.analytics.gateway.decode.RawBatch;
import com.clickhouse.analytics.gateway.encode.PreparedRecord;
import com.clickhouse.analytics.gateway.encode.RecordEncoder;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.schema.record.EventCodec;

/**
 * CPU time per event of the gateway's own work on one thread — decode (transport and JSON),
 * normalize, encode the record — for the benchmark's requests, without HTTP or Kafka. Thread CPU time does not move with
 * the machine's load the way the end-to-end events/s do, so it is the figure to compare changes
 * with. Run with {@code ./cpa bench hotpath}.
 */
public final class HotPathCpu {

    public static void main(String[] args) throws Exception {
        List<byte[]> bodies = GatewayBenchmark.requests(64).stream().map(HotPathCpu::body).toList();
        PayloadDecoder decoder = new PayloadDecoder(20 << 20);
        BatchParser parser = new BatchParser(10_000, 20 << 20);
        EventNormalizer normalizer = new EventNormalizer();
        RecordEncoder encoder = new RecordEncoder(new EventCodec());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] stages = new long[3];
        for (int round = 0; round < Integer.getInteger("rounds", 8); round++) {
            Arrays.fill(stages, 0);
            long events = 0;
            long sink = 0;
            for (int i = 0; i < 3_000; i++) {
                byte[] body = bodies.get(i % bodies.size());
                long t0 = threads.getCurrentThreadCpuTime();
                RawBatch batch = parser.parse(decoder.decode(new PayloadDecoder.Encoded(body, "application/json", null, null, null)));
                long t1 = threads.getCurrentThreadCpuTime();
                var normalized = normalizer.normalize(batch, GatewayBenchmark.KEY,
                        new EventNormalizer.Context(Instant.now(), "127.0.0.1", "posthog-node/4.2.0", null, null));
                long t2 = threads.getCurrentThreadCpuTime();
                for (PreparedRecord record : encoder.encode(normalized.accepted())) {
                    sink += record.size();
                }
                long t3 = threads.getCurrentThreadCpuTime();
                stages[0] += t1 - t0;
                stages[1] += t2 - t1;
                stages[2] += t3 - t2;
                events += normalized.accepted().size();
            }
            System.out.printf(Locale.ROOT, "round %d: ns/event CPU: decode %.0f, normalize %.0f, encode %.0f, total %.0f (%d)%n", round,
                    stages[0] / (double) events, stages[1] / (double) events, stages[2] / (double) events,
                    (stages[0] + stages[1] + stages[2]) / (double) events, sink % 10);
        }
    }

    private static byte[] body(byte[] request) {
        for (int i = 0; i + 3 < request.length; i++) {
            if (request[i] == '\r' && request[i + 1] == '\n' && request[i + 2] == '\r' && request[i + 3] == '\n') {
                return Arrays.copyOfRange(request, i + 4, request.length);
            }
        }
        throw new IllegalArgumentException("no header end");
    }
}

package com.clickhouse.analytics.bench.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's load generator: keep-alive HTTP/1.1 connections, one request in flight on each,
 * the next sent as soon as the previous answer is read — all driven by one selector thread, like
 * wrk. It shares the machine with what it measures, so it should cost little: it takes half the CPU
 * per event that 100 blocking threads did (see docs/performance-log.md, "Gateway session 3").
 */
final class LoadDriver {

    /** What the measured window saw. */
    record Window(long okRequests, long otherRequests, long[] latencyNanos) {
    }

    private final InetSocketAddress address;
    private final List<byte[]> requests;

    LoadDriver(int port, List<byte[]> requests) {
        this.address = new InetSocketAddress("127.0.0.1", port);
        this.requests = requests;
    }

    /**
     * Drives {@code connections} connections for {@code warmupNanos}, then measures for
     * {@code measureNanos}; {@code atMeasureStart} and {@code atMeasureEnd} run on this thread at the
     * window's edges.
     */
    Window run(int connections, long warmupNanos, long measureNanos, Runnable atMeasureStart, Runnable atMeasureEnd) throws IOException {
        try (Selector selector = Selector.open()) {
            Connection[] all = new Connection[connections];
            for (int c = 0; c < connections; c++) {
                SocketChannel channel = SocketChannel.open(address);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                all[c] = new Connection(channel, c);
                all[c].key = channel.register(selector, 0, all[c]);
            }
            long measureFrom = System.nanoTime() + warmupNanos;
            long measureTo = measureFrom + measureNanos;
            boolean measuring = false;
            long ok = 0;
            long other = 0;
            long[] latencies = new long[1 << 20];
            int samples = 0;
            for (Connection c : all) {
                c.send(System.nanoTime());
            }
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= measureFrom) {
                    measuring = true;
                    atMeasureStart.run();
                }
                if (now >= measureTo) {
                    atMeasureEnd.run();
                    break;
                }
                selector.select(10);
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    if (key.isWritable()) {
                        c.write();
                    }
                    if (key.isReadable()) {
                        int status = c.read();
                        if (status > 0) {
                            long done = System.nanoTime();
                            if (measuring) {
                                if (status == 200) {
                                    ok++;
                                } else {
                                    other++;
                                }
                                if (samples < latencies.length) {
                                    latencies[samples++] = done - c.sentAt;
                                }
                            }
                            c.send(done);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            for (Connection c : all) {
                c.channel.close();
            }
            return new Window(ok, other, Arrays.copyOf(latencies, samples));
        }
    }

    /** One connection: the request being written, then the answer being read. */
    private final class Connection {
        final SocketChannel channel;
        SelectionKey key;
        private int next;
        private ByteBuffer out;
        private final ByteBuffer in = ByteBuffer.allocate(8192);
        long sentAt;

        Connection(SocketChannel channel, int first) {
            this.channel = channel;
            this.next = first;
        }

        void send(long now) throws IOException {
            out = ByteBuffer.wrap(requests.get(next++ % requests.size()));
            sentAt = now;
            write();
        }

        void write() throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        /** The status once a whole answer is in, else 0. */
        int read() throws IOException {
            if (channel.read(in) < 0) {
                throw new IOException("the gateway closed a connection");
            }
            int headerEnd = headerEnd(in.array(), in.position());
            if (headerEnd < 0) {
                return 0;
            }
            String head = new String(in.array(), 0, headerEnd, StandardCharsets.ISO_8859_1);
            int total = headerEnd + 4 + contentLength(head);
            if (in.position() < total) {
                return 0;
            }
            if (in.position() > total) {
                throw new IOException("an answer nobody asked for");
            }
            in.clear();
            return Integer.parseInt(head.substring(9, 12));
        }
    }

    private static int headerEnd(byte[] b, int length) {
        for (int i = 0; i + 3 < length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int contentLength(String head) {
        int at = head.toLowerCase(Locale.ROOT).indexOf("\r\ncontent-length:");
        if (at < 0) {
            return 0;
        }
        int end = head.indexOf('\r', at + 2);
        return Integer.parseInt(head.substring(at + 17, end < 0 ? head.length() : end).strip());
    }
}

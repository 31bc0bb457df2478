package com.clickhouse.analytics.local.chdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pump against a real FIFO, with a Java reader standing in for the engine (the gzip framing is
 * checked by {@link GZIPInputStream}, as strict about a cut-off stream as the engine's zlib).
 */
@Timeout(30)
class BodyPumpTest {

    @TempDir
    Path dir;

    @AfterEach
    void noPipeLeftBehind() throws IOException {
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "pipes left in " + dir);
        }
    }

    @Test
    void theReaderGetsTheHeadThenTheBodyInAValidGzipStream() throws Exception {
        byte[] body = random(5_000_000); // many stored blocks, more than a pipe holds
        byte[] head = "INSERT INTO t FORMAT RowBinary\nHEAD".getBytes();
        try (NamedPipe pipe = NamedPipe.create(dir)) {
            BodyPump pump = BodyPump.start(head, head.length - 4, 4, new ByteArrayInputStream(body), pipe, "q1");
            byte[] read;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(pipe.path()), 1 << 16)) {
                read = in.readAllBytes();
            }
            pump.readerGone();
            pump.await();
            assertArrayEquals("HEAD".getBytes(), java.util.Arrays.copyOf(read, 4));
            assertArrayEquals(body, java.util.Arrays.copyOfRange(read, 4, read.length));
        }
    }

    @Test
    void aBodyThatBreaksOffFailsTheReaderInsteadOfEndingTheStream() throws Exception {
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(random(300_000)), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset by peer");
            }
        });
        try (NamedPipe pipe = NamedPipe.create(dir)) {
            BodyPump pump = BodyPump.start(new byte[0], 0, 0, broken, pipe, "q2");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(pipe.path()))) {
                assertThrows(ZipException.class, in::readAllBytes); // "invalid block type", not end of file
            }
            pump.readerGone();
            IOException failure = assertThrows(IOException.class, pump::await);
            assertEquals("connection reset by peer", failure.getMessage());
        }
    }

    @Test
    void aReaderThatNeverComesDoesNotHoldThePumpAndTheBodyIsStillConsumed() throws Exception {
        CountingStream body = new CountingStream(new ByteArrayInputStream(random(2_000_000)));
        try (NamedPipe pipe = NamedPipe.create(dir)) {
            BodyPump pump = BodyPump.start(new byte[0], 0, 0, body, pipe, "q3");
            Thread.sleep(50); // the pump is polling for a reader
            pump.readerGone(); // as when the engine rejects the statement before opening the file
            pump.await();
            assertEquals(2_000_000, body.count);
        }
    }

    @Test
    void aReaderThatStopsEarlyEndsThePumpsWritesAndTheBodyIsStillConsumed() throws Exception {
        CountingStream body = new CountingStream(new ByteArrayInputStream(random(8_000_000)));
        try (NamedPipe pipe = NamedPipe.create(dir)) {
            BodyPump pump = BodyPump.start(new byte[0], 0, 0, body, pipe, "q4");
            try (InputStream in = Files.newInputStream(pipe.path())) {
                in.readNBytes(10_000); // as an engine that fails on a bad row and closes the file
            }
            pump.readerGone();
            pump.await(); // EPIPE, then the rest of the body is read and dropped
            assertEquals(8_000_000, body.count);
        }
    }

    @Test
    void aClientThatStopsSendingIsReportedAsStalledOnlyWhileThePumpWaitsForIt() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        InputStream stalling = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    if (!released.await(20, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                throw new IOException("connection closed by the watchdog");
            }
        };
        try (NamedPipe pipe = NamedPipe.create(dir)) {
            BodyPump pump = BodyPump.start(new byte[0], 0, 0, stalling, pipe, "q5");
            long timeout = Duration.ofMillis(100).toNanos();
            assertFalse(pump.stalled(timeout, System.nanoTime()), "waiting for a reader is not a stall");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(pipe.path()))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!pump.stalled(timeout, System.nanoTime()) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(pump.stalled(timeout, System.nanoTime()));
                released.countDown(); // what closing the connection does to a blocked read
                assertThrows(ZipException.class, in::readAllBytes);
            }
            pump.readerGone();
            assertThrows(IOException.class, pump::await);
            assertFalse(pump.stalled(timeout, System.nanoTime()));
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static final class CountingStream extends InputStream {
        private final InputStream in;
        long count;

        CountingStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }
    }
}

package com.clickhouse.analytics.local.chdb;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;

/**
 * Moves an insert body into a {@link NamedPipe} on its own thread while the engine reads the other
 * end ({@code INSERT … FROM INFILE '<pipe>' COMPRESSION 'gzip'}), so parsing overlaps receiving and
 * the body is never held whole, in memory or on disk.
 *
 * <p>The bytes go through the pipe as a gzip stream of <em>stored</em> (uncompressed) deflate blocks:
 * almost free to write and to read, and it gives the stream an end the engine checks. A body that
 * cannot be read to its end (the client went away, a corrupt compressed block, a read timeout) gets
 * an invalid deflate block instead of the trailer, so the engine's query fails rather than
 * committing the rows that did arrive; a plain pipe would just show the engine an early end of file.
 *
 * <p>Failure semantics: the pump always ends. If the engine stops reading (its query failed), writes
 * fail with {@code EPIPE} and the rest of the body is read and dropped, so the client still gets the
 * engine's error on an intact connection. If the engine finishes without opening the pipe,
 * {@link #readerGone()} stops the pump from waiting for it.
 */
final class BodyPump {

    private static final int STORED_MAX = 65_535; // the largest stored deflate block
    private static final int CHUNK = 1 << 20;
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final byte[] FINAL_EMPTY_BLOCK = {1, 0, 0, (byte) 0xff, (byte) 0xff};
    private static final byte[] INVALID_BLOCK = {7}; // BFINAL=1, BTYPE=11 (reserved): "invalid block type"
    private static final long NOT_READING = Long.MIN_VALUE;

    private final byte[] head;
    private final int headOffset;
    private final int headLength;
    private final InputStream body;
    private final NamedPipe pipe;
    private final Thread thread;
    private final CRC32 crc = new CRC32();
    private final byte[] blockHeader = new byte[5];
    private volatile boolean readerGone;
    private volatile long readingSince = NOT_READING; // System.nanoTime() when the pending body read began
    private IOException bodyFailure; // written by the pump thread, read after join()
    private long size;

    private BodyPump(byte[] head, int headOffset, int headLength, InputStream body, NamedPipe pipe, String name) {
        this.head = head;
        this.headOffset = headOffset;
        this.headLength = headLength;
        this.body = body;
        this.pipe = pipe;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
    }

    /** Starts pumping {@code head[offset, offset + length)} and then the rest of {@code body} into {@code pipe}. */
    static BodyPump start(byte[] head, int offset, int length, InputStream body, NamedPipe pipe, String queryId) {
        BodyPump pump = new BodyPump(head, offset, length, body, pipe, "insert-body-" + queryId);
        pump.thread.start();
        return pump;
    }

    /** The engine's query has ended: nobody will open the pipe for reading any more. */
    void readerGone() {
        readerGone = true;
    }

    /**
     * Whether the pump has been waiting longer than {@code timeoutNanos} for the client to send more
     * of the body (time spent waiting for the engine to take bytes does not count). A stalled client
     * would otherwise hold the engine, which runs one query at a time, for as long as it likes.
     */
    boolean stalled(long timeoutNanos, long nowNanos) {
        long since = readingSince;
        return since != NOT_READING && nowNanos - since > timeoutNanos;
    }

    /** Waits for the pump to finish; throws the failure to read the body, if there was one. */
    void await() throws IOException {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the request body", e);
        }
        if (bodyFailure != null) {
            throw bodyFailure;
        }
    }

    private void run() {
        NamedPipe.Writer out = null;
        try {
            out = pipe.openWriter(() -> readerGone);
        } catch (IOException e) {
            bodyFailure = e;
        }
        byte[] chunk = new byte[CHUNK];
        try {
            if (out != null) {
                out = pumpOrDrop(out, chunk);
            }
            drain(chunk); // the engine stopped reading: take the rest of the body so the client gets its answer
        } catch (IOException e) {
            bodyFailure = e;
            poison(out);
        } catch (RuntimeException | Error e) {
            bodyFailure = new IOException("request body: " + e, e);
            poison(out);
        } finally {
            if (out != null) {
                out.close();
            }
        }
    }

    /**
     * Writes the whole body; returns {@code null} once it is all written (the pipe closed) or as
     * soon as the pipe refuses a write, the reader being gone.
     */
    private NamedPipe.Writer pumpOrDrop(NamedPipe.Writer out, byte[] chunk) throws IOException {
        try {
            out.write(GZIP_HEADER, 0, GZIP_HEADER.length);
            stored(out, head, headOffset, headLength);
        } catch (PipeClosed e) {
            out.close();
            return null;
        }
        for (int n; (n = read(chunk)) >= 0; ) { // a read failure propagates: the caller poisons the stream
            try {
                stored(out, chunk, 0, n);
            } catch (PipeClosed e) {
                out.close();
                return null;
            }
        }
        try {
            out.write(FINAL_EMPTY_BLOCK, 0, FINAL_EMPTY_BLOCK.length);
            byte[] trailer = new byte[8];
            putIntLE(trailer, 0, (int) crc.getValue());
            putIntLE(trailer, 4, (int) size);
            out.write(trailer, 0, trailer.length);
            out.flush();
        } catch (IOException e) {
            // the engine ended early although the body was whole: its own error says why
        }
        out.close();
        return null;
    }

    private void stored(NamedPipe.Writer out, byte[] bytes, int offset, int length) throws PipeClosed {
        crc.update(bytes, offset, length);
        size += length;
        try {
            while (length > 0) {
                int n = Math.min(length, STORED_MAX);
                blockHeader[0] = 0; // BFINAL=0, BTYPE=00: stored
                blockHeader[1] = (byte) n;
                blockHeader[2] = (byte) (n >>> 8);
                blockHeader[3] = (byte) ~n;
                blockHeader[4] = (byte) (~n >>> 8);
                out.write(blockHeader, 0, blockHeader.length);
                out.write(bytes, offset, n);
                offset += n;
                length -= n;
            }
            out.flush(); // whatever arrived reaches the engine before the pump waits for the client again
        } catch (IOException e) {
            throw new PipeClosed();
        }
    }

    private void drain(byte[] chunk) throws IOException {
        while (read(chunk) >= 0) {
            // dropped: the engine's query already ended
        }
    }

    private int read(byte[] chunk) throws IOException {
        readingSince = System.nanoTime();
        try {
            return body.read(chunk);
        } finally {
            readingSince = NOT_READING;
        }
    }

    private static void poison(NamedPipe.Writer out) {
        if (out == null) {
            return;
        }
        try {
            out.write(INVALID_BLOCK, 0, INVALID_BLOCK.length);
            out.flush();
        } catch (IOException | RuntimeException ignored) {
            // the reader is gone already: nothing left to stop
        }
    }

    private static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** The engine closed its end of the pipe. */
    private static final class PipeClosed extends Exception {
        PipeClosed() {
            super(null, null, false, false);
        }
    }

    @Override
    public String toString() {
        return "BodyPump[" + pipe + ", " + size + " bytes]";
    }
}

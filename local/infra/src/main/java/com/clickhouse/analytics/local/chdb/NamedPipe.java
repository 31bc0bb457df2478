package com.clickhouse.analytics.local.chdb;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A FIFO in the file system, written from Java through libc (FFM), so the engine can read an insert
 * body with {@code FROM INFILE} while the body is still arriving.
 *
 * <p>Opening order cannot deadlock: the reader (the engine) opens with a plain blocking
 * {@code open(O_RDONLY)}, which waits for a writer; the writer never blocks in {@code open} — it
 * polls {@code open(O_WRONLY|O_NONBLOCK)} until a reader is there or until its caller says the
 * reader will never come (the query ended before opening the file). Once open, writes block (the
 * engine's pace is the body's pace); a reader that went away turns them into {@link IOException}s
 * ({@code EPIPE}), never a hang. Linux only.
 */
final class NamedPipe implements AutoCloseable {

    private static final int O_WRONLY = 1;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int EINTR = 4;
    private static final int ENXIO = 6;
    private static final int EPIPE = 32;
    private static final int PIPE_SIZE = 1 << 20; // the default pipe-max-size: fewer wake-ups per MB
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final Libc LIBC = new Libc();

    private final Path path;

    private NamedPipe(Path path) {
        this.path = path;
    }

    /** Makes a new FIFO (mode 0600) in {@code dir}. */
    static NamedPipe create(Path dir) throws IOException {
        Path path = dir.resolve("insert-" + UUID.randomUUID() + ".pipe").toAbsolutePath();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.STATE);
            int rc = LIBC.mkfifo(state, arena.allocateFrom(path.toString()), 0600);
            if (rc != 0) {
                throw new IOException("mkfifo " + path + " failed: errno " + Libc.errno(state));
            }
        }
        return new NamedPipe(path);
    }

    Path path() {
        return path;
    }

    /**
     * Opens the write end once a reader has opened the other end; returns {@code null} without
     * opening if {@code readerGone} becomes true first. Never gives up otherwise.
     */
    Writer openWriter(BooleanSupplier readerGone) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.STATE);
            MemorySegment name = arena.allocateFrom(path.toString());
            while (true) {
                int fd = LIBC.open(state, name, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
                if (fd >= 0) {
                    int flags = LIBC.fcntl(state, fd, F_GETFL, 0);
                    if (flags < 0 || LIBC.fcntl(state, fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                        int errno = Libc.errno(state);
                        LIBC.close(state, fd); // the reader sees an empty stream, which the pump's framing makes an error
                        throw new IOException("cannot make " + path + " blocking: errno " + errno);
                    }
                    LIBC.fcntl(state, fd, F_SETPIPE_SZ, PIPE_SIZE); // best effort: a smaller pipe only costs wake-ups
                    return new Writer(fd);
                }
                int errno = Libc.errno(state);
                if (readerGone.getAsBoolean()) {
                    return null;
                }
                // ENXIO: no reader yet. Anything else (say, out of file descriptors) is retried too, more
                // slowly: giving up would leave the engine blocked in open() for good.
                LockSupport.parkNanos(errno == ENXIO || errno == EINTR ? POLL_NANOS : RETRY_NANOS);
            }
        }
    }

    /** Removes the FIFO from the file system; open ends keep working. */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(path);
    }

    @Override
    public String toString() {
        return "NamedPipe[" + path + "]";
    }

    /** The write end: buffered, blocking writes from native memory; not thread-safe. */
    static final class Writer implements AutoCloseable {
        private static final int BUFFER = 256 * 1024;

        private final Arena arena = Arena.ofConfined();
        private final MemorySegment state = arena.allocate(Libc.STATE);
        private final MemorySegment buffer = arena.allocate(BUFFER);
        private int filled;
        private int fd;

        private Writer(int fd) {
            this.fd = fd;
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            while (length > 0) {
                if (filled == BUFFER) {
                    flush();
                }
                int n = Math.min(length, BUFFER - filled);
                MemorySegment.copy(bytes, offset, buffer, JAVA_BYTE, filled, n);
                filled += n;
                offset += n;
                length -= n;
            }
        }

        /** Writes out what is buffered; blocks while the pipe is full. */
        void flush() throws IOException {
            long done = 0;
            while (done < filled) {
                long written = LIBC.write(state, fd, buffer.asSlice(done), filled - done);
                if (written < 0) {
                    int errno = Libc.errno(state);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new IOException("write to the pipe failed: errno " + errno + (errno == EPIPE ? " (the reader is gone)" : ""));
                }
                done += written;
            }
            filled = 0;
        }

        /** Closes the write end without flushing: the reader sees end of file after what was flushed. */
        @Override
        public void close() {
            if (fd >= 0) {
                LIBC.close(state, fd);
                fd = -1;
                arena.close();
            }
        }
    }

    /** The libc calls above, with {@code errno} captured right after each. */
    private static final class Libc {
        private static final Linker LINKER = Linker.nativeLinker();
        static final MemoryLayout STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

        private final MethodHandle mkfifo = bind("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        private final MethodHandle open = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        private final MethodHandle fcntl = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        private final MethodHandle write = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        private final MethodHandle close = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        static int errno(MemorySegment state) {
            return (int) ERRNO.get(state, 0L);
        }

        int mkfifo(MemorySegment state, MemorySegment path, int mode) {
            try {
                return (int) mkfifo.invokeExact(state, path, mode);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        int open(MemorySegment state, MemorySegment path, int flags, int mode) {
            try {
                return (int) open.invokeExact(state, path, flags, mode);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        int fcntl(MemorySegment state, int fd, int command, int argument) {
            try {
                return (int) fcntl.invokeExact(state, fd, command, argument);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        long write(MemorySegment state, int fd, MemorySegment data, long length) {
            try {
                return (long) write.invokeExact(state, fd, data, length);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        void close(MemorySegment state, int fd) {
            try {
                int ignored = (int) close.invokeExact(state, fd); // nothing useful to do on failure
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            Linker.Option[] all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = CAPTURE;
            MemorySegment address = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new IllegalStateException("libc has no " + name));
            return LINKER.downcallHandle(address, descriptor, all);
        }

        private static RuntimeException unchecked(Throwable t) {
            if (t instanceof RuntimeException r) {
                return r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return new IllegalStateException(t);
        }
    }
}

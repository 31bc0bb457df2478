package com.clickhouse.analytics.local.chdb;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import com.github.luben.zstd.Zstd;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * ClickHouse's own compressed-block framing, used by the HTTP interface for {@code compress=1}
 * responses and {@code decompress=1} request bodies. Each block is
 * {@code checksum(16) | method(1) | compressed size incl. header(4, LE) | uncompressed size(4, LE) | data},
 * where the checksum is {@link CityHash128} of everything after it, low half first. Responses are
 * written with LZ4 (what a server sends); request blocks may be LZ4, ZSTD (client-v2's default
 * method) or uncompressed.
 */
final class Lz4BlockFraming {

    static final int BLOCK_SIZE = 1 << 20; // ClickHouse's DBMS_DEFAULT_BUFFER_SIZE: what a server sends
    private static final int HEADER = 9;
    private static final int CHECKSUM = 16;
    private static final byte METHOD_NONE = 0x02;
    private static final byte METHOD_LZ4 = (byte) 0x82;
    private static final byte METHOD_ZSTD = (byte) 0x90;
    private static final int MAX_BLOCK = 1 << 30;

    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    private Lz4BlockFraming() {
    }

    /** Compresses what is written into blocks of at most {@link #BLOCK_SIZE} uncompressed bytes. */
    static OutputStream compressing(OutputStream out) {
        return new CompressingStream(out, LZ4.fastCompressor());
    }

    /** Reads a framed stream back; a checksum mismatch or unknown method is an {@link IOException}. */
    static InputStream decompressing(InputStream in) {
        return new DecompressingStream(in, LZ4.safeDecompressor());
    }

    private static final class CompressingStream extends FilterOutputStream {
        private final LZ4Compressor compressor;
        private final byte[] block = new byte[BLOCK_SIZE];
        private final byte[] frame;
        private int filled;

        CompressingStream(OutputStream out, LZ4Compressor compressor) {
            super(out);
            this.compressor = compressor;
            this.frame = new byte[CHECKSUM + HEADER + compressor.maxCompressedLength(BLOCK_SIZE)];
        }

        @Override
        public void write(int b) throws IOException {
            if (filled == block.length) {
                emit();
            }
            block[filled++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (filled == block.length) {
                    emit();
                }
                int n = Math.min(len, block.length - filled);
                System.arraycopy(b, off, block, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            emit();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                emit();
            } finally {
                out.close();
            }
        }

        private void emit() throws IOException {
            if (filled == 0) {
                return;
            }
            int compressed = compressor.compress(block, 0, filled, frame, CHECKSUM + HEADER);
            frame[CHECKSUM] = METHOD_LZ4;
            putIntLE(frame, CHECKSUM + 1, compressed + HEADER);
            putIntLE(frame, CHECKSUM + 5, filled);
            long[] hash = CityHash128.hash(frame, CHECKSUM, compressed + HEADER);
            putLongLE(frame, 0, hash[0]);
            putLongLE(frame, 8, hash[1]);
            out.write(frame, 0, CHECKSUM + HEADER + compressed);
            filled = 0;
        }
    }

    private static final class DecompressingStream extends InputStream {
        private final InputStream in;
        private final LZ4SafeDecompressor decompressor;
        private byte[] frame = new byte[0];
        private byte[] block = new byte[0];
        private int position;
        private int limit;

        DecompressingStream(InputStream in, LZ4SafeDecompressor decompressor) {
            this.in = in;
            this.decompressor = decompressor;
        }

        @Override
        public int read() throws IOException {
            if (position == limit && !nextBlock()) {
                return -1;
            }
            return block[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position == limit && !nextBlock()) {
                return -1;
            }
            int n = Math.min(len, limit - position);
            System.arraycopy(block, position, b, off, n);
            position += n;
            return n;
        }

        private boolean nextBlock() throws IOException {
            byte[] head = new byte[CHECKSUM + HEADER];
            int first = in.readNBytes(head, 0, head.length);
            if (first == 0) {
                return false;
            }
            if (first < head.length) {
                throw new EOFException("truncated compressed block header");
            }
            int compressedWithHeader = getIntLE(head, CHECKSUM + 1);
            int uncompressed = getIntLE(head, CHECKSUM + 5);
            if (compressedWithHeader < HEADER || compressedWithHeader > MAX_BLOCK || uncompressed < 0 || uncompressed > MAX_BLOCK) {
                throw new IOException("corrupt compressed block sizes: " + compressedWithHeader + "/" + uncompressed);
            }
            if (frame.length < compressedWithHeader) {
                frame = new byte[compressedWithHeader];
            }
            System.arraycopy(head, CHECKSUM, frame, 0, HEADER);
            if (in.readNBytes(frame, HEADER, compressedWithHeader - HEADER) < compressedWithHeader - HEADER) {
                throw new EOFException("truncated compressed block");
            }
            long[] hash = CityHash128.hash(frame, 0, compressedWithHeader);
            if (hash[0] != getLongLE(head, 0) || hash[1] != getLongLE(head, 8)) {
                throw new IOException("checksum mismatch in compressed block");
            }
            if (block.length < uncompressed) {
                block = new byte[uncompressed];
            }
            switch (frame[0]) {
                case METHOD_LZ4 -> {
                    int n = decompressor.decompress(frame, HEADER, compressedWithHeader - HEADER, block, 0, uncompressed);
                    if (n != uncompressed) {
                        throw new IOException("compressed block decoded to " + n + " bytes, header said " + uncompressed);
                    }
                }
                case METHOD_ZSTD -> {
                    long n = Zstd.decompressByteArray(block, 0, uncompressed, frame, HEADER, compressedWithHeader - HEADER);
                    if (Zstd.isError(n) || n != uncompressed) {
                        throw new IOException("corrupt ZSTD block: " + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes"));
                    }
                }
                case METHOD_NONE -> System.arraycopy(frame, HEADER, block, 0, uncompressed);
                default -> throw new IOException(String.format("unsupported compression method 0x%02x", frame[0] & 0xff));
            }
            position = 0;
            limit = uncompressed;
            return limit > 0 || nextBlock();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static void putLongLE(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static int getIntLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static long getLongLE(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }
}

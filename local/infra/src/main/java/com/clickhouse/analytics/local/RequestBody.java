package com.clickhouse.analytics.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

import net.jpountz.lz4.LZ4FrameInputStream;

/**
 * A request body as the engine should see it: {@code Content-Encoding} undone (gzip, deflate, lz4
 * frame), then ClickHouse's block framing when the client sent {@code decompress=1}. Large bodies go
 * to a spool file instead of the heap.
 */
final class RequestBody {

    private RequestBody() {
    }

    static InputStream decoded(InputStream raw, QueryRequest request) throws IOException {
        InputStream in = raw;
        String encoding = request.contentEncoding();
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            in = switch (encoding.strip().toLowerCase(Locale.ROOT)) {
                case "gzip", "x-gzip" -> new GZIPInputStream(in, 64 * 1024);
                case "deflate" -> new InflaterInputStream(in);
                case "lz4" -> new LZ4FrameInputStream(in);
                default -> throw new ClickHouseException(new ClickHouseError(1, "UNSUPPORTED_METHOD",
                        "Code: 1. DB::Exception: Unknown HTTP Content-Encoding '" + encoding + "'. (UNSUPPORTED_METHOD)"));
            };
        }
        return request.decompressRequest() ? Lz4BlockFraming.decompressing(in) : in;
    }

    /** Copies {@code head} and then the rest of {@code in} to a new file in {@code spoolDir}. */
    static Path spool(byte[] head, int offset, int length, InputStream in, Path spoolDir) throws IOException {
        Path file = Files.createTempFile(spoolDir, "insert-", ".data");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(head, offset, length);
            in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }

    /** Reads up to {@code limit} bytes (fewer only at end of stream). */
    static byte[] readUpTo(InputStream in, int limit) throws IOException {
        return in.readNBytes(limit);
    }
}

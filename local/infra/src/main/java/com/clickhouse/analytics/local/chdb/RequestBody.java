package com.clickhouse.analytics.local.chdb;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

import net.jpountz.lz4.LZ4FrameInputStream;

/**
 * A request body as the engine should see it: {@code Content-Encoding} undone (gzip, deflate, lz4
 * frame), then ClickHouse's block framing when the client sent {@code decompress=1}. Decoding
 * streams: nothing here holds a whole body.
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

    /** Reads up to {@code limit} bytes (fewer only at end of stream). */
    static byte[] readUpTo(InputStream in, int limit) throws IOException {
        return in.readNBytes(limit);
    }
}

package com.clickhouse.analytics.gateway.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;

/**
 * Turns a request body into the JSON it carries: undoes the transport encoding, a form wrapper,
 * base64 and gzip — in the combinations PostHog SDKs and the original's clients send — and checks
 * that the result is UTF-8. Reading the JSON is the next step's job ({@link BatchParser}).
 *
 * <ul>
 *   <li>{@code Content-Encoding: gzip | x-gzip | deflate | identity}; anything else is a 415.</li>
 *   <li>{@code application/x-www-form-urlencoded} (or any body starting {@code data=}):
 *       {@code data} holds the payload, {@code compression} a hint — as {@code sendBeacon} and old
 *       SDKs send it. GET requests carry the same in the query string.</li>
 *   <li>Hints {@code compression=gzip-js|gzip|base64} from the query or form; {@code lz64} /
 *       {@code lz-string} is a 415 (no maintained Java implementation); unknown hints are ignored,
 *       as PostHog does.</li>
 *   <li>gzip is recognized by its magic bytes whatever the hint says; a body that is entirely base64
 *       is decoded.</li>
 * </ul>
 *
 * <p>Every stage is capped at {@code maxBytes}: a gzip bomb is a 413 after reading at most
 * {@code maxBytes + 1} bytes of output, never an out-of-memory. Thread-safe.
 */
public final class PayloadDecoder {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final int maxBytes;

    public PayloadDecoder(int maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /**
     * What arrived, before any decoding.
     *
     * @param body            request body (may be empty)
     * @param contentType     {@code Content-Type} header, if any
     * @param contentEncoding {@code Content-Encoding} header, if any
     * @param compression     {@code compression} query parameter, if any
     * @param queryData       {@code data} query parameter (GET requests), if any
     */
    public record Encoded(byte[] body, String contentType, String contentEncoding, String compression, String queryData) {
    }

    /**
     * The request's JSON text, {@code bytes[0, length)}, valid UTF-8 (not yet known to be JSON).
     * The array may be the request body itself.
     */
    public record Json(byte[] bytes, int length) {
    }

    /** The request's JSON, every wrapper removed, or the error that says why there is none. */
    public Json decode(Encoded request) throws GatewayError {
        Bytes json = unwrap(request);
        if (!Utf8.isValid(json.array, json.length)) {
            throw GatewayError.badRequest("invalid UTF-8 in the payload");
        }
        return new Json(json.array, json.length);
    }

    /** The request's JSON text, every wrapper removed. */
    Bytes unwrap(Encoded request) throws GatewayError {
        Bytes data;
        if (request.body() != null && request.body().length > 0) {
            data = new Bytes(request.body(), request.body().length);
        } else if (request.queryData() != null && !request.queryData().isEmpty()) {
            data = Bytes.of(request.queryData());
        } else {
            throw GatewayError.badRequest("empty payload");
        }
        data = contentDecode(data, request.contentEncoding());

        String compression = lower(request.compression());
        if (isForm(request.contentType(), data)) {
            Form form = Form.parse(data, maxBytes);
            if (form.data != null && !form.data.isEmpty()) {
                data = Bytes.of(form.data);
            } else if (!data.looksLikeBase64()) {
                throw GatewayError.badRequest("form body without a 'data' field");
            }
            if (form.compression != null) {
                compression = lower(form.compression);
            }
        }

        if (compression != null) {
            switch (compression) {
                case "lz64", "lz-string", "lzstring" -> throw new GatewayError(Kind.UNSUPPORTED_ENCODING,
                        "compression '" + compression + "' (lz-string) is not supported: send gzip-js, gzip or plain JSON");
                case "base64" -> data = base64(data, true);
                case "gzip", "gzip-js" -> {
                    if (!data.isGzip()) {
                        // posthog-js may base64-wrap a compressed body in a form field.
                        Bytes decoded = data.looksLikeBase64() ? base64(data, false) : null;
                        if (decoded == null || !decoded.isGzip()) {
                            throw GatewayError.badRequest("compression=" + compression + " but the body is not gzip data");
                        }
                        data = decoded;
                    }
                }
                default -> {
                    // Unknown hints are ignored; the bytes themselves decide below.
                }
            }
        }
        if (data.isGzip()) {
            data = gunzip(data);
        } else if (data.looksLikeBase64()) {
            // Only when the result looks like what a client would have encoded: anything else is
            // left as it was and fails as what it is.
            Bytes decoded = base64(data, false);
            if (decoded != null && decoded.isGzip()) {
                data = gunzip(decoded);
            } else if (decoded != null && decoded.looksLikeJson()) {
                data = decoded;
            }
        }
        return data;
    }

    private Bytes contentDecode(Bytes data, String contentEncoding) throws GatewayError {
        String encoding = lower(contentEncoding);
        if (encoding == null || encoding.isEmpty() || encoding.equals("identity")) {
            return data;
        }
        return switch (encoding) {
            case "gzip", "x-gzip" -> gunzip(data);
            case "deflate" -> inflate(data);
            default -> throw new GatewayError(Kind.UNSUPPORTED_ENCODING,
                    "unsupported Content-Encoding '" + abbreviate(encoding) + "': send gzip, deflate or identity");
        };
    }

    private static boolean isForm(String contentType, Bytes data) {
        if (data.startsWith("{") || data.startsWith("[") || data.isGzip()) {
            return false; // `curl -d '{…}'` labels JSON as a form
        }
        if (contentType != null && contentType.regionMatches(true, 0, FORM, 0, FORM.length())) {
            return true;
        }
        return data.startsWith("data=") || data.startsWith("compression=") || data.startsWith("ver=") || data.startsWith("_=");
    }

    private Bytes gunzip(Bytes data) throws GatewayError {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data.array, 0, data.length), 8192)) {
            return readCapped(in, Math.max(1024, data.length * 4));
        } catch (ZipException | java.io.EOFException e) {
            throw GatewayError.badRequest("invalid gzip data");
        } catch (IOException e) {
            throw GatewayError.badRequest("invalid gzip data");
        }
    }

    private Bytes inflate(Bytes data) throws GatewayError {
        // "deflate" means zlib-wrapped; some clients send raw deflate. Try both.
        for (boolean nowrap : new boolean[] {false, true}) {
            Inflater inflater = new Inflater(nowrap);
            try {
                inflater.setInput(data.array, 0, data.length);
                byte[] out = new byte[Math.min(maxBytes + 1, Math.max(1024, data.length * 4))];
                int n = 0;
                while (!inflater.finished()) {
                    if (n == out.length) {
                        if (out.length > maxBytes) {
                            throw tooLarge();
                        }
                        out = Arrays.copyOf(out, (int) Math.min((long) maxBytes + 1, out.length * 2L));
                    }
                    int got = inflater.inflate(out, n, out.length - n);
                    if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        break;
                    }
                    n += got;
                }
                if (inflater.finished()) {
                    if (n > maxBytes) {
                        throw tooLarge();
                    }
                    return new Bytes(out, n);
                }
            } catch (DataFormatException e) {
                // try the other framing
            } finally {
                inflater.end();
            }
        }
        throw GatewayError.badRequest("invalid deflate data");
    }

    private Bytes readCapped(InputStream in, int initial) throws IOException, GatewayError {
        byte[] out = new byte[Math.min(initial, maxBytes + 1)];
        int n = 0;
        while (true) {
            if (n == out.length) {
                if (n > maxBytes) {
                    throw tooLarge();
                }
                out = Arrays.copyOf(out, (int) Math.min((long) maxBytes + 1, out.length * 2L));
            }
            int got = in.read(out, n, out.length - n);
            if (got < 0) {
                break;
            }
            n += got;
        }
        if (n > maxBytes) {
            throw tooLarge();
        }
        return new Bytes(out, n);
    }

    private GatewayError tooLarge() {
        return GatewayError.tooLarge("decoded payload exceeds " + maxBytes + " bytes (MAX_BATCH_BYTES)");
    }

    /** Base64 (standard or URL-safe, padding optional, line breaks allowed); null on failure if not strict. */
    private static Bytes base64(Bytes data, boolean strict) throws GatewayError {
        byte[] clean = new byte[data.length + 3];
        int n = 0;
        boolean urlSafe = false;
        for (int i = 0; i < data.length; i++) {
            byte b = data.array[i];
            if (b == '\r' || b == '\n' || b == '\t') {
                continue;
            }
            if (b == ' ') {
                b = '+'; // a form or query decoder turned '+' into ' '
            }
            if (b == '-' || b == '_') {
                urlSafe = true;
            }
            clean[n++] = b;
        }
        while (n > 0 && clean[n - 1] == '=') {
            n--;
        }
        if (n % 4 == 1) {
            if (strict) {
                throw GatewayError.badRequest("invalid base64 payload");
            }
            return null;
        }
        while (n % 4 != 0) {
            clean[n++] = '=';
        }
        try {
            byte[] decoded = (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(Arrays.copyOf(clean, n));
            return new Bytes(decoded, decoded.length);
        } catch (IllegalArgumentException e) {
            if (strict) {
                throw GatewayError.badRequest("invalid base64 payload");
            }
            return null;
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** A byte range {@code array[0, length)}. */
    static final class Bytes {
        final byte[] array;
        final int length;

        Bytes(byte[] array, int length) {
            this.array = array;
            this.length = length;
        }

        static Bytes of(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            return new Bytes(b, b.length);
        }

        boolean isGzip() {
            return length >= 2 && (array[0] & 0xff) == 0x1f && (array[1] & 0xff) == 0x8b;
        }

        boolean startsWith(String ascii) {
            if (length < ascii.length()) {
                return false;
            }
            for (int i = 0; i < ascii.length(); i++) {
                if (array[i] != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Entirely base64 alphabet (spaces count as '+' lost to form decoding); JSON never is. */
        boolean looksLikeBase64() {
            if (length < 4) {
                return false;
            }
            int first = array[0];
            if (first == '{' || first == '[' || first == '"') {
                return false;
            }
            for (int i = 0; i < length; i++) {
                int c = array[i];
                boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                        || c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == ' ' || c == '\r' || c == '\n';
                if (!ok) {
                    return false;
                }
            }
            return true;
        }

        boolean looksLikeJson() {
            for (int i = 0; i < length; i++) {
                byte b = array[i];
                if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                    return b == '{' || b == '[';
                }
            }
            return false;
        }

        String utf8() {
            return new String(array, 0, length, StandardCharsets.UTF_8);
        }
    }

    /** The two fields of a form body the gateway reads. */
    private record Form(String data, String compression) {

        static Form parse(Bytes body, int maxBytes) throws GatewayError {
            String text = body.utf8();
            String data = null;
            String compression = null;
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                try {
                    switch (name) {
                        case "data" -> data = URLDecoder.decode(value, StandardCharsets.UTF_8);
                        case "compression" -> compression = URLDecoder.decode(value, StandardCharsets.UTF_8);
                        default -> {
                            // ver=, _=, ip= …: not needed
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw GatewayError.badRequest("invalid URL encoding in form field '" + abbreviateName(name) + "'");
                }
            }
            if (data != null && data.length() > maxBytes) {
                throw GatewayError.tooLarge("form data exceeds " + maxBytes + " bytes (MAX_BATCH_BYTES)");
            }
            return new Form(data, compression);
        }

        private static String abbreviateName(String name) {
            return name.length() <= 20 ? name : name.substring(0, 20) + "…";
        }
    }
}

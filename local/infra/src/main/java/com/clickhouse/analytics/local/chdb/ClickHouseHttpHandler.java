package com.clickhouse.analytics.local.chdb;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import org.xnio.IoUtils;

/**
 * The ClickHouse HTTP interface in front of a {@link ChdbEngine}: {@code /ping}, and queries on
 * {@code /} by GET or POST, answering as a ClickHouse server does — the same headers, the same
 * statuses and error texts, {@code compress=1} block framing.
 *
 * <p>An insert whose statement names a {@code FORMAT} gets its data streamed to the engine through a
 * named pipe that the engine reads itself ({@code INSERT … FROM INFILE}), so a large body is never
 * held in memory or spooled, and parsing overlaps receiving. The
 * whole result is produced before the first byte is sent, so a failing query always gets a proper
 * error status (a server does the same with {@code wait_end_of_query=1}).
 */
final class ClickHouseHttpHandler implements HttpHandler {

    /** Bodies whose statement is not found within this prefix are treated as plain SQL. */
    private static final int STATEMENT_PREFIX = 1 << 20;
    private static final int COPY_CHUNK = 256 * 1024;
    private static final long WATCH_PERIOD_MILLIS = 500;

    private static final HttpString QUERY_ID = new HttpString("X-ClickHouse-Query-Id");
    private static final HttpString FORMAT = new HttpString("X-ClickHouse-Format");
    private static final HttpString TIMEZONE = new HttpString("X-ClickHouse-Timezone");
    private static final HttpString SUMMARY = new HttpString("X-ClickHouse-Summary");
    private static final HttpString DISPLAY_NAME = new HttpString("X-ClickHouse-Server-Display-Name");
    private static final HttpString EXCEPTION_CODE = new HttpString("X-ClickHouse-Exception-Code");

    private final ChdbEngine engine;
    private final String user;
    private final byte[] password;
    private final Path pipeDir;
    private final String timezone;
    private final Duration bodyReadTimeout;
    private final ScheduledExecutorService watchdog;

    /**
     * @param pipeDir where the named pipes of inserts live (empty when idle)
     * @param bodyReadTimeout how long an insert may wait for the client's next body bytes while it
     *        holds the engine; then the connection is closed and the insert fails (a ClickHouse
     *        server's {@code http_receive_timeout})
     * @param watchdog runs the stall checks
     */
    ClickHouseHttpHandler(ChdbEngine engine, String user, String password, Path pipeDir, String timezone,
                          Duration bodyReadTimeout, ScheduledExecutorService watchdog) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password").getBytes(StandardCharsets.UTF_8);
        this.pipeDir = Objects.requireNonNull(pipeDir, "pipeDir");
        this.timezone = Objects.requireNonNull(timezone, "timezone");
        this.bodyReadTimeout = Objects.requireNonNull(bodyReadTimeout, "bodyReadTimeout");
        if (bodyReadTimeout.isNegative() || bodyReadTimeout.isZero()) {
            throw new IllegalArgumentException("bodyReadTimeout must be positive: " + bodyReadTimeout);
        }
        this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // the engine blocks: never on an I/O thread
            return;
        }
        exchange.startBlocking();
        String path = exchange.getRequestPath();
        boolean get = exchange.getRequestMethod().equals(Methods.GET);
        if (path.equals("/ping") || (path.equals("/") && get && exchange.getQueryString().isEmpty())) {
            sendText(exchange, 200, "Ok.\n");
            return;
        }
        if (!path.equals("/")) {
            sendText(exchange, 404, "There is no handle " + path + "\n");
            return;
        }
        String queryId = "";
        try {
            QueryRequest request = QueryRequest.from(exchange);
            queryId = request.queryId();
            authenticate(request);
            Execution execution = execute(request, RequestBody.decoded(exchange.getInputStream(), request),
                    exchange.getConnection());
            try (ChdbResult result = execution.result()) {
                respond(exchange, request, execution.format(), result);
            }
        } catch (ClickHouseException e) {
            fail(exchange, queryId, e.error());
        } catch (IOException e) {
            if (exchange.isResponseStarted()) {
                throw e; // the client went away mid-response; nothing left to tell it
            }
            fail(exchange, queryId, new ClickHouseError(1001, "STD_EXCEPTION",
                    "Code: 1001. DB::Exception: cannot read the request body: " + e.getMessage() + ". (STD_EXCEPTION)"));
        }
    }

    private record Execution(ChdbResult result, String format) {
    }

    private void authenticate(QueryRequest request) {
        boolean userMatches = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                request.user().getBytes(StandardCharsets.UTF_8));
        boolean passwordMatches = MessageDigest.isEqual(password, request.password().getBytes(StandardCharsets.UTF_8));
        if (!(userMatches && passwordMatches)) {
            throw new ClickHouseException(ClickHouseError.authenticationFailed(request.user()));
        }
    }

    private Execution execute(QueryRequest request, InputStream body, Closeable connection) throws IOException {
        if (request.queryParameter() != null) {
            SqlStatement statement = SqlStatement.of(request.queryParameter());
            if (statement.insert() && statement.format().isPresent() && statement.dataStart() >= statement.text().length()) {
                return insertStreaming(request, statement, new byte[0], 0, 0, body, connection);
            }
            String rest = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            String sql = rest.isEmpty() ? request.queryParameter() : request.queryParameter() + "\n" + rest;
            return query(request, SqlStatement.of(sql));
        }
        byte[] head = RequestBody.readUpTo(body, STATEMENT_PREFIX);
        // Latin-1 maps bytes one to one, so offsets found in this view are byte offsets.
        SqlStatement view = SqlStatement.of(new String(head, StandardCharsets.ISO_8859_1));
        if (view.insert() && view.format().isPresent()) {
            SqlStatement statement = SqlStatement.of(new String(head, 0, view.dataStart(), StandardCharsets.UTF_8));
            return insertStreaming(request, statement, head, view.dataStart(), head.length - view.dataStart(), body,
                    connection);
        }
        byte[] rest = body.readAllBytes();
        String sql = new String(head, StandardCharsets.UTF_8) + new String(rest, StandardCharsets.UTF_8);
        if (sql.isBlank()) {
            throw new ClickHouseException(new ClickHouseError(62, "SYNTAX_ERROR",
                    "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)"));
        }
        return query(request, SqlStatement.of(sql));
    }

    private Execution query(QueryRequest request, SqlStatement statement) {
        String format = statement.insert() ? request.defaultFormat() : statement.format().orElse(request.defaultFormat());
        ChdbResult result = engine.execute(request.database(), request.settings(), statement.text(), format,
                request.parameters());
        return new Execution(result, format);
    }

    /**
     * Streams the body to the engine through a named pipe: the engine parses while the body arrives.
     * Whatever happens, the pump ends before this returns, the pipe is gone, and an unreadable body
     * fails the query (see {@link BodyPump}).
     */
    private Execution insertStreaming(QueryRequest request, SqlStatement statement, byte[] head, int offset, int length,
                                      InputStream body, Closeable connection) throws IOException {
        try (NamedPipe pipe = NamedPipe.create(pipeDir)) {
            BodyPump pump = BodyPump.start(head, offset, length, body, pipe, request.queryId());
            ScheduledFuture<?> watch = watchdog.scheduleWithFixedDelay(() -> {
                if (pump.stalled(bodyReadTimeout.toNanos(), System.nanoTime())) {
                    IoUtils.safeClose(connection); // fails the pending read: the pump then fails the query
                }
            }, WATCH_PERIOD_MILLIS, WATCH_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            try {
                return runInsert(request, statement, pipe, pump);
            } finally {
                watch.cancel(false);
            }
        }
    }

    private Execution runInsert(QueryRequest request, SqlStatement statement, NamedPipe pipe, BodyPump pump)
            throws IOException {
        String sql = statement.withInfile(ChdbEngine.quoteString(pipe.path().toString()), "'gzip'");
        ChdbResult result;
        try {
            result = engine.execute(request.database(), request.settings(), sql, request.defaultFormat(),
                    request.parameters());
        } catch (RuntimeException e) {
            pump.readerGone();
            pump.await(); // a body that could not be read is the real cause; else the engine's error is
            throw e;
        }
        pump.readerGone();
        try {
            pump.await();
        } catch (IOException e) {
            result.close(); // not expected: a body that broke off fails the engine's read
            throw e;
        }
        return new Execution(result, request.defaultFormat());
    }

    private void respond(HttpServerExchange exchange, QueryRequest request, String format, ChdbResult result) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.put(DISPLAY_NAME, "cpa-local-clickhouse");
        headers.put(QUERY_ID, request.queryId());
        headers.put(FORMAT, format);
        headers.put(TIMEZONE, timezone);
        headers.put(SUMMARY, result.statistics().summaryJson());
        headers.put(Headers.CONTENT_TYPE, contentType(format));
        MemorySegment data = result.data();
        if (!request.compressResponse()) {
            exchange.setResponseContentLength(data.byteSize());
        }
        exchange.setStatusCode(200);
        OutputStream raw = exchange.getOutputStream();
        try (OutputStream out = request.compressResponse() ? Lz4BlockFraming.compressing(raw) : raw) {
            byte[] chunk = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, data.byteSize()))];
            for (long at = 0; at < data.byteSize(); at += chunk.length) {
                int n = (int) Math.min(chunk.length, data.byteSize() - at);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }

    private static void fail(HttpServerExchange exchange, String queryId, ClickHouseError error) throws IOException {
        if (exchange.isResponseStarted()) {
            throw new IOException("error after the response started: " + error.message());
        }
        var headers = exchange.getResponseHeaders();
        headers.put(DISPLAY_NAME, "cpa-local-clickhouse");
        if (!queryId.isEmpty()) {
            headers.put(QUERY_ID, queryId);
        }
        headers.put(EXCEPTION_CODE, Integer.toString(error.code()));
        // The error body is never block-compressed: client-v2 reads 401/403 bodies raw and falls
        // back to raw text for other statuses when the LZ4 magic is missing.
        sendText(exchange, error.httpStatus(), error.message() + "\n");
    }

    private static void sendText(HttpServerExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=UTF-8");
        exchange.setResponseContentLength(body.length);
        try (OutputStream out = exchange.getOutputStream()) {
            out.write(body);
        }
    }

    private static String contentType(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.startsWith("tabseparated") || f.startsWith("tsv")) {
            return "text/tab-separated-values; charset=UTF-8";
        }
        if (f.startsWith("csv")) {
            return "text/csv; charset=UTF-8; header=absent";
        }
        if (f.equals("json") || f.equals("jsoncompact") || f.startsWith("jsonstrings")) {
            return "application/json; charset=UTF-8";
        }
        if (f.startsWith("json")) {
            return "application/x-ndjson; charset=UTF-8";
        }
        if (f.startsWith("rowbinary") || f.startsWith("native") || f.startsWith("parquet") || f.startsWith("arrow")) {
            return "application/octet-stream";
        }
        return "text/plain; charset=UTF-8";
    }

    @Override
    public String toString() {
        return "ClickHouseHttpHandler[user " + user + ", pipes in " + pipeDir + ", body read timeout " + bodyReadTimeout + "]";
    }
}

package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that stall mid-request or sit idle are cut off by the read and idle timeouts. */
class SlowClientTest {

    private static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.start(Infrastructure.shared().kafkaBootstrapServers(), Map.of(),
                Map.of("gateway.http.read-timeout", "500ms", "gateway.http.idle-timeout", "1s"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void stalledBodyIsCutOff() throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /batch/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"api_key\":")
                    .getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertEquals(408, Http.status(s.getInputStream()));
            assertEquals(-1, s.getInputStream().read(), "connection closed after the 408");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 400 && ms < 5_000, "cut off after " + ms + " ms");
        }
    }

    @Test
    void stalledChunkedBodyIsCutOff() throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /batch/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n{\"api_key\":\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertClosedOrAnswered(s.getInputStream());
        }
    }

    @Test
    void slowButSteadyBodyIsAccepted() throws Exception {
        byte[] body = ("{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[{\"event\":\"slow\",\"distinct_id\":\"u1\"}]}")
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /batch/ HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // Seven pieces 200 ms apart: 1.2 s in all, more than twice the 500 ms read timeout, never
            // silent for it (with room for a slow scheduler on a loaded machine).
            int piece = body.length / 7 + 1;
            for (int at = 0; at < body.length; at += piece) {
                out.write(body, at, Math.min(piece, body.length - at));
                out.flush();
                if (at + piece < body.length) {
                    Thread.sleep(200);
                }
            }
            assertEquals(200, Http.status(s.getInputStream()));
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosed() throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertEquals(200, Http.status(in));
            long start = System.nanoTime();
            assertEquals(-1, in.read(), "server closed the idle connection");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5_000, "closed after " + ms + " ms");
        }
    }

    /** Either the connection closes, or the server answered with a 4xx before closing it. */
    private static void assertClosedOrAnswered(InputStream in) throws IOException {
        try {
            int first = in.read();
            if (first == -1) {
                return;
            }
            byte[] rest = in.readNBytes(11);
            String head = (char) first + new String(rest, StandardCharsets.US_ASCII);
            assertTrue(head.startsWith("HTTP/1.1 4"), head);
        } catch (java.net.SocketException reset) {
            // closed by the server
        }
    }

    /** Reads one response with Content-Length, returns its status. */
    static final class Http {
        static int status(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed before the response ended");
                }
                head.append((char) b);
            }
            String text = head.toString();
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            in.readNBytes(length);
            return Integer.parseInt(text.substring(9, 12));
        }
    }
}

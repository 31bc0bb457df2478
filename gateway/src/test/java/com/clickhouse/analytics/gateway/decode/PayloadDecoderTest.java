package com.clickhouse.analytics.gateway.decode;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

import com.clickhouse.analytics.gateway.CaptureRoundTripTest;
import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.TestGateway;
import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PayloadDecoderTest {

    static final String JSON = "{\"api_key\":\"k\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"d\",\"properties\":{\"x\":\"a b+c/d\"}}]}";
    private final PayloadDecoder decoder = new PayloadDecoder(4096);

    private String unwrap(byte[] body, String contentType, String encoding, String compression, String data) throws GatewayError {
        return decoder.unwrap(new PayloadDecoder.Encoded(body, contentType, encoding, compression, data)).utf8();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainGzipBase64AndForms() throws GatewayError {
        byte[] json = utf8(JSON);
        String b64 = Base64.getEncoder().encodeToString(json);
        assertEquals(JSON, unwrap(json, "application/json", null, null, null));
        assertEquals(JSON, unwrap(TestGateway.gzip(json), null, "gzip", null, null));
        assertEquals(JSON, unwrap(TestGateway.gzip(json), "text/plain", null, null, null), "gzip by magic bytes alone");
        assertEquals(JSON, unwrap(TestGateway.gzip(json), "text/plain", null, "gzip-js", null));
        assertEquals(JSON, unwrap(utf8(b64), "text/plain", null, null, null));
        assertEquals(JSON, unwrap(utf8(b64), "text/plain", null, "base64", null));
        assertEquals(JSON, unwrap(utf8("data=" + URLEncoder.encode(b64, StandardCharsets.UTF_8)),
                "application/x-www-form-urlencoded", null, null, null));
        assertEquals(JSON, unwrap(utf8("data=" + b64.replace('+', ' ')), "application/x-www-form-urlencoded", null, null, null),
                "'+' lost to form decoding is restored");
        assertEquals(JSON, unwrap(utf8("data=" + URLEncoder.encode(JSON, StandardCharsets.UTF_8)), null, null, null, null),
                "form recognized without a content type");
        assertEquals(JSON, unwrap(utf8(JSON), "application/x-www-form-urlencoded", null, null, null), "curl -d with JSON");
        assertEquals(JSON, unwrap(new byte[0], null, null, null, b64), "GET data=");
        assertEquals(JSON, unwrap(TestGateway.gzip(utf8(b64)), null, "gzip", "unknown-hint", null));
    }

    @Test
    void errors() {
        assertEquals(400, assertThrows(GatewayError.class, () -> unwrap(new byte[0], null, null, null, null)).status());
        assertEquals(415, assertThrows(GatewayError.class, () -> unwrap(utf8(JSON), null, "br", null, null)).status());
        assertEquals(415, assertThrows(GatewayError.class, () -> unwrap(utf8("abc"), null, null, "lz64", null)).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> unwrap(utf8(JSON), null, "gzip", null, null)).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> unwrap(utf8(JSON), null, null, "gzip-js", null)).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> unwrap(utf8("!!!"), null, null, "base64", null)).status());
        assertEquals(413, assertThrows(GatewayError.class, () -> unwrap(TestGateway.gzip(new byte[4097]), null, null, null, null)).status());
        assertEquals(413, assertThrows(GatewayError.class,
                () -> unwrap(CaptureRoundTripTest.deflate(new byte[100_000]), null, "deflate", null, null)).status());
        assertEquals(400, assertThrows(GatewayError.class, () -> decoder.decode(new PayloadDecoder.Encoded(
                new byte[] {'"', (byte) 0xc3, '"'}, null, null, null, null))).status(), "invalid UTF-8");
    }

    @Test
    void exactlyAtTheLimitIsAccepted() throws GatewayError {
        byte[] body = new byte[4096];
        java.util.Arrays.fill(body, (byte) ' ');
        body[0] = '[';
        body[4095] = ']';
        assertEquals(4096, decoder.unwrap(new PayloadDecoder.Encoded(TestGateway.gzip(body), null, null, null, null)).length);
    }

    @Test
    void utf8Validation() {
        assertEquals(true, Utf8.isValid(utf8("aé€😀 plain ascii text longer than eight"), utf8("aé€😀 plain ascii text longer than eight").length));
        for (byte[] bad : new byte[][] {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xe2, (byte) 0x82}, {(byte) 0xff}}) {
            assertEquals(false, Utf8.isValid(bad, bad.length));
        }
    }

    /**
     * The JDK's strict decoder is the reference: bytes of every kind at every offset of long ASCII
     * runs, so that each of the fast path's word sizes meets a non-ASCII byte at each of its lanes.
     */
    @Test
    void utf8ValidationAgreesWithTheJdkDecoder() {
        Random random = new Random(TestSeed.seed(7));
        byte[][] pieces = {utf8("é"), utf8("€"), utf8("😀"), {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xff}, {(byte) 0x80}};
        for (int n = 0; n < 20_000; n++) {
            byte[] b = new byte[1 + random.nextInt(100)];
            Arrays.fill(b, (byte) 'a');
            for (int k = random.nextInt(3); k > 0; k--) {
                byte[] piece = random.nextInt(4) == 0 ? new byte[] {(byte) random.nextInt(256)} : pieces[random.nextInt(pieces.length)];
                int at = random.nextInt(b.length);
                System.arraycopy(piece, 0, b, at, Math.min(piece.length, b.length - at));
            }
            int length = random.nextInt(b.length + 1);
            assertEquals(jdkAccepts(b, length), Utf8.isValid(b, length), () -> Arrays.toString(Arrays.copyOf(b, length)));
        }
    }

    private static boolean jdkAccepts(byte[] b, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}

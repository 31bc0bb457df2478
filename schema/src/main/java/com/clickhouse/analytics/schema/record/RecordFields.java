package com.clickhouse.analytics.schema.record;

import java.nio.charset.StandardCharsets;

/**
 * The bytes that open each field of a record, in the order {@link EventWriter} writes them and
 * {@link EventReader} expects them. Arrays for speed; never modified.
 */
final class RecordFields {

    /** Up to the uuid's text: {@code {"v":1,"uuid":"}. */
    static final byte[] START = ascii("{\"v\":" + EventCodec.VERSION + ",\"uuid\":\"");
    static final byte[] API_KEY = ascii(",\"api_key\":");
    static final byte[] EVENT = ascii(",\"event\":");
    static final byte[] DISTINCT_ID = ascii(",\"distinct_id\":");
    static final byte[] PROPERTIES = ascii(",\"properties\":");
    static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
    static final byte[] SENT_AT = ascii(",\"sent_at\":");
    static final byte[] RECEIVED_AT = ascii(",\"received_at\":");
    static final byte[] IP = ascii(",\"ip\":");
    static final byte[] USER_AGENT = ascii(",\"user_agent\":");
    static final byte[] SESSION_ID = ascii(",\"session_id\":");
    static final byte[] WINDOW_ID = ascii(",\"window_id\":");
    static final byte[] CURRENT_URL = ascii(",\"current_url\":");
    static final byte[] HOST = ascii(",\"host\":");
    static final byte[] ELEMENTS_CHAIN = ascii(",\"elements_chain\":");
    static final byte[] SET = ascii(",\"$set\":");
    static final byte[] SET_ONCE = ascii(",\"$set_once\":");
    static final byte[] ANON_DISTINCT_ID = ascii(",\"$anon_distinct_id\":");
    static final byte[] ALIAS = ascii(",\"alias\":");

    private RecordFields() {
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}

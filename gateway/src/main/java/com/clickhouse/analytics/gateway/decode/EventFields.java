package com.clickhouse.analytics.gateway.decode;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * The fields of one event object, collected while a reader streams over it — {@link BatchParser}'s
 * Jackson path or {@link BatchScanner}. The readers check JSON types by the member's
 * {@link CaptureField.Value}; the rules for which of two places a field is taken from live here,
 * once, so both readers give the same event.
 */
final class EventFields {

    private String event;
    private String distinctId;
    private String properties;
    private String timestamp;
    private Long offset;
    private String uuid;
    private boolean ignoreSentAt;
    /** Set by {@link BatchScanner}: the body's bytes for the strings it made. */
    Verbatim verbatim;
    private String token;
    private String propertiesToken;
    private String propertiesDistinctId;
    /** Pass-through values by record slot; the preferred members' apart, as they win. Made on first use. */
    private String[] passThrough;
    private String[] preferred;

    /** The value of member {@code field}, read as its {@link CaptureField.Value} says (a Long for an offset). */
    void set(CaptureField field, Object value) throws GatewayError {
        if (field.record() != null) {
            passThrough(field, (String) value);
            return;
        }
        switch (field.target()) {
            case EVENT -> event = (String) value;
            case DISTINCT_ID -> distinctId = (String) value;
            case PROPERTIES -> properties = (String) value;
            case TIMESTAMP -> timestamp = (String) value;
            case OFFSET -> offset = (Long) value;
            case UUID -> uuid = (String) value;
            case TOKEN -> token((String) value);
            // properties.token: any value but a non-empty string is ignored (see toEvent)
            case PROPERTIES_TOKEN -> propertiesToken = (String) value;
            // properties.distinct_id: an earlier $distinct_id wins
            case PROPERTIES_DISTINCT_ID -> {
                if (propertiesDistinctId == null) {
                    propertiesDistinctId = (String) value;
                }
            }
            // properties.$distinct_id: wins over distinct_id unless it is unusable
            case PROPERTIES_DOLLAR_DISTINCT_ID -> {
                if (value != null) {
                    propertiesDistinctId = (String) value;
                }
            }
            case IGNORE_SENT_AT -> ignoreSentAt = value == Boolean.TRUE;
            case null -> throw new IllegalArgumentException(field + " is not a member of an event");
        }
    }

    private void passThrough(CaptureField field, String value) {
        int slot = field.record().slot();
        if (field.preferred()) {
            if (preferred == null) {
                preferred = PassThrough.newValues();
            }
            preferred[slot] = value;
        } else {
            if (passThrough == null) {
                passThrough = PassThrough.newValues();
            }
            passThrough[slot] = value;
        }
    }

    /** {@code api_key} or {@code token} of the object; a second, different one is a 400. */
    private void token(String value) throws GatewayError {
        if (value != null) {
            if (token != null && !token.equals(value)) {
                throw mixedKeys();
            }
            token = value;
        }
    }

    String token() {
        return token;
    }

    RawBatch.RawEvent toEvent() throws GatewayError {
        String effectiveToken = token;
        if (propertiesToken != null && !propertiesToken.isEmpty()) {
            if (effectiveToken != null && !effectiveToken.equals(propertiesToken)) {
                throw mixedKeys();
            }
            effectiveToken = propertiesToken;
        }
        return new RawBatch.RawEvent(event,
                distinctId != null ? distinctId : propertiesDistinctId,
                properties == null ? "{}" : properties,
                timestamp, offset, uuid, effectiveToken, ignoreSentAt, passThrough(), verbatim);
    }

    private PassThrough passThrough() {
        if (passThrough == null && preferred == null) {
            return PassThrough.NONE;
        }
        String[] values = passThrough != null ? passThrough : PassThrough.newValues();
        if (preferred != null) {
            for (int i = 0; i < values.length; i++) {
                if (preferred[i] != null) {
                    values[i] = preferred[i];
                }
            }
        }
        return PassThrough.adopt(values);
    }

    private static GatewayError mixedKeys() {
        return GatewayError.badRequest("mixed api keys in one request");
    }
}

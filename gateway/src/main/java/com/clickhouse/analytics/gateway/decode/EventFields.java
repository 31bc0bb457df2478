package com.clickhouse.analytics.gateway.decode;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * The fields of one event object, collected while a reader streams over it — {@link BatchParser}'s
 * Jackson path or {@link BatchScanner}. The readers check JSON types; the rules for which of two
 * places a field is taken from live here, once, so both readers give the same event.
 */
final class EventFields {

    String event;
    String distinctId;
    String properties;
    String timestamp;
    Long offset;
    String uuid;
    String set;
    String setOnce;
    String elementsChain;
    String sessionId;
    String windowId;
    String currentUrl;
    String host;
    String anonDistinctId;
    String alias;
    boolean ignoreSentAt;
    /** Set by {@link BatchScanner}: the body's bytes for the strings it made. */
    Verbatim verbatim;
    private String token;
    private String propertiesToken;
    private String propertiesDistinctId;
    private String propertiesSet;
    private String propertiesSetOnce;

    /** {@code api_key} or {@code token} of the object; a second, different one is a 400. */
    void token(String value) throws GatewayError {
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

    /** {@code properties.token}: any value but a non-empty string is ignored. */
    void propertiesToken(String value) {
        propertiesToken = value;
    }

    /** {@code properties.distinct_id}: an earlier {@code $distinct_id} wins. */
    void propertiesDistinctId(String value) {
        if (propertiesDistinctId == null) {
            propertiesDistinctId = value;
        }
    }

    /** {@code properties.$distinct_id}: wins over {@code distinct_id} unless it is unusable. */
    void propertiesDollarDistinctId(String value) {
        if (value != null) {
            propertiesDistinctId = value;
        }
    }

    void propertiesSet(String value) {
        propertiesSet = value;
    }

    void propertiesSetOnce(String value) {
        propertiesSetOnce = value;
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
                timestamp, offset, uuid, effectiveToken,
                propertiesSet != null ? propertiesSet : set,
                propertiesSetOnce != null ? propertiesSetOnce : setOnce,
                sessionId, windowId, currentUrl, host, elementsChain, anonDistinctId, alias, ignoreSentAt, verbatim);
    }

    private static GatewayError mixedKeys() {
        return GatewayError.badRequest("mixed api keys in one request");
    }
}

package com.clickhouse.analytics.gateway.decode;

import com.clickhouse.analytics.gateway.GatewayError;

/**
 * How a capture route reads its decoded body into raw events: PostHog's capture JSON
 * ({@link BatchParser}) or Segment's tracking API ({@link SegmentParser}). Everything before
 * (transport decoding) and after (authorize, normalize, encode, send) is the same for both, so a
 * route differs from another only in its reader.
 */
@FunctionalInterface
public interface CaptureReader {

    /**
     * @param json          the body after {@link PayloadDecoder}
     * @param authorization the request's {@code Authorization} header, or null (Segment's write key
     *                      travels as its Basic-auth user; PostHog's readers ignore it)
     */
    RawBatch read(PayloadDecoder.Json json, String authorization) throws GatewayError;
}

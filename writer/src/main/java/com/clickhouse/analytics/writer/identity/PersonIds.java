package com.clickhouse.analytics.writer.identity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The person id of a distinct id nobody has linked yet, PostHog-like: the first 16 bytes of SHA-1
 * of the UTF-8 text {@code project + ":" + distinctId}, with the version nibble set to 5 and the
 * RFC 4122 variant (the original service's bits, over the distinct id alone). Any writer, any
 * time, gets the same id for the same distinct id of the same project, and another for the same
 * distinct id of another project.
 */
public final class PersonIds {

    /** One digest per thread: {@code MessageDigest.getInstance} per distinct id is a provider lookup each time. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    });

    private PersonIds() {
    }

    public static UUID deterministic(String project, String distinctId) {
        return sha1(project + ":" + distinctId);
    }

    /**
     * The id the writer derived before projects, from the distinct id alone: what events written
     * then carry for a distinct id that had no link (V009 and {@link IdentityResolver} override it).
     */
    public static UUID beforeProjects(String distinctId) {
        return sha1(distinctId);
    }

    private static UUID sha1(String text) {
        byte[] hash = SHA1.get().digest(text.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}

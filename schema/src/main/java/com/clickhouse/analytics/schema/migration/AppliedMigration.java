package com.clickhouse.analytics.schema.migration;

import java.time.Instant;

/**
 * One row of {@code schema_migrations} as a reader sees it with {@code FINAL}.
 *
 * @param version   the migration's version
 * @param name      the migration's name (the file name's part after {@code __})
 * @param checksum  the checksum of the file that was applied
 * @param appliedAt when it was recorded
 */
public record AppliedMigration(int version, String name, String checksum, Instant appliedAt) {
}

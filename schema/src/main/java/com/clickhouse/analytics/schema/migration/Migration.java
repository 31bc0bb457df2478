package com.clickhouse.analytics.schema.migration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.ops.config.DatabaseName;

/**
 * One versioned SQL migration file, {@code V<version>__<name>.sql}, e.g. {@code V001__init.sql}.
 *
 * <p>The checksum is the SHA-256 of the file's text with line endings normalized to {@code \n}
 * (a Windows checkout must not look like a changed file) and before {@code {{DATABASE}}} is
 * substituted (the same file has the same checksum in every database).
 *
 * @param version  the number after {@code V}, positive
 * @param name     the words after {@code __}
 * @param fileName the file's name, used in every message about it
 * @param sql      the file's text
 * @param checksum lower-case hex SHA-256, see above
 */
public record Migration(int version, String name, String fileName, String sql, String checksum) {

    /** The placeholder every migration writes instead of a database name. */
    public static final String DATABASE_PLACEHOLDER = "{{DATABASE}}";

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d{1,9})__([A-Za-z0-9_]+)\\.sql");

    public Migration {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(checksum, "checksum");
        if (version <= 0) {
            throw new IllegalArgumentException("migration version must be positive: " + fileName);
        }
    }

    /** Whether {@code fileName} looks like a migration at all ({@code V…__….sql}). */
    static boolean looksLikeMigration(String fileName) {
        return fileName.startsWith("V") && fileName.endsWith(".sql");
    }

    /** Parses the name and fingerprints the text of one file. */
    public static Migration of(String fileName, String sql) throws MigrationException {
        Matcher m = FILE_NAME.matcher(fileName);
        if (!m.matches()) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION, "migration file name " + fileName
                    + " does not match V<version>__<name>.sql (letters, digits and '_' in the name)");
        }
        int version = Integer.parseInt(m.group(1));
        if (version == 0) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "migration " + fileName + ": versions start at 1");
        }
        return new Migration(version, m.group(2), fileName, sql, checksumOf(sql));
    }

    /** The statements of this file for {@code database}, in order, each without its {@code ;}. */
    public List<SqlStatement> statements(DatabaseName database) throws MigrationException {
        return SqlStatementSplitter.split(fileName, sql.replace(DATABASE_PLACEHOLDER, database.value()));
    }

    static String checksumOf(String sql) {
        String normalized = sql.replace("\r\n", "\n");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(normalized.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return fileName;
    }
}

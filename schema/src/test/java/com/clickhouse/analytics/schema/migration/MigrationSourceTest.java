package com.clickhouse.analytics.schema.migration;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.clickhouse.analytics.ops.config.DatabaseName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationSourceTest {

    /**
     * Tables a migration may INSERT … SELECT into: their states give the same answer when a row is
     * folded in twice (see V002), so a repeated or concurrent run changes nothing. V009's rebuilds
     * are ReplacingMergeTrees receiving copies of rows with their versions: a repeated copy collapses
     * (and its guard copies nothing once the rebuilt table is in place).
     */
    private static final Set<String> REPEATABLE_INSERT_TARGETS = Set.of("DB_UNDER_TEST.SESSIONS_AGGREGATED", "DB_UNDER_TEST.SESSIONS_AGGREGATED_V2",
            "DB_UNDER_TEST.PERSONS_V009", "DB_UNDER_TEST.PERSON_DISTINCT_IDS_V009", "DB_UNDER_TEST.PERSON_OVERRIDES_V009");

    @Test
    void bundlesTheInitialMigrationFirst() throws Exception {
        List<Migration> bundled = MigrationSource.bundled();
        Migration first = bundled.getFirst();
        assertEquals(1, first.version());
        assertEquals("init", first.name());
        assertEquals("V001__init.sql", first.fileName());
        assertEquals(64, first.checksum().length());
    }

    @Test
    void everyBundledStatementIsIdempotentAndNamesNoDatabaseOfItsOwn() throws Exception {
        for (Migration migration : MigrationSource.bundled()) {
            for (SqlStatement statement : migration.statements(DatabaseName.of("db_under_test"))) {
                String code = SqlStatementSplitter.withoutComments(statement.sql()).replaceAll("\\s+", " ").strip()
                        .toUpperCase(Locale.ROOT);
                // An EXCHANGE runs only while the rebuilt table is not in place (SchemaMigrator.swapIn).
                boolean idempotent = code.startsWith("CREATE OR REPLACE VIEW ") || code.startsWith("EXCHANGE TABLES ") ? true
                        : code.startsWith("CREATE") ? code.contains(" IF NOT EXISTS ")
                        : code.startsWith("DROP") ? code.contains(" IF EXISTS ")
                        : code.startsWith("INSERT INTO ") ? REPEATABLE_INSERT_TARGETS.contains(code.split(" ")[2])
                        : code.startsWith("ALTER") && (code.contains(" IF NOT EXISTS ") || code.contains(" IF EXISTS ")
                                || onlyMaterializes(code));
                assertTrue(idempotent, statement.location() + " is not idempotent: " + statement.abbreviated());
                assertFalse(code.contains("CREATE DATABASE"), statement.location() + ": the migrator creates the database");
                assertFalse(code.contains("PRODUCT_ANALYTICS"), statement.location() + ": use {{DATABASE}}");
            }
            assertFalse(migration.sql().replace(Migration.DATABASE_PLACEHOLDER, "").contains("{{"), migration + " has an unknown placeholder");
        }
    }

    @Test
    void substitutesTheDatabaseName() throws Exception {
        Migration m = Migration.of("V001__x.sql", "CREATE TABLE IF NOT EXISTS {{DATABASE}}.t (a UInt8) ENGINE = Memory;\n");
        assertEquals("CREATE TABLE IF NOT EXISTS my_db.t (a UInt8) ENGINE = Memory", m.statements(DatabaseName.of("my_db")).getFirst().sql());
    }

    @Test
    void checksumIgnoresLineEndingsButNothingElse() throws Exception {
        String unix = "SELECT 1;\nSELECT 2;\n";
        assertEquals(Migration.of("V001__a.sql", unix).checksum(), Migration.of("V001__a.sql", unix.replace("\n", "\r\n")).checksum());
        assertNotEquals(Migration.of("V001__a.sql", unix).checksum(), Migration.of("V001__a.sql", unix + " ").checksum());
    }

    @Test
    void readsADirectoryInVersionOrderIgnoringOtherFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("V010__later.sql"), "SELECT 10;\n");
        Files.writeString(dir.resolve("V002__second.sql"), "SELECT 2;\n");
        Files.writeString(dir.resolve("README.md"), "not a migration");
        Files.writeString(dir.resolve("notes.sql"), "SELECT 'not versioned'");
        List<Migration> migrations = MigrationSource.fromDirectory(dir);
        assertEquals(List.of(2, 10), migrations.stream().map(Migration::version).toList());
    }

    @Test
    void refusesBadNamesDuplicateVersionsEmptyFilesAndInvalidUtf8(@TempDir Path dir) throws Exception {
        assertInvalid(dir, "V1_missing_double_underscore.sql", "SELECT 1;");
        assertInvalid(dir, "V000__zero.sql", "SELECT 1;");
        assertInvalid(dir, "V003__only_comments.sql", "-- nothing\n");
        Path twice = Files.createDirectory(dir.resolve("twice"));
        Files.writeString(twice.resolve("V001__a.sql"), "SELECT 1;");
        Files.writeString(twice.resolve("V01__b.sql"), "SELECT 1;");
        var error = assertThrows(MigrationException.class, () -> MigrationSource.fromDirectory(twice));
        assertTrue(error.getMessage().contains("V001__a.sql") && error.getMessage().contains("V01__b.sql"), error.getMessage());
        var utf8 = assertThrows(MigrationException.class,
                () -> MigrationSource.read("V001__bad.sql", new byte[] {'S', 'E', (byte) 0xC3, 'L', ';'}));
        assertTrue(utf8.getMessage().contains("V001__bad.sql is not valid UTF-8"), utf8.getMessage());
        var missing = assertThrows(MigrationException.class, () -> MigrationSource.fromDirectory(dir.resolve("nope")));
        assertEquals(MigrationException.Reason.CONFIGURATION, missing.reason());
    }

    private static void assertInvalid(Path parent, String fileName, String sql) throws Exception {
        Path dir = Files.createDirectory(parent.resolve(fileName.replace('.', '_')));
        Files.write(dir.resolve(fileName), sql.getBytes(StandardCharsets.UTF_8));
        var error = assertThrows(MigrationException.class, () -> MigrationSource.fromDirectory(dir));
        assertEquals(MigrationException.Reason.INVALID_MIGRATION, error.reason());
        assertTrue(error.getMessage().contains(fileName), error.getMessage());
    }

    /** An ALTER made only of MATERIALIZE COLUMN / INDEX: recomputing what is already computed changes nothing. */
    private static boolean onlyMaterializes(String code) {
        String commands = code.replaceFirst("^ALTER TABLE \\S+ ", "");
        for (String command : commands.split(",")) {
            if (!command.strip().matches("MATERIALIZE (COLUMN|INDEX) \\w+")) {
                return false;
            }
        }
        return true;
    }
}

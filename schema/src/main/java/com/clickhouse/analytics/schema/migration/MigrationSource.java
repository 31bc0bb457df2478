package com.clickhouse.analytics.schema.migration;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where migrations come from: the {@code migrations/} resources bundled with this module (the
 * normal case), or a directory (a cluster operator's adapted copy, and tests). Every file is read,
 * named, checksummed and split once here, so a defective file fails the run before anything is
 * applied.
 */
public final class MigrationSource {

    static final String RESOURCE_DIRECTORY = "migrations";

    private MigrationSource() {
    }

    /**
     * The migrations shipped in this module's jar (or {@code target/classes}), sorted by version.
     * Read from this class's own code source, so another jar's {@code migrations/} folder on the
     * classpath is never mixed in.
     */
    public static List<Migration> bundled() throws MigrationException {
        CodeSource source = MigrationSource.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "cannot locate the bundled migrations: the schema classes have no code source");
        }
        Path location;
        try {
            location = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "cannot locate the bundled migrations at " + source.getLocation() + ": " + e.getMessage(), e);
        }
        if (Files.isDirectory(location)) {
            return fromDirectory(location.resolve(RESOURCE_DIRECTORY));
        }
        try (FileSystem jar = FileSystems.newFileSystem(location)) {
            return fromDirectory(jar.getPath(RESOURCE_DIRECTORY));
        } catch (IOException e) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "cannot read the bundled migrations from " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * The {@code V…__….sql} files directly in {@code directory}, sorted by version. Other files are
     * ignored; a file that starts with {@code V} and ends with {@code .sql} but is not named
     * correctly, two files with one version, invalid UTF-8 or a file that cannot be split are errors.
     */
    public static List<Migration> fromDirectory(Path directory) throws MigrationException {
        if (!Files.isDirectory(directory)) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, "migrations directory " + directory + " does not exist");
        }
        List<Migration> migrations = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                String fileName = file.getFileName().toString();
                if (!Migration.looksLikeMigration(fileName) || !Files.isRegularFile(file)) {
                    continue;
                }
                migrations.add(read(fileName, Files.readAllBytes(file)));
            }
        } catch (IOException e) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                    "cannot read migrations from " + directory + ": " + e.getMessage(), e);
        }
        return checked(migrations, directory.toString());
    }

    /** Builds the migration of one file's bytes (UTF-8) and checks that it splits. */
    static Migration read(String fileName, byte[] bytes) throws MigrationException {
        String sql;
        try {
            sql = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION, fileName + " is not valid UTF-8");
        }
        Migration migration = Migration.of(fileName, sql);
        if (SqlStatementSplitter.split(fileName, sql).isEmpty()) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION, fileName + " holds no statement");
        }
        return migration;
    }

    static List<Migration> checked(List<Migration> migrations, String where) throws MigrationException {
        Map<Integer, Migration> byVersion = new HashMap<>();
        for (Migration m : migrations) {
            Migration other = byVersion.putIfAbsent(m.version(), m);
            if (other != null) {
                throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION,
                        "two migrations have version " + m.version() + ": " + other.fileName() + " and " + m.fileName());
            }
        }
        if (migrations.isEmpty()) {
            throw new MigrationException(MigrationException.Reason.INVALID_MIGRATION, "no migrations (V…__….sql) in " + where);
        }
        List<Migration> sorted = new ArrayList<>(migrations);
        sorted.sort(Comparator.comparingInt(Migration::version));
        return List.copyOf(sorted);
    }
}

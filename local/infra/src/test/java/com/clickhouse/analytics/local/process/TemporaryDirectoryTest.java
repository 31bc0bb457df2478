package com.clickhouse.analytics.local.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class TemporaryDirectoryTest {

    @Test
    void closeDeletesTheTreeAndIsIdempotent() throws Exception {
        TemporaryDirectory dir = TemporaryDirectory.create("cpa-test-");
        Path nested = Files.createDirectories(dir.path().resolve("a/b/c"));
        Files.writeString(nested.resolve("file"), "x".repeat(10_000));
        Files.writeString(dir.path().resolve("top"), "y");
        assertTrue(Files.exists(nested.resolve("file")));
        dir.close();
        assertFalse(Files.exists(dir.path()), "deleted: " + dir.path());
        dir.close();
    }

    @Test
    void deleteTreeOfAMissingDirectoryIsANoOp() throws Exception {
        Path gone = Files.createTempDirectory("cpa-test-");
        Files.delete(gone);
        TemporaryDirectory.deleteTree(gone);
        assertFalse(Files.exists(gone));
    }
}

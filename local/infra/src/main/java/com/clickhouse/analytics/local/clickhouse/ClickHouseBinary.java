package com.clickhouse.analytics.local.clickhouse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;

/**
 * A real {@code clickhouse} server binary, when one of a supported version is installed: named by
 * {@code CLICKHOUSE_BINARY} or found on the PATH. Older ones (Debian ships 18.16) are ignored with
 * a warning. The server runs from a generated minimal configuration — loopback only, one user —
 * under a small shell wrapper that stops it when this JVM dies (its standard input closes).
 */
final class ClickHouseBinary {

    static final String BINARY_VARIABLE = "CLICKHOUSE_BINARY";
    private static final int[] MINIMUM = {24, 8};
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.\\d+)*");

    private final Path binary;
    private final String version;

    private ClickHouseBinary(Path binary, String version) {
        this.binary = binary;
        this.version = version;
    }

    /** The installed server, if any of version 24.8 or newer. */
    static Optional<ClickHouseBinary> find(Map<String, String> environment) {
        String named = environment.get(BINARY_VARIABLE);
        Optional<Path> candidate = named != null && !named.isBlank()
                ? Optional.of(Path.of(named))
                : onPath(environment.getOrDefault("PATH", ""));
        if (candidate.isEmpty() || !Files.isExecutable(candidate.get())) {
            return Optional.empty();
        }
        String output = run(candidate.get(), "--version");
        Matcher matcher = VERSION.matcher(output);
        if (!matcher.find()) {
            System.err.println("WARNING: ignoring " + candidate.get() + ": cannot read its version from '" + output.strip() + "'");
            return Optional.empty();
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        if (major < MINIMUM[0] || major == MINIMUM[0] && minor < MINIMUM[1]) {
            System.err.println("WARNING: ignoring " + candidate.get() + " version " + matcher.group()
                    + ": the local ClickHouse needs 24.8 or newer; using chDB instead");
            return Optional.empty();
        }
        return Optional.of(new ClickHouseBinary(candidate.get(), matcher.group()));
    }

    /** Starts the server on {@code httpPort} with storage in {@code dataDir}. */
    ChildProcess start(Path dataDir, int httpPort, String user, String password) throws IOException {
        Files.createDirectories(dataDir);
        Path config = dataDir.resolve("config.xml");
        Files.writeString(config, config(dataDir, httpPort, FreePorts.pick(), user, password), StandardCharsets.UTF_8);
        // Stops the server on SIGTERM and when our stdin reaches EOF, i.e. when the parent JVM is gone.
        String wrapper = "\"$0\" server --config-file=\"$1\" & server=$!\n"
                + "cat <&0 >/dev/null & watch=$!\n"
                + "trap 'kill -TERM $server 2>/dev/null' TERM INT\n"
                + "wait -n $server $watch\n"
                + "kill -TERM $server $watch 2>/dev/null; wait $server\n";
        return ChildProcess.start("clickhouse-server", List.of("bash", "-c", wrapper, binary.toString(), config.toString()),
                Map.of(), dataDir.resolve("clickhouse-server.log"));
    }

    private static String config(Path dataDir, int httpPort, int tcpPort, String user, String password) {
        return """
                <clickhouse>
                  <logger><level>warning</level><console>1</console></logger>
                  <listen_host>127.0.0.1</listen_host>
                  <http_port>%d</http_port>
                  <tcp_port>%d</tcp_port>
                  <path>%s/</path>
                  <tmp_path>%s/tmp/</tmp_path>
                  <user_files_path>%s/user_files/</user_files_path>
                  <format_schema_path>%s/format_schemas/</format_schema_path>
                  <mark_cache_size>268435456</mark_cache_size>
                  <users>
                    <%s>
                      <password>%s</password>
                      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                      <profile>default</profile>
                      <quota>default</quota>
                      <access_management>1</access_management>
                    </%s>
                  </users>
                  <profiles><default/></profiles>
                  <quotas><default/></quotas>
                </clickhouse>
                """.formatted(httpPort, tcpPort, dataDir, dataDir, dataDir, dataDir, user, xml(password), user);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static Optional<Path> onPath(String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                Path candidate = Path.of(dir, "clickhouse");
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static String run(Path binary, String argument) {
        try {
            Process process = new ProcessBuilder(binary.toString(), argument).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readNBytes(4096);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Override
    public String toString() {
        return "ClickHouseBinary[" + binary + ", " + version + "]";
    }
}

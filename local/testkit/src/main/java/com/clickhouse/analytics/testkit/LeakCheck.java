package com.clickhouse.analytics.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves something running: a thread it started that is still alive a short
 * grace period after the class ({@value #GRACE_MILLIS} ms, for threads and processes that are already
 * stopping), a child process of the test JVM it started, or a database it created on the shared
 * ClickHouse and did not drop. The shared broker and ClickHouse of {@link Infrastructure#shared()},
 * and what starting them left running, are the JVM's, not the class's, and never count.
 *
 * <p>Registered for every module's tests by JUnit's extension auto-detection
 * ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} in this jar, switched on by
 * each module's {@code junit-platform.properties}). It runs after the class's {@code @AfterAll}
 * methods, so fixtures those close are closed by then.
 *
 * <p>Threads the JDK starts for itself on first use (the process reaper, the common fork-join pool,
 * the cleaner, HTTP keep-alive timers, virtual-thread carriers and pollers) are not the test's; every
 * other thread counts, daemon or not: a daemon thread of a client that was never closed is a leak too.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    static final long GRACE_MILLIS = 2_000;

    /** Name prefixes of threads the JDK, the test runner or a library starts once per JVM and owns. */
    private static final List<String> JDK_THREADS = List.of("process reaper", "ForkJoinPool.commonPool-worker-",
            "Common-Cleaner", "Attach Listener", "Keep-Alive-Timer", "Keep-Alive-SocketCleaner", "Signal Dispatcher",
            "Reference Handler", "Finalizer", "Notification Thread", "JFR ", "Read-Poller", "Write-Poller",
            "VirtualThread-unparker", "InnocuousThread-", "surefire-forkedjvm-", "MemoryPoolMXBean notification dispatcher",
            // JNA's one cleaner per JVM (helm-java loads JNA): a library singleton, not a resource a test forgot.
            "JNA Cleaner",
            // OkHttp's and Okio's static daemons (posthog-java shades them): one per JVM, idle after a minute,
            // left running by every client's shutdown.
            "OkHttp TaskRunner", "Okio Watchdog");

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakCheck.class);

    /** What was there before the class. {@code databases} is null when the shared ClickHouse had not started. */
    private record Before(Set<Thread> threads, Set<Long> processes, Set<String> databases) {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Set<String> databases = Infrastructure.shared().startedClickHouse().map(LeakCheck::databases).orElse(null);
        context.getStore(NAMESPACE).put(Before.class, new Before(Set.copyOf(Thread.getAllStackTraces().keySet()),
                ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet()), databases));
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        Before before = context.getStore(NAMESPACE).get(Before.class, Before.class);
        if (before == null) {
            return;
        }
        List<String> leaks = leaks(before);
        long deadline = System.nanoTime() + Duration.ofMillis(GRACE_MILLIS).toNanos();
        while (!leaks.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50); // a thread or process that was told to stop a moment ago
            leaks = leaks(before);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(context.getRequiredTestClass().getName() + " leaked:\n  " + String.join("\n  ", leaks));
        }
    }

    private static List<String> leaks(Before before) {
        Infrastructure infrastructure = Infrastructure.shared();
        List<String> leaks = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !before.threads().contains(t) && !infrastructure.owns(t) && !jdkThread(t)) {
                leaks.add("thread \"" + t.getName() + "\"" + (t.isDaemon() ? " (daemon)" : "") + " at " + topFrame(t));
            }
        }
        ProcessHandle.current().descendants()
                .filter(p -> p.isAlive() && !before.processes().contains(p.pid()) && !infrastructure.owns(p))
                .forEach(p -> leaks.add("process " + p.pid() + " " + p.info().commandLine().orElse("")));
        infrastructure.startedClickHouse().ifPresent(endpoint -> {
            Set<String> created = new TreeSet<>(databases(endpoint));
            created.removeAll(before.databases() == null ? infrastructure.initialDatabases() : before.databases());
            created.forEach(db -> leaks.add("database " + db));
        });
        return leaks;
    }

    private static boolean jdkThread(Thread t) {
        String name = t.getName();
        for (String prefix : JDK_THREADS) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        // Virtual-thread carriers and other fork-join workers end by themselves once idle.
        return t.isDaemon() && name.startsWith("ForkJoinPool-");
    }

    private static String topFrame(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        for (StackTraceElement e : stack) {
            if (!e.getClassName().startsWith("java.") && !e.getClassName().startsWith("jdk.") && !e.getClassName().startsWith("sun.")) {
                return e.toString();
            }
        }
        return stack.length == 0 ? "?" : stack[0].toString();
    }

    /** The database names of a ClickHouse. */
    static Set<String> databases(ClickHouseEndpoint endpoint) {
        Set<String> names = new HashSet<>();
        query(endpoint, "SELECT name FROM system.databases FORMAT TabSeparated").lines().filter(l -> !l.isBlank()).forEach(names::add);
        return names;
    }

    /**
     * Runs one statement over a ClickHouse's HTTP interface with {@link HttpURLConnection}, which
     * starts no thread of its own (the JDK's HTTP client would, and could look like a leak).
     */
    static String query(ClickHouseEndpoint endpoint, String sql) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(endpoint.url() + "/").toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(30_000);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("X-ClickHouse-User", endpoint.user());
            c.setRequestProperty("X-ClickHouse-Key", endpoint.password());
            try (OutputStream out = c.getOutputStream()) {
                out.write(sql.getBytes(StandardCharsets.UTF_8));
            }
            int status = c.getResponseCode();
            if (status != 200) {
                InputStream error = c.getErrorStream();
                throw new IllegalStateException(endpoint + " answered " + status + " to " + sql + ": "
                        + (error == null ? "" : new String(error.readAllBytes(), StandardCharsets.UTF_8)));
            }
            try (InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + sql + " on " + endpoint + ": " + e, e);
        }
    }
}

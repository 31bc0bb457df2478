package com.clickhouse.analytics.testkit;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The seed of a randomized test, and (as an extension, auto-detected like {@link LeakCheck}) the
 * message that names it when the test fails, so every failure can be replayed:
 * {@code ./mvnw ... test -Dtest=SomeTest -Dtest.seed=<seed>}.
 *
 * <p>{@link #random()} is a fresh seed on every run unless {@code -Dtest.seed} is given;
 * {@link #seed(long)} keeps a test's fixed seed (its known-good data) unless {@code -Dtest.seed} is
 * given. A test class asks once per use; the last seed a class asked for is the one reported.
 */
public final class TestSeed implements TestExecutionExceptionHandler {

    /** The system property that replays a seed. */
    public static final String PROPERTY = "test.seed";

    private static final Map<Class<?>, Long> SEEDS = new ConcurrentHashMap<>();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** A random seed, or {@code -Dtest.seed}. */
    public static long random() {
        return record(Long.getLong(PROPERTY, new SecureRandom().nextLong()));
    }

    /** {@code fixed}, or {@code -Dtest.seed}. */
    public static long seed(long fixed) {
        return record(Long.getLong(PROPERTY, fixed));
    }

    private static long record(long seed) {
        Class<?> caller = WALKER.walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != TestSeed.class).findFirst().orElseThrow());
        SEEDS.put(outermost(caller), seed);
        return seed;
    }

    private static Class<?> outermost(Class<?> c) {
        while (c.getEnclosingClass() != null) {
            c = c.getEnclosingClass();
        }
        return c;
    }

    /** The seed the test class last asked for, if it asked. */
    static Optional<Long> of(Class<?> testClass) {
        return Optional.ofNullable(SEEDS.get(outermost(testClass)));
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw named(context, throwable);
    }

    private static Throwable named(ExtensionContext context, Throwable throwable) {
        context.getTestClass().flatMap(TestSeed::of).ifPresent(seed -> {
            String replay = "randomized with seed " + seed + "; replay with -D" + PROPERTY + "=" + seed;
            System.err.println(context.getDisplayName() + ": " + replay);
            throwable.addSuppressed(new SeedReport(replay));
        });
        return throwable;
    }

    /** Carries the seed into the failure report (as a suppressed exception: the failure itself stays as it was). */
    static final class SeedReport extends RuntimeException {
        SeedReport(String message) {
            super(message, null, false, false);
        }
    }
}

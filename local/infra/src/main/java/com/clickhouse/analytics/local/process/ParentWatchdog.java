package com.clickhouse.analytics.local.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

/**
 * Entry point of every child JVM the project starts: runs the real main class and exits the
 * JVM when standard input closes, i.e. when the parent process is gone. {@code System.exit} runs
 * the child's own shutdown hooks, so a broker still stops cleanly.
 */
public final class ParentWatchdog {

    private ParentWatchdog() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ParentWatchdog <main class> [args…]");
        }
        Thread watchdog = Thread.ofPlatform().daemon().name("parent-watchdog").unstarted(ParentWatchdog::awaitParentExit);
        watchdog.start();
        Class<?> mainClass = Class.forName(args[0]);
        MethodHandles.publicLookup()
                .findStatic(mainClass, "main", MethodType.methodType(void.class, String[].class))
                .invoke((Object) Arrays.copyOfRange(args, 1, args.length));
    }

    private static void awaitParentExit() {
        InputStream in = System.in;
        byte[] sink = new byte[256];
        try {
            while (in.read(sink) >= 0) {
                // The parent never writes; anything read is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the same thing as end of file.
        }
        System.exit(0);
    }
}

package com.clickhouse.analytics.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The site a browser SDK test's page comes from: a static server on another loopback port than the
 * gateway, so its origin is a foreign one the gateway must allow ({@code ALLOWED_ORIGINS}), and the
 * Chromium the page runs in. Pages are exact paths whose body is made per request (so it may name
 * the gateway's port, known later); a directory is served under a prefix by plain file name.
 */
final class BrowserSite implements AutoCloseable {

    private record Page(String type, Supplier<byte[]> body) {
    }

    private final Map<String, Page> pages = new LinkedHashMap<>();
    private final Map<String, Path> directories = new LinkedHashMap<>();
    private final HttpServer server;

    BrowserSite() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    /** Serves {@code body()} at {@code path} (without query) as {@code type}. */
    BrowserSite page(String path, String type, Supplier<byte[]> body) {
        pages.put(path, new Page(type, body));
        return this;
    }

    /** Serves the files directly in {@code dir} under {@code prefix} (ending with '/') as JavaScript. */
    BrowserSite scripts(String prefix, Path dir) {
        directories.put(prefix, dir);
        return this;
    }

    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Page page = pages.get(path);
        byte[] body = null;
        String type = null;
        if (page != null) {
            body = page.body().get();
            type = page.type();
        } else {
            for (Map.Entry<String, Path> d : directories.entrySet()) {
                String name = path.startsWith(d.getKey()) ? path.substring(d.getKey().length()) : null;
                if (name != null && name.matches("[A-Za-z0-9._-]+") && !name.startsWith(".") && Files.isRegularFile(d.getValue().resolve(name))) {
                    body = Files.readAllBytes(d.getValue().resolve(name));
                    type = "application/javascript";
                }
            }
        }
        try (exchange) {
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Debian's chromium, installed when missing (the tests run as root); fails when it cannot be. */
    static synchronized Path chromium() {
        Path found = NodeSdk.which("chromium");
        if (found == null) {
            NodeSdk.run(List.of("apt-get", "update", "-qq"), Map.of(), 600);
            NodeSdk.run(List.of("apt-get", "install", "-y", "-qq", "chromium"), Map.of("DEBIAN_FRONTEND", "noninteractive"), 900);
            found = NodeSdk.require("chromium");
        }
        return found;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

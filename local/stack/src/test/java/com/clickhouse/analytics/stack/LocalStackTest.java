package com.clickhouse.analytics.stack;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

    @Test
    void aSecondCopyFailsClearlyOnThePortInUseAndStartsNothing(@TempDir Path dir) throws Exception {
        StackSettings free = StackSettings.onFreePorts(dir);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            StackSettings settings = new StackSettings(dir, taken.getLocalPort(), free.writerPort(), free.historicalWriterPort(),
                    free.kafkaPort(), free.kafkaControllerPort(), free.clickHousePort(), free.clickHouseUser(), free.clickHousePassword(),
                    free.database(), free.apiKey(), free.allowedOrigins(), free.eventsTopic(), free.dlqTopic(), free.historicalTopic(),
                    free.partitions());
            var error = assertThrows(IllegalStateException.class,
                    () -> new LocalStack(settings, System.getProperty("java.class.path")).start());
            assertTrue(error.getMessage().contains("port " + taken.getLocalPort() + " (gateway) is already in use"), error.getMessage());
            assertTrue(error.getMessage().contains("another ./cpa up"), error.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("kafka")), "nothing was started");
    }

    @Test
    void theBannerSaysHowToSendAndSeeAnEvent(@TempDir Path dir) {
        StackSettings settings = StackSettings.defaults(dir);
        String banner = LocalStackMain.banner(settings, Duration.ofSeconds(12));
        for (String expected : new String[] {"http://127.0.0.1:8080", "local_dev_key", "http://localhost:3000",
                "http://127.0.0.1:8123", "user analytics", "password local_dev_password", "curl -s -X POST http://127.0.0.1:8080/batch/",
                "./cpa sql \"SELECT", "FROM product_analytics.events FINAL"}) {
            assertTrue(banner.contains(expected), "banner lacks " + expected + ":\n" + banner);
        }
    }
}

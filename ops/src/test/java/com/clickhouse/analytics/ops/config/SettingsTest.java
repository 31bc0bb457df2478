package com.clickhouse.analytics.ops.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.logging.LogLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules every tier's configuration follows (docs/conventions.md, "Configuration"). */
class SettingsTest {

    private static final Map<String, String> VARIABLES = Map.of(
            "PORT", "svc.port",
            "LOG_LEVEL", "svc.log-level",
            "NAME", "svc.name",
            "PASSWORD", "svc.password",
            "DATABASE", "svc.database",
            "ENABLED", "svc.enabled",
            "TIMEOUT", "svc.timeout",
            "LIST", "svc.list",
            "URL", "svc.url");

    private static Settings load(String... kv) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return Settings.load(SettingsTest.class, "ops-test.conf", VARIABLES, env, Map.of("svc.name", "from-overrides"));
    }

    @Test
    void theEnvironmentWinsOverOverridesWhichWinOverTheDefaults() {
        assertEquals(8080, load().intIn("svc.port", 0, 65535));
        assertEquals("from-overrides", load().string("svc.name"));
        assertEquals("from-env", load("NAME", "from-env").string("svc.name"));
        assertEquals(9000, load("PORT", " 9000 ").intIn("svc.port", 0, 65535));
        assertEquals(Duration.ofMillis(250), load("TIMEOUT", "250ms").duration("svc.timeout", Duration.ZERO));
        assertEquals(List.of("a", "b"), load("LIST", " a, ,b ,").csv("svc.list"));
        assertEquals("3", load().block("svc.block").getString("\"linger.ms\""));
    }

    @Test
    void variablesOutsideTheTableAreNotRead() {
        Settings s = Settings.load(SettingsTest.class, "ops-test.conf", VARIABLES, Map.of("svc.port", "1", "SVC_PORT", "2"), Map.of());
        assertEquals(8080, s.intIn("svc.port", 0, 65535));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "PORT, abc, must be an integer",
            "PORT, 70000, must be between 0 and 65535",
            "LOG_LEVEL, loud, must be one of trace, debug, info, warn, error, fatal, silent, off",
            "ENABLED, maybe, must be true or false",
            "TIMEOUT, soon, must be a duration",
            "DATABASE, 'x; DROP DATABASE y', must be a plain name: invalid ClickHouse database name",
            "DATABASE, '', must be a plain name",
            "URL, clickhouse:8123, must be an http:// or https:// URL with a host",
            "URL, 'http://u:hunter2@ch:8123', must not carry credentials",
            "URL, '', is required",
            "NAME, ' ', is required"})
    void aBadValueFailsNamingTheVariableAndThePath(String variable, String value, String problem) {
        Settings s = load(variable, value, "PASSWORD", "hunter2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            s.intIn("svc.port", 0, 65535);
            s.logLevel("svc.log-level");
            s.bool("svc.enabled");
            s.duration("svc.timeout", Duration.ZERO);
            s.databaseName("svc.database");
            s.required("svc.name");
            s.clickHouseUrl("svc.url");
        });
        String expected = "Invalid configuration: " + variable + " (" + VARIABLES.get(variable) + ") " + problem;
        assertTrue(e.getMessage().startsWith(expected), e.getMessage() + "\n  expected to start with: " + expected);
        assertFalse(e.getMessage().contains("hunter2"), "never a password: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void aSettingWithoutVariableIsNamedByItsPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load().string("svc.nothing"));
        assertEquals("Invalid configuration: svc.nothing is required", e.getMessage());
    }

    @Test
    void logLevelsOfSlf4jAndOfTheOriginalService() {
        Map<String, LogLevel> accepted = Map.of("trace", LogLevel.TRACE, "DEBUG", LogLevel.DEBUG, "Info", LogLevel.INFO,
                "warn", LogLevel.WARN, "error", LogLevel.ERROR, "fatal", LogLevel.ERROR, "silent", LogLevel.OFF, "off", LogLevel.OFF);
        accepted.forEach((value, level) -> assertEquals(level, load("LOG_LEVEL", value).logLevel("svc.log-level"), value));
        assertEquals(LogLevel.WARN, load().logLevel("svc.log-level"), "quiet by default");
    }

    @Test
    void booleans() {
        for (String yes : List.of("true", "TRUE", "1", "yes")) {
            assertTrue(load("ENABLED", yes).bool("svc.enabled"), yes);
        }
        for (String no : List.of("false", "0", "no")) {
            assertFalse(load("ENABLED", no).bool("svc.enabled"), no);
        }
    }

    @Test
    void emptyIsAValueNotAnAbsence() {
        assertEquals("", load("PASSWORD", "").string("svc.password"));
        assertEquals(List.of(), load("LIST", "").csv("svc.list"));
        assertThrows(IllegalArgumentException.class, () -> load("PORT", "").intIn("svc.port", 0, 65535));
    }

    @Test
    void clickHouseUrls() {
        assertEquals("https://ch.example.com:8443", load("URL", "https://ch.example.com:8443").clickHouseUrl("svc.url"));
        assertEquals("http://clickhouse:8123", load("URL", " http://clickhouse:8123 ").clickHouseUrl("svc.url"));
    }

    @Test
    void kafkaVariablesPassWhenTheyNameAClientSetting() {
        Settings s = load("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_JAAS_CONFIG", "secret required;",
                "KAFKA_SESSION_TIMEOUT_MS", "45000", "KAFKA_LINGER_MS", "5", "KAFKA_DEFAULT_API_TIMEOUT_MS", "9000",
                "KAFKA_BOOTSTRAP_SERVERS", "k:9092", "KAFKA_HEAP_OPTS", "-Xmx1g", "KAFKA_OPTS", "-Dx", "KAFKA_", "x", "XKAFKA_ACKS", "1");
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "secret required;",
                "session.timeout.ms", "45000", "linger.ms", "5", "default.api.timeout.ms", "9000"), s.kafkaPassThrough());
        assertEquals("security.protocol", KafkaPassThrough.settingOf("KAFKA_SECURITY_PROTOCOL"));
        assertEquals(null, KafkaPassThrough.settingOf("KAFKA_BOOTSTRAP_SERVERS"), "a setting of its own");
    }

    @Test
    void aMissingDefaultsResourceFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.load(SettingsTest.class, "no-such.conf", VARIABLES, Map.of(), Map.of()));
        assertTrue(e.getMessage().startsWith("Invalid configuration: "), e.getMessage());
    }
}

package com.clickhouse.analytics.writer.enrich;

import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Pattern;

import ua_parser.Client;
import ua_parser.Parser;

/**
 * A user agent as PostHog's device properties, parsed by ua-parser's Java port (uap-java and its
 * maintained {@code regexes.yaml}): {@code $browser}, {@code $browser_version}, {@code $os},
 * {@code $os_version}, {@code $device_type}. Chosen over Yauaa for its footprint: Yauaa limited to
 * these fields still took about 130 MB of heap and 11 s to start; uap-java about 1 MB and 1 s
 * (see writer/README.md). uap-java has no device class, so {@code $device_type} follows posthog-js's
 * own rules on the raw string (tablet, then mobile, else desktop), and a device uap-java calls
 * {@code Spider} is a bot by the library's word. Thread-safe; slow per call (about 2 ms), so
 * {@link Enricher} caches its answers.
 */
public final class UserAgentParser {

    /** What a user agent says. {@code null} components are unknown and left out of the properties. */
    public record Device(String browser, Object browserVersion, String os, String osVersion, String deviceType,
                         boolean spider) {
    }

    private static final Pattern CONSOLE = Pattern.compile("(?i)xbox|playstation|nintendo");
    private static final Pattern WEARABLE = Pattern.compile("(?i)watch\\b|wearos|wear os");
    private static final Pattern TABLET = Pattern.compile("(?i)ipad|tablet|playbook|silk|kindle|(android(?!.*mobile))");
    private static final Pattern MOBILE = Pattern.compile("(?i)mobi|iphone|ipod|android|windows phone|iemobile|blackberry|opera mini");
    private static final Set<String> UNKNOWN = Set.of("Other", "");

    private final Parser parser = new Parser();

    public Device parse(String userAgent) {
        Client client = parser.parse(userAgent);
        String browser = known(client.userAgent.family);
        String os = known(client.os.family);
        boolean spider = "Spider".equals(client.device.family);
        return new Device(browser, browser == null ? null : version(client.userAgent.major, client.userAgent.minor),
                os, os == null ? null : dotted(client.os.major, client.os.minor, client.os.patch),
                spider ? null : deviceType(userAgent, os), spider);
    }

    /** posthog-js's {@code detectDeviceType}, by the same cues. */
    static String deviceType(String userAgent, String os) {
        if (CONSOLE.matcher(userAgent).find()) {
            return "Console";
        }
        if (WEARABLE.matcher(userAgent).find()) {
            return "Wearable";
        }
        if (TABLET.matcher(userAgent).find()) {
            return "Tablet";
        }
        if (MOBILE.matcher(userAgent).find()) {
            return "Mobile";
        }
        return os == null ? null : "Desktop"; // curl and friends are no desktop
    }

    private static String known(String family) {
        return family == null || UNKNOWN.contains(family) ? null : family;
    }

    /** posthog-js sends {@code $browser_version} as a number (major.minor); so do we when it is one. */
    private static Object version(String major, String minor) {
        if (major == null || major.isEmpty()) {
            return null;
        }
        String text = minor == null || minor.isEmpty() ? major : major + "." + minor;
        try {
            return new BigDecimal(text).stripTrailingZeros();
        } catch (NumberFormatException e) {
            return text;
        }
    }

    private static String dotted(String... parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (part == null || part.isEmpty()) {
                break;
            }
            out.append(out.isEmpty() ? "" : ".").append(part);
        }
        return out.isEmpty() ? null : out.toString();
    }
}

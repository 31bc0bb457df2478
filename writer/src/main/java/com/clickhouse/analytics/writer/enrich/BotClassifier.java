package com.clickhouse.analytics.writer.enrich;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Whether a user agent is a bot, and by whose word — the {@code bot_reason} column:
 * {@code ua_parser} (the parser's own crawler list calls the device a {@code Spider}),
 * {@code crawler_list} (a pattern of the crawler-user-agents project, bundled as
 * {@code enrich/crawler-user-agents.txt}) or {@code bot_patterns} (an operator's {@code BOT_PATTERNS}).
 * An empty reason is a human, or at least nothing known to be a bot; so is an event without a user
 * agent (a server SDK's). Thread-safe.
 */
public final class BotClassifier {

    public static final String LIBRARY = "ua_parser";
    public static final String CRAWLER_LIST = "crawler_list";
    public static final String PATTERNS = "bot_patterns";
    static final String CRAWLER_LIST_RESOURCE = "/enrich/crawler-user-agents.txt";

    private final Pattern crawlers;
    private final Pattern extra;

    /** @param extraPatterns {@code BOT_PATTERNS}: regular expressions, any of which found in a user agent marks a bot */
    public BotClassifier(List<String> extraPatterns) {
        this.crawlers = anyOf(crawlerList());
        this.extra = extraPatterns.isEmpty() ? null : anyOf(extraPatterns);
    }

    /** The reason {@code userAgent} (parsed as {@code device}) is a bot, or {@code ""}. */
    public String reason(String userAgent, UserAgentParser.Device device) {
        if (extra != null && extra.matcher(userAgent).find()) {
            return PATTERNS;
        }
        if (device.spider()) {
            return LIBRARY;
        }
        if (crawlers.matcher(userAgent).find()) {
            return CRAWLER_LIST;
        }
        return "";
    }

    /** The bundled crawler patterns, in the file's order. */
    static List<String> crawlerList() {
        try (InputStream in = BotClassifier.class.getResourceAsStream(CRAWLER_LIST_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CRAWLER_LIST_RESOURCE + " is missing from the class path");
            }
            List<String> patterns = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    patterns.add(line);
                }
            }
            return patterns;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One alternation of {@code patterns}; a pattern Java cannot compile is named in the exception. */
    static Pattern anyOf(List<String> patterns) {
        StringBuilder alternation = new StringBuilder();
        for (String pattern : patterns) {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bot pattern " + pattern + " is not a regular expression: " + e.getDescription(), e);
            }
            alternation.append(alternation.isEmpty() ? "" : "|").append("(?:").append(pattern).append(')');
        }
        return Pattern.compile(alternation.toString());
    }
}

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
 *
 * <p>The crawler list is about 1,500 patterns; as one alternation it cost 1–2 ms per user agent (each
 * a cache miss of the enrichment step, all on the batch's thread). Most are plain text, matched
 * with {@code contains}; most others begin with text every match contains, and only a user agent
 * holding that text is tried against them; the few left stay one alternation.
 */
public final class BotClassifier {

    public static final String LIBRARY = "ua_parser";
    public static final String CRAWLER_LIST = "crawler_list";
    public static final String PATTERNS = "bot_patterns";
    static final String CRAWLER_LIST_RESOURCE = "/enrich/crawler-user-agents.txt";
    private static final String SYNTAX = "[](){}.*+?^$|\\"; // outside a class, a regular expression's special characters

    private final List<String> crawlerTexts; // patterns that are plain text
    private final List<Prefixed> prefixedCrawlers;
    private final Pattern otherCrawlers; // null: none
    private final Pattern extra;

    /** A pattern and text that every match of it contains. */
    private record Prefixed(String text, Pattern pattern) {
    }

    /** @param extraPatterns {@code BOT_PATTERNS}: regular expressions, any of which found in a user agent marks a bot */
    public BotClassifier(List<String> extraPatterns) {
        List<String> texts = new ArrayList<>();
        List<Prefixed> prefixed = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (String pattern : crawlerList()) {
            String text = literal(pattern);
            String prefix = text == null ? requiredPrefix(pattern) : null;
            if (text != null) {
                texts.add(text);
            } else if (prefix != null) {
                prefixed.add(new Prefixed(prefix, anyOf(List.of(pattern))));
            } else {
                others.add(pattern);
            }
        }
        this.crawlerTexts = List.copyOf(texts);
        this.prefixedCrawlers = List.copyOf(prefixed);
        this.otherCrawlers = others.isEmpty() ? null : anyOf(others);
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
        return isListedCrawler(userAgent) ? CRAWLER_LIST : "";
    }

    /** Whether any pattern of the crawler list is found in {@code userAgent}. */
    boolean isListedCrawler(String userAgent) {
        for (String text : crawlerTexts) {
            if (userAgent.contains(text)) {
                return true;
            }
        }
        for (Prefixed p : prefixedCrawlers) {
            if (userAgent.contains(p.text) && p.pattern.matcher(userAgent).find()) {
                return true;
            }
        }
        return otherCrawlers != null && otherCrawlers.matcher(userAgent).find();
    }

    /** The text {@code pattern} matches when it has no regular-expression syntax (escaped punctuation is text); else null. */
    static String literal(String pattern) {
        StringBuilder text = new StringBuilder(pattern.length());
        return leadingText(pattern, 0, text) == pattern.length() ? text.toString() : null;
    }

    /**
     * Text at least three characters long that every match of {@code pattern} contains: its literal
     * beginning (after a {@code ^}), less a last character a quantifier makes optional; null when
     * there is none or the pattern has an alternative outside any group (which could match without it).
     */
    static String requiredPrefix(String pattern) {
        int depth = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') { // a class: up to its closing bracket, which may come first
                int j = i + 1;
                if (j < pattern.length() && pattern.charAt(j) == '^') {
                    j++;
                }
                j++;
                while (j < pattern.length() && pattern.charAt(j) != ']') {
                    j += pattern.charAt(j) == '\\' ? 2 : 1;
                }
                i = j;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '|' && depth == 0) {
                return null;
            }
        }
        StringBuilder text = new StringBuilder();
        leadingText(pattern, pattern.startsWith("^") ? 1 : 0, text);
        return text.length() >= 3 ? text.toString() : null;
    }

    /**
     * Appends to {@code text} the characters {@code pattern} matches literally from {@code start}
     * (escaped punctuation included), up to the first syntax or a character a quantifier makes
     * optional; returns where it stopped ({@code pattern.length()}: all of it was text).
     */
    private static int leadingText(String pattern, int start, StringBuilder text) {
        int i = start;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            int next;
            char literal;
            if (c == '\\') {
                if (i + 1 == pattern.length() || Character.isLetterOrDigit(pattern.charAt(i + 1))) {
                    return i; // \d, \b, \Q…: a construct, not a character
                }
                literal = pattern.charAt(i + 1);
                next = i + 2;
            } else if (SYNTAX.indexOf(c) >= 0) {
                return i;
            } else {
                literal = c;
                next = i + 1;
            }
            if (next < pattern.length() && "?*{".indexOf(pattern.charAt(next)) >= 0) {
                return i; // this character may be absent
            }
            text.append(literal);
            i = next;
        }
        return i;
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

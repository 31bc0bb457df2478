package com.clickhouse.analytics.writer.enrich;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crawler list split into plain text, prefixed patterns and a rest answers exactly as the
 * whole list as one alternation does.
 */
class BotClassifierTest {

    private static final List<String> BROWSERS = List.of(EnrichmentTest.DESKTOP, EnrichmentTest.MOBILE, EnrichmentTest.TABLET,
            "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "curl/8.5.0", "", "Mozilla/5.0");

    @Test
    void answersAsTheWholeListAsOneAlternation() {
        List<String> patterns = BotClassifier.crawlerList();
        Pattern whole = BotClassifier.anyOf(patterns);
        BotClassifier classifier = new BotClassifier(List.of());
        long seed = System.nanoTime();
        System.out.println("BotClassifierTest seed=" + seed);
        Random random = new Random(seed);
        List<String> agents = new ArrayList<>(BROWSERS);
        agents.add(EnrichmentTest.GOOGLEBOT);
        agents.add(EnrichmentTest.HEADLESS);
        for (String pattern : patterns) {
            String text = BotClassifier.literal(pattern);
            String prefix = text != null ? text : BotClassifier.requiredPrefix(pattern);
            if (prefix == null) {
                prefix = pattern.replaceAll("[^A-Za-z0-9 /._-]", "");
            }
            String browser = BROWSERS.get(random.nextInt(BROWSERS.size()));
            agents.add(browser + " " + prefix);
            agents.add(prefix + "/" + random.nextInt(10) + "." + random.nextInt(10));
            agents.add(prefix.isEmpty() ? browser : prefix.substring(0, prefix.length() - 1)); // a near miss
            agents.add(prefix.toLowerCase() + " " + browser);
        }
        int bots = 0;
        for (String agent : agents) {
            boolean expected = whole.matcher(agent).find();
            assertEquals(expected, classifier.isListedCrawler(agent), "seed " + seed + ": " + agent);
            bots += expected ? 1 : 0;
        }
        assertTrue(bots > patterns.size() / 2, "the samples hold many crawlers: " + bots);
        assertTrue(agents.size() - bots > patterns.size() / 2, "and many that are none: " + (agents.size() - bots));
    }

    @Test
    void plainTextAndRequiredPrefixes() {
        assertEquals("Googlebot/", BotClassifier.literal("Googlebot\\/"));
        assertEquals("Mediapartners (Googlebot)", BotClassifier.literal("Mediapartners \\(Googlebot\\)"));
        assertNull(BotClassifier.literal("[wW]get"));
        assertNull(BotClassifier.literal("a\\dz"));
        assertEquals("AdsBot-Google", BotClassifier.requiredPrefix("AdsBot-Google([^-]|$)"));
        assertEquals("Seekbot", BotClassifier.requiredPrefix("^Seekbot"));
        assertEquals("Ahrefs", BotClassifier.requiredPrefix("Ahrefs(Bot|SiteAudit)"));
        assertEquals("abb", BotClassifier.requiredPrefix("abb+c"), "a + keeps its character once");
        assertEquals("abc", BotClassifier.requiredPrefix("abcd?e"), "a ? drops its character");
        assertNull(BotClassifier.requiredPrefix("(sistrix|SISTRIX) [cC]rawler"));
        assertNull(BotClassifier.requiredPrefix("abcdef|xyz"), "an alternative outside a group");
        assertEquals("abcd", BotClassifier.requiredPrefix("abcd[|](x|y)"), "a | in a class or a group is no alternative");
        assertNull(BotClassifier.requiredPrefix("(?i)googlebot"));
    }
}

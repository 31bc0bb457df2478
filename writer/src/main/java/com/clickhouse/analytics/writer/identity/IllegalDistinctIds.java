package com.clickhouse.analytics.writer.identity;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Distinct ids that never take part in a merge, as PostHog's ingestion lists them
 * ({@code person-merge-service.ts}): values that come from a bug in the caller ({@code "undefined"},
 * {@code "[object Object]"}, {@code "0"}, …) and would otherwise merge every user who hit the bug
 * into one person. Some are illegal in any casing, some only exactly as written ({@code NaN} but
 * not {@code nan}); each also when wrapped in single or double quotes, as they have been seen.
 * Blank ids are illegal too. An event with such an id is still stored; only the merge is refused.
 */
public final class IllegalDistinctIds {

    private static final List<String> ANY_CASE = List.of("anonymous", "guest", "distinctid", "distinct_id", "id",
            "not_authenticated", "email", "undefined", "true", "false");
    private static final List<String> EXACT = List.of("[object Object]", "NaN", "None", "none", "null", "0", "undefined");

    private static final Set<String> ANY_CASE_IDS = withQuotes(ANY_CASE);
    private static final Set<String> EXACT_IDS = withQuotes(EXACT);

    private IllegalDistinctIds() {
    }

    public static boolean isIllegal(String id) {
        return id == null || id.isBlank() || ANY_CASE_IDS.contains(id.toLowerCase(Locale.ROOT)) || EXACT_IDS.contains(id);
    }

    private static Set<String> withQuotes(List<String> ids) {
        Set<String> out = new HashSet<>();
        for (String id : ids) {
            out.add(id);
            out.add("'" + id + "'");
            out.add("\"" + id + "\"");
        }
        return Set.copyOf(out);
    }
}

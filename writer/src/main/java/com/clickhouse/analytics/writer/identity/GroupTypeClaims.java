package com.clickhouse.analytics.writer.identity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves one project's group type claims into its mapping, the same way in every writer: claims
 * are taken in the order the server stored them (then by index, then by type, so one insert's
 * claims keep the order of first appearance they were made in), and a claim wins when neither its
 * type nor its index is taken by an earlier winner.
 *
 * <p>Why this is stable: a writer claims only indexes it has seen free, after reading every claim.
 * A claim stored later than a winning one is therefore ordered after it and cannot displace it, so
 * a mapping once seen never changes (on one server clock; see writer/README.md for clusters).
 * Claims that lose are kept and ignored; repeating a claim changes nothing.
 */
public final class GroupTypeClaims {

    /** PostHog's limit: {@code $group_0} … {@code $group_4}. */
    public static final int MAX_GROUP_TYPES = 5;

    private static final Comparator<GroupStore.Claim> ORDER = Comparator
            .comparing(GroupStore.Claim::storedAt)
            .thenComparingInt(GroupStore.Claim::index)
            .thenComparing(GroupStore.Claim::groupType);

    private GroupTypeClaims() {
    }

    /** Group type → index for one project's claims (stored ones: {@code storedAt} set). */
    public static Map<String, Integer> resolve(List<GroupStore.Claim> claims) {
        List<GroupStore.Claim> ordered = new ArrayList<>(claims);
        ordered.sort(ORDER);
        Map<String, Integer> mapping = new HashMap<>();
        boolean[] taken = new boolean[MAX_GROUP_TYPES];
        for (GroupStore.Claim c : ordered) {
            if (c.index() >= 0 && c.index() < MAX_GROUP_TYPES && !taken[c.index()] && !mapping.containsKey(c.groupType())) {
                taken[c.index()] = true;
                mapping.put(c.groupType(), c.index());
            }
        }
        return mapping;
    }

    /** The indexes {@code mapping} leaves free, lowest first. */
    static List<Integer> free(Map<String, Integer> mapping) {
        List<Integer> free = new ArrayList<>(MAX_GROUP_TYPES);
        for (int i = 0; i < MAX_GROUP_TYPES; i++) {
            if (!mapping.containsValue(i)) {
                free.add(i);
            }
        }
        return free;
    }
}

package com.clickhouse.analytics.gateway.limit;

import java.util.Set;

/**
 * The events an operator wants gone without telling the sender (a leaked key, a runaway client):
 * entries are a whole api key or {@code key:distinct_id}. Matched as whole strings, so a key that
 * itself contains {@code :} (a {@code project:key}) works as an entry too: the event's key is
 * looked up as it is, then with {@code ":" + distinct_id} appended. (So {@code a:b:c} matches key
 * {@code a:b} with distinct id {@code c}, and also key {@code a} with distinct id {@code b:c}: only
 * a concern when both keys exist.) Immutable, thread-safe.
 */
final class DropList {

    private final Set<String> entries;

    DropList(Set<String> entries) {
        this.entries = Set.copyOf(entries);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    boolean drops(String apiKey, String distinctId) {
        return entries.contains(apiKey) || entries.contains(apiKey + ":" + distinctId);
    }

    @Override
    public String toString() {
        return "DropList[" + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + "]"; // never the keys
    }
}

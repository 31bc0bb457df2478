package com.clickhouse.analytics.ops.config;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code PUBLIC_API_KEYS} read as projects: each entry is {@code project:key} (split at the first
 * {@code ':'}, so a key may itself contain one) or a bare {@code key}, which is its own project —
 * a configuration written before projects means exactly what it meant. Several keys may name one
 * project (rotation: old and new side by side). Parsed by the gateway's configuration and by
 * {@code ./cpa delete-person --api-key}, so both read an entry alike.
 *
 * @param projectOfKey key → project, in configuration order
 */
public record ProjectKeys(Map<String, String> projectOfKey) {

    public ProjectKeys {
        projectOfKey = Collections.unmodifiableMap(new LinkedHashMap<>(projectOfKey));
    }

    /**
     * Parses the entries (already split at commas and stripped).
     *
     * @throws IllegalArgumentException naming the bad entry by its position: an empty project or key,
     *                                  or one key named for two projects (never echoing a key)
     */
    public static ProjectKeys parse(Collection<String> entries) {
        Map<String, String> projectOfKey = new LinkedHashMap<>();
        Map<String, Integer> entryOfKey = new HashMap<>();
        int index = 0;
        for (String entry : entries) {
            index++;
            int colon = entry.indexOf(':');
            String project = colon < 0 ? entry : entry.substring(0, colon).strip();
            String key = colon < 0 ? entry : entry.substring(colon + 1).strip();
            if (colon >= 0 && project.isEmpty()) {
                throw new IllegalArgumentException("entry " + index + " names an empty project (write project:key, or a bare key)");
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException("entry " + index + (colon < 0 ? " is empty" : " of project '" + project + "' has an empty key"));
            }
            String before = projectOfKey.putIfAbsent(key, project);
            entryOfKey.putIfAbsent(key, index);
            if (before != null && !before.equals(project)) {
                // No project names here: a bare key's project is the key itself.
                throw new IllegalArgumentException("entry " + index + " gives the key of entry " + entryOfKey.get(key)
                        + " to another project: a key belongs to one project");
            }
        }
        return new ProjectKeys(projectOfKey);
    }

    /** The keys, in configuration order. */
    public List<String> keys() {
        return List.copyOf(projectOfKey.keySet());
    }

    /** The project of {@code key}, or null when it is not configured. */
    public String projectOf(String key) {
        return projectOfKey.get(key);
    }

    /** Whether some key names {@code project}. */
    public boolean hasProject(String project) {
        return projectOfKey.containsValue(project);
    }

    @Override
    public String toString() {
        return "ProjectKeys[" + projectOfKey.size() + " key(s) in " + projectOfKey.values().stream().distinct().count() + " project(s)]";
    }
}

package com.clickhouse.analytics.writer.identity;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import com.clickhouse.analytics.schema.record.Event;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gives every event of a batch its {@code $group_0} … {@code $group_4} columns and upserts the
 * groups its {@code $groupidentify} events name, per batch:
 * <ol>
 *   <li>the group type mapping of each project the batch names, from a cache of mappings (a
 *       mapping never changes once seen, see {@link GroupTypeClaims}) or one read of the claims;</li>
 *   <li>types still unmapped claim the free indexes in order of first appearance; the claims are
 *       stored and read back (one insert, one read per round; at most {@value GroupTypeClaims#MAX_GROUP_TYPES}
 *       rounds, since every round settles at least one index); a type left without an index (a
 *       sixth one) stays in the properties only, is counted and gets one warning per batch;</li>
 *   <li>one read of the identified groups' rows, their {@code $group_set}s applied in event order
 *       ({@code $set} semantics), one insert of the changed rows.</li>
 * </ol>
 * A replayed batch finds the claims and rows it wrote: the same indexes, the same properties.
 * Not thread-safe: owned by the batch thread, like {@link IdentityResolver}.
 */
public final class GroupResolver {

    /** Counts events whose group type got no index. */
    public interface Unmapped {
        Unmapped NONE = () -> { };

        void count();
    }

    private static final List<String> NO_GROUPS = List.of();

    private final GroupStore store;
    private final Consumer<List<PersonStore.WarningRow>> warnings;
    private final Function<Event, String> project;
    private final Clock clock;
    private final Unmapped unmapped;
    /** Per project, its mapping as last read; only growing. */
    private final Map<String, Map<String, Integer>> mappings = new HashMap<>();
    private final RowVersions versions;

    /**
     * @param warnings where the batch's warnings go (the person store's {@code insertWarnings})
     * @param project  the project an event's groups belong to
     */
    public GroupResolver(GroupStore store, Consumer<List<PersonStore.WarningRow>> warnings, Function<Event, String> project,
                         Clock clock, Unmapped unmapped) {
        this.store = store;
        this.warnings = warnings;
        this.project = project;
        this.clock = clock;
        this.versions = new RowVersions(clock);
        this.unmapped = unmapped;
    }

    /**
     * The {@code $group_N} values of each event, in order (an empty list for an event without
     * groups, else {@value GroupTypeClaims#MAX_GROUP_TYPES} values, {@code ""} for none). Writes the
     * batch's claims and groups before returning.
     */
    public List<List<String>> resolve(List<Event> events) {
        List<GroupEvent> parsed = new ArrayList<>(events.size());
        Map<String, Set<String>> typesByProject = new LinkedHashMap<>();
        for (Event e : events) {
            GroupEvent g = GroupEvent.of(e, project.apply(e));
            parsed.add(g);
            if (!g.groups().isEmpty() || g.identifies() != null) {
                Set<String> types = typesByProject.computeIfAbsent(g.project(), k -> new LinkedHashSet<>());
                types.addAll(g.groups().keySet());
                if (g.identifies() != null) {
                    types.add(g.identifies().groupType());
                }
            }
        }
        if (typesByProject.isEmpty()) {
            return parsed.stream().map(g -> NO_GROUPS).toList();
        }
        map(typesByProject);
        List<List<String>> columns = new ArrayList<>(events.size());
        Map<ProjectType, Event> unmappedTypes = new LinkedHashMap<>();
        Map<GroupStore.GroupKey, List<GroupEvent>> identified = new LinkedHashMap<>();
        for (GroupEvent g : parsed) {
            Map<String, Integer> mapping = mappings.getOrDefault(g.project(), Map.of());
            if (g.groups().isEmpty()) {
                columns.add(NO_GROUPS);
            } else {
                String[] values = new String[GroupTypeClaims.MAX_GROUP_TYPES];
                Arrays.fill(values, "");
                g.groups().forEach((type, key) -> {
                    Integer index = mapping.get(type);
                    if (index != null) {
                        values[index] = key;
                    } else {
                        unmapped.count();
                        unmappedTypes.putIfAbsent(new ProjectType(g.project(), type), g.event());
                    }
                });
                columns.add(List.of(values));
            }
            if (g.identifies() != null) {
                Integer index = mapping.get(g.identifies().groupType());
                if (index == null) {
                    if (g.groups().get(g.identifies().groupType()) == null) {
                        unmapped.count(); // not counted above already
                    }
                    unmappedTypes.putIfAbsent(new ProjectType(g.project(), g.identifies().groupType()), g.event());
                } else {
                    identified.computeIfAbsent(new GroupStore.GroupKey(g.project(), index, g.identifies().groupKey()),
                            k -> new ArrayList<>()).add(g);
                }
            }
        }
        if (!identified.isEmpty()) {
            upsert(identified);
        }
        if (!unmappedTypes.isEmpty()) {
            warn(unmappedTypes);
        }
        return columns;
    }

    /**
     * Makes sure every type of the batch has an index if one is to be had: read the claims, claim
     * what is free, read back who won. Each round settles at least one index of a contended
     * project, so the last round only reads.
     */
    private void map(Map<String, Set<String>> typesByProject) {
        Set<String> toRead = projectsWithUnknownTypes(typesByProject);
        for (int round = 0; !toRead.isEmpty(); round++) {
            Map<String, List<GroupStore.Claim>> stored = new HashMap<>();
            for (GroupStore.Claim c : store.claims(toRead)) {
                stored.computeIfAbsent(c.project(), k -> new ArrayList<>()).add(c);
            }
            for (String p : toRead) {
                mappings.put(p, GroupTypeClaims.resolve(stored.getOrDefault(p, List.of())));
            }
            if (round == GroupTypeClaims.MAX_GROUP_TYPES) {
                return;
            }
            List<GroupStore.Claim> claims = new ArrayList<>();
            toRead = new LinkedHashSet<>();
            for (String p : projectsWithUnknownTypes(typesByProject)) {
                Map<String, Integer> mapping = mappings.get(p);
                List<Integer> free = GroupTypeClaims.free(mapping);
                int next = 0;
                for (String type : typesByProject.get(p)) {
                    if (!mapping.containsKey(type) && next < free.size()) {
                        claims.add(new GroupStore.Claim(p, type, free.get(next++), null));
                        toRead.add(p);
                    }
                }
            }
            if (!claims.isEmpty()) {
                store.insertClaims(claims);
            }
        }
    }

    /** Projects with a type the cached mapping lacks while it has a free index. */
    private Set<String> projectsWithUnknownTypes(Map<String, Set<String>> typesByProject) {
        Set<String> unknown = new LinkedHashSet<>();
        typesByProject.forEach((p, types) -> {
            Map<String, Integer> mapping = mappings.get(p);
            if (mapping == null || mapping.size() < GroupTypeClaims.MAX_GROUP_TYPES && !mapping.keySet().containsAll(types)) {
                unknown.add(p);
            }
        });
        return unknown;
    }

    private void upsert(Map<GroupStore.GroupKey, List<GroupEvent>> identified) {
        Map<GroupStore.GroupKey, GroupStore.GroupRow> stored = store.groups(identified.keySet());
        Instant now = clock.instant();
        List<GroupStore.GroupRow> rows = new ArrayList<>(identified.size());
        identified.forEach((key, events) -> {
            GroupStore.GroupRow old = stored.get(key);
            PersonPropertiesMerger properties = new PersonPropertiesMerger(old == null ? null : old.properties());
            boolean changed = old == null;
            for (GroupEvent g : events) {
                changed |= properties.set(g.set());
            }
            if (changed) {
                Instant created = old == null ? events.getFirst().event().timestamp() : old.createdAt();
                rows.add(new GroupStore.GroupRow(key, properties.json(), created, now, versions.next(old == null ? 0 : old.version())));
            }
        });
        if (!rows.isEmpty()) {
            store.insertGroups(rows);
        }
    }

    private void warn(Map<ProjectType, Event> unmappedTypes) {
        List<PersonStore.WarningRow> rows = new ArrayList<>(unmappedTypes.size());
        unmappedTypes.forEach((type, e) -> {
            ObjectNode details = JsonNodeFactory.instance.objectNode()
                    .put("group_type", type.groupType()).put("limit", GroupTypeClaims.MAX_GROUP_TYPES);
            rows.add(new PersonStore.WarningRow(e.apiKey(), "group_type_limit", e.uuid(), e.distinctId(), details.toString(),
                    clock.instant()));
        });
        warnings.accept(rows);
    }

    /** A group type of one project. */
    private record ProjectType(String project, String groupType) {
    }
}

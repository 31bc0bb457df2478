package com.clickhouse.analytics.writer.identity;

import java.util.UUID;

/**
 * PostHog's merge rules ({@code person-merge-service.ts}) as a pure classifier. A merge event names
 * two distinct ids: {@code into} (the event's distinct id, whose person survives) and {@code other}
 * ({@code $anon_distinct_id} or {@code alias}). What happens depends only on the two ids, their
 * current persons and whether the other person is identified.
 */
public final class MergeRule {

    /** What a merge event does. */
    public enum Outcome {
        /** Both ids are the same (posthog-node does this when it updates properties): nothing. */
        SAME_ID(false),
        /** One id is {@linkplain IllegalDistinctIds illegal}: no link, no merge; a warning. */
        ILLEGAL_ID(false),
        /** Neither id has a person: one is created ({@code into}'s deterministic id) with both ids. */
        CREATE(true),
        /** Only {@code other} has a person: {@code into} joins it. */
        ADD_INTO(true),
        /** Only {@code into} has a person: {@code other} joins it. */
        ADD_OTHER(true),
        /** Both ids already share a person. */
        SAME_PERSON(true),
        /** Different persons: {@code other}'s is merged into {@code into}'s, every distinct id moves. */
        MERGE(true),
        /** Different persons, and {@code other}'s is identified: refused (only {@code $merge_dangerously} may); a warning. */
        REFUSED_IDENTIFIED(true);

        private final boolean identifies;

        Outcome(boolean identifies) {
            this.identifies = identifies;
        }

        /** Whether the surviving person becomes identified (PostHog marks it once the ids are legal and differ). */
        public boolean identifies() {
            return identifies;
        }
    }

    private MergeRule() {
    }

    /**
     * @param intoPerson       {@code into}'s current person, or null
     * @param otherPerson      {@code other}'s current person, or null
     * @param otherIdentified  whether {@code otherPerson} is identified
     */
    public static Outcome decide(PersonEvent.Merge merge, String into, String other, UUID intoPerson, UUID otherPerson,
                                 boolean otherIdentified) {
        if (into.equals(other)) {
            return Outcome.SAME_ID;
        }
        if (IllegalDistinctIds.isIllegal(into) || IllegalDistinctIds.isIllegal(other)) {
            return Outcome.ILLEGAL_ID;
        }
        if (intoPerson == null && otherPerson == null) {
            return Outcome.CREATE;
        }
        if (intoPerson == null) {
            return Outcome.ADD_INTO;
        }
        if (otherPerson == null) {
            return Outcome.ADD_OTHER;
        }
        if (intoPerson.equals(otherPerson)) {
            return Outcome.SAME_PERSON;
        }
        return merge == PersonEvent.Merge.MERGE_DANGEROUSLY || !otherIdentified ? Outcome.MERGE : Outcome.REFUSED_IDENTIFIED;
    }
}

package com.clickhouse.analytics.writer.deletion;

import java.util.List;

/**
 * Where the writer learns which distinct ids were deleted ({@code ./cpa delete-person} writes them).
 * The I/O edge of {@link DeletedIdFilter}, so the filter is testable with a plain list.
 */
public interface DeletionList {

    /** A deleted distinct id of {@code project}; {@code ""} means in every project. */
    record DeletedId(String project, String distinctId) {
    }

    /**
     * The newest {@code limit} deleted ids.
     *
     * @throws RuntimeException when the list cannot be read (the filter keeps its previous copy)
     */
    List<DeletedId> newest(int limit);
}

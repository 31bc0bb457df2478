package com.clickhouse.analytics.writer.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The claim resolution rule, case by case. */
class GroupTypeClaimsTest {

    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static GroupStore.Claim claim(String type, int index, long micros) {
        return new GroupStore.Claim("p", type, index, T.plusNanos(micros * 1000));
    }

    @Test
    void oneInsertKeepsTheOrderOfFirstAppearance() {
        // the same insert time: the index decides, not the type's name
        assertEquals(Map.of("zeta", 0, "alpha", 1), GroupTypeClaims.resolve(List.of(claim("alpha", 1, 0), claim("zeta", 0, 0))));
    }

    @Test
    void theEarlierClaimOfAnIndexWinsAndTheLoserKeepsNoIndex() {
        assertEquals(Map.of("company", 0), GroupTypeClaims.resolve(List.of(claim("team", 0, 2), claim("company", 0, 1))));
    }

    @Test
    void aTypeKeepsItsFirstWinningIndexAndALaterIndexStaysFree() {
        Map<String, Integer> m = GroupTypeClaims.resolve(List.of(claim("company", 1, 1), claim("team", 1, 2), claim("company", 2, 2)));
        assertEquals(Map.of("company", 1), m);
        assertEquals(List.of(0, 2, 3, 4), GroupTypeClaims.free(m));
        // the loser claims again, after reading: it gets what is free
        assertEquals(Map.of("company", 1, "team", 0), GroupTypeClaims.resolve(List.of(claim("company", 1, 1), claim("team", 1, 2),
                claim("company", 2, 2), claim("team", 0, 3))));
    }

    @Test
    void repeatedClaimsChangeNothingAndOutOfRangeIndexesAreIgnored() {
        assertEquals(Map.of("a", 0), GroupTypeClaims.resolve(List.of(claim("a", 0, 1), claim("a", 0, 5), claim("b", 7, 0))));
    }
}

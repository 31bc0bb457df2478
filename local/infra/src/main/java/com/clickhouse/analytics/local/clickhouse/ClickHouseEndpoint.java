package com.clickhouse.analytics.local.clickhouse;

import java.util.Objects;

/** Where a ClickHouse HTTP interface answers, and how to log in. */
public record ClickHouseEndpoint(String url, String user, String password) {

    public ClickHouseEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "ClickHouseEndpoint[" + url + ", user " + user + "]"; // never the password
    }
}

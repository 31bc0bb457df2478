-- V010: the geo country as a hot property column (issue 17 "Properties as columns", now that
-- enrichment (V004) fills $geoip_country_code): the first geo dimension teams break down by.
-- Name, type and expression are exactly what `./cpa materialize '$geoip_country_code' lowcardinality`
-- generates, so the command sees the column as present. Costs about half a microsecond of
-- ClickHouse CPU per inserted row (docs/benchmarks.md, "What ClickHouse spends per row").

ALTER TABLE {{DATABASE}}.events
    ADD COLUMN IF NOT EXISTS mat_geoip_country_code LowCardinality(String) MATERIALIZED JSONExtractString(properties, '$geoip_country_code'),
    ADD INDEX IF NOT EXISTS idx_mat_geoip_country_code mat_geoip_country_code TYPE bloom_filter(0.01) GRANULARITY 4;

-- Backfill, as V003's: one background mutation; a repeated run rewrites the same values.
ALTER TABLE {{DATABASE}}.events
    MATERIALIZE COLUMN mat_geoip_country_code,
    MATERIALIZE INDEX idx_mat_geoip_country_code;

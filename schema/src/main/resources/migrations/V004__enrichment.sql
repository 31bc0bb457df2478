-- The writer's enrichment step flags bots and crawlers (see writer/README.md, "Enrichment").
-- is_bot: 1 when bot_reason is not empty; bot_reason: ua_parser, crawler_list or bot_patterns.
-- Rows written before this migration (and by writers without enrichment) keep the defaults: not a bot.
ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS is_bot UInt8 DEFAULT 0;
ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS bot_reason LowCardinality(String) DEFAULT '';

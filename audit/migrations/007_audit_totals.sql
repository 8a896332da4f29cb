-- One row per audit with its SKU counts summed over categories and brands, beside its audit-level
-- counts, its date, store and merchandiser, in date order. A score without a product filter (the usual
-- dashboard) reads one row per audit of the period here, instead of summing audit_sku_metrics per audit
-- and joining audits and audit_metrics: at 5,000 stores × 104 weeks a 12-week overview query goes from
-- 30 to 8 ms, a two-year one from 230 to 24 ms (docs/benchmarks.md). Written with the other counts
-- (audit/scoring.py), so it always agrees with them; audits without SKU lines have no row, as before.
-- Existing audits: their counts are dropped here and counted again, totals included, when the database
-- opens (scoring.fill_missing), by the one piece of code that counts.
CREATE TABLE audit_totals (
    audit_id            BIGINT PRIMARY KEY,
    visit_date          DATE NOT NULL,
    store_code          VARCHAR NOT NULL,
    merchandiser        VARCHAR NOT NULL,
    must_audited        INTEGER NOT NULL,
    must_in_stock       INTEGER NOT NULL,
    level_rated         INTEGER NOT NULL,
    level_uplift        DOUBLE  NOT NULL,
    eye_level           INTEGER NOT NULL,
    price_checked       INTEGER NOT NULL,
    price_ok            INTEGER NOT NULL,
    fresh_checked       INTEGER NOT NULL,
    fresh_ok            INTEGER NOT NULL,
    pop_required        INTEGER NOT NULL,
    pop_present         INTEGER NOT NULL,
    competitor_facings  INTEGER,
    our_facings         INTEGER
);

DELETE FROM audit_sku_metrics;
DELETE FROM audit_metrics;

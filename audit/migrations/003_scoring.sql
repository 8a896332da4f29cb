-- Scoring: settings a manager can change, and per-audit counts the scores are computed from.
-- The counts are independent of the weights (applied at query time), so a weight change is instant;
-- they do depend on the price tolerance, and are recomputed when it changes (audit/scoring.py).

CREATE TABLE settings (
    key        VARCHAR PRIMARY KEY,
    value      VARCHAR NOT NULL,          -- JSON
    updated_by VARCHAR,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per audit and (category, brand) of the SKUs audited: what the SKU-level components count.
CREATE TABLE audit_sku_metrics (
    audit_id        BIGINT NOT NULL,
    visit_date      DATE NOT NULL,        -- the audit's, so a period filter needs no join
    category        VARCHAR NOT NULL,
    brand           VARCHAR NOT NULL,
    must_audited    INTEGER NOT NULL,     -- must-stock SKUs audited
    must_in_stock   INTEGER NOT NULL,     -- ... found in stock
    level_rated     INTEGER NOT NULL,     -- in-stock SKUs with a shelf level
    level_uplift    DOUBLE  NOT NULL,     -- sum of their relative sales (1.34 / 1.78 / 1.63 / 1.00)
    eye_level       INTEGER NOT NULL,     -- ... at level 2
    price_checked   INTEGER NOT NULL,     -- in-stock SKUs with every tag answer and a shelf price
    price_ok        INTEGER NOT NULL,     -- ... all tag checks passed and the price within tolerance
    fresh_checked   INTEGER NOT NULL,     -- in-stock SKUs with FIFO / near-expiry / damaged answered
    fresh_ok        INTEGER NOT NULL,     -- ... FIFO kept, nothing near expiry or damaged
    our_facings     INTEGER NOT NULL
);

-- One row per audit: the audit-level counts (POP, competitors' facings).
CREATE TABLE audit_metrics (
    audit_id            BIGINT PRIMARY KEY,
    pop_required        INTEGER NOT NULL,
    pop_present         INTEGER NOT NULL,
    competitor_facings  INTEGER,          -- NULL when no competitor facings were recorded
    our_facings         INTEGER           -- ours in the categories those competitors compete in
);

-- Which of our SKUs a competitor's product competes with, so their prices can be set against our
-- recommended and shelf prices (the competitor price index). Optional: NULL when not said.
ALTER TABLE competitor_observations ADD COLUMN product_code VARCHAR;

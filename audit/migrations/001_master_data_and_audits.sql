-- Master data, accounts and the audit tables the capture flow fills.
-- Foreign keys are checked by the application (DuckDB turns updates of referenced rows into
-- delete + insert, which a declared foreign key would refuse); codes are the keys everywhere.

CREATE TABLE app_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE regions (
    code    VARCHAR PRIMARY KEY,
    name_en VARCHAR NOT NULL,
    name_zh VARCHAR NOT NULL
);

CREATE TABLE dealers (
    code        VARCHAR PRIMARY KEY,
    name_en     VARCHAR NOT NULL,
    name_zh     VARCHAR NOT NULL,
    region_code VARCHAR,
    contact     VARCHAR,
    phone       VARCHAR,
    email       VARCHAR,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('merchandiser', 'manager', 'dealer', 'admin')),
    dealer_code   VARCHAR,
    password_hash VARCHAR NOT NULL,
    language      VARCHAR NOT NULL DEFAULT 'en',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    is_demo       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Signed-in browsers: the cookie carries a random token, the table only its sha256.
CREATE TABLE sessions (
    token_sha256 VARCHAR PRIMARY KEY,
    username     VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);

-- The store card (客户资料卡).
CREATE TABLE stores (
    code           VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,      -- name as the store is known locally (often Chinese)
    name_en        VARCHAR,
    address        VARCHAR,
    phone          VARCHAR,
    contact_name   VARCHAR,
    contact_role   VARCHAR,
    ownership      VARCHAR,
    category       VARCHAR CHECK (category IN ('agent', 'wholesale_t1', 'wholesale_t2', 'key_retailer', 'other')),
    channel        VARCHAR NOT NULL CHECK (channel IN ('traditional', 'modern', 'special')),
    sub_channel    VARCHAR,
    grade          VARCHAR NOT NULL CHECK (grade IN ('A', 'B', 'C')),
    region_code    VARCHAR NOT NULL,
    city           VARCHAR,
    latitude       DOUBLE CHECK (latitude BETWEEN -90 AND 90),
    longitude      DOUBLE CHECK (longitude BETWEEN -180 AND 180),
    dealer_code    VARCHAR,
    merchandiser   VARCHAR,               -- users.username of the assigned merchandiser
    brands_carried VARCHAR,
    credit_notes   VARCHAR,
    notes          VARCHAR,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE products (
    code                VARCHAR PRIMARY KEY,
    name_en             VARCHAR NOT NULL,
    name_zh             VARCHAR NOT NULL,
    brand               VARCHAR NOT NULL,
    category            VARCHAR NOT NULL,
    rrp                 DECIMAL(10, 2) NOT NULL CHECK (rrp > 0),  -- recommended retail price
    must_stock_channels VARCHAR[] NOT NULL DEFAULT [],
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at          TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE competitors (
    code       VARCHAR PRIMARY KEY,
    name_en    VARCHAR NOT NULL,
    name_zh    VARCHAR NOT NULL,
    notes      VARCHAR,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE pop_types (
    code              VARCHAR PRIMARY KEY,
    name_en           VARCHAR NOT NULL,
    name_zh           VARCHAR NOT NULL,
    required_channels VARCHAR[] NOT NULL DEFAULT [],
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One audit = one merchandiser's visit to one store. submission_key makes submit idempotent.
CREATE TABLE audits (
    id             BIGINT PRIMARY KEY,
    submission_key VARCHAR NOT NULL UNIQUE,
    store_code     VARCHAR NOT NULL,
    merchandiser   VARCHAR NOT NULL,
    visit_date     DATE NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    submitted_at   TIMESTAMP NOT NULL,
    order_placed   BOOLEAN,
    order_amount   DECIMAL(12, 2),
    notes          VARCHAR,
    source         VARCHAR NOT NULL DEFAULT 'app'   -- 'app' or 'demo'
);

-- Per-SKU answers. Large (millions of rows): no index, rows arrive sorted by audit id.
CREATE TABLE audit_lines (
    audit_id       BIGINT NOT NULL,
    product_code   VARCHAR NOT NULL,
    must_stock     BOOLEAN NOT NULL,
    in_stock       BOOLEAN NOT NULL,
    facings        SMALLINT,
    shelf_level    TINYINT CHECK (shelf_level BETWEEN 1 AND 4),
    restocked      BOOLEAN,
    fifo_ok        BOOLEAN,
    near_expiry    BOOLEAN,
    damaged        BOOLEAN,
    tag_present    BOOLEAN,
    tag_placed_ok  BOOLEAN,
    tag_matches    BOOLEAN,
    tag_legible    BOOLEAN,
    shelf_price    DECIMAL(10, 2)
);

CREATE TABLE audit_pop (
    audit_id      BIGINT NOT NULL,
    pop_type_code VARCHAR NOT NULL,
    present       BOOLEAN NOT NULL,
    condition     VARCHAR CHECK (condition IN ('good', 'worn', 'damaged'))
);

CREATE TABLE competitor_observations (
    id              BIGINT PRIMARY KEY,
    audit_id        BIGINT NOT NULL,
    competitor_code VARCHAR,          -- NULL when the brand is not in the list
    competitor_other VARCHAR,
    kind            VARCHAR NOT NULL CHECK (kind IN ('promotion', 'new_product', 'themed_display',
                                                     'display_change', 'price_change', 'staff_change')),
    product         VARCHAR,
    normal_price    DECIMAL(10, 2),
    promo_price     DECIMAL(10, 2),
    flash_price     DECIMAL(10, 2),
    facings         SMALLINT,
    note            VARCHAR
);

-- Stored photo files, keyed by the sha256 of the stored JPEG (content-addressed).
CREATE TABLE photos (
    sha256        VARCHAR PRIMARY KEY,
    thumb_sha256  VARCHAR NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    phash         UBIGINT NOT NULL,   -- 64-bit difference hash, for near-duplicate detection
    taken_at      TIMESTAMP,
    camera_model  VARCHAR,
    gps_latitude  DOUBLE,
    gps_longitude DOUBLE,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE audit_photos (
    audit_id       BIGINT NOT NULL,
    photo_sha256   VARCHAR NOT NULL,
    section        VARCHAR NOT NULL CHECK (section IN ('store', 'shelf', 'price', 'pop', 'competitor', 'other')),
    observation_id BIGINT,
    caption        VARCHAR,
    flag_reused    BOOLEAN NOT NULL DEFAULT FALSE,
    flag_old       BOOLEAN NOT NULL DEFAULT FALSE
);

-- Server-side drafts: every change a merchandiser makes is kept here until submit, so a reload, a
-- dropped connection or another tablet resumes where they were. One draft per user and store.
CREATE TABLE audit_drafts (
    username       VARCHAR NOT NULL,
    store_code     VARCHAR NOT NULL,
    submission_key VARCHAR NOT NULL UNIQUE,  -- becomes audits.submission_key: a resubmit finds the audit
    started_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    step           INTEGER NOT NULL DEFAULT 0,
    answers        VARCHAR NOT NULL,         -- JSON, see audit/capture.py
    PRIMARY KEY (username, store_code)
);

-- Photos attached to a draft; the files and photos rows exist already (written when taken).
CREATE TABLE draft_photos (
    submission_key VARCHAR NOT NULL,
    photo_sha256   VARCHAR NOT NULL,
    section        VARCHAR NOT NULL CHECK (section IN ('store', 'shelf', 'price', 'pop', 'competitor', 'other')),
    caption        VARCHAR,
    added_at       TIMESTAMP NOT NULL
);

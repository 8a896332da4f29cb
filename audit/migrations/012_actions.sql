-- Actions (issue 15): a problem someone must fix, opened from an audit's findings (or by a manager by hand),
-- owned by the store's dealer or a merchandiser, due by the store's grade, and closed with proof: fixed on the
-- spot during the audit, or verified fixed at a later audit (after the dealer marked it done, or not).
-- At most one action per store and problem (kind + item) is open at a time: audit/actions.py checks it
-- inside the write transaction (DuckDB has no partial unique index).
CREATE TABLE actions (
    id              BIGINT PRIMARY KEY,
    store_code      VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('restock', 'price', 'tag', 'pop', 'freshness', 'competitor',
                                                     'display')),
    item            VARCHAR NOT NULL,      -- product, POP type or competitor code; '' for a store-wide action
    note            VARCHAR,               -- what to do, for an action added by hand
    status          VARCHAR NOT NULL CHECK (status IN ('open', 'done', 'fixed', 'cancelled')),
    owner_role      VARCHAR NOT NULL CHECK (owner_role IN ('dealer', 'merchandiser')),
    owner           VARCHAR,               -- dealers.code or users.username (NULL: the store has none yet)
    opened_at       TIMESTAMP NOT NULL,
    opened_audit_id BIGINT,                -- NULL for an action added by hand
    opened_by       VARCHAR NOT NULL,
    due_date        DATE NOT NULL,
    seen_count      INTEGER NOT NULL DEFAULT 1,   -- audits that found the problem while the action was open
    last_seen_at    TIMESTAMP,
    closed_at       TIMESTAMP,             -- fixed or cancelled
    resolution      VARCHAR CHECK (resolution IN ('on_spot', 'verified', 'cancelled')),
    done_at         TIMESTAMP              -- when the dealer (or owner) last marked it done
);

-- Every change of an action, in order: the history on the store card and the loop measures read it.
CREATE TABLE action_events (
    action_id    BIGINT NOT NULL,
    seq          INTEGER NOT NULL,
    happened_at  TIMESTAMP NOT NULL,
    event        VARCHAR NOT NULL CHECK (event IN ('opened', 'seen_again', 'fixed_on_spot', 'done', 'verified',
                                                   'not_fixed', 'reassigned', 'due_changed', 'cancelled')),
    username     VARCHAR,
    audit_id     BIGINT,
    note         VARCHAR,
    photo_sha256 VARCHAR,
    detail       VARCHAR,              -- the new owner or due date, for reassigned / due_changed
    PRIMARY KEY (action_id, seq)
);

-- Visit plans (issue 5): which merchandiser should visit which store on which working day.
-- An audit fulfils a planned visit when store, merchandiser and date match; the match is made in SQL
-- (audit/visits.py), not stored, so moving or removing a planned visit never leaves a stale link and
-- audits need no new column. A store is planned at most once a day, so a match is never ambiguous.
CREATE TABLE planned_visits (
    id           BIGINT PRIMARY KEY,
    store_code   VARCHAR NOT NULL,
    merchandiser VARCHAR NOT NULL,          -- users.username
    planned_date DATE NOT NULL,
    source       VARCHAR NOT NULL DEFAULT 'manual' CHECK (source IN ('generated', 'manual', 'demo')),
    created_by   VARCHAR,                   -- users.username of the manager (NULL: demo or command line)
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (store_code, planned_date)
);

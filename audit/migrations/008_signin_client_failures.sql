-- Failed sign-ins per client address (issue 13): one client is paused after a few wrong passwords, so it
-- cannot lock accounts it does not own by failing their names; the per-name lock needs more failures than
-- one client can make in a lock time. A run of failures now lasts a fixed time from its first failure
-- (a slow, steady guesser no longer keeps a run alive forever).
CREATE TABLE signin_client_failures (
    client           VARCHAR PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP,
    first_failure_at TIMESTAMP NOT NULL
);
ALTER TABLE signin_failures ADD COLUMN first_failure_at TIMESTAMP;
UPDATE signin_failures SET first_failure_at = last_failure_at;

-- Failed sign-ins per user name (issue 7): after a run of failures the name is locked for a while, so
-- passwords cannot be guessed at the speed of the password hash. Kept for names that do not exist too,
-- so a lock does not tell which names are accounts. A successful sign-in or a password reset clears it.
CREATE TABLE signin_failures (
    username        VARCHAR PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);

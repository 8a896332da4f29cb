"""One app process of several on one PostgreSQL database, submitting drafts at a given moment: run as
`python -m tests.helpers.replica_worker START_AT USER:KEY...` with AUDIT_DATABASE_URL and its own
AUDIT_DATA_DIR. Each draft is submitted from its own thread; prints one JSON line per submit."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from audit import auth, capture
from audit.opening import open_database


def main(start_at: float, jobs: list[str]) -> None:
    db = open_database()
    users = {name: auth.get_user(db, name) for name in {job.split(":")[0] for job in jobs}}

    def submit(job: str) -> dict:
        username, key = job.split(":")
        time.sleep(max(0.0, start_at - time.time()))
        began = time.perf_counter()
        result = capture.submit(db, users[username], key)
        return {
            "key": key,
            "audit_id": result.audit_id,
            "created": result.created,
            "seconds": time.perf_counter() - began,
        }

    with ThreadPoolExecutor(len(jobs)) as pool:
        for outcome in pool.map(submit, jobs):
            print(json.dumps(outcome), flush=True)
    db.close()


if __name__ == "__main__":
    main(float(sys.argv[1]), sys.argv[2:])

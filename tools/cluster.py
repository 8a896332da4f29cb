"""Several app replicas on one machine, for trying out the field-force set-up (`make cluster`): a throwaway
PostgreSQL (tools/local_postgres.py), its migrations run once, optionally the demo, N replicas of the app
(`streamlit run server.py`, each with its own DuckDB copy, all with one photo folder, one database, one cookie
secret, trusting the balancer's headers) and HAProxy in front of them from deploy/haproxy.cfg
(tools/balancer.py). Ctrl-C stops everything.

    python -m tools.cluster [--replicas 3] [--port 8080] [--demo] [--folder data/cluster]

start_cluster() is the same thing for tests (the failover test kills a replica under a browser)."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audit import web
from tools import balancer, local_postgres, watchdog

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / "data" / "cluster"
DEFAULT_PORT = 8080
FIRST_REPLICA_PORT = 8601
# A replica is ready once it has opened the database (loaded its DuckDB copy): its readiness route, the one
# deploy/haproxy.cfg checks, starts that open on the first call and answers 200 when it is done.
REPLICA_START_TIMEOUT_S = 300
READY = web.READY_PATH


@dataclass
class Replica:
    number: int  # 1, 2, 3, …: HAProxy's app1, app2, … and the cookie value naming it
    port: int
    data_dir: Path  # its own DuckDB copy
    log: Path
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    folder: Path
    url: str  # the balancer: what browsers open
    photo_dir: Path
    database_url: str = ""
    postgres: local_postgres.LocalPostgres | None = None
    replicas: list[Replica] = field(default_factory=list)
    balancer: balancer.Balancer | None = None
    guard: subprocess.Popen | None = None  # ends the replicas and the balancer should this process die first

    def guard_processes(self) -> None:
        """Should this process end without stop(), the replicas and the balancer end too (PostgreSQL has its
        own guard): they run in sessions of their own, so nothing else would."""
        watchdog.cancel(self.guard)
        pids = [replica.pid for replica in self.replicas]
        pids += [self.balancer.process.pid] if self.balancer else []
        self.guard = watchdog.on_owner_death(["kill", "-TERM", *map(str, pids)])

    def kill(self, i: int) -> None:
        """SIGKILL replica i (0-based), as a crash would end it: no shutdown, nothing flushed."""
        process = self.replicas[i].process
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """The balancer, then the replicas, then PostgreSQL (its folder removed). Logs stay in the folder."""
        watchdog.cancel(self.guard)
        if self.balancer:
            self.balancer.stop()
        for replica in self.replicas:
            if replica.process.poll() is None:
                replica.process.terminate()
        for replica in self.replicas:
            try:
                replica.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait()
        if self.postgres:
            self.postgres.stop()


def replica_environment(data_dir: Path, photo_dir: Path, database_url: str | None) -> dict[str, str]:
    """What each replica and each task is told: its own data folder, the shared photos and database, and that
    a balancer in front sets the client's address."""
    env = dict(os.environ)
    env.update(AUDIT_DATA_DIR=str(data_dir), AUDIT_PHOTO_DIR=str(photo_dir), AUDIT_TRUST_PROXY="1")
    env.pop("AUDIT_DATABASE_URL", None)
    if database_url:
        env["AUDIT_DATABASE_URL"] = database_url
    return env


def run_task(args: Sequence[str], env: dict[str, str], log: Path) -> None:
    """`python -m audit ARGS` to the end; its output appended to `log`, and shown if it fails."""
    with open(log, "ab") as output:
        done = subprocess.run(
            [sys.executable, "-m", "audit", *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    if done.returncode != 0:
        raise RuntimeError(f"python -m audit {' '.join(args)} failed:\n{log.read_text(errors='replace')[-3000:]}")


def write_demo(demo: Sequence[str], folder: Path, photo_dir: Path, database_url: str, log: Path) -> int:
    """The demo made in an embedded database (its photos straight into the shared folder), then moved into the
    empty, migrated shared database as a one-process installation is moved (pg.copy_from_duckdb); the
    embedded file is removed. Returns the rows copied."""
    from audit import pg

    run_task(["demo", *demo], replica_environment(folder, photo_dir, None), log)
    copied = pg.copy_from_duckdb(database_url, folder / "audit.duckdb")
    shutil.rmtree(folder)
    return sum(copied.values())


def start_replica(number: int, port: int, folder: Path, env: dict[str, str], cookie_secret: str) -> Replica:
    log = folder / f"replica{number}.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "server.py"]
            + ["--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT,
            env={**env, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret},  # Streamlit takes it from here only
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the cluster command, which stops the replicas in order
        )
    return Replica(number=number, port=port, data_dir=Path(env["AUDIT_DATA_DIR"]), log=log, process=process)


def wait_until_ready(replica: Replica, deadline: float) -> None:
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(
                f"replica {replica.number} stopped ({replica.process.returncode}):\n"
                + replica.log.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(replica.url + READY, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"replica {replica.number} was not ready on {replica.url}{READY}:\n"
        + replica.log.read_text(errors="replace")[-3000:]
    )


def start_cluster(
    folder: Path,
    replicas: int = 3,
    port: int | None = None,
    replica_ports: Sequence[int] | None = None,
    demo: Sequence[str] | None = None,
    say=lambda message: None,
) -> Cluster:
    """A running cluster in `folder` (new or empty): free ports unless given. `demo` is the arguments of
    `python -m audit demo` (e.g. ["--stores", "20"]), run once before the replicas start; None for none."""
    folder = folder.resolve()
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: a cluster starts in a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    photo_dir = folder / "photos"
    photo_dir.mkdir()
    port = port or local_postgres.free_port()
    ports = list(replica_ports or [local_postgres.free_port() for _ in range(replicas)])
    cluster = Cluster(folder=folder, url=f"http://127.0.0.1:{port}", photo_dir=photo_dir)
    try:
        started = time.monotonic()
        # In a temporary folder: as root the server runs as `postgres`, which cannot enter a data folder made
        # 0700 for the app's owner.
        cluster.postgres = local_postgres.start(durable=True)
        cluster.database_url = cluster.postgres.create_database("store_audit")
        say(f"PostgreSQL in {cluster.postgres.folder}: {cluster.database_url} ({time.monotonic() - started:.1f} s)")
        tasks = replica_environment(folder / "tasks", photo_dir, cluster.database_url)
        started = time.monotonic()
        run_task(["init"], tasks, folder / "tasks.log")
        say(f"migrations applied ({time.monotonic() - started:.1f} s)")
        if demo is not None:
            started = time.monotonic()
            copied = write_demo(demo, folder / "demo", photo_dir, cluster.database_url, folder / "tasks.log")
            say(f"demo data written: {copied:,} rows ({time.monotonic() - started:.1f} s)")
        started = time.monotonic()
        cookie_secret = secrets.token_hex(32)  # the same on every replica (it signs st.login's cookie)
        for number, replica_port in enumerate(ports, start=1):
            env = replica_environment(folder / f"replica{number}", photo_dir, cluster.database_url)
            cluster.replicas.append(start_replica(number, replica_port, folder, env, cookie_secret))
        cluster.guard_processes()
        deadline = time.monotonic() + REPLICA_START_TIMEOUT_S
        for replica in cluster.replicas:
            wait_until_ready(replica, deadline)
        say(f"{len(ports)} replicas on ports {', '.join(map(str, ports))} ({time.monotonic() - started:.1f} s)")
        config = balancer.local_config([f"127.0.0.1:{p}" for p in ports], f"127.0.0.1:{port}")
        cluster.balancer = balancer.start(config, folder / "haproxy", port)
        cluster.guard_processes()
        say(f"HAProxy on 127.0.0.1:{port} ({cluster.balancer.config})")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the balancer's port on 127.0.0.1")
    parser.add_argument("--first-replica-port", type=int, default=FIRST_REPLICA_PORT)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="replaced by each run")
    parser.add_argument("--demo", action="store_true", help="fill the database with the demo first")
    parser.add_argument("--demo-stores", default="200", help="stores in the demo (python -m audit demo --stores)")
    parser.add_argument("--demo-weeks", default="26", help="weeks in the demo (python -m audit demo --weeks)")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, flush=True)

    if args.folder.exists():
        say(f"removing the previous run's {args.folder}")
        shutil.rmtree(args.folder)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops everything in order, as Ctrl-C does
    # Ctrl-C, even when started from a background job: a shell starts those with SIGINT ignored, and Python then
    # leaves it ignored (seen: a test run under `nohup … &` waited 60 s for a cluster that never heard it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    try:
        cluster = start_cluster(
            args.folder,
            replicas=args.replicas,
            port=args.port,
            replica_ports=range(args.first_replica_port, args.first_replica_port + args.replicas),
            demo=["--stores", args.demo_stores, "--weeks", args.demo_weeks] if args.demo else None,
            say=say,
        )
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, ValueError) as exc:  # a missing package, a task or replica that failed: its own words
        print(f"The cluster did not start (everything started is stopped again):\n{exc}", file=sys.stderr)
        return 1
    try:  # from here on a Ctrl-C, however early, stops what started
        say(f"\nReady in {time.monotonic() - started:.1f} s: open {cluster.url}")
        say(f"Logs and each replica's data in {cluster.folder}. Ctrl-C stops everything.")
        running = {replica.number for replica in cluster.replicas}
        while True:
            for replica in cluster.replicas:
                if replica.number in running and replica.process.poll() is not None:
                    running.discard(replica.number)
                    say(f"replica {replica.number} (pid {replica.pid}) stopped; see {replica.log}")
            time.sleep(1)
    except KeyboardInterrupt:
        say("\nstopping…")
        started = time.monotonic()
        cluster.stop()
        say(f"stopped in {time.monotonic() - started:.1f} s")
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())

"""`make cluster` (tools/cluster.py): PostgreSQL, the demo written into it once, replicas that each keep their
own data folder but share the database, the photos and the cookie secret, HAProxy in front of them; a killed
replica's browsers go on with another; Ctrl-C stops everything, and so does the death of the command itself."""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from audit import photos, web
from tests.helpers.servers import listening, wait_for
from tools import cluster as local_cluster
from tools.local_postgres import free_port

ROOT = Path(local_cluster.__file__).resolve().parents[1]
TINY_DEMO = ["--stores", "4", "--weeks", "2", "--photos", "2"]


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def processes_of(folder: Path) -> list[int]:
    """Live processes naming the cluster's folder: its replicas (their data folders are in it) and HAProxy (its
    configuration is)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + b"\0" + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().split()[2]
        except OSError:
            continue
        if str(folder).encode() in text and state != "Z":
            found.append(int(entry.name))
    return found


def get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """(status, the replica named by the balancer's Set-Cookie, if any)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=15)
    connection.request("GET", "/_stcore/health", headers={"Cookie": f"audit_replica={cookie}"} if cookie else {})
    response = connection.getresponse()
    response.read()
    set_cookies = " ".join(value for name, value in response.getheaders() if name.lower() == "set-cookie")
    match = re.search(r"audit_replica=([^;]+)", set_cookies)
    connection.close()
    return response.status, match.group(1) if match else None


def test_three_replicas_share_one_database_behind_the_balancer_and_stop_clean(tmp_path):
    started = time.monotonic()
    running = local_cluster.start_cluster(tmp_path / "cluster", replicas=3, demo=TINY_DEMO)
    print(f"cluster with a {' '.join(TINY_DEMO)} demo started in {time.monotonic() - started:.1f} s")
    try:
        environments = [environment_of(replica.pid) for replica in running.replicas]
        assert len({env["AUDIT_DATA_DIR"] for env in environments}) == 3, "each replica keeps its own copy"
        for shared in ("AUDIT_DATABASE_URL", "AUDIT_PHOTO_DIR", "STREAMLIT_SERVER_COOKIE_SECRET"):
            assert len({env[shared] for env in environments}) == 1, shared
        assert environments[0]["AUDIT_DATABASE_URL"] == running.database_url
        assert environments[0]["AUDIT_PHOTO_DIR"] == str(running.photo_dir)
        assert all(env["AUDIT_TRUST_PROXY"] == "1" for env in environments)
        # Ready means the database is open: each replica has loaded its copy before the balancer sends a browser.
        for replica in running.replicas:
            assert (replica.data_dir / "audit.duckdb").exists(), replica.number
            with urllib.request.urlopen(replica.url + web.READY_PATH, timeout=10) as answer:
                assert answer.status == 200

        # The demo was written once, into the shared database, with its photos in the shared folder.
        with psycopg.connect(running.database_url) as connection:
            assert connection.execute("SELECT count(*) FROM stores").fetchone() == (4,)
            hashes = connection.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall()
        assert hashes, "the demo drew photos"
        for sha in (h for row in hashes for h in row):
            assert photos.photo_path(sha, running.photo_dir).exists()

        status, first = get(running.url)
        assert status == 200 and first in {"app1", "app2", "app3"}
        assert {get(running.url, first)[1] for _ in range(5)} == {None}, "a browser with the cookie stays put"

        killed = int(first[-1]) - 1
        running.kill(killed)
        failed_over = time.monotonic()
        status, now = get(running.url, first)
        print(f"after SIGKILL of {first}, answered by {now} in {time.monotonic() - failed_over:.1f} s")
        assert status == 200 and now not in (None, first)
        wait_for(lambda: f"replicas/{first} is DOWN" in running.balancer.log.read_text(errors="replace"))
    finally:
        stopping = time.monotonic()
        running.stop()
        print(f"cluster stopped in {time.monotonic() - stopping:.1f} s")
    assert all(replica.process.poll() is not None for replica in running.replicas)
    assert running.balancer.process.poll() is not None
    assert not running.postgres.folder.exists()
    assert not listening(running.postgres.port) and not listening(int(running.url.rsplit(":", 1)[1]))
    assert processes_of(running.folder) == []


def test_a_cluster_starts_in_an_empty_folder(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "replica1").mkdir()
    with pytest.raises(ValueError, match="not empty"):
        local_cluster.start_cluster(tmp_path / "used")


def start_command(folder: Path) -> tuple[subprocess.Popen, int, Path]:
    """`python -m tools.cluster` with one replica, once it says it is ready: (the command, the balancer's port,
    PostgreSQL's folder)."""
    port = free_port()
    command = subprocess.Popen(
        [sys.executable, "-m", "tools.cluster", "--folder", str(folder), "--replicas", "1"]
        + ["--port", str(port), "--first-replica-port", str(free_port())],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in command.stdout:
        output.append(line)
        if line.startswith("Ready in"):
            postgres = re.search(r"^PostgreSQL in (\S+):", "".join(output), re.MULTILINE)
            return command, port, Path(postgres.group(1))
    pytest.fail("the cluster command ended before it was ready:\n" + "".join(output))


def test_ctrl_c_stops_the_cluster_command_and_everything_it_started(tmp_path):
    folder = tmp_path / "cluster"
    command, port, postgres = start_command(folder)
    assert postgres.exists() and listening(port) and get(f"http://127.0.0.1:{port}")[0] == 200
    started = processes_of(folder)
    assert len(started) >= 2, "a replica and HAProxy run"
    command.send_signal(signal.SIGINT)
    try:
        rest = command.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired as slow:
        command.kill()
        pytest.fail(f"not stopped 60 s after Ctrl-C; it said: {command.communicate()[0]!r} ({slow.output!r})")
    assert command.returncode == 0, rest
    assert "stopped in" in rest
    assert processes_of(folder) == [] and not listening(port) and not postgres.exists()


def test_a_cluster_command_killed_outright_leaves_nothing_running(tmp_path):
    folder = tmp_path / "cluster"
    command, port, postgres = start_command(folder)
    assert processes_of(folder)
    command.send_signal(signal.SIGKILL)
    command.wait()
    wait_for(lambda: processes_of(folder) == [] and not listening(port) and not postgres.exists())

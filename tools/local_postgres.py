"""A throwaway PostgreSQL from Debian's binaries: initdb and pg_ctl in a folder of its own, on a free port of
127.0.0.1, trusting local connections. The tests' fixture and `make cluster` both start theirs here.

As root, initdb refuses to run, so the server belongs to the `postgres` user that Debian's package creates and
runs through `runuser`; only the server's folder must be writable by that user (nothing in the checkout)."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from tools import watchdog

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # Debian's package creates it; initdb's superuser gets the same name either way
# A throwaway server need not survive a power cut: without these, every commit waits for the disk.
NOT_DURABLE = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
START_TIMEOUT_S = 60
PORT_TRIES = 3  # a free port chosen here may be taken by someone else before the server binds it


class PostgresUnavailable(RuntimeError):
    """The server cannot be started here: its package is missing, or its folder is out of its user's reach."""


def server_binaries() -> Path:
    """The newest of Debian's /usr/lib/postgresql/<version>/bin with initdb and pg_ctl in it."""
    found = [path.parent for path in DEBIAN_BINARIES.glob("*/bin/pg_ctl") if (path.parent / "initdb").exists()]
    if not found:
        raise PostgresUnavailable(
            f"PostgreSQL's server programs (initdb, pg_ctl) are not under {DEBIAN_BINARIES}/*/bin: install "
            "Debian's `postgresql` package (apt-get install postgresql; `make system-deps` does it)"
        )
    return max(found, key=lambda path: _version_key(path.parent.name))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalPostgres:
    folder: Path  # the cluster in folder/data, its log folder/server.log, its socket in the folder itself
    port: int
    binaries: Path
    guard: subprocess.Popen | None = None  # stops the server should this process end without stop()

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def database_url(self, name: str) -> str:
        return f"postgresql://{SERVER_USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Gone, even if a connection a test left open still uses it."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        """Fast shutdown (open sessions are ended, nothing waits for clients), then the folder is removed."""
        watchdog.cancel(self.guard)
        if (self.folder / "data" / "postmaster.pid").exists():
            # A server that died already leaves its pid file behind: nothing to stop then, only to remove.
            _run(*self._stop_command(), check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _stop_command(self) -> list[str]:
        return _command(self.binaries / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop")

    def stop_with_this_process(self) -> None:
        """Should this process end without stop(), the server is stopped and its folder removed all the same."""
        self.guard = watchdog.on_owner_death(self._stop_command(), ["rm", "-rf", str(self.folder)])


def start(folder: Path | None = None, port: int | None = None, durable: bool = False) -> LocalPostgres:
    """A running server in `folder` (made if missing; a new temporary folder when None). With `durable`, it
    syncs to disk as a real one does (for trying out the cluster); without, it skips that (for tests)."""
    binaries = server_binaries()
    made_here = folder is None or not folder.exists()
    folder = Path(tempfile.mkdtemp(prefix="audit-postgres.")) if folder is None else folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return _start_in(folder, binaries, port, durable)
    except BaseException:
        if made_here:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _start_in(folder: Path, binaries: Path, port: int | None, durable: bool) -> LocalPostgres:
    _give_to_server_user(folder)
    data = folder / "data"
    if not (data / "PG_VERSION").exists():
        initdb = ["-D", data, "-U", SERVER_USER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]
        _run(*_command(binaries / "initdb", *initdb, "--no-instructions"))
    tries = 1 if port is not None else PORT_TRIES
    for attempt in range(tries):
        server = LocalPostgres(folder=folder, port=port or free_port(), binaries=binaries)
        options = ["-p", str(server.port), "-k", str(folder), "-c", "listen_addresses=127.0.0.1"]
        options += [] if durable else list(NOT_DURABLE)
        wait = ["-w", "-t", str(START_TIMEOUT_S)]
        pg_ctl = ["-D", data, "-l", server.log, *wait, "-o", shlex.join(options), "start"]
        started = _run(*_command(binaries / "pg_ctl", *pg_ctl), check=False)
        if started.returncode == 0:
            server.stop_with_this_process()
            return server
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        if "could not bind" in log and attempt + 1 < tries:
            continue
        raise RuntimeError(f"PostgreSQL did not start in {folder}:\n{started.stdout}\n{log[-3000:]}")
    raise AssertionError("unreachable")


def _as_root() -> bool:
    return os.geteuid() == 0


def _give_to_server_user(folder: Path) -> None:
    """As root, the folder becomes the server user's, and that user must be able to reach it."""
    if not _as_root():
        return
    shutil.chown(folder, SERVER_USER, SERVER_USER)
    folder.chmod(0o700)
    reach = subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-w", str(folder)], check=False)
    if reach.returncode != 0:
        raise PostgresUnavailable(
            f"the `{SERVER_USER}` user cannot write {folder} (a folder above it is closed to others): "
            "choose a folder under /tmp"
        )


def _command(program: Path, *args: object) -> list[str]:
    command = [str(program), *map(str, args)]
    return ["runuser", "-u", SERVER_USER, "--", *command] if _as_root() else command


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # In a session of its own: the server pg_ctl leaves running must not get the terminal's Ctrl-C, which is
    # meant for whoever started it (and stops it in order).
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, start_new_session=True
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}")
    return done

"""The throwaway PostgreSQL the back-end tests and `make cluster` run on (tools/local_postgres.py): each test
gets an empty database of its own, the server is on 127.0.0.1 only, a test server skips syncing to disk and
the cluster's does not, stopping leaves nothing behind (even when whoever started it dies first), and a
missing package is named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.helpers.servers import listening, wait_for
from tools import local_postgres


def test_a_test_database_holds_what_the_test_wrote_and_nothing_else(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        connection.execute("CREATE TABLE visits (store_code TEXT PRIMARY KEY, note TEXT)")
        connection.execute("INSERT INTO visits VALUES (%s, %s)", ("S001", "货架整齐"))
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT note FROM visits").fetchall() == [("货架整齐",)]
    other_url = postgres_server.create_database("t_other")
    try:
        with psycopg.connect(other_url) as connection:
            assert connection.execute("SELECT to_regclass('visits')").fetchone() == (None,)
    finally:
        postgres_server.drop_database("t_other")


def test_the_server_speaks_utf8_on_127_0_0_1_only_and_skips_syncing_for_tests(postgres_server, postgres_url):
    with psycopg.connect(postgres_url) as connection:
        settings = dict(
            connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('listen_addresses', 'fsync', 'synchronous_commit', 'full_page_writes', 'server_encoding', "
                "'unix_socket_directories', 'port')"
            ).fetchall()
        )
    assert settings == {
        "listen_addresses": "127.0.0.1",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "server_encoding": "UTF8",
        "unix_socket_directories": str(postgres_server.folder),
        "port": str(postgres_server.port),
    }


def test_a_database_is_dropped_even_with_a_connection_left_open(postgres_server):
    url = postgres_server.create_database("t_left_open")
    connection = psycopg.connect(url)
    postgres_server.drop_database("t_left_open")
    with psycopg.connect(postgres_server.url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = 't_left_open'").fetchone() == (0,)
    with pytest.raises(psycopg.OperationalError):  # the server ended the connection the test forgot
        connection.execute("SELECT 1")
    connection.close()


def test_a_durable_server_syncs_and_stopping_removes_its_folder():
    port = local_postgres.free_port()
    server = local_postgres.start(port=port, durable=True)
    try:
        assert server.url == f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(server.url) as connection:
            assert connection.execute("SHOW fsync").fetchone() == ("on",)
            assert connection.execute("SHOW synchronous_commit").fetchone() == ("on",)
    finally:
        server.stop()
    assert not server.folder.exists()
    assert not listening(port), "the server still listens after stop()"


def test_missing_server_programs_name_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(local_postgres, "DEBIAN_BINARIES", tmp_path / "no-postgresql")
    with pytest.raises(local_postgres.PostgresUnavailable, match="`postgresql` package"):
        local_postgres.start(tmp_path / "server")


def test_the_newest_installed_version_is_chosen(tmp_path, monkeypatch):
    for version in ("9.6", "15", "16"):
        for program in ("initdb", "pg_ctl"):
            (tmp_path / version / "bin").mkdir(parents=True, exist_ok=True)
            (tmp_path / version / "bin" / program).touch()
    (tmp_path / "17" / "bin").mkdir(parents=True)
    (tmp_path / "17" / "bin" / "pg_ctl").touch()  # a client-only or half-removed version: no initdb
    monkeypatch.setattr(local_postgres, "DEBIAN_BINARIES", tmp_path)
    assert local_postgres.server_binaries() == tmp_path / "16" / "bin"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_a_folder_the_server_user_cannot_reach_is_refused_clearly(tmp_path):
    # pytest's own temporary folders sit under a 0700 folder of root's: the postgres user cannot enter it.
    with pytest.raises(local_postgres.PostgresUnavailable, match="choose a folder under /tmp"):
        local_postgres.start(tmp_path / "server")


def test_a_server_whose_owner_dies_without_stopping_it_stops_all_the_same():
    """A test run killed by a timeout leaves no server behind on the shared machine."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_THAT_DIES],
        cwd=Path(local_postgres.__file__).parents[1],
        stdout=subprocess.PIPE,
        text=True,
    )
    folder, port = owner.stdout.readline().split()
    assert Path(folder).exists()
    assert listening(int(port)), "the server is up while its owner lives"
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    wait_for(lambda: not Path(folder).exists() and not listening(int(port)))


OWNER_THAT_DIES = """
import time
from tests.helpers.servers import listening, wait_for
from tools import local_postgres
server = local_postgres.start()
print(server.folder, server.port, flush=True)
time.sleep(120)
"""

"""Throwaway PostgreSQL for tests and benchmarks, or the server named by FOUNDRY_TEST_DATABASE_URL.

    with postgres_server() as base_url:        # one per test session
        url = create_database(base_url)      # one fresh database per test
        ...
        drop_database(base_url, url)

The throwaway cluster runs from the machine's PostgreSQL binaries with fsync off, on a free port
of 127.0.0.1 and a socket in its own directory. PostgreSQL refuses to run as root, so as root the
cluster belongs to the `postgres` system user and every command runs through `runuser`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from foundry.engine.testing import free_port

URL_VARIABLE = "FOUNDRY_TEST_DATABASE_URL"
PREFERRED_BIN = "/usr/lib/postgresql/15/bin"


class PostgresUnavailable(RuntimeError):
    """The tests need PostgreSQL and cannot start it."""


def find_binaries() -> Path:
    """The directory holding initdb and pg_ctl (version 15 preferred, else the newest)."""
    candidates = [PREFERRED_BIN, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for candidate in candidates:
        if os.access(os.path.join(candidate, "initdb"), os.X_OK):
            return Path(candidate)
    raise PostgresUnavailable(
        f"PostgreSQL binaries (initdb, pg_ctl) are not installed in {PREFERRED_BIN}: run "
        f"`make setup`, which installs the Debian package `postgresql`, or point {URL_VARIABLE} "
        "at a server where the test user may create databases."
    )


def _as_postgres(command: list[str]) -> list[str]:
    # The server refuses to run as root; the Debian package creates this system user.
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root needs `runuser` to start PostgreSQL")
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a fresh cluster for the block; yield the URL of its `postgres` database."""
    bindir = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="foundry-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        data, logfile = root / "data", root / "log"
        _run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        )
        port = free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        pg_ctl = str(bindir / "pg_ctl")
        _run(
            _as_postgres(
                [pg_ctl, "-D", str(data), "-l", str(logfile), "-w", "-o", options, "start"]
            )
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The base URL of a server for this test session (FOUNDRY_TEST_DATABASE_URL wins)."""
    configured = os.environ.get(URL_VARIABLE)
    if configured:
        yield configured
        return
    with throwaway_cluster() as url:
        yield url


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database(base_url: str) -> str:
    """Create a database with a random name and return its URL."""
    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(base_url, name)


def drop_database(base_url: str, url: str) -> None:
    """Drop the database `url` names, disconnecting whoever still uses it."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextlib.contextmanager
def throwaway_databases(count: int) -> Iterator[list[str]]:
    """`count` fresh databases on a test server, dropped afterwards (for benchmarks)."""
    with postgres_server() as base_url:
        urls = [create_database(base_url) for _ in range(count)]
        try:
            yield urls
        finally:
            for url in urls:
                drop_database(base_url, url)

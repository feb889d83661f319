"""A throwaway PostgreSQL server for the test session, with zero manual setup.

Finds the server binaries (Debian's ``/usr/lib/postgresql/<version>/bin`` or ``PATH``), runs
``initdb`` into a fresh temp dir, and starts the server on a free 127.0.0.1 port with its unix
socket inside that dir and ``trust`` authentication for 127.0.0.1 only. Durability is turned
off (``fsync=off``): the data is thrown away at the end anyway. The cluster lives in
``/dev/shm`` when that has room (a database per test is created ~8x faster in RAM).

PostgreSQL refuses to run as root. When the tests run as root, the temp dir is handed to the
``postgres`` system user (created by Debian's package; ``nobody`` otherwise) and the server
binaries run through ``runuser -u <user> --`` (or ``setpriv``).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from testkit.net import free_port

SUPERUSER = "postgres"
HOST = "127.0.0.1"
START_ATTEMPTS = 3
RAM_DIR = Path("/dev/shm")
RAM_DIR_MIN_FREE_BYTES = 2 * 1024**3
COMMAND_TIMEOUT_S = 120.0

_SERVER_CONF = """
# Test server: local only, no durability (the data dir is deleted at the end).
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
max_connections = 200
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
"""
_HBA_CONF = """\
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  trust
"""


class PostgresUnavailable(RuntimeError):
    """The test server could not be found or started; the message says why."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl`` (the newest Debian version first)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    for initdb in reversed(candidates):
        if (initdb.parent / "pg_ctl").exists():
            return initdb.parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install the 'postgresql' package (./dev test does it with apt-get)"
    )


def _temp_parent() -> str | None:
    """Where to put the cluster: RAM (``/dev/shm``) when it is roomy, since CREATE DATABASE
    per test is ~8x faster there than on a virtual disk; else the usual temp dir."""
    try:
        roomy = shutil.disk_usage(RAM_DIR).free >= RAM_DIR_MIN_FREE_BYTES
    except OSError:
        return None
    return str(RAM_DIR) if roomy and os.access(RAM_DIR, os.W_OK | os.X_OK) else None


def _service_user() -> pwd.struct_passwd | None:
    """The account to run the server as when we are root (None when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, but neither a 'postgres' nor 'nobody' user exists")


def _command_prefix(user: pwd.struct_passwd | None) -> tuple[str, ...]:
    if user is None:
        return ()
    if shutil.which("runuser"):
        return ("runuser", "-u", user.pw_name, "--")
    if shutil.which("setpriv"):
        return (
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "--",
        )
    raise PostgresUnavailable("running as root, but neither runuser nor setpriv is available")


def _run(argv: list[str], what: str) -> str:
    env = {**os.environ, "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"}
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        raise PostgresUnavailable(f"{what} failed (exit {done.returncode}): {output}")
    return done.stdout


@dataclass
class PostgresServer:
    """A running throwaway server. Create with :meth:`start`, end with :meth:`stop`."""

    bin_dir: Path
    root: Path
    prefix: tuple[str, ...]
    port: int = 0
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _running: bool = False

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        """The server log (its tail is quoted when the server fails to start)."""
        return self.root / "server.log"

    @property
    def base_url(self) -> str:
        """``postgresql://postgres@127.0.0.1:<port>``: append ``/<database>``."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}"

    def url(self, database: str) -> str:
        """The URL of one database on this server."""
        return f"{self.base_url}/{database}"

    @classmethod
    def start(cls) -> PostgresServer:
        """initdb into a new temp dir and start the server; raises PostgresUnavailable."""
        bin_dir = find_bin_dir()
        user = _service_user()
        root = Path(tempfile.mkdtemp(prefix="voicenotes-pg-", dir=_temp_parent()))
        server = cls(bin_dir=bin_dir, root=root, prefix=_command_prefix(user))
        try:
            server._prepare(user)
            server._initdb()
            server._launch()
        except BaseException:
            server.stop()
            raise
        atexit.register(server.stop)
        return server

    def _prepare(self, user: pwd.struct_passwd | None) -> None:
        socket_dir = self.root / "socket"
        socket_dir.mkdir()
        if user is not None:
            for path in (self.root, socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _initdb(self) -> None:
        argv = [
            *self.prefix,
            self._tool("initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]
        _run(argv, "initdb")
        conf = _SERVER_CONF.format(socket_dir=self.root / "socket")
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as handle:
            handle.write(conf)
        (self.data_dir / "pg_hba.conf").write_text(_HBA_CONF, encoding="utf-8")

    def _launch(self) -> None:
        last_error: PostgresUnavailable | None = None
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            argv = [
                *self.prefix,
                self._tool("pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port}",
            ]
            try:
                _run(argv, "pg_ctl start")
            except PostgresUnavailable as exc:
                last_error = PostgresUnavailable(f"{exc}\nserver log:\n{self._log_tail()}")
                if "already in use" not in self._log_tail():
                    break
                continue
            self._running = True
            return
        assert last_error is not None
        raise last_error

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _client(self, tool: str, *args: str) -> None:
        argv = [self._tool(tool), "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, *args]
        _run(argv, tool)

    def create_database(self) -> str:
        """Create a new empty database ``test_<n>`` and return its name."""
        name = f"test_{next(self._names)}"
        self._client("createdb", name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting anyone still connected."""
        self._client("dropdb", "--force", "--if-exists", name)

    def stop(self) -> None:
        """Stop the server (if running) and delete its directory. Safe to call twice."""
        if self._running:
            self._running = False
            argv = [
                *self.prefix,
                self._tool("pg_ctl"),
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
            ]
            with contextlib.suppress(PostgresUnavailable):  # the dir goes below either way
                _run(argv, "pg_ctl stop")
        shutil.rmtree(self.root, ignore_errors=True)

"""A private PostgreSQL cluster that a fault test may stop and start: initdb into a temp dir.

PostgreSQL refuses to run as root, so when this process is root the cluster's files belong to
the `postgres` user and initdb and postgres run as that user (subprocess's user=/group=).
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .processes import free_port, port_open, wait_until

# PG_BIN names the directory of initdb and postgres; else the usual Debian places, then PATH.
BIN_DIRS = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else [
    Path(f"/usr/lib/postgresql/{version}/bin") for version in (17, 16, 15, 14, 13)
]
DATABASE = "samhandling"
USER = "samhandling"


def _bin_dir() -> Path | None:
    for directory in BIN_DIRS:
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    if os.environ.get("PG_BIN"):
        return None
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("postgres") else None


class PostgresServer:
    """initdb, start, stop (fast shutdown), start again on the same port, remove."""

    def __init__(self, port: int | None = None) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError(PostgresServer.unavailable_reason())
        self.bin_dir = bin_dir
        self.port = port or free_port()
        # Not under pytest's tmp_path: its root-only parent would keep the postgres user out.
        self.root = Path(tempfile.mkdtemp(prefix="samhandling-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log_path = self.root / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._user: dict[str, object] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            self._user = {"user": account.pw_uid, "group": account.pw_gid}
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.socket_dir.mkdir()
        self.log_path.touch()
        if self._user:
            for path in (self.socket_dir, self.log_path):
                os.chown(path, self._user["user"], self._user["group"])  # type: ignore[arg-type]

    @staticmethod
    def unavailable_reason() -> str | None:
        """None when a cluster can be made here, else why not (for pytest.skip)."""
        if _bin_dir() is None:
            return "PostgreSQL server binaries (initdb, postgres) are not installed"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no postgres user to run the cluster as"
        return None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]], check=True, capture_output=True,
            cwd=self.root, **self._user,  # type: ignore[arg-type]
        )

    def init(self) -> PostgresServer:
        """Create the cluster and its database and start it; on any failure leave nothing behind."""
        import psycopg

        try:
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                      "--locale=C", "--no-sync")
            self.start()
            with psycopg.connect(
                f"postgresql://{USER}@127.0.0.1:{self.port}/postgres", autocommit=True
            ) as connection:
                connection.execute(f'CREATE DATABASE "{DATABASE}"')
        except BaseException:
            self.remove()
            raise
        return self

    def start(self) -> PostgresServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1",
             "-c", "max_connections=200", "-c", "fsync=off", "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.root,
            **self._user,  # type: ignore[arg-type]
        )
        log.close()
        try:
            wait_until(self.ready, 30, "postgres to accept connections")
        except BaseException:
            self.stop()
            raise
        return self

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"postgres exited:\n{self.log()[-3000:]}")
        if not port_open(self.port):
            return False
        import psycopg

        try:
            with psycopg.connect(f"postgresql://{USER}@127.0.0.1:{self.port}/postgres",
                                 connect_timeout=2):
                return True
        except psycopg.OperationalError:  # still starting up
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open connections are cut, nothing committed is lost."""
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

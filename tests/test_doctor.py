"""`prisma-dsql doctor`: every step and probe against the real embedded PostgreSQL (verdicts recorded in
prisma-dsql.toml and applied to the profile, scratch schema gone), a role without CREATE on the database, and a
DSQL endpoint with no network and no SSL_CERT_FILE (a trust store holding Amazon's roots, exit 1, no traceback,
no secret). Real CLI in a subprocess; static fake AWS credentials sign tokens locally (no network)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from prisma_dsql import config
from prisma_dsql.capabilities import dsql_profile

ROOT = Path(__file__).resolve().parents[1]
FAKE_KEY, FAKE_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENDPOINT = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"
PROBED = ("add_column_checked_domain", "setval_identity", "if_not_exists_pending_index", "alter_index_rename",
          "alter_domain_rename")


def _doctor(*args: str, cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "DATABASE_URL", "DSQL_ENDPOINT")
           and not k.startswith("AWS_")}
    env.update({"HOME": str(cwd), "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(cwd / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(cwd / "none"), "PYTHONPATH": str(ROOT)})
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "prisma_dsql", "doctor", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_offline_endpoint_shows_amazon_roots_and_exits_1(tmp_path):
    proc = _doctor("--endpoint", "nosuchcluster0000000000000.dsql.us-east-1.on.aws", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out
    trust_line = next(line for line in proc.stdout.splitlines() if "TLS trust" in line)
    assert trust_line.split()[0] == "OK" and "cacert.pem" in trust_line
    for n in (1, 2, 3, 4):
        assert f"Amazon Root CA {n}" in trust_line
    assert "FAIL  DNS" in proc.stdout and "SKIP  Connect" in proc.stdout
    assert "no AWS credentials found" in proc.stdout
    assert not (tmp_path / "prisma-dsql.toml").exists()


def test_iam_step_names_the_credential_source_and_shows_no_secret(tmp_path):
    proc = _doctor("--endpoint", "nosuchcluster0000000000000.dsql.us-east-1.on.aws", "--user", "app", cwd=tmp_path,
                   env_extra={"AWS_ACCESS_KEY_ID": FAKE_KEY, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1  # DNS still fails
    iam = next(line for line in proc.stdout.splitlines() if " IAM " in line)
    assert iam.split()[0] == "OK" and "credentials from env" in iam and "dsql:DbConnect " in iam
    assert FAKE_SECRET not in out and FAKE_KEY not in out and "X-Amz-Signature" not in out


def test_usage_errors_exit_2(tmp_path):
    both = _doctor("--endpoint", ENDPOINT, "--url", "postgresql://a:b@h/db", cwd=tmp_path)
    assert both.returncode == 2 and "not both" in both.stderr
    none = _doctor(cwd=tmp_path)
    assert none.returncode == 2 and "--url" in none.stderr and "Traceback" not in none.stderr


@pytest.mark.postgres
def test_every_step_and_probe_against_postgresql(pg_database, tmp_path):
    toml = tmp_path / "prisma-dsql.toml"
    toml.write_text('dsql-version = "2026-09-15"\n\n[translate]\nidentity-cache = 1\n')
    proc = _doctor("--url", pg_database, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    steps = {line.split()[1]: line.split()[0] for line in lines if line.startswith("  ") and len(line.split()) > 1
             and line.split()[0] in ("OK", "FAIL", "SKIP", "INFO", "WARN")}
    network = "SKIP" if "host=/" in pg_database else "OK"  # the embedded server listens on a Unix socket
    assert steps["DNS"] == network and steps["TCP"] == network and steps["Connect"] == "OK"
    assert steps["Permissions"] == "OK" and steps["IAM"] == "SKIP"
    assert "PostgreSQL (no sys.jobs)" in proc.stdout
    probes = [line for line in lines if line.startswith("  yes") or line.startswith("  NO")]
    assert len(probes) == 6 and all(line.startswith("  yes") for line in probes), proc.stdout
    assert "Healthy." in proc.stdout
    # Recorded where the profile reads them; the rest of the file kept as written.
    cfg = config.load(toml)
    assert set(cfg.capabilities) == set(PROBED) and all(cfg.capabilities.values()) and cfg.probed
    assert cfg.dsql_version == "2026-09-15" and cfg.translate.identity_cache == 1
    assert not dsql_profile().supports("alter_index_rename")
    _, profile = config.settings(None, toml)
    assert profile.supports("alter_index_rename") and profile.supports("alter_domain_rename")
    with psycopg.connect(pg_database) as conn:
        left = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'prisma_dsql_doctor_%'").fetchall()
    assert left == []
    again = _doctor("--url", pg_database, "--no-record", cwd=tmp_path)
    assert again.returncode == 0 and toml.read_text() == toml.read_text()


@pytest.mark.postgres
def test_a_role_without_create_on_the_database_is_a_problem(pg_server, pg_database, tmp_path):
    role, password = f"doctor_{uuid.uuid4().hex[:8]}", "t"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    try:
        scheme, rest = pg_database.split("://", 1)
        url = f"{scheme}://{role}:{password}@{rest.split('@', 1)[1]}"
        proc = _doctor("--url", url, cwd=tmp_path)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1, out
        assert "FAIL  Permissions" in proc.stdout and "GRANT CREATE ON DATABASE" in proc.stdout
        assert "  NO    CREATE SCHEMA IF NOT EXISTS \"public\"" in proc.stdout
        assert "Traceback" not in out and not (tmp_path / "prisma-dsql.toml").exists()
        assert "connec***ion" not in out
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


class TcpToUnix:
    """127.0.0.1:<port> forwarded byte for byte to the embedded server's Unix socket: the real server, reached
    over TCP (the embedded one listens on a socket only)."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX)
            server.connect(self.socket_path)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


@pytest.mark.postgres
def test_dns_tcp_and_tls_negotiation_over_tcp(pg_database, tmp_path):
    """Over TCP every network step runs: the name resolves, the port answers, and the server's answer to the
    SSLRequest is read (the embedded server offers no TLS: a note, not a problem, when the URL does not ask
    for verification; a problem when it does)."""
    if "host=/" not in pg_database:
        pytest.skip("the test server is not the embedded one")
    folder = pg_database.split("host=", 1)[1].split("&")[0]
    sock = next(p for p in Path(folder).glob(".s.PGSQL.*") if not p.name.endswith(".lock"))
    dbname = pg_database.split("://", 1)[1].split("/", 1)[1].split("?")[0]
    proxy = TcpToUnix(str(sock))
    try:
        url = f"postgresql://postgres@localhost:{proxy.port}/{dbname}"
        proc = _doctor("--url", url, "--no-probes", cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "OK    DNS          localhost ->" in proc.stdout
        assert f"OK    TCP          port {proxy.port} accepts connections" in proc.stdout
        assert "INFO  TLS          the server offers no TLS (sslmode=prefer)" in proc.stdout
        assert "OK    Connect" in proc.stdout and "Probes" not in proc.stdout
        strict = _doctor("--url", url + "?sslmode=require", "--no-probes", cwd=tmp_path)
        assert strict.returncode == 1 and "FAIL  TLS          the server offers no TLS" in strict.stdout
    finally:
        proxy.close()


def test_sslrootcert_system_without_ssl_cert_file_is_a_problem(tmp_path):
    """libpq's `system` store is psycopg-binary's OpenSSL's, empty on ordinary hosts: said before connecting."""
    proc = _doctor("--url", f"postgresql://admin@{ENDPOINT}/postgres?sslrootcert=system", cwd=tmp_path)
    line = next(line for line in proc.stdout.splitlines() if "TLS trust" in line)
    assert proc.returncode == 1 and line.split()[0] == "FAIL" and "sslrootcert=system" in line
    assert "--sslrootcert PATH" in line and "Traceback" not in proc.stderr

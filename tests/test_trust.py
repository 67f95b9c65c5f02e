"""TLS on a stock host (prisma_dsql.trust) and the URL mistakes a new user makes (a raw `@` in a
password, a port out of range, a one-letter password in messages): real bundles, real libpq parsing."""

from __future__ import annotations

import base64
import subprocess
import sys

import certifi
import pytest

from prisma_dsql import trust
from prisma_dsql.connect import ConnectError, resolve_spec
from prisma_dsql.redact import redact

HOST = "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"


def _pem_subjects(path: str) -> list[bytes]:
    """The DER of every certificate in a PEM file, decoded by hand (independent of trust.subjects)."""
    text = open(path, encoding="ascii", errors="replace").read()
    out = []
    for block in text.split("-----BEGIN CERTIFICATE-----")[1:]:
        body = block.split("-----END CERTIFICATE-----")[0]
        out.append(base64.b64decode("".join(body.split())))
    return out


def test_default_store_holds_amazon_root_ca_1_to_4_without_ssl_cert_file(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    store = trust.choose()
    assert store.path == certifi.where() and store.source == "certifi's bundle"
    assert trust.amazon_roots(store.path) == trust.AMAZON_ROOTS
    # Cross-check by parsing the PEM bundle directly: each root's name is in some certificate's DER.
    ders = _pem_subjects(store.path)
    assert len(ders) > 50
    for name in trust.AMAZON_ROOTS:
        assert any(name.encode() in der for der in ders), name


def test_a_bundle_without_amazon_is_reported(tmp_path):
    ders = _pem_subjects(certifi.where())
    other = next(d for d in ders if b"Amazon" not in d)
    pem = tmp_path / "other.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(other).decode() + "-----END CERTIFICATE-----\n")
    assert trust.amazon_roots(str(pem)) == ()
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")
    with pytest.raises(ValueError):
        trust.subjects(str(empty))


def test_endpoint_and_passwordless_dsql_url_verify_with_the_bundle():
    for spec in (resolve_spec(endpoint=HOST, env={}), resolve_spec(url=f"postgresql://admin@{HOST}/postgres", env={})):
        params = dict(spec.params)
        assert params["sslmode"] == "verify-full" and params["sslrootcert"] == certifi.where()
        assert spec.trust_store.source == "certifi's bundle"


def test_sslrootcert_from_url_and_option_are_honoured(tmp_path):
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(open(certifi.where(), "rb").read())
    spec = resolve_spec(url=f"postgresql://admin@{HOST}/postgres?sslrootcert={bundle}", env={})
    assert dict(spec.params)["sslrootcert"] == str(bundle) and "URL" in spec.trust_store.source
    spec = resolve_spec(endpoint=HOST, env={}, sslrootcert=str(bundle))
    assert dict(spec.params)["sslrootcert"] == str(bundle) and spec.trust_store.source == "--sslrootcert"
    spec = resolve_spec(url=f"postgresql://admin@{HOST}/postgres?sslrootcert=system", env={})
    assert dict(spec.params)["sslrootcert"] == "system"
    with pytest.raises(ConnectError) as exc:
        resolve_spec(endpoint=HOST, env={}, sslrootcert=str(tmp_path / "missing.pem"))
    assert exc.value.exit_code == 2 and "no such file" in str(exc.value)


def test_raw_at_in_password_reads_to_the_last_at():
    spec = resolve_spec(url="postgresql://admin:p@ss:w0rd!X@db.example.com:6543/app", env={})
    assert (spec.user, spec.password, spec.host, spec.port, spec.dbname) == (
        "admin", "p@ss:w0rd!X", "db.example.com", 6543, "app")
    spec = resolve_spec(url="postgresql://admin:a@b@db.example.com/app?sslmode=require", env={})
    assert (spec.password, spec.host) == ("a@b", "db.example.com")


@pytest.mark.parametrize("url, fragment", [
    ("postgresql://u:t@localhost:99999/db", "port 99999, outside 1-65535"),
    ("postgresql://u:t@localhost:0/db", "port 0, outside 1-65535"),
    ("postgresql://u:t@localhost:5x/db", "invalid port (not a number"),
])
def test_bad_port_is_a_usage_error(url, fragment):
    with pytest.raises(ConnectError) as exc:
        resolve_spec(url=url, env={})
    assert exc.value.exit_code == 2 and fragment in str(exc.value)


def test_cli_port_out_of_range_exits_2(tmp_path):
    (tmp_path / "migrations").mkdir()
    proc = subprocess.run([sys.executable, "-m", "prisma_dsql", "migrate", "status", "--migrations-dir",
                           str(tmp_path / "migrations"), "--url", "postgresql://u:t@localhost:99999/db"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "outside 1-65535" in proc.stderr and "Traceback" not in proc.stderr


def test_one_letter_password_is_not_revealed_by_masking():
    message = "connection to server at localhost failed: password authentication failed for user t"
    masked = redact(message, ("t",))
    assert "connec***ion" not in masked and "connection to server" in masked
    assert masked.endswith("for user ***")
    assert redact("token abcdef in text", ("abcdef",)) == "token *** in text"
    long_secret = "AbCdEfGh12345"
    assert redact(f"x{long_secret}y", (long_secret,)) == "x***y"  # long secrets: masked even inside words

"""prisma_dsql.connect: targets from options/env, IAM tokens from botocore's real signer (static fake
credentials, no network), and connection failures with one clear message and no secret."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import boto3
import psycopg
import pytest

from prisma_dsql.connect import ConnectError, Connector, MissingTarget, generate_token, open_connection, resolve_spec

pytestmark = pytest.mark.postgres

SECRET = "s3cr3t-Pa55w0rd-XYZZY"
HOST = "abcdefghijklmnopqrstuvwxyz.dsql.eu-west-2.on.aws"
FAKE_KEY, FAKE_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def fake_session(region="eu-west-2"):
    return boto3.Session(aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_SECRET, region_name=region)


def test_url_with_password_is_plain_postgres():
    spec = resolve_spec(url=f"postgresql://app:{SECRET}@db.example.com:6543/shop?sslmode=require", env={})
    assert (spec.host, spec.port, spec.dbname, spec.user, spec.iam) == ("db.example.com", 6543, "shop", "app", False)
    assert dict(spec.params) == {"sslmode": "require"}
    assert SECRET not in repr(spec) and SECRET not in spec.describe()
    assert spec.describe() == "postgresql://app@db.example.com:6543/shop"


def test_dsql_url_without_password_asks_for_iam():
    spec = resolve_spec(url=f"postgresql://admin@{HOST}/postgres", env={})
    assert spec.iam and spec.region == "eu-west-2" and spec.user == "admin"
    import certifi

    assert dict(spec.params) == {"sslmode": "verify-full", "sslrootcert": certifi.where()}
    assert "IAM, region eu-west-2" in spec.describe()


def test_dsql_url_with_password_uses_it():
    spec = resolve_spec(url=f"postgresql://admin:{SECRET}@{HOST}/postgres", env={})
    assert not spec.iam and spec.password == SECRET


def test_precedence_and_env():
    env = {"DATABASE_URL": "postgresql://a:b@envhost/db", "DSQL_ENDPOINT": HOST, "AWS_PROFILE": "dev"}
    assert resolve_spec(env=env).host == "envhost"
    assert resolve_spec(url="postgresql://x:y@urlhost/db", env=env).host == "urlhost"
    spec = resolve_spec(env={"DSQL_ENDPOINT": HOST, "AWS_PROFILE": "dev"})
    assert (spec.iam, spec.user, spec.profile, spec.source, spec.port) == (True, "admin", "dev", "DSQL_ENDPOINT", 5432)
    spec = resolve_spec(endpoint="abc.example.internal", user="app", env={"AWS_REGION": "us-west-2"})
    assert (spec.region, spec.user) == ("us-west-2", "app")
    assert resolve_spec(endpoint=HOST, region="ap-south-1", env={}).region == "ap-south-1"


def test_no_target_says_how(tmp_path):
    with pytest.raises(MissingTarget) as exc:
        resolve_spec(env={}, cwd=tmp_path)
    assert exc.value.exit_code == 2 and "--url" in str(exc.value) and "--endpoint" in str(exc.value)


@pytest.mark.parametrize("url, fragment", [
    ("mysql://u:p@h/db", "not a postgresql:// URL"),
    (f"postgresql://u:{SECRET}@h:notaport/db", "invalid port"),
    (f"postgresql://u:{SECRET}@[::1/db", "malformed"),
    (f"postgresql://u:{SECRET}@h/db?bogus=1", "malformed"),
])
def test_malformed_url_exits_2_without_secret(url, fragment):
    with pytest.raises(ConnectError) as exc:
        resolve_spec(url=url, env={})
    assert exc.value.exit_code == 2 and fragment in str(exc.value) and SECRET not in str(exc.value)


def test_region_missing_is_a_usage_error():
    with pytest.raises(ConnectError) as exc:
        resolve_spec(endpoint="cluster.example.internal", env={})
    assert exc.value.exit_code == 2 and "--region" in str(exc.value)


def _token_parts(token: str):
    parts = urlsplit("https://" + token)
    return parts.hostname, {k: v[0] for k, v in parse_qs(parts.query).items()}


@pytest.mark.parametrize("user, action", [("admin", "DbConnectAdmin"), ("app", "DbConnect")])
def test_iam_token_from_the_real_signer(user, action):
    spec = resolve_spec(url=f"postgresql://{user}@{HOST}/postgres", env={})
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    token = generate_token(spec, session=fake_session("us-east-1"))
    host, q = _token_parts(token)
    assert host == HOST
    assert q["Action"] == action
    assert q["X-Amz-Expires"] == "900"
    assert q["X-Amz-Credential"].startswith(f"{FAKE_KEY}/") and "/eu-west-2/dsql/aws4_request" in q["X-Amz-Credential"]
    signed_at = dt.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    assert before - dt.timedelta(seconds=2) <= signed_at <= dt.datetime.now(dt.timezone.utc)
    assert len(q["X-Amz-Signature"]) == 64


def test_iam_token_per_connection_and_never_in_errors(monkeypatch):
    """An unreachable DSQL host: the token made for the attempt appears nowhere in the error."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    seen = []

    def factory(conninfo, **kwargs):
        seen.append(kwargs["password"])
        return psycopg.connect(conninfo, **{**kwargs, "host": "127.0.0.1", "port": 1, "sslmode": "disable"})

    spec = resolve_spec(url=f"postgresql://admin@{HOST}/postgres", env={})
    for _ in range(2):
        with pytest.raises(ConnectError) as exc:
            open_connection(spec, factory=factory)
        assert exc.value.exit_code == 1
        assert "Action=DbConnect" not in str(exc.value) and seen[-1] not in str(exc.value)
        assert exc.value.__cause__ is None and exc.value.__suppress_context__
    assert all("Action=DbConnectAdmin" in t for t in seen) and len(seen) == 2


def test_unreachable_host_one_clear_message():
    spec = resolve_spec(url=f"postgresql://app:{SECRET}@127.0.0.1:1/db?connect_timeout=3", env={})
    with pytest.raises(ConnectError) as exc:
        open_connection(spec)
    msg = str(exc.value)
    assert exc.value.exit_code == 1 and msg.startswith("cannot reach postgresql://app@127.0.0.1:1/db")
    assert SECRET not in msg


def _with_password(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{user}:{password}@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


@contextmanager
def password_login(url: str, role: str = "deployer_pw_t"):
    """A login role that must give its password (scram) on the test server at ``url``: a first pg_hba.conf
    line for that role only, removed afterwards. Yields (url, role)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{SECRET}'")
        hba = conn.execute("SHOW hba_file").fetchone()[0]
        line = f"local all {role} scram-sha-256\n"
        try:
            with open(hba, encoding="utf-8") as f:
                original = f.read()
            with open(hba, "w", encoding="utf-8") as f:
                f.write(line + original)
        except PermissionError:
            pytest.skip("the test server's pg_hba.conf is not writable here")
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield url, role
    finally:
        with open(hba, "w", encoding="utf-8") as f:
            f.write(original)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def password_role(pg_database):
    with password_login(pg_database) as got:
        yield got


def test_wrong_password_one_clear_message(password_role):
    url, role = password_role
    right = resolve_spec(url=_with_password(url, role, SECRET), env={})
    open_connection(right).close()  # the right password gets in
    wrong = "Wr0ng-" + SECRET
    spec = resolve_spec(url=_with_password(url, role, wrong), env={})
    with pytest.raises(ConnectError) as exc:
        open_connection(spec)
    msg = str(exc.value)
    assert exc.value.exit_code == 1 and "the login was refused: check the user and password" in msg
    assert "password authentication failed" in msg and wrong not in msg and SECRET not in msg


def test_connector_recycles_old_connections(pg_database):
    spec = resolve_spec(url=pg_database, env={})
    now = [0.0]
    with Connector(spec, clock=lambda: now[0], max_age=55 * 60) as connector:
        first = connector.connection()
        assert connector.connection() is first
        pid = first.info.backend_pid
        now[0] = 55 * 60 + 1
        second = connector.connection()
        assert second is not first and first.closed and second.info.backend_pid != pid
        second.close()
        assert connector.connection() is not second and connector.opened_count == 3


def test_prisma_config_datasource_url(tmp_path):
    (tmp_path / "prisma.config.ts").write_text(
        'import { defineConfig, env } from "prisma/config"\n'
        'export default defineConfig({ schema: "prisma/schema.prisma", datasource: { url: env("APP_DB") } })\n')
    spec = resolve_spec(env={"APP_DB": f"postgresql://cfg:{SECRET}@cfghost/app"}, cwd=tmp_path)
    assert (spec.host, spec.source) == ("cfghost", "prisma.config.ts")
    with pytest.raises(MissingTarget):
        resolve_spec(env={}, cwd=tmp_path)  # the variable it names is not set
    (tmp_path / "prisma.config.ts").write_text(
        f'export default {{ datasource: {{ url: "postgresql://admin@{HOST}/postgres" }} }}\n')
    assert resolve_spec(env={}, cwd=tmp_path).iam


def test_prisma_url_parameters(pg_database):
    """`?schema=` (Prisma's) is the search_path; Prisma's pool parameters do not reach libpq."""
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "app"')
    sep = "&" if "?" in pg_database else "?"
    url = f"{pg_database}{sep}schema=app&connection_limit=5&pgbouncer=true"
    spec = resolve_spec(url=url, env={})
    assert spec.schema == "app" and "connection_limit" not in dict(spec.params)
    with open_connection(spec) as conn:
        assert conn.execute("SELECT current_schema()").fetchone()[0] == "app"

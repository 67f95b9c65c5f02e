"""Connection targets: which database a command talks to, and how to open connections to it.

Contract
--------
* :func:`resolve_spec` turns command-line options, the environment and the project's
  prisma.config.ts into one :class:`ConnectionSpec`.  Precedence: ``--url``, then ``--endpoint``
  (both at once is a usage error), then ``DATABASE_URL``, then ``DSQL_ENDPOINT``, then the
  datasource url of prisma.config.ts.  Nothing found raises :class:`MissingTarget` (exit 2) whose
  message says how to pass one.
* A URL with a password (PostgreSQL, or DSQL with a password) connects with that password.  A URL
  *without* a password whose host is a DSQL endpoint (``<id>.dsql.<region>.on.aws``), or an
  ``--endpoint``, uses IAM: a fresh token per connection from boto3
  (``generate_db_connect_admin_auth_token`` for the ``admin`` role, ``generate_db_connect_auth_token``
  otherwise), with ``sslmode=verify-full`` and a root store that holds Amazon's roots
  (:mod:`prisma_dsql.trust`: ``--sslrootcert PATH``, else the URL's ``sslrootcert=``, else certifi's
  bundle; never libpq's ``system``, which is empty on ordinary hosts).  The region is ``--region``,
  else taken from the host, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``; the profile is ``--profile``
  else ``AWS_PROFILE``.
* A URL whose password holds a raw ``@`` is read up to the last ``@`` before the host (libpq stops at
  the first); a port outside 1-65535 is a usage error (exit 2).
* Prisma's own URL parameters (``schema``, ``connection_limit``, ``pgbouncer``, ...: :data:`PRISMA_URL_PARAMS`)
  are taken out before libpq reads the URL; ``schema`` becomes the search_path of every connection.
* :func:`open_connection` opens one psycopg connection (autocommit by default).  ``factory`` replaces
  ``psycopg.connect`` (same call shape: ``factory(conninfo, **kwargs)``), e.g. the rehearsal's
  ``emulator.connect`` bound to its options.
* :class:`Connector` hands out a live connection and replaces it before DSQL's 60-minute limit
  (at 55 minutes, as AWS's connectors do) or after it was lost.
* Secrets: the password and every token stay out of ``repr``, :meth:`ConnectionSpec.describe`, and
  every error raised here; driver errors are rewritten (they can echo the conninfo) and raised
  ``from None`` so no traceback carries them.
* psycopg and boto3 are imported only inside functions: importing this module is cheap.

Errors: :class:`ConnectError` (exit 1: host unreachable, authentication refused, ...; exit 2: a
malformed URL or missing region/credentials configuration).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from prisma_dsql import trust
from prisma_dsql.capabilities import DSQL_LIMITS
from prisma_dsql.errors import PrismaDsqlError
from prisma_dsql.redact import redact

__all__ = [
    "DSQL_HOST",
    "MAX_CONNECTION_AGE",
    "ConnectError",
    "ConnectionSpec",
    "Connector",
    "MissingTarget",
    "generate_token",
    "is_dsql_host",
    "open_connection",
    "resolve_spec",
]

#: A DSQL endpoint; group 1 is the region (`<id>.dsql.<region>.on.aws`, also `dsql-fips` style variants).
DSQL_HOST = re.compile(r"\.dsql[^.]*\.([^.]+)\.on\.aws$")
#: DSQL closes connections after the profile's `connection_minutes` (60); AWS's connectors recycle them
#: 5 minutes before, and so does the Connector.
RECYCLE_HEADROOM = 5 * 60
MAX_CONNECTION_AGE = DSQL_LIMITS["connection_minutes"] * 60 - RECYCLE_HEADROOM
#: Lifetime of an IAM token. Checked only when connecting, and each connection gets a fresh one.
TOKEN_SECONDS = 900
DEFAULT_DSQL_USER = "admin"
CONNECT_TIMEOUT = 10

#: How to name a target. Commands that have more ways (deploy's --rehearse) add them themselves: status and
#: resolve have no --rehearse, so the shared message must not suggest it.
_HOW_TO = ("pass --url with a postgresql:// URL (or set DATABASE_URL, or put the datasource url "
           "in prisma.config.ts), or --endpoint <cluster id>.dsql.<region>.on.aws for Aurora DSQL with IAM")


class ConnectError(PrismaDsqlError):
    """The database cannot be reached or the connection settings are wrong. The message never holds a secret."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class MissingTarget(ConnectError):
    """No URL or endpoint given anywhere."""

    exit_code = 2


@dataclass(frozen=True)
class ConnectionSpec:
    """Where and how to connect. ``password`` is never shown (not in repr, not in :meth:`describe`)."""

    host: str
    port: int | None
    dbname: str
    user: str | None
    password: str | None = field(default=None, repr=False)
    iam: bool = False
    region: str | None = None
    profile: str | None = None
    #: Other libpq parameters from the URL (sslmode, options, a socket directory as host, ...), sorted.
    params: tuple[tuple[str, str], ...] = ()
    #: Where the target came from: "--url", "--endpoint", "DATABASE_URL", "DSQL_ENDPOINT", "prisma.config.ts".
    source: str = "--url"
    #: Prisma's `?schema=` of the URL: set as the search_path of every connection.
    schema: str | None = None
    #: Where the `sslrootcert` parameter came from ("--sslrootcert", "the URL", "certifi's bundle", ...).
    root_source: str = ""

    @property
    def trust_store(self):
        """The :class:`prisma_dsql.trust.TrustStore` that verifies the server, or None (no sslrootcert)."""
        from prisma_dsql.trust import TrustStore

        root = dict(self.params).get("sslrootcert")
        return TrustStore(root, self.root_source or "the connection parameters") if root else None

    @property
    def is_dsql(self) -> bool:
        return is_dsql_host(self.host)

    def describe(self) -> str:
        """`postgresql://user@host:port/db` plus how it authenticates; no secret."""
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        host = self.host if not self.host.startswith("/") else f"[socket {self.host}]"
        port = f":{self.port}" if self.port else ""
        text = f"postgresql://{user}{host}{port}/{self.dbname}"
        if self.iam:
            text += f" (IAM, region {self.region}" + (f", profile {self.profile}" if self.profile else "") + ")"
        return text

    def secrets(self) -> tuple[str, ...]:
        """Strings to mask in any message about this target."""
        return tuple(s for s in (self.password,) if s)


def is_dsql_host(host: str | None) -> bool:
    return bool(host) and DSQL_HOST.search(host.rstrip(".").lower()) is not None


def resolve_spec(url: str | None = None, endpoint: str | None = None, user: str | None = None,
                 region: str | None = None, profile: str | None = None, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None, sslrootcert: str | None = None) -> ConnectionSpec:
    """The target from options, environment and prisma.config.ts (see the module docstring).

    ``sslrootcert``: ``--sslrootcert PATH``, the CA bundle that verifies the server (wins over the URL's)."""
    env = os.environ if env is None else env
    if url and endpoint:
        raise ConnectError("give either --url or --endpoint, not both", exit_code=2)
    if sslrootcert is not None and sslrootcert != "system" and not Path(sslrootcert).is_file():
        raise ConnectError(f"--sslrootcert {sslrootcert}: no such file (give a PEM bundle of CA certificates, "
                           "or `system`)", exit_code=2)
    profile = profile or env.get("AWS_PROFILE") or None
    if url:
        spec = _from_url(url, "--url", user, region, profile, env)
    elif endpoint:
        spec = _from_endpoint(endpoint, "--endpoint", user, region, profile, env)
    elif env.get("DATABASE_URL"):
        spec = _from_url(env["DATABASE_URL"], "DATABASE_URL", user, region, profile, env)
    elif env.get("DSQL_ENDPOINT"):
        spec = _from_endpoint(env["DSQL_ENDPOINT"], "DSQL_ENDPOINT", user, region, profile, env)
    else:
        config_url = _config_url(cwd or Path.cwd(), env)
        if not config_url:
            raise MissingTarget(f"no database to connect to: {_HOW_TO}")
        spec = _from_url(config_url, "prisma.config.ts", user, region, profile, env)
    if sslrootcert is not None:
        params = dict(spec.params)
        params["sslrootcert"] = sslrootcert
        params.setdefault("sslmode", "verify-full")
        spec = replace(spec, params=tuple(sorted(params.items())), root_source="--sslrootcert")
    return spec




def _config_url(cwd: Path, env: Mapping[str, str]) -> str | None:
    """The datasource url of ./prisma.config.ts: a literal string, or the value of the variable its
    `env("NAME")` names. Read as data (prisma_dsql.prisma_config), never run."""
    from prisma_dsql.prisma_config import EnvVar, read_prisma_config

    path = cwd / "prisma.config.ts"
    if not path.is_file():
        return None
    url = read_prisma_config(path).datasource_url
    if isinstance(url, EnvVar):
        return env.get(url.name) or None
    return url if isinstance(url, str) and url else None


_URL_SCHEME = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)


def _from_url(url: str, source: str, user: str | None, region: str | None, profile: str | None,
              env: Mapping[str, str]) -> ConnectionSpec:
    url = url.strip()
    if not _URL_SCHEME.match(url):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        hint = f" (scheme `{scheme}`)" if scheme and len(scheme) < 20 and scheme.isalnum() else ""
        raise ConnectError(f"the database URL from {source} is not a postgresql:// URL{hint}", exit_code=2)
    url = _encode_userinfo_ats(url)
    url, prisma_params = _split_prisma_params(url)
    parsed = _parse_url(url, source)
    host = parsed.pop("host", None) or "localhost"
    port = _port(parsed.pop("port", None), f"the database URL from {source}")
    dbname = parsed.pop("dbname", None) or (parsed.get("user") or "postgres")
    url_user = parsed.pop("user", None)
    password = parsed.pop("password", None) or None
    if "," in host:
        raise ConnectError(f"the database URL from {source} lists several hosts; give one", exit_code=2)
    iam = password is None and is_dsql_host(host)
    root_source = f"the URL's sslrootcert (from {source})" if "sslrootcert" in parsed else ""
    if iam:
        region = _region(host, region, env, source)
        parsed.setdefault("sslmode", "verify-full")
        if parsed["sslmode"] in ("verify-full", "verify-ca") and "sslrootcert" not in parsed:
            store = trust.choose()
            parsed["sslrootcert"], root_source = store.sslrootcert, store.source
    return ConnectionSpec(host=host, port=port, dbname=dbname, user=user or url_user or (DEFAULT_DSQL_USER if iam
                                                                                           else None),
                          password=password, iam=iam, region=region if iam else None,
                          profile=profile if iam else None, params=tuple(sorted(parsed.items())), source=source,
                          schema=prisma_params.get("schema") or None, root_source=root_source)


#: Query parameters of Prisma's connection URLs that libpq does not know. `schema` becomes the search_path;
#: the others tune Prisma's own pool and are ignored.
PRISMA_URL_PARAMS = ("schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size",
                     "socket_timeout", "max_connection_lifetime", "max_idle_connection_lifetime")


def _port(text: str | None, where: str) -> int | None:
    """A port number 1-65535, or ConnectError (exit 2) saying what is wrong with it."""
    if not text:
        return None
    if not text.isdigit():
        raise ConnectError(f"{where} has an invalid port (not a number; a password holding `@`, `/` or `:` "
                           "must be percent-encoded, e.g. `@` as %40)", exit_code=2)
    port = int(text)
    if not 1 <= port <= 65535:
        raise ConnectError(f"{where} has port {port}, outside 1-65535", exit_code=2)
    return port


def _encode_userinfo_ats(url: str) -> str:
    """``postgresql://u:p@ss@host/db`` -> ``postgresql://u:p%40ss@host/db``: the userinfo runs to the last ``@``
    before the path (libpq stops at the first, and would read ``ss@host`` as the host)."""
    start = url.find("://") + 3
    end = len(url)
    for stop in "/?#":
        k = url.find(stop, start)
        if k != -1:
            end = min(end, k)
    at = url.rfind("@", start, end)
    if at == -1 or url.find("@", start, at) == -1:
        return url
    return url[:start] + url[start:at].replace("@", "%40") + url[at:]


def _split_prisma_params(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without Prisma's own query parameters, and those parameters (percent-decoded)."""
    from urllib.parse import parse_qsl, quote, urlencode

    base, sep, query = url.partition("?")
    if not sep:
        return url, {}
    fragment = ""
    if "#" in query:
        query, _, fragment = query.partition("#")
    kept, prisma = [], {}
    if not any(f"{name}=" in query for name in PRISMA_URL_PARAMS):
        return url, {}  # leave the URL exactly as given
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in PRISMA_URL_PARAMS:
            prisma[key] = value
        else:
            kept.append((key, value))
    rest = urlencode(kept, safe="/:", quote_via=quote)  # %20 for a space: libpq reads no `+`
    return base + (f"?{rest}" if rest else "") + (f"#{fragment}" if fragment else ""), prisma


def _parse_url(url: str, source: str) -> dict[str, str]:
    """libpq's own URL parser (percent-decoding, query parameters); its messages are masked, since they can
    quote the URL."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except ProgrammingError as exc:
        message = _mask_url_message(str(exc).strip().splitlines()[0] if str(exc).strip() else "", url)
        raise ConnectError(f"the database URL from {source} is malformed" + (f": {message}" if message else ""),
                           exit_code=2) from None


def _mask_url_message(message: str, url: str) -> str:
    """libpq's message about ``url`` with the URL's password masked; "" when it cannot be shown safely."""
    userinfo = re.match(r"^[^:]+://([^@/?#]*)@", url)
    password = userinfo.group(1).split(":", 1)[1] if userinfo and ":" in userinfo.group(1) else ""
    message = message.replace(url, redact(url))
    if password and len(password) >= 4:
        message = redact(message, (password,))
    elif password and password in message:  # too short to mask without mangling the rest
        return ""
    return redact(message)


def _from_endpoint(endpoint: str, source: str, user: str | None, region: str | None, profile: str | None,
                   env: Mapping[str, str]) -> ConnectionSpec:
    host = re.sub(r"^[a-z]+://", "", endpoint.strip(), flags=re.IGNORECASE).rstrip("/")
    port = None
    if re.search(r":\d+$", host):
        host, _, port_text = host.rpartition(":")
        port = _port(port_text, f"the endpoint from {source}")
    if not host or not re.fullmatch(r"[A-Za-z0-9.-]+", host):
        raise ConnectError(f"the endpoint from {source} is not a host name (expected <cluster id>.dsql.<region>"
                           ".on.aws)", exit_code=2)
    region = _region(host, region, env, source)
    store = trust.choose()
    return ConnectionSpec(host=host, port=port or 5432, dbname="postgres", user=user or DEFAULT_DSQL_USER, iam=True,
                          region=region, profile=profile,
                          params=(("sslmode", "verify-full"), ("sslrootcert", store.sslrootcert)), source=source,
                          root_source=store.source)


def _region(host: str, region: str | None, env: Mapping[str, str], source: str) -> str:
    if region:
        return region
    m = DSQL_HOST.search(host.rstrip(".").lower())
    if m:
        return m.group(1)
    from_env = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if from_env:
        return from_env
    raise ConnectError(f"cannot tell the AWS region of {host} (from {source}): pass --region or set AWS_REGION",
                       exit_code=2)


# -- tokens ---------------------------------------------------------------------------------------------------

def generate_token(spec: ConnectionSpec, *, session: Any = None, expires_in: int = TOKEN_SECONDS) -> str:
    """A fresh IAM auth token for ``spec`` (made locally by SigV4 presigning; no network call).

    ``session``: a boto3 Session to use (default: one for ``spec.profile``)."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        raise ConnectError("IAM authentication needs boto3 (pip install boto3)", exit_code=2) from None
    try:
        if session is None:
            session = boto3.Session(profile_name=spec.profile) if spec.profile else boto3.Session()
        client = session.client("dsql", region_name=spec.region)
        method = (client.generate_db_connect_admin_auth_token if spec.user == DEFAULT_DSQL_USER
                  else client.generate_db_connect_auth_token)
        return method(Hostname=spec.host, Region=spec.region, ExpiresIn=expires_in)
    except (BotoCoreError, ClientError) as exc:
        raise ConnectError(f"cannot make an IAM token for {spec.describe()}: {redact(str(exc))} (configure AWS "
                           "credentials, --profile or AWS_PROFILE)", exit_code=2) from None


# -- connections ----------------------------------------------------------------------------------------------

def connection_kwargs(spec: ConnectionSpec, password: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(spec.params)
    kwargs.update(host=spec.host, dbname=spec.dbname)
    if spec.port:
        kwargs["port"] = spec.port
    if spec.user:
        kwargs["user"] = spec.user
    if password is not None:
        kwargs["password"] = password
    kwargs.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    kwargs.setdefault("application_name", "prisma-dsql")
    return kwargs


def open_connection(spec: ConnectionSpec, *, autocommit: bool = True, factory: Callable[..., Any] | None = None,
                    session: Any = None):
    """A new psycopg connection to ``spec``; a fresh IAM token when ``spec.iam``.

    Raises :class:`ConnectError` with one clear, secret-free message when the server cannot be reached or
    refuses the login."""
    import psycopg

    password = generate_token(spec, session=session) if spec.iam else spec.password
    kwargs = connection_kwargs(spec, password)
    connect = factory or psycopg.connect
    secrets = tuple(s for s in (password, spec.password) if s)
    try:
        conn = connect("", autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise ConnectError(_explain(spec, str(exc), secrets)) from None
    if spec.schema:
        from psycopg import sql

        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(spec.schema)))
        if not autocommit:
            conn.commit()
    return conn


_AUTH_FAILED = re.compile(r"password authentication failed|authentication failed|access denied|"
                          r"no password supplied|token|pg_hba\.conf", re.IGNORECASE)
_UNREACHABLE = re.compile(r"could not translate host name|name or service not known|connection refused|"
                          r"timeout expired|timed out|no route to host|network is unreachable|"
                          r"No such file or directory|server closed the connection", re.IGNORECASE)


def _explain(spec: ConnectionSpec, message: str, secrets: tuple[str, ...]) -> str:
    detail = " ".join(line.strip() for line in message.strip().splitlines() if line.strip())
    detail = redact(detail, secrets)
    where = spec.describe()
    if _AUTH_FAILED.search(detail):
        how = ("the IAM token was refused: check that the identity may use dsql:DbConnect"
               f"{'Admin' if spec.user == DEFAULT_DSQL_USER else ''} on this cluster and the region"
               if spec.iam else f"the login was refused: check the user and password (from {spec.source})")
        return f"cannot connect to {where}: {how} ({detail})"
    if _UNREACHABLE.search(detail):
        return f"cannot reach {where} (from {spec.source}): {detail}"
    return f"cannot connect to {where} (from {spec.source}): {detail}"


class Connector:
    """One live connection at a time, recycled at ``max_age`` seconds and reopened after a loss.

    Callers ask :meth:`connection` before each transaction (never inside one): a connection older than
    ``max_age`` is closed and replaced there, so no transaction is cut by DSQL's 60-minute limit."""

    def __init__(self, spec: ConnectionSpec, *, factory: Callable[..., Any] | None = None,
                 max_age: float = MAX_CONNECTION_AGE, clock: Callable[[], float] = time.monotonic,
                 session: Any = None) -> None:
        self.spec = spec
        self.factory = factory
        self.max_age = max_age
        self.clock = clock
        self.session = session
        self._conn = None
        self._opened = 0.0
        self.opened_count = 0

    def connection(self):
        conn = self._conn
        if conn is not None and (conn.closed or self.clock() - self._opened >= self.max_age):
            self.close()
            conn = None
        if conn is None:
            conn = open_connection(self.spec, factory=self.factory, session=self.session)
            self._conn, self._opened = conn, self.clock()
            self.opened_count += 1
        return conn

    def reconnect(self):
        """Drop the current connection (lost or suspect) and open a new one."""
        self.close()
        return self.connection()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a dead connection can fail; nothing to recover
                pass

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

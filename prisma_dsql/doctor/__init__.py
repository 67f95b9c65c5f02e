"""`prisma-dsql doctor`: diagnose the connection to a database step by step, then probe what the tool relies on.

Contract
--------
:func:`diagnose(spec, ...)` -> :class:`Report`, never raising for what it finds (a failed step is a
:class:`Check` with ``status == "fail"``; the report's :attr:`Report.exit_code` is 0 healthy, 1 a problem).
Steps, in order; a step that cannot run because an earlier one failed is ``skip``:

1. **DNS**: the host resolves (``socket.getaddrinfo``); a Unix socket path skips it.
2. **TCP**: the port accepts a connection (5 s timeout).
3. **TLS**: the trust store (``sslrootcert``: where it came from, its file, how many CAs, whether Amazon
   Root CA 1-4 are in it; shown even with no network), then the handshake: PostgreSQL's SSLRequest and a
   verified TLS session with that store and the host name.
4. **IAM** (``--endpoint`` / a password-less DSQL URL): which credential source boto3 finds and which role
   (the profile's ``role_arn`` without network; STS GetCallerIdentity when the network answered), and that
   a token can be signed (locally; it is never shown).
5. **Connect**: a real login; the server (``server_version``, ``sys.jobs``: DSQL or plain PostgreSQL).
6. **Permissions** of the role: CREATE on the database (every first migration opens with
   ``CREATE SCHEMA IF NOT EXISTS "public"``, which PostgreSQL checks before IF NOT EXISTS) and on ``public``.
7. **Probes** (:mod:`prisma_dsql.doctor.probes`) of capabilities the tool relies on but AWS does not
   document, each in a scratch schema dropped afterwards; their verdicts are :attr:`Report.verdicts`
   (capability key -> bool), which the CLI records in prisma-dsql.toml's ``[capabilities]`` table where
   :func:`prisma_dsql.config.settings` applies them to the profile.

Nothing printed holds a secret: messages pass through :func:`prisma_dsql.redact.redact` with the
connection's password and the token as extra secrets. boto3 and psycopg are imported inside functions.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prisma_dsql import trust
from prisma_dsql.redact import redact

OK, FAIL, SKIP, INFO = "ok", "fail", "skip", "info"
TIMEOUT = 5.0
#: PostgreSQL's SSLRequest: length 8, code 80877103.
_SSL_REQUEST = struct.pack("!II", 8, 80877103)


@dataclass
class Check:
    step: str
    status: str
    detail: str

    def line(self) -> str:
        return f"  {self.status.upper():<5} {self.step:<12} {self.detail}"


@dataclass
class Report:
    target: str
    checks: list[Check] = field(default_factory=list)
    #: Probe verdicts: capability key -> True (the server accepts it) / False (refuses).
    verdicts: dict[str, bool] = field(default_factory=dict)
    #: Probe lines for the output (key, verdict in words).
    probe_lines: list[str] = field(default_factory=list)
    scratch_schema: str | None = None

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def text(self) -> str:
        lines = [f"prisma-dsql doctor: {self.target}"]
        lines += [c.line() for c in self.checks]
        if self.probe_lines:
            lines.append(f"Probes (scratch schema {self.scratch_schema}, dropped afterwards):")
            lines += self.probe_lines
        n = len(self.problems)
        lines.append("Healthy." if not n else f"{n} problem{'s' if n != 1 else ''} found.")
        return "\n".join(lines)


class _Doctor:
    def __init__(self, spec, session: Any, resolve: Callable, probes: bool, secrets: list[str]) -> None:
        self.spec = spec
        self.session = session
        self.resolve = resolve
        self.run_probes = probes
        self.secrets = secrets
        self.report = Report(spec.describe())

    def add(self, step: str, status: str, detail: str) -> Check:
        check = Check(step, status, redact(detail, tuple(s for s in self.secrets if s)))
        self.report.checks.append(check)
        return check

    # -- network -------------------------------------------------------------------------------------------
    def dns(self) -> bool:
        host = self.spec.host
        if host.startswith("/"):
            self.add("DNS", SKIP, f"Unix socket {host}")
            return True
        try:
            infos = self.resolve(host, self.spec.port or 5432, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            self.add("DNS", FAIL, f"{host} does not resolve ({_reason(exc)}): check the cluster id and region, "
                                  "and that this machine can reach DNS")
            return False
        addresses = sorted({info[4][0] for info in infos})
        self.add("DNS", OK, f"{host} -> {', '.join(addresses[:4])}{' ...' if len(addresses) > 4 else ''}")
        return True

    def tcp(self) -> bool:
        if self.spec.host.startswith("/"):
            self.add("TCP", SKIP, "Unix socket")
            return True
        port = self.spec.port or 5432
        try:
            with socket.create_connection((self.spec.host, port), timeout=TIMEOUT):
                pass
        except OSError as exc:
            self.add("TCP", FAIL, f"port {port} of {self.spec.host} does not accept connections ({_reason(exc)}): "
                                  "a firewall, a VPC endpoint, or a proxy in the way")
            return False
        self.add("TCP", OK, f"port {port} accepts connections")
        return True

    def trust_store(self) -> ssl.SSLContext | None:
        """The trust-store step; returns a verifying SSL context for the handshake (None: no verification)."""
        store = self.spec.trust_store
        params = dict(self.spec.params)
        mode = params.get("sslmode", "prefer")
        if store is None:
            status = FAIL if self.spec.is_dsql else INFO
            self.add("TLS trust", status, f"no sslrootcert (sslmode={mode}): the server's certificate is not "
                                          "verified" + ("; DSQL needs sslmode=verify-full with a store holding "
                                                        "Amazon's roots (--sslrootcert PATH)" if self.spec.is_dsql
                                                        else ""))
            return None
        if store.path is None and not (os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")):
            # libpq's "system" is the store of the OpenSSL inside psycopg-binary, which looks in a folder that
            # ordinary hosts do not have: with neither variable set it trusts no one.
            self.add("TLS trust", FAIL, f"{store.source}: sslrootcert=system, and neither SSL_CERT_FILE nor "
                                        "SSL_CERT_DIR is set, so psycopg-binary's OpenSSL loads no CA certificate; "
                                        "drop sslrootcert=system (certifi's bundle is then used) or pass "
                                        "--sslrootcert PATH")
            return None
        path = store.path or os.environ.get("SSL_CERT_FILE") or trust.openssl_default_file()
        if path is None:
            self.add("TLS trust", FAIL, f"{store.source}: sslrootcert=system, and this host's OpenSSL has no CA "
                                        "file; pass --sslrootcert PATH (certifi's bundle works)")
            return None
        try:
            names = trust.subjects(path)
            amazon = trust.amazon_roots(path)
        except (OSError, ValueError) as exc:
            self.add("TLS trust", FAIL, f"{store.source}: {path} cannot be read as a PEM bundle ({_reason(exc)})")
            return None
        held = ", ".join(amazon) if amazon else "none of Amazon Root CA 1-4"
        status = OK if amazon or not self.spec.is_dsql else FAIL
        self.add("TLS trust", status, f"{store.source}: {path} ({len(names)} CA certificates; {held})"
                 + ("" if status == OK else ": DSQL's certificates chain to Amazon Root CA 1-4; pass --sslrootcert "
                                            "with a bundle that holds them"))
        ctx = ssl.create_default_context(cafile=path)
        if mode == "verify-ca":
            ctx.check_hostname = False
        return ctx

    def tls(self, ctx: ssl.SSLContext | None) -> bool:
        if self.spec.host.startswith("/"):
            self.add("TLS", SKIP, "Unix socket")
            return True
        mode = dict(self.spec.params).get("sslmode", "prefer")
        port = self.spec.port or 5432
        try:
            with socket.create_connection((self.spec.host, port), timeout=TIMEOUT) as raw:
                raw.sendall(_SSL_REQUEST)
                answer = raw.recv(1)
                if answer != b"S":
                    needed = mode in ("require", "verify-ca", "verify-full")
                    self.add("TLS", FAIL if needed else INFO, f"the server offers no TLS (sslmode={mode})")
                    return not needed
                if ctx is None:
                    self.add("TLS", INFO, f"the server offers TLS; its certificate is not verified (sslmode={mode})")
                    return True
                with ctx.wrap_socket(raw, server_hostname=self.spec.host) as tls:
                    issuer = dict(pair for rdn in tls.getpeercert().get("issuer", ()) for pair in rdn)
                    self.add("TLS", OK, f"{tls.version()}, certificate for {self.spec.host} verified (issued by "
                                        f"{issuer.get('organizationName') or issuer.get('commonName') or '?'})")
                    return True
        except ssl.SSLCertVerificationError as exc:
            self.add("TLS", FAIL, f"the server's certificate is not trusted: {exc.verify_message or _reason(exc)}")
        except (OSError, ssl.SSLError) as exc:
            self.add("TLS", FAIL, f"TLS handshake failed ({_reason(exc)})")
        return False

    # -- IAM -----------------------------------------------------------------------------------------------
    def iam(self, network: bool) -> bool:
        if not self.spec.iam:
            how = "a password from " + self.spec.source if self.spec.password else "no password (trust or .pgpass)"
            self.add("IAM", SKIP, f"not IAM: {how}")
            return True
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:  # pragma: no cover - boto3 is a dependency
            self.add("IAM", FAIL, "boto3 is not installed")
            return False
        try:
            session = self.session or (boto3.Session(profile_name=self.spec.profile) if self.spec.profile
                                       else boto3.Session())
            credentials = session.get_credentials()
        except (BotoCoreError, ClientError) as exc:
            self.add("IAM", FAIL, f"AWS configuration cannot be read ({_reason(exc)})")
            return False
        if credentials is None:
            self.add("IAM", FAIL, "no AWS credentials found (environment, ~/.aws, SSO, instance role): configure "
                                  "them, or pass --profile / set AWS_PROFILE")
            return False
        source = getattr(credentials, "method", None) or "unknown"
        try:
            role = session._session.get_scoped_config().get("role_arn")  # the profile's own setting: no network
        except Exception:
            role = None
        action = "DbConnectAdmin" if self.spec.user == "admin" else "DbConnect"
        try:
            from prisma_dsql.connect import generate_token

            token = generate_token(self.spec, session=session, expires_in=60)
            self.secrets.append(token)
        except Exception as exc:  # ConnectError: its message is secret-free already
            self.add("IAM", FAIL, f"credentials from {source}, but no token can be signed ({_reason(exc)})")
            return False
        who = role
        if network:
            who = self._caller(session) or role
        self.add("IAM", OK, f"credentials from {source}" + (f", identity {who}" if who else "")
                 + f"; token signed for dsql:{action} on {self.spec.host} (region {self.spec.region})")
        return True

    def _caller(self, session) -> str | None:
        try:
            from botocore.config import Config

            sts = session.client("sts", region_name=self.spec.region,
                                 config=Config(connect_timeout=3, read_timeout=3, retries={"max_attempts": 1}))
            return sts.get_caller_identity().get("Arn")
        except Exception:  # no network to STS, or not allowed: the identity stays unknown
            return None

    # -- the database --------------------------------------------------------------------------------------
    def connect(self, factory=None):
        from prisma_dsql.connect import ConnectError, open_connection

        try:
            conn = open_connection(self.spec, factory=factory, session=self.session)
        except ConnectError as exc:
            self.add("Connect", FAIL, str(exc))
            return None
        version = conn.execute("SHOW server_version").fetchone()[0]
        from prisma_dsql.deploy.jobs import has_jobs

        kind = "Aurora DSQL (sys.jobs)" if has_jobs(conn) else "PostgreSQL (no sys.jobs)"
        user = conn.execute("SELECT current_user").fetchone()[0]
        self.add("Connect", OK, f"logged in as {user}; server {version}, {kind}")
        return conn

    def permissions(self, conn) -> None:
        row = conn.execute("SELECT current_user, current_database(), "
                           "has_database_privilege(current_database(), 'CREATE'), "
                           "coalesce(has_schema_privilege('public', 'CREATE'), false)").fetchone()
        user, database, on_db, on_public = row
        missing = []
        if not on_db:
            missing.append(f'CREATE on database {database} (every first migration runs CREATE SCHEMA IF NOT EXISTS '
                           f'"public", which needs it): as admin, GRANT CREATE ON DATABASE {database} TO {user}')
        if not on_public:
            missing.append(f"CREATE on schema public: as admin, GRANT CREATE ON SCHEMA public TO {user}")
        if missing:
            self.add("Permissions", FAIL, f"role {user} lacks " + "; and ".join(missing))
        else:
            self.add("Permissions", OK, f"role {user} may CREATE in database {database} and in schema public")

    def probes(self, conn) -> None:
        from prisma_dsql.doctor import probes

        outcome = probes.run(conn)
        self.report.scratch_schema = outcome.schema
        for probe in outcome.results:
            self.report.probe_lines.append(probe.line())
            if probe.key is not None and probe.verdict is not None:
                self.report.verdicts[probe.key] = probe.verdict
        if outcome.cleanup_error:
            self.add("Cleanup", FAIL, outcome.cleanup_error)


def diagnose(spec, *, session: Any = None, resolve: Callable = socket.getaddrinfo, probes: bool = True,
             factory=None) -> Report:
    """Run every step against ``spec`` (a :class:`prisma_dsql.connect.ConnectionSpec`); see the module docstring."""
    doctor = _Doctor(spec, session, resolve, probes, [s for s in spec.secrets()])
    network = doctor.dns()
    if network:
        network = doctor.tcp()
    else:
        doctor.add("TCP", SKIP, "the host did not resolve")
    ctx = doctor.trust_store()
    if network:
        network = doctor.tls(ctx)
    else:
        doctor.add("TLS", SKIP, "no connection to try it on")
    iam_ok = doctor.iam(network)
    if not (network and iam_ok):
        doctor.add("Connect", SKIP, "an earlier step failed")
        return doctor.report
    conn = doctor.connect(factory)
    if conn is None:
        return doctor.report
    try:
        doctor.permissions(conn)
        if probes:
            doctor.probes(conn)
    finally:
        conn.close()
    return doctor.report


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text[:300])

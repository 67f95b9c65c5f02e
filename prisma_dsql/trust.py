"""Which certificate authorities verify a DSQL endpoint's TLS certificate.

Contract
--------
* :func:`choose(explicit, env)` -> :class:`TrustStore`: the file libpq gets as ``sslrootcert``.
  In order: a path the user gave (``--sslrootcert PATH`` or ``sslrootcert=`` in the URL: ``explicit``),
  then certifi's bundle (a dependency, so every install has it). libpq's own ``sslrootcert=system`` is
  not the default: it means the roots of the OpenSSL inside psycopg-binary, which looks in a folder
  that does not exist on ordinary hosts, so with SSL_CERT_FILE / SSL_CERT_DIR unset it trusts no one
  and the handshake with DSQL fails. ``system`` given explicitly is honoured as written.
* :func:`amazon_roots(path)` reads a PEM bundle (standard library only: ``ssl``) and says which of
  :data:`AMAZON_ROOTS` (the roots DSQL's certificates chain to) it holds.
* Nothing here touches the network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

#: The roots of Amazon Trust Services; a DSQL endpoint's certificate chains to one of them.
AMAZON_ROOTS = ("Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4")


@dataclass(frozen=True)
class TrustStore:
    #: What libpq gets as sslrootcert: a file path, or "system".
    sslrootcert: str
    #: Where it came from, in words: "--sslrootcert", "the URL's sslrootcert", "certifi's bundle", ...
    source: str

    @property
    def path(self) -> str | None:
        """The PEM file, or None for "system" (OpenSSL's own store, whose location libpq decides)."""
        return None if self.sslrootcert == "system" else self.sslrootcert


def certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency
        return None
    path = certifi.where()
    return path if os.path.isfile(path) else None


def choose(explicit: str | None = None, source: str = "--sslrootcert",
           env: Mapping[str, str] | None = None) -> TrustStore:
    """The trust store for a verify-full connection (see the module docstring)."""
    if explicit:
        return TrustStore(explicit, source)
    bundle = certifi_bundle()
    if bundle:
        return TrustStore(bundle, "certifi's bundle")
    env = os.environ if env is None else env
    if env.get("SSL_CERT_FILE"):
        return TrustStore(env["SSL_CERT_FILE"], "SSL_CERT_FILE")
    return TrustStore("system", "OpenSSL's default store (sslrootcert=system)")


def openssl_default_file() -> str | None:
    """The bundle OpenSSL (the host's, through Python's ssl) reads by default, when it exists."""
    import ssl

    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def subjects(path: str) -> list[str]:
    """Common names (else organisations) of the CA certificates in a PEM bundle; raises OSError when the
    file cannot be read and ValueError when it holds no certificate."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        ctx.load_verify_locations(cafile=path)
    except ssl.SSLError as exc:
        raise ValueError(f"{path} holds no PEM certificate ({exc.reason or exc})") from None
    names = []
    for cert in ctx.get_ca_certs():
        fields = dict(pair for rdn in cert.get("subject", ()) for pair in rdn)
        names.append(fields.get("commonName") or fields.get("organizationName") or "?")
    return names


def amazon_roots(path: str) -> tuple[str, ...]:
    """Which of AMAZON_ROOTS the bundle at ``path`` holds (in AMAZON_ROOTS order)."""
    held = set(subjects(path))
    return tuple(name for name in AMAZON_ROOTS if name in held)

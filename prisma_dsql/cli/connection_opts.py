"""Click options naming the database a command connects to, shared by every command that connects.

    @connection_options
    def cmd(..., url, endpoint, user, region, profile, sslrootcert):
        spec = spec_from_options(url, endpoint, user, region, profile, sslrootcert=sslrootcert)

The options are read by :func:`prisma_dsql.connect.resolve_spec` (which also reads DATABASE_URL,
DSQL_ENDPOINT, AWS_REGION, AWS_PROFILE and prisma.config.ts), never by click's envvar support, so the
precedence lives in one place.
"""

from __future__ import annotations

from pathlib import Path

import click


def connection_options(f):
    """--url, --endpoint, --user, --region, --profile, --sslrootcert."""
    f = click.option("--sslrootcert", default=None, metavar="PATH",
                     help="PEM bundle of CA certificates that verifies the server (default: the URL's "
                          "sslrootcert, else certifi's bundle, which holds Amazon's roots).")(f)
    f = click.option("--profile", default=None, metavar="NAME",
                     help="AWS profile for IAM tokens (default: AWS_PROFILE).")(f)
    f = click.option("--region", default=None, metavar="REGION",
                     help="AWS region for IAM tokens (default: from the endpoint, else AWS_REGION).")(f)
    f = click.option("--user", default=None, metavar="ROLE",
                     help="Database role (default: the URL's user; `admin` for an --endpoint).")(f)
    f = click.option("--endpoint", default=None, metavar="HOST",
                     help="Aurora DSQL endpoint (<cluster id>.dsql.<region>.on.aws), IAM authentication "
                          "(default: DSQL_ENDPOINT).")(f)
    f = click.option("--url", default=None, metavar="URL",
                     help="postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (default: DATABASE_URL, else prisma.config.ts). "
                          "Without a password, a DSQL host uses IAM.")(f)
    return f


def spec_from_options(url: str | None, endpoint: str | None, user: str | None, region: str | None,
                      profile: str | None, cwd: Path | None = None, sslrootcert: str | None = None):
    from prisma_dsql.connect import resolve_spec

    return resolve_spec(url=url, endpoint=endpoint, user=user, region=region, profile=profile, cwd=cwd,
                        sslrootcert=sslrootcert)

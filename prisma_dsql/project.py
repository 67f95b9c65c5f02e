"""One project, resolved once for a command: where its Prisma schema is, its prisma-dsql.toml settings, its
migrations folder and its datasource.

Contract
--------
``Project(cwd=None, schema=None, config_path=None, migrations_dir=None)`` holds what the command line gave; each
answer is worked out the first time it is asked and kept (a command asks in several places; the files are read
once):

* ``prisma_config``: the project's ``prisma.config.ts`` read as data, never run
  (:func:`prisma_dsql.prisma_config.find_prisma_config`; None without one).
* ``schema_path``: the given schema (or the one ``loaded`` was parsed from), else where Prisma looks (:func:`prisma_dsql.loader.discover`: prisma.config.ts
  ``schema``, package.json, ``./prisma/schema.prisma``, ...). ``loaded``: that schema parsed.
* ``settings(target, dsql_version, identity_cache)``: ``(profile, translate options, adjust)``: the command line
  over prisma-dsql.toml (beside the schema, or ``config_path``) over defaults; ``adjust`` applies inline
  suppressions and the file's ignores and severities to rule findings, as ``validate`` does.
* ``migrations_dir``: the given folder; else prisma.config.ts ``migrations.path`` (a computed one is a usage
  error asking for ``--migrations-dir``); else ``migrations`` beside the schema file holding the datasource.
* ``datasource(url=None)``: the connection spec (``--url``, else DATABASE_URL, DSQL_ENDPOINT, prisma.config.ts's
  datasource; :func:`prisma_dsql.connect.resolve_spec`). Imported only when asked: ``validate`` stays light.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

#: The prisma.config.ts entry that names the migrations folder.
CONFIG_MIGRATIONS = "migrations.path"


class Project:
    def __init__(self, cwd: Path | None = None, schema: Path | None = None, config_path: Path | None = None,
                 migrations_dir: Path | None = None, loaded=None) -> None:
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self._schema = Path(schema) if schema is not None else None
        self.config_path = Path(config_path) if config_path is not None else None
        self._migrations_dir = Path(migrations_dir) if migrations_dir is not None else None
        self._loaded = loaded  # a schema the caller already parsed

    @cached_property
    def prisma_config(self):
        from prisma_dsql.prisma_config import find_prisma_config

        return find_prisma_config(self.cwd)

    @cached_property
    def schema_path(self) -> Path:
        if self._schema is not None:
            return self._schema
        if self._loaded is not None:
            return self._loaded.root
        from prisma_dsql.loader import discover

        return discover(self.cwd)

    @property
    def loaded(self):
        if self._loaded is None:
            from prisma_dsql.loader import load

            self._loaded = load(self.schema_path)
        return self._loaded

    def settings(self, target: str | None = None, dsql_version: str | None = None,
                 identity_cache: int | None = None):
        """(profile, translate options, adjust); see the module docstring."""
        from dataclasses import replace

        from prisma_dsql import config, suppression
        from prisma_dsql.errors import UsageError

        cfg, profile = config.settings(self.schema_path, self.config_path, target=target, dsql_version=dsql_version)
        try:
            options = cfg.translate if identity_cache is None else replace(cfg.translate,
                                                                           identity_cache=identity_cache)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

        def adjust(findings, loaded):
            kept = suppression.apply(findings, loaded.schema.comments, report_unused=False,
                                     disabled=cfg.disabled_codes)
            return cfg.apply(kept)

        return profile, options, adjust

    @cached_property
    def migrations_dir(self) -> Path:
        if self._migrations_dir is not None:
            return self._migrations_dir
        from prisma_dsql.errors import UsageError

        cfg = self.prisma_config
        if cfg is not None:
            reason = cfg.reason_for(CONFIG_MIGRATIONS)
            if reason:
                raise UsageError(f"{cfg.path}: {reason}. prisma-dsql reads this file, it never runs it: pass "
                                 "--migrations-dir")
            if cfg.migrations_path is not None:
                return self.cwd / cfg.migrations_path
        return migrations_beside(self.loaded)

    def datasource(self, url: str | None = None):
        from prisma_dsql.connect import resolve_spec

        return resolve_spec(url=url, cwd=self.cwd)


def migrations_beside(loaded) -> Path:
    """Prisma's default: ``migrations`` next to the schema file that holds the datasource."""
    ds = loaded.schema.datasource
    if ds is not None and ds.span is not None:
        return Path(ds.span.file).parent / "migrations"
    return loaded.root / "migrations"

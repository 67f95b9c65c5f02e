"""`prisma-dsql.toml`: project settings for users who have no pyproject.

Found beside the schema (the schema file's folder; for a schema folder, the
folder itself and then its parent), else in the current directory, or given
with `--config PATH`. Every key is optional:

    dsql-version = "2026-09-15"      # capability profile date (default: newest known)
    target = "dsql"                  # or "postgres": no DSQL rules
    ignore = ["DSQL104"]             # codes or names never reported

    [severity]                       # per-rule severity: error, warning, info, or off
    DSQL202 = "error"
    cascading-action = "info"

    [per-subject-ignores]            # subject pattern (fnmatch) -> codes or names
    "AuditLog.*" = ["DSQL302"]

    [translate]                      # -> TranslateOptions
    enum-strategy = "domain"         # or "none"
    identity-cache = 65536           # or 1

    [capabilities]                   # written by `prisma-dsql doctor`: what the user's cluster did
    probed = "2026-12-07"            # when (and, optionally, endpoint = "host" where)
    alter_index_rename = true        # capability key -> verdict; applied over the DSQL profile's dates

Command-line options win over the file. DSQL rule codes and the Prisma-level
notices (PSL9xx: a Prisma 6 datasource `url`, removed preview features; never
errors) can be ignored or re-graded; other Prisma-level (PSL) findings are what
Prisma itself would reject, so they cannot.
Mistakes in the file are `ConfigError`s (exit 2) naming the file and key.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from prisma_dsql.diagnostics import Diagnostic, Severity
from prisma_dsql.errors import UsageError
from prisma_dsql.translate_options import TranslateOptions

if TYPE_CHECKING:
    from prisma_dsql.capabilities import Profile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FILE_NAME = "prisma-dsql.toml"
TARGETS = ("dsql", "postgres")
SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "off": None}
_TOP_KEYS = ("dsql-version", "target", "ignore", "severity", "per-subject-ignores", "translate", "capabilities")
#: Keys of [capabilities] that are not capability verdicts.
_CAPABILITY_META = ("probed", "endpoint")
_TRANSLATE_KEYS = ("enum-strategy", "identity-cache")


class ConfigError(UsageError):
    """prisma-dsql.toml cannot be read or has a wrong key or value."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    dsql_version: str | None = None
    target: str | None = None
    #: Codes never reported.
    ignore: frozenset[str] = frozenset()
    #: Code -> severity (None = off).
    severity: dict[str, Severity | None] = field(default_factory=dict)
    #: (subject pattern, codes) pairs.
    per_subject_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    translate: TranslateOptions = field(default_factory=TranslateOptions)
    #: [capabilities]: capability key -> verdict probed on the user's cluster (`prisma-dsql doctor`).
    capabilities: dict[str, bool] = field(default_factory=dict)
    #: When (and where) they were probed: [capabilities] probed / endpoint.
    probed: str | None = None

    @property
    def disabled_codes(self) -> frozenset[str]:
        """Codes the file turns off everywhere (for suppression's unused-ignore report)."""
        return frozenset(c for c in (*self.ignore, *self.severity) if self.is_disabled(c))

    def is_disabled(self, code: str) -> bool:
        """True when no finding with this code can be reported at all."""
        return code in self.ignore or (code in self.severity and self.severity[code] is None)

    def apply(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics without ignored ones, with severities overridden."""
        out = []
        for d in diagnostics:
            if self.is_disabled(d.code) or self._ignored_for_subject(d):
                continue
            sev = self.severity.get(d.code)
            out.append(replace(d, severity=sev) if sev is not None and sev is not d.severity else d)
        return out

    def _ignored_for_subject(self, d: Diagnostic) -> bool:
        if not self.per_subject_ignores or d.subject is None:
            return False
        return any(d.code in codes and fnmatch.fnmatchcase(d.subject, pattern)
                   for pattern, codes in self.per_subject_ignores)


def settings(schema_path: Path | None, config_path: Path | None = None, *, target: str | None = None,
             dsql_version: str | None = None) -> tuple[Config, "Profile"]:
    """The configuration that applies (`--config`, else found beside the schema) and the profile:
    command-line values over the file's over the defaults. Raises ConfigError / UsageError (exit 2)."""
    from prisma_dsql.capabilities import profile_for

    if config_path is not None and not Path(config_path).is_file():
        raise ConfigError(f"{config_path}: no such configuration file")
    found = config_path if config_path is not None else find(schema_path)
    cfg = load(found) if found is not None else Config()
    chosen = target or cfg.target or "dsql"
    if dsql_version is not None and chosen != "dsql":
        raise UsageError("--dsql-version only applies to --target dsql")
    try:
        profile = profile_for(chosen, dsql_version if dsql_version is not None else cfg.dsql_version)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return cfg, with_probed(profile, cfg)


def with_probed(profile: "Profile", cfg: Config) -> "Profile":
    """The DSQL profile with the verdicts `doctor` recorded for the user's cluster over the dated facts."""
    if profile.target != "dsql" or not cfg.capabilities:
        return profile
    features = set(profile.features)
    for key, verdict in cfg.capabilities.items():
        (features.add if verdict else features.discard)(key)
    return replace(profile, features=frozenset(features))


def find(schema_path: Path | None, cwd: Path | None = None) -> Path | None:
    """The prisma-dsql.toml that applies to a schema path, or None."""
    cwd = cwd or Path.cwd()
    candidates: list[Path] = []
    if schema_path is not None:
        p = Path(schema_path)
        if p.is_dir():
            candidates += [p / FILE_NAME, p.parent / FILE_NAME]
        else:
            candidates.append(p.parent / FILE_NAME)
    candidates.append(cwd / FILE_NAME)
    for c in candidates:
        if c.is_file():
            return c
    return None


def load(path: Path) -> Config:
    """Read and check one config file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else FILE_NAME

    def fail(msg: str) -> ConfigError:
        return ConfigError(f"{where}: {msg}")

    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise fail(f"unknown key `{unknown[0]}`; known keys: {', '.join(_TOP_KEYS)}")
    version = data.get("dsql-version")
    if version is not None:
        from prisma_dsql.capabilities import parse_version

        if not isinstance(version, str):
            version = version.isoformat() if hasattr(version, "isoformat") else version
        try:
            parse_version(str(version))
        except ValueError:
            raise fail(f"`dsql-version` must be a date written YYYY-MM-DD, not {version!r}") from None
        version = str(version)
    target = data.get("target")
    if target is not None and target not in TARGETS:
        raise fail(f"`target` must be one of {', '.join(TARGETS)}, not {target!r}")
    ignore = frozenset(_codes(data.get("ignore", []), "ignore", fail))
    severity: dict[str, Severity | None] = {}
    sev_table = data.get("severity", {})
    if not isinstance(sev_table, dict):
        raise fail("`[severity]` must be a table of CODE = \"error\" | \"warning\" | \"info\" | \"off\"")
    for key, value in sev_table.items():
        (code,) = _codes([key], "severity", fail)
        if value not in SEVERITIES:
            raise fail(f"severity of {key} must be one of {', '.join(SEVERITIES)}, not {value!r}")
        severity[code] = SEVERITIES[value]
    per_subject = data.get("per-subject-ignores", {})
    if not isinstance(per_subject, dict):
        raise fail('`[per-subject-ignores]` must be a table of "Model.field" = ["CODE", ...]')
    subjects = tuple((pattern, frozenset(_codes(codes, f"per-subject-ignores.{pattern}", fail)))
                     for pattern, codes in per_subject.items())
    translate = data.get("translate", {})
    if not isinstance(translate, dict):
        raise fail("`[translate]` must be a table")
    bad = [k for k in translate if k not in _TRANSLATE_KEYS]
    if bad:
        raise fail(f"unknown key `translate.{bad[0]}`; known keys: {', '.join(_TRANSLATE_KEYS)}")
    kwargs: dict[str, Any] = {}
    if "enum-strategy" in translate:
        kwargs["enum_strategy"] = translate["enum-strategy"]
    if "identity-cache" in translate:
        cache = translate["identity-cache"]
        if not isinstance(cache, int) or isinstance(cache, bool):
            raise fail(f"`translate.identity-cache` must be a whole number, not {cache!r}")
        kwargs["identity_cache"] = cache
    try:
        options = TranslateOptions(**kwargs)
    except ValueError as exc:
        raise fail(f"[translate]: {exc}") from None
    capabilities, probed = _capabilities(data.get("capabilities", {}), fail)
    return Config(Path(path) if path else None, version, target, ignore, severity, subjects, options, capabilities,
                  probed)


def _capabilities(table: Any, fail) -> tuple[dict[str, bool], str | None]:
    from prisma_dsql.capabilities import CAPABILITY_KEYS

    if not isinstance(table, dict):
        raise fail("`[capabilities]` must be a table of capability = true | false")
    verdicts: dict[str, bool] = {}
    for key, value in table.items():
        if key in _CAPABILITY_META:
            continue
        if key not in CAPABILITY_KEYS:
            raise fail(f"`capabilities.{key}` is not a capability (see prisma_dsql/capabilities.py)")
        if not isinstance(value, bool):
            raise fail(f"`capabilities.{key}` must be true or false, not {value!r}")
        verdicts[key] = value
    probed = table.get("probed")
    return verdicts, (str(probed) if probed is not None else None)


def record_capabilities(path: Path, verdicts: dict[str, bool], probed: str, endpoint: str | None = None) -> str:
    """Write ``verdicts`` as the ``[capabilities]`` table of the prisma-dsql.toml at ``path`` (created when
    missing). Everything else in the file is kept as written; only an earlier ``[capabilities]`` table is
    replaced. Returns the table written. Raises ConfigError when the file cannot be read or written, or when
    the result would not be a valid configuration (nothing is written then)."""
    lines = ["[capabilities]", f'probed = "{_toml_escape(probed)}"']
    if endpoint:
        lines.append(f'endpoint = "{_toml_escape(endpoint)}"')
    lines += [f"{key} = {'true' if value else 'false'}" for key, value in sorted(verdicts.items())]
    table = "\n".join(lines) + "\n"
    try:
        old = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {getattr(exc, 'strerror', None) or exc}") from None
    kept: list[str] = []
    skipping = False
    for line in old.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            name = header.replace(" ", "")
            skipping = name == "[capabilities]" or name.startswith("[capabilities.")
        if not skipping:
            kept.append(line)
    body = "".join(kept).rstrip("\n")
    text = (body + "\n\n" if body else "") + table
    try:
        parse(tomllib.loads(text), path)  # never write a file that would not load
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML, so the probe verdicts were not recorded: {exc}") from None
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the configuration: {exc.strerror or exc}") from None
    return table


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def silenceable(code_or_name: str) -> str | None:
    """The code a configuration or an inline suppression may name: a DSQL rule (code or name, any case)
    or a Prisma-level notice (PSL9xx code or name); None for anything else."""
    from prisma_dsql.codes import CODES
    from prisma_dsql.rules import lookup

    r = lookup(code_or_name)
    if r is not None:
        return r.code
    for c in CODES.values():
        if c.code.startswith(NOTICE_PREFIX) and code_or_name in (c.code, c.code.lower(), c.name):
            return c.code
    return None


#: Prisma-level codes that are notices (never errors), silenceable like DSQL findings.
NOTICE_PREFIX = "PSL9"


def _codes(values: Any, key: str, fail) -> list[str]:
    """Rule codes or names -> codes; anything unknown is an error."""
    if not isinstance(values, list):
        raise fail(f"`{key}` must be a list of rule codes or names")
    from prisma_dsql.rules import RETIRED

    out = []
    for v in values:
        if v in RETIRED:  # an old configuration naming a rule that no longer exists: nothing to do
            continue
        code = silenceable(v) if isinstance(v, str) else None
        if code is None:
            raise fail(f"`{key}`: {v!r} is not a rule code or name (see `prisma-dsql rules`; of the Prisma-level "
                       "codes only the notices PSL901 and PSL902 can be named)")
        out.append(code)
    return out

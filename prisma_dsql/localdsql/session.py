"""One client connection's view of DSQL's rules: what the proxy forwards in place of what the client sent.

Contract
--------
A :class:`Session` is fed the statements of one connection as the proxy (:mod:`.proxy`) sees them and
answers with the text (or prepared-statement name) to forward to PostgreSQL:

* ``simple_query(text)`` for a Query message, ``parse(name, text)`` for Parse, ``bind(statement)`` for
  Bind, ``sync()`` for Sync, ``ready(status, settled)`` for the server's ReadyForQuery.
* A statement DSQL refuses (the rules of the chosen profile, :func:`~prisma_dsql.rehearsal.rules.rules_for`),
  or one that breaks a transaction rule (one DDL per transaction, no DDL with DML, GRANT/REVOKE count as DDL,
  a multi-statement query is one transaction, ``CALL sys.wait_for_job`` outside blocks only), is replaced by a
  *marker*: a text that fails to parse, or the name of a prepared statement that does not exist, holding a
  unique token.  PostgreSQL fails it (aborting the transaction as DSQL does, nothing of it runs) and the proxy
  swaps that ErrorResponse for DSQL's (``rewrite_error``): SQLSTATE, message, the offending part as DETAIL,
  the rule's name in HINT.
* ``CREATE [UNIQUE] INDEX ASYNC`` and ``ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`` become calls of the
  server functions of :mod:`.server_objects` that return one row ``job_id``; ``wants_worker`` is then set,
  as after ``CALL sys.wait_for_job``, so that the proxy makes sure a job worker runs for the database.
* A serialization failure (40001) from PostgreSQL gets DSQL's OC000 message; the server's own text goes
  to DETAIL.

Transaction state is tracked from what the client sends (BEGIN / COMMIT / ROLLBACK, Sync ending an implicit
extended-protocol transaction) and corrected from ReadyForQuery whenever nothing else is in flight.
Known gap: a prepared statement whose kind was DDL or DML is counted at each Bind, so a Bind that the server
then skips (an earlier error in the same batch) still counts until the batch ends.
"""

from __future__ import annotations

import base64
import os
import random
import re
from dataclasses import dataclass, field

from prisma_dsql.capabilities import Profile
from prisma_dsql.rehearsal.rules import ASYNC_INDEX_RE as _ASYNC_INDEX_RE
from prisma_dsql.rehearsal.rules import ASYNC_VALIDATE_RE as _ASYNC_VALIDATE_RE
from prisma_dsql.rehearsal.rules import (
    OC000_MESSAGE,
    TRANSACTION_MESSAGES,
    WAIT_IN_BLOCK_MESSAGE,
    Violation,
    statement_kind,
    statement_violations,
    transaction_rule,
)
from prisma_dsql.rehearsal.rules import WAIT_RE as _WAIT_RE
from prisma_dsql.sql.split import SqlSplitError, Statement, mask_sql, split_sql

__all__ = ["OC000_MESSAGE", "Refusal", "Session", "StatementInfo"]

_HINT = "refused by the local Aurora DSQL (prisma-dsql dev): rule {rule}"



@dataclass(frozen=True)
class Refusal:
    sqlstate: str
    message: str
    detail: str | None = None
    hint: str | None = None


@dataclass
class StatementInfo:
    """What a prepared statement is, for the transaction rules at each Bind."""

    kind: str  # ddl | dml | begin | end | other
    wait: bool = False  # CALL sys.wait_for_job
    job: bool = False  # an ASYNC statement (queues a job)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unquote(ident: str) -> str:
    ident = ident.strip()
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


@dataclass
class Session:
    profile: Profile
    job_seconds: tuple[float, float] = (0.2, 1.0)
    rng: random.Random = field(default_factory=random.Random)
    explicit: bool = False  # inside BEGIN ... COMMIT
    ddl: int = 0
    dml: int = 0
    wants_worker: bool = False
    prepared: dict[str, StatementInfo] = field(default_factory=dict)
    refusals: dict[str, Refusal] = field(default_factory=dict)

    # ------------------------------------------------------------------ markers

    def _marker(self, refusal: Refusal) -> str:
        token = "prisma_dsql_refusal_" + os.urandom(8).hex()
        self.refusals[token] = refusal
        if len(self.refusals) > 64:  # answered refusals are popped; never let stale ones pile up
            self.refusals.pop(next(iter(self.refusals)))
        return token

    def _violation(self, v: Violation) -> Refusal:
        return Refusal(v.sqlstate, v.message, v.part or None, _HINT.format(rule=v.rule))

    def _transaction_refusal(self, rule: str) -> Refusal:
        return Refusal("0A000", TRANSACTION_MESSAGES[rule], None, _HINT.format(rule=rule))

    def rewrite_error(self, fields: dict[str, str]) -> dict[str, str] | None:
        """DSQL's fields for a server ErrorResponse that answers a marker (or a 40001), else None."""
        message = fields.get("M", "")
        if "prisma_dsql_refusal_" in message:
            m = re.search(r"prisma_dsql_refusal_[0-9a-f]{16}", message)
            refusal = self.refusals.pop(m.group(0), None) if m else None
            if refusal is not None:
                out = {"S": "ERROR", "V": "ERROR", "C": refusal.sqlstate, "M": refusal.message}
                if refusal.detail:
                    out["D"] = refusal.detail
                if refusal.hint:
                    out["H"] = refusal.hint
                return out
        if fields.get("C") == "40001" and "(OC00" not in message:
            out = {k: v for k, v in fields.items() if k in "SVC"}
            out["M"], out["D"] = OC000_MESSAGE, message
            return out
        if fields.get("C") == "54000" and fields.get("W", "").find("sys.localdsql_account") >= 0:
            return {k: v for k, v in fields.items() if k in "SVCMD"}  # no PL/pgSQL context: DSQL has none
        if fields.get("C") == "0A000" and "sys.localdsql_" in fields.get("W", ""):
            return {k: v for k, v in fields.items() if k in "SVCMD"}
        return None

    # ------------------------------------------------------------------ statements

    def _check(self, statements: list[Statement], masks: list[str]) -> Refusal | None:
        for st, masked in zip(statements, masks):
            if violations := statement_violations(st, self.profile, masked):
                return self._violation(violations[0])
        return None

    def _rewrite(self, st: Statement, masked: str) -> tuple[str, bool]:
        """The text to run for one statement (ASYNC forms become job calls), and whether it queues a job."""
        text = st.text
        if m := _ASYNC_INDEX_RE.match(masked):
            placeholder = text[: m.start("async")] + text[m.end("async") :]
            if m.group("unique"):  # before ASYNC in the text, so its offsets still hold
                placeholder = placeholder[: m.start("unique")] + placeholder[m.end("unique") :]
            table = text[m.start("table") : m.end("table")]
            call = "SELECT job_id FROM sys.localdsql_index_async({}, {}, {}, {}, {}, NULL)".format(
                _literal(placeholder), _literal(table), "true" if m.group("unique") else "false",
                _literal(self._job_id()), repr(self._duration()),
            )
            return call, True
        if m := _ASYNC_VALIDATE_RE.match(masked):
            table = text[m.start("table") : m.end("table")]
            constraint = _unquote(text[m.start("constraint") : m.end("constraint")])
            call = "SELECT job_id FROM sys.localdsql_validate_async({}, {}, {}, {}, NULL)".format(
                _literal(table), _literal(constraint), _literal(self._job_id()), repr(self._duration())
            )
            return call, True
        return text, False

    def _job_id(self) -> str:
        return base64.b32encode(self.rng.randbytes(16)).decode().lower().rstrip("=")[:26]

    def _duration(self) -> float:
        return round(self.rng.uniform(*self.job_seconds), 3)

    def simple_query(self, text: str) -> str:
        """The text to forward for a Query message."""
        try:
            statements = split_sql(text)
        except SqlSplitError:
            return text  # the server reports the syntax error
        if not statements:
            return text
        masks = [mask_sql(st.text) for st in statements]  # masking is the costly part: once per statement
        if refusal := self._check(statements, masks):
            return self._marker(refusal)
        kinds = [statement_kind(masked) for masked in masks]
        has_blocks = "begin" in kinds or "end" in kinds
        implicit = len(statements) > 1 and not has_blocks  # PostgreSQL runs it as one transaction
        explicit, ddl, dml = self.explicit, self.ddl, self.dml
        if not explicit:
            ddl = dml = 0
        out: list[str] = []
        rewritten = False
        for st, kind, masked in zip(statements, kinds, masks):
            if kind == "begin":
                explicit, ddl, dml = True, 0, 0
            elif kind == "end":
                explicit, ddl, dml = False, 0, 0
            else:
                in_tx = explicit or implicit
                if _WAIT_RE.match(masked):
                    if in_tx:
                        return self._marker(Refusal("0A000", WAIT_IN_BLOCK_MESSAGE))
                    self.wants_worker = True
                if in_tx and (rule := transaction_rule(kind, ddl, dml, self.profile)):
                    return self._marker(self._transaction_refusal(rule))
                if in_tx:
                    ddl, dml = ddl + (kind == "ddl"), dml + (kind == "dml")
            new, job = self._rewrite(st, masked)
            rewritten |= job
            self.wants_worker |= job
            out.append(new)
        if not explicit:
            ddl = dml = 0
        self.explicit, self.ddl, self.dml = explicit, ddl, dml
        return ";\n".join(out) if rewritten else text

    def parse(self, name: str, text: str) -> str:
        """The text to forward for a Parse message (prepared statement ``name``)."""
        try:
            statements = split_sql(text)
        except SqlSplitError:
            statements = []
        if len(statements) != 1:
            self.prepared[name] = StatementInfo("other")
            return text  # empty, or several: the server answers (it cannot prepare many)
        (st,) = statements
        masked = mask_sql(st.text)
        if refusal := self._check(statements, [masked]):
            self.prepared.pop(name, None)
            return self._marker(refusal)
        new, job = self._rewrite(st, masked)
        self.prepared[name] = StatementInfo(statement_kind(masked), bool(_WAIT_RE.match(masked)), job)
        return new if job else text

    def bind(self, statement: str) -> str:
        """The prepared-statement name to forward for a Bind message (a marker when the execution breaks a
        transaction rule)."""
        info = self.prepared.get(statement)
        if info is None:
            return statement
        if info.kind == "begin":
            self.explicit, self.ddl, self.dml = True, 0, 0
        elif info.kind == "end":
            self.explicit, self.ddl, self.dml = False, 0, 0
        else:
            if info.wait:
                if self.explicit:
                    return self._marker(Refusal("0A000", WAIT_IN_BLOCK_MESSAGE))
                self.wants_worker = True
            # Without BEGIN, everything up to Sync is one implicit transaction: count it as one.
            if rule := transaction_rule(info.kind, self.ddl, self.dml, self.profile):
                return self._marker(self._transaction_refusal(rule))
            self.ddl += info.kind == "ddl"
            self.dml += info.kind == "dml"
            self.wants_worker |= info.job
        return statement

    def close(self, statement: str) -> None:
        self.prepared.pop(statement, None)

    def sync(self) -> None:
        if not self.explicit:
            self.ddl = self.dml = 0

    def ready(self, status: str, settled: bool) -> None:
        """ReadyForQuery with ``status`` (I, T, E); ``settled``: nothing the client sent is still unanswered."""
        if settled:
            self.explicit = status in ("T", "E")
            if status == "I":
                self.ddl = self.dml = 0

"""What kind of statement a piece of SQL is, from its text alone: the one vocabulary the deploy engine, the
splitter, the DSQL rehearsal and the local DSQL share.

Contract
--------
:func:`classify(text)` -> one of the :data:`KINDS`, for the text of *one* statement as
:func:`prisma_dsql.sql.split.split_sql` returns it (no comments, no terminating ``;``):

* ``"transaction-control"``: ``BEGIN``, ``START TRANSACTION``, ``COMMIT``, ``END``, ``ROLLBACK``, ``ABORT``,
  ``SAVEPOINT``, ``RELEASE``, ``PREPARE TRANSACTION`` (and ``COMMIT``/``ROLLBACK PREPARED``). ``BEGIN ATOMIC``
  and the ``BEGIN``/``END`` of a routine body are inside another statement, never a statement of their own.
* ``"async-ddl"``: ``CREATE [UNIQUE] INDEX ASYNC`` and ``ALTER TABLE ASYNC`` (DSQL's background jobs).
* ``"ddl"``: ``CREATE``, ``ALTER``, ``DROP``, ``GRANT``, ``REVOKE``, ``COMMENT``, ``TRUNCATE``, ``REINDEX``,
  ``SECURITY LABEL``: what DSQL counts as DDL for its one-DDL-per-transaction rule.
* ``"dml"``: statements that write rows: ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE``, ``COPY``, and a ``WITH``
  whose body (outside literals) holds one of those.
* ``"other"``: everything else: ``SELECT``/``VALUES``/``TABLE`` and read-only ``WITH``, ``SET``/``RESET``,
  ``DO`` blocks, ``CALL``, ``SHOW``, ``LOCK``, ``EXPLAIN``, ``ANALYZE``, ``VACUUM``, ...

:func:`first_words(text, n)` gives the first ``n`` keywords lower-cased (what the finer readers in
:mod:`prisma_dsql.deploy.steps` branch on). :func:`transaction_verb(text)` tells ``"begin"`` (opens a block),
``"commit"`` (ends it and keeps it) and ``"other"`` (``ROLLBACK``, ``SAVEPOINT``, ...) apart.

Reads only the first few words (and, for ``WITH``, the masked text): linear in the statement's length.
"""

from __future__ import annotations

import re

__all__ = ["KINDS", "DDL", "DML", "ASYNC_DDL", "TRANSACTION_CONTROL", "OTHER", "classify", "first_words",
           "is_ddl", "transaction_verb"]

DDL = "ddl"
DML = "dml"
ASYNC_DDL = "async-ddl"
TRANSACTION_CONTROL = "transaction-control"
OTHER = "other"
KINDS = (DDL, DML, ASYNC_DDL, TRANSACTION_CONTROL, OTHER)

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")
_DDL_WORDS = frozenset({"create", "alter", "drop", "grant", "revoke", "comment", "truncate", "reindex"})
_DML_WORDS = frozenset({"insert", "update", "delete", "merge", "copy"})
_TRANSACTION_WORDS = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release"})
_WRITES = re.compile(r"\b(?:insert|update|delete|merge)\b", re.IGNORECASE)


def first_words(text: str, n: int = 4) -> list[str]:
    """The first ``n`` keywords of ``text`` lower-cased; stops at the first token that is not a bare word
    (a quoted name, a parenthesis, a literal), so ``CREATE INDEX "x"`` gives ``["create", "index"]``."""
    words: list[str] = []
    i = 0
    length = len(text)
    while len(words) < n:
        while i < length and text[i].isspace():
            i += 1
        m = _WORD.match(text, i)
        if m is None:
            break
        words.append(m.group().lower())
        i = m.end()
    return words


def classify(text: str) -> str:
    """The kind of one statement; see the module docstring."""
    words = first_words(text, 4)
    if not words:
        return OTHER
    first = words[0]
    if first in _TRANSACTION_WORDS:
        if first == "start" and words[1:2] != ["transaction"]:
            return OTHER
        return TRANSACTION_CONTROL
    if first == "prepare" and words[1:2] == ["transaction"]:
        return TRANSACTION_CONTROL
    if first == "create" and ("async" in words[2:4]) and ("index" in words[1:3]):
        return ASYNC_DDL
    if first == "alter" and words[1:3] == ["table", "async"]:
        return ASYNC_DDL
    if first in _DDL_WORDS or (first == "security" and words[1:2] == ["label"]):
        return DDL
    if first in _DML_WORDS:
        return DML
    if first == "with":
        from prisma_dsql.sql.split import mask_sql

        return DML if _WRITES.search(mask_sql(text)) else OTHER
    return OTHER


def is_ddl(kind: str) -> bool:
    """DDL as DSQL's transaction rules count it (an async statement is DDL too)."""
    return kind in (DDL, ASYNC_DDL)


def transaction_verb(text: str) -> str:
    """For a transaction-control statement: ``"begin"`` (BEGIN / START TRANSACTION), ``"commit"``
    (COMMIT / END, not COMMIT PREPARED), else ``"other"``."""
    words = first_words(text, 2)
    if not words:
        return "other"
    if words[0] in ("begin", "start"):
        return "begin"
    if words[0] in ("commit", "end") and words[1:2] != ["prepared"]:
        return "commit"
    return "other"

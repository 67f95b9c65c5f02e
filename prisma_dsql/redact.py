"""Keep secrets out of anything the tool prints or logs.

Contract: `redact(text)` returns `text` with every credential libpq (or Prisma,
or AWS) accepts masked, in time linear in the length of `text`, whatever the
text is (a 5 MB comment, a 100k-character line of `@unique`). It masks:

- the password of a URL's userinfo, `scheme://user:PASSWORD@host`, up to the
  last `@` before the path (a password may itself hold `@` and `:`, as in
  `postgresql://admin:p@ss:w0rd!X@host/app`);
- the value of a credential key, in query strings (`?sslpassword=...&`), in
  libpq keyword/value strings (`host=h password='it''s'`), in JSON and TOML
  (`"password": "..."`, `token = "..."`) and in environment assignments
  (`PGPASSWORD=...`);
- a whole DSQL IAM auth token (a presigned `...on.aws/?Action=DbConnect...`);
- each of `extra_secrets` (a known password or token) where it stands as a whole value: a short one
  (under :data:`SUBSTRING_MIN` characters) only where no letter or digit touches it, so the password
  `t` masks `password t` but never turns `connection` into `connec***ion` (which would reveal it).

`sslkey` and `passfile` name files whose contents are never read, so their
values are paths and stay visible.

Why no single regex: Python's backtracking engine rescans from every start
position, so a pattern such as `[a-z][a-z0-9+.-]*://` is quadratic on a long
alphanumeric run. Here regexes only find fixed anchors (`://`, a key name),
and everything after an anchor is scanned once, by hand, moving forward.
"""

from __future__ import annotations

import re

#: Keys whose value is a secret (matched case-insensitively, as whole words).
SECRET_KEYS = (
    "password", "sslpassword", "passwd", "pwd", "pgpassword", "token", "secret", "api_key", "apikey",
    "access_token", "auth_token", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
    "aws_secret_access_key", "aws_session_token", "client_secret",
)
_KEY = re.compile(
    r"(?<![A-Za-z0-9-])(?:" + "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True)) + r")"
    r"(?![\w-])[\"']?[ \t]{0,16}[=:][ \t]{0,16}",
    re.IGNORECASE,
)
#: Where an unquoted value ends.
_VALUE_END = re.compile(r"[\s&'\";,)}\]>]")
#: Where a URL's authority ends (whitespace, quotes and the path).
_AUTHORITY_END = re.compile(r"[\s\"<>/]")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_MAX_SCHEME = 32
_TOKEN = re.compile(r"\.on\.aws/?\?(?=Action=DbConnect)")
_TOKEN_END = re.compile(r"[\s'\"`]")


#: Extra secrets at least this long are masked wherever they occur, even inside a longer word (an IAM
#: token glued to other text); shorter ones only as whole values (see the module docstring).
SUBSTRING_MIN = 8


def _mask(secret: str, keep_length: bool) -> str:
    return "*" * len(secret) if keep_length else "***"


def _userinfo_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL password in `text`."""
    spans = []
    end_of_authority = -1  # cached: where the current authority-like run ends
    last_at = -1  # cached: the last `@` before `end_of_authority`
    i = text.find("://")
    while i != -1:
        start = i + 3
        j = i
        while j > 0 and i - j < _MAX_SCHEME and text[j - 1] in _SCHEME_CHARS:
            j -= 1
        if j == i or not text[j].isalpha():
            i = text.find("://", start)
            continue
        if end_of_authority < start:
            m = _AUTHORITY_END.search(text, start)
            end_of_authority = m.start() if m else len(text)
            last_at = text.rfind("@", start, end_of_authority)
        if last_at < start:
            i = text.find("://", start)
            continue
        colon = text.find(":", start, last_at)
        if colon != -1 and colon + 1 < last_at:
            spans.append((colon + 1, last_at))
        i = text.find("://", last_at + 1)
    return spans


def _value_span(text: str, pos: int) -> tuple[int, int] | None:
    """The secret value starting at `pos` (after `key=`): quoted (libpq `'...'` with `\\'`,
    JSON `"..."` with `\\"`) or bare up to a separator."""
    if pos >= len(text):
        return None
    quote = text[pos]
    if quote in "'\"":
        k = pos + 1
        n = len(text)
        while k < n:
            ch = text[k]
            if ch == "\\":
                k += 2
                continue
            if ch == quote or ch == "\n":
                break
            k += 1
        k = min(k, n)
        return (pos + 1, k) if k > pos + 1 else None
    m = _VALUE_END.search(text, pos)
    end = m.start() if m else len(text)
    return (pos, end) if end > pos else None


def _key_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    while True:
        m = _KEY.search(text, pos)
        if m is None:
            return spans
        span = _value_span(text, m.end())
        if span is None:
            pos = m.end()
            continue
        spans.append(span)
        pos = span[1]


def _token_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            return spans
        end = _TOKEN_END.search(text, m.end())
        stop = end.start() if end else len(text)
        spans.append((m.end(), stop))
        pos = stop


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Every secret in `text` as sorted, non-overlapping (start, end) spans."""
    spans = sorted(_userinfo_spans(text) + _key_spans(text) + _token_spans(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def redact(text: str, extra_secrets: tuple[str, ...] = (), keep_length: bool = False) -> str:
    """`text` with secrets masked. With `keep_length`, each secret becomes as many `*`
    (so a caret under a source excerpt still lines up)."""
    for secret in extra_secrets:
        if not secret:
            continue
        if len(secret) >= SUBSTRING_MIN:
            text = text.replace(secret, _mask(secret, keep_length))
        elif secret in text:
            bounded = re.compile(r"(?<![^\W_])" + re.escape(secret) + r"(?![^\W_])")
            text = bounded.sub(_mask(secret, keep_length), text)
    if "://" not in text and "=" not in text and ":" not in text:
        return text
    spans = secret_spans(text)
    if not spans:
        return text
    out = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(_mask(text[start:end], keep_length))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def contains_secret(text: str) -> bool:
    return bool(secret_spans(text))

"""What may reach a terminal: text from a schema made visible, and JSON that any terminal can show.

Contract:
- `visible(text)` replaces every character a terminal would act on rather than
  print (C0 controls but tab, DEL, C1 controls such as CSI U+009B, bidirectional
  overrides and isolates, line and paragraph separators) and every lone
  surrogate (which no output encoding can write) with `\\u{1b}`-style text, so
  `\\x1b[2J` in a schema is shown, never obeyed. `keep_newlines` keeps `\\n`.
- `message(text)` is `visible(redact(text))`: for messages, help and notes.
- `dump_json(doc)` is `json.dumps` whose output holds only printable characters
  outside strings' escapes: the same data, with those characters written as
  `\\uXXXX` (valid JSON a consumer decodes back to the exact text).
"""

from __future__ import annotations

import json
import re

from prisma_dsql.redact import redact

_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_UNSAFE_KEEP_NL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                             "\u2066-\u2069\ud800-\udfff]")
#: In JSON text, json.dumps already escapes C0; these remain.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    return f"\\u{{{ord(m.group()):x}}}"


def visible(text: str, keep_newlines: bool = False) -> str:
    return (_UNSAFE_KEEP_NL if keep_newlines else _UNSAFE).sub(_escape, text)


def message(text: str | None) -> str | None:
    if text is None:
        return None
    return visible(redact(text), keep_newlines=True)


def dump_json(doc, **kwargs) -> str:
    text = json.dumps(doc, ensure_ascii=False, **kwargs)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

"""Keep secrets out of anything the tool prints or logs.

IAM auth tokens are presigned URLs (`...?Action=DbConnectAdmin&X-Amz-Credential=...
&X-Amz-Signature=...`); connection strings carry passwords. `redact()` masks
both wherever they appear in a message, so even a driver error that echoes
its connection string is safe to show.
"""

from __future__ import annotations

import re

_PATTERNS = [
    # scheme://user:password@host
    (re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*:)(?P<secret>[^@\s]+)(?P<post>@)"), "***"),
    # key=value pairs in libpq strings or query strings
    (re.compile(r"(?P<pre>\b(?:password|passwd|pwd|token|secret|X-Amz-Signature|X-Amz-Credential|"
                r"X-Amz-Security-Token|aws_secret_access_key|aws_session_token)\s*[=:]\s*['\"]?)"
                r"(?P<secret>[^\s&'\"]+)(?P<post>)", re.IGNORECASE), "***"),
    # A whole DSQL auth token (hostname followed by a presigned query string).
    (re.compile(r"(?P<pre>\.on\.aws/?\?)(?P<secret>Action=DbConnect[^\s'\"]*)(?P<post>)"), "***"),
]


def redact(text: str, extra_secrets: tuple[str, ...] = (), keep_length: bool = False) -> str:
    """`text` with secrets masked. With `keep_length`, each secret becomes as many `*`
    (so a caret under a source excerpt still lines up)."""
    def mask(secret: str) -> str:
        return "*" * len(secret) if keep_length else "***"

    for secret in extra_secrets:
        if secret:
            text = text.replace(secret, mask(secret))
    for pattern, _ in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group('pre')}{mask(m.group('secret'))}{m.group('post')}", text)
    return text

from __future__ import annotations

from prisma_dsql.diagnostics import Severity
from prisma_dsql.rules._base import rule

_DOC = """
## What it does
Reports a `// prisma-dsql-ignore CODE` comment that suppressed nothing: no finding with that code
starts on the line it covers, or the code is not a rule's code or name, or the comment names no code.

## Why
Suppressions outlive the problems they hid. An unused one hides the next, unrelated finding on that
line, and a misspelt code suppresses nothing while looking as if it did.

## Example
```prisma
model User {
  // prisma-dsql-ignore DSQL106
  id BigInt @id @default(autoincrement())
}
```

## Fix
Remove the comment, or correct the code:
```prisma
model User {
  id BigInt @id @default(autoincrement())
}
```
"""

# Reported by `prisma_dsql.suppression`, not by a rule function.
RULE = rule("DSQL901", "unused-suppression", Severity.WARNING,
            "A `// prisma-dsql-ignore` comment that suppresses nothing.", doc=_DOC)(None)

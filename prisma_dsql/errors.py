"""The tool's own exceptions. Problems in a schema are diagnostics, not exceptions;
these are for input the tool cannot read at all and for usage mistakes."""


class PrismaDsqlError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 2


class InputError(PrismaDsqlError):
    """The input cannot be read: missing file, binary content, too large, ..."""


class UsageError(PrismaDsqlError):
    """The command was called wrongly (conflicting options, bad values)."""

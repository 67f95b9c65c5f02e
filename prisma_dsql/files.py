"""Reading input files safely, whatever they are.

Contract: `read_capped(path, limit, display)` returns at most `limit` bytes of
`path` or raises `InputError` with one sentence: missing, a symbolic link loop,
a dangling link, a folder, unreadable, or larger than `limit`. The size is
checked by reading (at most `limit + 1` bytes), not by `st_size`, which is 0 for
devices and pipes (`/dev/zero`, `/dev/stdin`, a FIFO), so no file can make the
tool read until memory runs out. A FIFO without a writer reads as empty instead
of blocking the open.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from prisma_dsql.errors import InputError


def describe_os_error(exc: OSError, path: Path | str) -> str:
    """What went wrong with `path`, in words (a loop and a dangling link say so)."""
    code = exc.errno
    if code == errno.ELOOP:
        return "a symbolic link loop (the link points back at itself)"
    if code == errno.ENOENT:
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        return "no such file or directory"
    if code == errno.EACCES or code == errno.EPERM:
        return "permission denied"
    if code == errno.EISDIR:
        return "a directory, not a file"
    if code == errno.ENOTDIR:
        return "a path through something that is not a directory"
    return exc.strerror or str(exc)


def read_capped(path: Path, limit: int, display: str, *, what: str = "schemas") -> bytes:
    nonblock = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_RDONLY | nonblock | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"{display}: cannot read: {describe_os_error(exc, path)}") from None
    try:
        if nonblock:
            try:  # opened non-blocking only so that a FIFO without a writer cannot hang the open
                os.set_blocking(fd, True)
            except OSError:
                pass
        chunks = []
        size = 0
        while size <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            except IsADirectoryError:
                raise InputError(f"{display}: is a directory, not a file") from None
            except OSError as exc:
                raise InputError(f"{display}: cannot read: {describe_os_error(exc, path)}") from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(f"{display}: more than {_mb(limit)} (is this really a file to read? {what} larger than "
                         f"{_mb(limit)} are refused)")
    return b"".join(chunks)


def _mb(n: int) -> str:
    return f"{n // 1048576} MB" if n >= 1048576 else f"{n // 1024} KB"

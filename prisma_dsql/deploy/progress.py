"""What a deploy tells the person watching it.

Contract: the engine calls a :class:`Reporter`'s methods; :func:`reporter_for(stream)` picks
:class:`LineReporter` on a terminal (one status line redrawn in place: migration, statement, jobs running and
done; lasting lines for migrations, waits, retries) and :class:`PlainReporter` otherwise (plain lines; statement
progress at most every ``interval`` seconds). :class:`QuietReporter` prints nothing. Messages pass through
:func:`prisma_dsql.redact.redact` so no secret reaches the stream.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from prisma_dsql.redact import redact
from prisma_dsql.render.safe import visible


class Reporter:
    """Does nothing; subclasses print."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.jobs_running = 0
        self.jobs_done = 0

    def line(self, text: str) -> None:
        """A lasting line."""

    def migration(self, name: str, index: int, total: int, steps: int, resume_at: int) -> None:
        start = f", resuming at statement {resume_at + 1}" if resume_at else ""
        self.line(f"Applying migration {name} ({index}/{total}, {steps} statement{'s' if steps != 1 else ''}"
                  f"{start})")

    def statement(self, name: str, step, count: int) -> None:
        """About to run ``step`` (``count`` statements in the migration)."""

    def jobs(self, running: int, done: int) -> None:
        self.jobs_running, self.jobs_done = running, done

    def waiting(self, what: str) -> None:
        self.line(f"  waiting for {what}")

    def retry(self, kind: str, attempt: int, delay: float, error: BaseException) -> None:
        reason = "conflict (OCC)" if kind == "occ" else "lost connection"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        self.line(f"  retry {attempt} after {reason}: {first} (in {delay:.2f} s)")

    def done(self) -> None:
        """The deploy ended; clear any status line."""


class QuietReporter(Reporter):
    pass


class PlainReporter(Reporter):
    def __init__(self, stream: TextIO | None = None, interval: float = 2.0) -> None:
        super().__init__(stream)
        self.interval = interval
        self._last = 0.0

    def line(self, text: str) -> None:
        print(visible(redact(text), keep_newlines=True), file=self.stream, flush=True)

    def statement(self, name: str, step, count: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.line(f"  statement {step.index + 1}/{count} (line {step.line}); async jobs: {self.jobs_running} "
                      f"running, {self.jobs_done} done")


class LineReporter(Reporter):
    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._status = ""
        self._width = 0

    def _draw(self, text: str) -> None:
        import shutil

        width = max(20, shutil.get_terminal_size((100, 20)).columns - 1)
        text = visible(redact(text))[:width]
        self.stream.write("\r" + text + " " * max(0, len(self._status) - len(text)) + "\r" + text)
        self.stream.flush()
        self._status = text

    def _clear(self) -> None:
        if self._status:
            self.stream.write("\r" + " " * len(self._status) + "\r")
            self._status = ""

    def line(self, text: str) -> None:
        status = self._status
        self._clear()
        print(visible(redact(text), keep_newlines=True), file=self.stream, flush=True)
        if status:
            self._draw(status)

    def statement(self, name: str, step, count: int) -> None:
        self._draw(f"[{step.index + 1}/{count}] jobs {self.jobs_running} running, {self.jobs_done} done · "
                   f"{step.head(200)}")

    def jobs(self, running: int, done: int) -> None:
        super().jobs(running, done)

    def waiting(self, what: str) -> None:
        self._draw(f"waiting for {what} · jobs {self.jobs_running} running, {self.jobs_done} done")

    def done(self) -> None:
        self._clear()
        self.stream.flush()


def reporter_for(stream: TextIO | None = None, quiet: bool = False) -> Reporter:
    stream = stream or sys.stdout
    if quiet:
        return QuietReporter(stream)
    if hasattr(stream, "isatty") and stream.isatty():
        return LineReporter(stream)
    return PlainReporter(stream)

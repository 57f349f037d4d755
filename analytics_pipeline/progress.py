"""The progress display of a build: partitions done / total per phase, and the time elapsed.

On a terminal it is one line rewritten in place; in a log (no terminal) it is plain lines. Assets
report each partition they finish with `PARTITION_DONE` (defs/metadata.py); `dagster_logger`
turns those log records of a run into `Progress.partition_done` calls.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

PARTITION_DONE = "partition done:"


class Progress:
    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started = time.monotonic()
        self.phase_name, self.total, self.done_by_step = "", 0, {}

    def _write(self, text: str, final: bool = False) -> None:
        line = f"[{time.monotonic() - self.started:6.1f}s] {text}"
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        """A line that stays (a warning, a skipped step)."""
        if self.tty:
            self.stream.write("\r\033[K")
        self._write(message, final=True)

    def phase(self, name: str, total: int) -> None:
        self.phase_name, self.total, self.done_by_step = name, total, {}
        self._write(f"{name}: 0/{total} partitions" if total else f"{name}: running")

    def partition_done(self, step: str, detail: str) -> None:
        """One asset step (e.g. `daily_marts`) finished one partition of the phase."""
        self.done_by_step[step] = self.done_by_step.get(step, 0) + 1
        counts = ", ".join(f"{s} {min(n, self.total)}/{self.total}" for s, n in self.done_by_step.items())
        self._write(f"{self.phase_name}: {counts} partitions ({detail})")

    def phase_done(self, seconds: float) -> None:
        what = f"{self.total} partitions" if self.total else "done"
        self._write(f"{self.phase_name}: {what} in {seconds:.1f}s", final=True)

    def done(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


class _PartitionHandler(logging.Handler):
    def __init__(self, progress: Progress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        message = meta.get("orig_message") or record.getMessage()
        if isinstance(message, str) and message.startswith(PARTITION_DONE):
            step = meta.get("step_key") or meta.get("op_name") or "step"
            self.progress.partition_done(step, message[len(PARTITION_DONE):].strip())


def dagster_logger(progress: Progress) -> dg.LoggerDefinition:
    """A Dagster logger that feeds the partitions each step finishes to `progress`."""

    @dg.logger(description="Feeds the CLI's progress display.")
    def progress_logger(init_context) -> logging.Logger:
        log = logging.getLogger(f"analytics_pipeline.progress.{id(progress)}")
        log.setLevel(logging.INFO)
        log.propagate = False
        if not log.handlers:
            log.addHandler(_PartitionHandler(progress))
        return log

    return progress_logger

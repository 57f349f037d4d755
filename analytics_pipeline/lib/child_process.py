"""Calls of module-level functions in Python processes of our own: the pictures of a range run,
the report's pages, the generator's chunks.

A child is `python -m analytics_pipeline.lib.child_process`, not a `multiprocessing` spawn:
spawn runs the parent's `__main__` again in the child, so a user's script that calls the runner
without an `if __name__ == "__main__":` guard would run itself a second time (writing data) and then
fail; `fork` would copy locks held by DuckDB's, pyarrow's or Dagster's threads. A child imports
only this module and what the calls it is sent need, from the parent's `sys.path` (sent first, as
spawn does: neither the child's working folder nor its own PYTHONPATH come first). Calls and their
results travel pickled over its stdin and stdout (`multiprocessing.connection` frames them); what
it prints goes to stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from queue import SimpleQueue

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # where this module's package was imported from


class ChildProcessError(RuntimeError):
    """A call failed in the child, or the child ended."""


class ChildProcess:
    """`call(fn, *args, **kwargs)` runs `fn` (a module-level function) in the child; a context manager."""

    def __init__(self) -> None:
        # -P: nothing before the parent's path (Python 3.11+); PYTHONPATH: this module, found where the parent found it
        self._proc = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": _PACKAGE_PARENT})
        self._requests = Connection(os.dup(self._proc.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self._proc.stdout.fileno()), writable=False)
        self._proc.stdin.close()
        self._proc.stdout.close()
        self._lock = threading.Lock()
        self._requests.send([os.getcwd() if entry == "" else entry for entry in sys.path])

    @property
    def pid(self) -> int:
        return self._proc.pid

    def call(self, fn, *args, **kwargs):
        with self._lock:
            try:
                self._requests.send((fn, args, kwargs))
                ok, value = self._replies.recv()
            except (EOFError, OSError) as exc:
                raise ChildProcessError(f"the child process ended (exit code {self._proc.poll()}) "
                                        f"during {_name(fn)}") from exc
        if not ok:
            raise ChildProcessError(f"{_name(fn)} failed in the child process:\n{value}")
        return value

    def close(self) -> None:
        self._requests.close()  # the child reads the end of its input and exits
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._replies.close()

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _name(fn) -> str:
    return getattr(getattr(fn, "func", fn), "__name__", repr(fn))  # a partial names its function


def map_in_children(fn, items: list, workers: int) -> list:
    """`[fn(item) for item in items]`, computed in `workers` child processes at once, each child
    taking the next item when it is free."""
    if not items:
        return []
    children: SimpleQueue = SimpleQueue()
    started = [ChildProcess() for _ in range(min(workers, len(items)))]
    for child in started:
        children.put(child)

    def in_a_child(item):
        child = children.get()
        try:
            return child.call(fn, item)
        finally:
            children.put(child)

    try:
        with ThreadPoolExecutor(len(started)) as threads:
            return list(threads.map(in_a_child, items))
    finally:
        for child in started:
            child.close()


def serve() -> None:
    """The child's loop: answer each call read from stdin on stdout until stdin ends."""
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed from here on goes to stderr, never into the replies
    sys.path[:] = requests.recv()
    while True:
        try:
            fn, args, kwargs = requests.recv()
        except EOFError:
            return
        try:
            reply = (True, fn(*args, **kwargs))
        except Exception as exc:  # sent back whole, raised in the parent
            reply = (False, "".join(traceback.format_exception(exc)))
        replies.send(reply)


if __name__ == "__main__":
    serve()

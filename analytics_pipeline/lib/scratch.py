"""A run's temporary local files: DuckDB spill files, staged lines, files on their way to S3.

They live in the data root's own staging area (`<root>/.staging/work/`; beside the warehouse file
for an `s3://` root), never in the system's temporary folder, so retention and erasure reach
them and nothing with person data is left outside the root. Every temporary name starts with
its owner (`host-pid`), so the next run can remove what a killed process left at once, while a
live concurrent run's files are kept (and files of other hosts are removed only by age).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time


def owner_tag() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def left_by_gone_process(name: str) -> bool:
    """True when `name` starts with this host's tag and a process id that no longer runs."""
    host = socket.gethostname()
    if not name.startswith(host + "-"):
        return False
    pid = name[len(host) + 1:].split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def work_dir(storage, prefix: str) -> str:
    """A fresh local folder for one step's temporary files, in the root's staging area."""
    base = storage.local_scratch or os.path.join(tempfile.gettempdir(), "analytics_pipeline")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=f"{owner_tag()}-{prefix}", dir=base)


def clean_work_dirs(storage, older_than_s: float) -> int:
    """Remove the work folders of gone processes, and any older than `older_than_s`; returns how many."""
    base = storage.local_scratch
    if not base or not os.path.isdir(base):
        return 0
    cutoff, removed = time.time() - older_than_s, 0
    for entry in os.scandir(base):
        if left_by_gone_process(entry.name) or entry.stat(follow_symlinks=False).st_mtime < cutoff:
            shutil.rmtree(entry.path, ignore_errors=True) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
            removed += 1
    return removed

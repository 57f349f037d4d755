"""The stored answers: `landing/providers/<provider>/<YYYY-MM-DD>/*.json`.

A fetch replaces its own previous set of files for the day, never a file put there by hand:
the new files are written first (each atomically), then a manifest naming them, and only then
are the previous fetch's files that the new set does not contain removed. A fetch that fails
before this point has written nothing, so the day keeps its previous answers.
Names starting with `_` or `.` (the manifest, temporary files) are not answers.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import PurePosixPath

from analytics_pipeline.lib.storage import Storage

ROOT = "landing/providers"
MANIFEST = "_fetched.json"


def day_dir(provider: str, day: date | str) -> str:
    return f"{ROOT}/{provider}/{day}"


def _is_answer(rel_name: str) -> bool:
    parts = PurePosixPath(rel_name).parts
    return rel_name.lower().endswith(".json") and not any(p.startswith(("_", ".")) for p in parts)


def read_day(storage: Storage, provider: str, day: date | str) -> dict[str, bytes]:
    """Every stored answer of a day (fetched or exported by hand): name within the folder -> body."""
    base = day_dir(provider, day)
    out = {}
    for entry in storage.list_files(base, recursive=True):
        name = entry.path[len(base) + 1:]
        if _is_answer(name):
            out[name] = storage.read_bytes(entry.path)
    return out


def previous_fetch(storage: Storage, provider: str, day: date | str) -> list[str]:
    rel = f"{day_dir(provider, day)}/{MANIFEST}"
    if not storage.exists(rel):
        return []
    try:
        return list(json.loads(storage.read_bytes(rel)).get("files", []))
    except (ValueError, AttributeError):
        return []


def replace_fetched_day(storage: Storage, provider: str, day: date | str, files: dict[str, bytes]) -> list[str]:
    """Store a complete new fetch of a day in place of the previous one; returns the paths written."""
    base = day_dir(provider, day)
    old = previous_fetch(storage, provider, day)
    written = []
    for name in sorted(files):
        storage.write_bytes(f"{base}/{name}", files[name])
        written.append(f"{base}/{name}")
    manifest = {"files": sorted(files), "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    storage.write_bytes(f"{base}/{MANIFEST}", json.dumps(manifest, indent=1).encode())
    for name in old:
        if name not in files and _is_answer(name):
            storage.delete_file(f"{base}/{name}")
    return written


def stored_days(storage: Storage, provider: str) -> list[date]:
    days = []
    for name in storage.list_dirs(f"{ROOT}/{provider}"):
        try:
            days.append(date.fromisoformat(name))
        except ValueError:
            continue
    return sorted(days)


def heatmap_answers(storage: Storage, provider: str = "bunny") -> list[tuple[date, str, bytes]]:
    """(day, name, body) of every stored heatmap answer, all days."""
    out = []
    for day in stored_days(storage, provider):
        base = day_dir(provider, day)
        for entry in storage.list_files(base, recursive=True):
            name = entry.path[len(base) + 1:]
            if _is_answer(name) and PurePosixPath(name).name.startswith("heatmap_"):
                out.append((day, name, storage.read_bytes(entry.path)))
    return out

"""Case-insensitive access to provider JSON (camelCase in the docs, PascalCase seen live)."""

from __future__ import annotations

from typing import Any


def ci_get(obj: Any, key: str, default: Any = None) -> Any:
    """`obj[key]` matching the key without regard to case (and `default` for a non-dict)."""
    if not isinstance(obj, dict):
        return default
    if key in obj:
        return obj[key]
    lowered = key.lower()
    for k, v in obj.items():
        if isinstance(k, str) and k.lower() == lowered:
            return v
    return default


def ci_path(obj: Any, *keys: str | int, default: Any = None) -> Any:
    """Walk nested dicts (case-insensitively) and lists (by index)."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(obj, list) or len(obj) <= key:
                return default
            obj = obj[key]
        else:
            obj = ci_get(obj, key, None)
        if obj is None:
            return default
    return obj

"""User agents to device type, browser, OS and bot flag, with ua-parser (uap-core rules).

Parsed once per distinct user agent of a batch, never per event.
"""

from __future__ import annotations

from functools import lru_cache

import pyarrow as pa
from ua_parser import parse

MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS", "Symbian OS", "HarmonyOS"}


@lru_cache(maxsize=65536)
def classify(user_agent: str | None) -> tuple[str, str | None, str | None, bool]:
    """(device_type, browser, os, is_bot) for one user agent."""
    if not user_agent:
        return "unknown", None, None, False
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else None
    os_family = result.os.family if result.os else None
    device = result.device
    if device is not None and device.family == "Spider":
        return "bot", browser, os_family, True
    family = (device.family if device else "") or ""
    brand = (device.brand if device else "") or ""
    lowered = user_agent.lower()
    if "tablet" in brand.lower() or "tablet" in family.lower() or family == "iPad" or (
        os_family == "Android" and "mobile" not in lowered
    ):
        device_type = "tablet"
    elif os_family in MOBILE_OS or "mobile" in lowered:
        device_type = "mobile"
    else:
        device_type = "desktop"
    return device_type, browser, os_family, False


def user_agent_table(user_agents: list[str | None]) -> pa.Table:
    """A lookup `user_agent -> device_type, browser, os, is_bot` for distinct user agents."""
    rows = [classify(ua) for ua in user_agents]
    return pa.table({
        "user_agent": pa.array(user_agents, pa.string()),
        "device_type": pa.array([r[0] for r in rows], pa.string()),
        "browser": pa.array([r[1] for r in rows], pa.string()),
        "os": pa.array([r[2] for r in rows], pa.string()),
        "is_bot": pa.array([r[3] for r in rows], pa.bool_()),
    })

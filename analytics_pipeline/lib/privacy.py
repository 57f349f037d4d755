"""Personal data: client IPs become keyed hashes; IP literals in unparsed text are masked."""

from __future__ import annotations

import hashlib
import hmac
import re

import pyarrow as pa

IPV4 = r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
# Full, compressed and IPv4-suffixed IPv6 forms (at least two colons and one hex group).
IPV6 = (
    r"(?<![0-9A-Za-z:.])(?:"
    r"(?:(?:[0-9A-Fa-f]{1,4}:){1,6}|::(?:[0-9A-Fa-f]{1,4}:){0,5})" + IPV4[len("(?<![\\d.])"):-len("(?![\\d.])")] +
    r"|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,7}:"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}"
    r"|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}"
    r"|:(?::[0-9A-Fa-f]{1,4}){1,7}"
    r")(?![0-9A-Za-z:])"
)
IP_MASK = "[ip-masked]"
# `Chrome/120.0.0.0` is a version, not an address: skip dotted quads right after `word/`.
IP_LITERAL = re.compile(rf"(?<!\w/)(?:{IPV4})|{IPV6}")


def ip_hash(key: bytes, ip: str) -> str:
    """HMAC-SHA256 of the normalised address, hex, first 32 characters (128 bits)."""
    return hmac.new(key, ip.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def ip_hash_table(key: bytes, ips: list[str]) -> pa.Table:
    """A lookup `ip -> ip_hash` for the distinct addresses of a batch."""
    return pa.table({"ip": pa.array(ips, pa.string()), "ip_hash": pa.array([ip_hash(key, i) for i in ips], pa.string())})


def mask_ip_literals(text: str) -> str:
    return IP_LITERAL.sub(IP_MASK, text)


def truncate_utf8(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, never cutting a character in two."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")

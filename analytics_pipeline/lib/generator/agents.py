"""Client fingerprints: real user-agent strings per device kind, crawler agents, IP addresses."""

from __future__ import annotations

import random

# (user agent, weight) per device kind; strings as browsers send them in 2025-2026.
DESKTOP_AGENTS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", 30),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 Edg/139.0.0.0", 10),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:142.0) Gecko/20100101 Firefox/142.0", 7),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", 14),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15", 10),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:142.0) Gecko/20100101 Firefox/142.0", 3),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", 4),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0", 2),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 OPR/121.0.0.0", 2),
)
MOBILE_AGENTS = (
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1", 30),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1", 8),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/139.0.7258.76 Mobile/15E148 Safari/604.1", 5),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36", 30),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36", 8),
    ("Mozilla/5.0 (Android 15; Mobile; rv:142.0) Gecko/142.0 Firefox/142.0", 2),
    ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36", 4),
)
TABLET_AGENTS = (
    ("Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1", 12),
    ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", 5),
    ("Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36", 2),
)
# Crawlers that execute JavaScript and so fire player events; with an address range they use.
CRAWLER_AGENTS = (
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/139.0.7258.127 Safari/537.36", "66.249.{}.{}"),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "157.55.{}.{}"),
    ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.7258.127 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.{}.{}"),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "5.255.{}.{}"),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "54.36.{}.{}"),
    ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "20.191.{}.{}"),
)
# Clients planted with poor QoE, so the experience scores differ by browser: Chrome on iOS starts
# slowly (startup x 4), Samsung Internet stalls often (stall chance x 6).
SLOW_START_MARK, SLOW_START_FACTOR = "CriOS/", 4.0
STALL_HEAVY_MARK, STALL_HEAVY_FACTOR = "SamsungBrowser/", 6.0

DEVICE_AGENTS = {"desktop": DESKTOP_AGENTS, "mobile": MOBILE_AGENTS, "tablet": TABLET_AGENTS}
DEVICE_WEIGHTS = (("desktop", 52), ("mobile", 40), ("tablet", 8))

COUNTRIES = (
    ("US", 28), ("GB", 8), ("DE", 7), ("IN", 9), ("FR", 5), ("BR", 6), ("CA", 4), ("ES", 4),
    ("NL", 2), ("AU", 2), ("MX", 3), ("IT", 3), ("PL", 2), ("JP", 2), ("NG", 2), ("SE", 1),
    ("PT", 1), ("AR", 2), ("ZA", 1), ("ID", 2), ("TR", 2), ("PH", 1), ("KR", 1), ("CH", 1),
)


def weighted(rng: random.Random, items):
    """One element of a ((value, weight), ...) table."""
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    return rng.choices(values, weights)[0]


def public_ipv4(rng: random.Random) -> str:
    while True:
        first = rng.randint(1, 223)
        if first not in (10, 100, 127, 169, 172, 192, 198, 203):  # skip private / reserved blocks
            return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def public_ipv6(rng: random.Random) -> str:
    prefix = rng.choice(("2a02", "2a01", "2600", "2601", "2409", "2800", "2001:4860"))
    groups = [f"{rng.getrandbits(16):x}" for _ in range(7 - prefix.count(":"))]
    return ":".join([prefix, *groups])


def client_ip(rng: random.Random, ipv6_share: float = 0.15) -> str:
    return public_ipv6(rng) if rng.random() < ipv6_share else public_ipv4(rng)

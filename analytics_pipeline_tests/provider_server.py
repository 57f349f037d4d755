"""A local stand-in for the Bunny Stream and Cloudflare Stream APIs, for tests.

A real HTTP server on 127.0.0.1 (ephemeral port, own thread) that answers in the providers'
formats from data the test sets, records every request it receives, and fails on demand
(`Fault`: a status, a Retry-After, a delay longer than the client's timeout, or a GraphQL
error inside an HTTP 200).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BUNNY_LIBRARY = "lib-42"
BUNNY_KEY = "bunny-SECRET-key-7f3a9c"
CF_ACCOUNT = "acct-123"
CF_TOKEN = "cf-SECRET-token-0b5e2d"


@dataclass
class Fault:
    """Answer requests whose text contains `match` this way, `times` times (None: always)."""

    match: str
    status: int = 500
    body: object = b'{"error": "internal"}'
    headers: dict = field(default_factory=dict)
    times: int | None = 1
    delay_s: float = 0.0  # sleep before answering (beyond the client's timeout: a timeout)
    graphql_errors: list | None = None  # answer HTTP 200 {"data": null, "errors": ...}
    skip: int = 0  # let this many matching requests through first
    hits: int = 0

    def wants(self, text: str) -> bool:
        if self.match not in text:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return self.times is None or self.hits < self.times


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: dict | None

    @property
    def text(self) -> str:
        return f"{self.method} {self.path}?{json.dumps(self.query, sort_keys=True)} {json.dumps(self.body)}"


def _pascal(obj: dict) -> dict:
    return {(k[:1].upper() + k[1:]): v for k, v in obj.items()}


def _days(a: date, b: date):
    d = a
    while d <= b:
        yield d
        d += timedelta(days=1)


class ProviderServer:
    def __init__(self):
        self.bunny_videos: list[dict] = []
        # (guid, "YYYY-MM-DD") -> {"views": int, "watch": seconds, "countries": {"US": (views, watch)}}
        self.bunny_stats: dict[tuple[str, str], dict] = {}
        self.bunny_engagement: dict[str, float] = {}
        self.bunny_heatmaps: dict[str, dict] = {}
        self.pascal_case = False  # Bunny answers with PascalCase keys, as seen live
        self.echo_secret = False  # error bodies repeat the key received (a careless provider)
        # Cloudflare groups: {"uid", "date", "country", "minutes"} / + "device", "count"
        self.cf_minutes: list[dict] = []
        self.cf_playback: list[dict] = []
        self.cf_max_days = 31
        self.faults: list[Fault] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "ProviderServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/client/v4/graphql"

    def env(self) -> dict[str, str]:
        """Environment variables pointing both clients at this server."""
        return {
            "BUNNY_LIBRARY_ID": BUNNY_LIBRARY,
            "BUNNY_API_KEY": BUNNY_KEY,
            "BUNNY_API_URL": self.url,
            "CLOUDFLARE_ACCOUNT_ID": CF_ACCOUNT,
            "CLOUDFLARE_API_TOKEN": CF_TOKEN,
            "CLOUDFLARE_GRAPHQL_URL": self.graphql_url,
        }

    def requests_to(self, fragment: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if fragment in r.text]

    # -- dispatch ----------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        rec = Received(method, parts.path, query, dict(h.headers.items()), body)
        with self._lock:
            self.received.append(rec)
            fault = next((f for f in self.faults if f.wants(rec.text)), None)
            if fault:
                fault.hits += 1
        if fault:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.graphql_errors is not None:
                return self._send(h, 200, {"data": None, "errors": fault.graphql_errors})
            fault_body = fault.body
            if self.echo_secret:
                fault_body = json.dumps({"error": "failed", "received": dict(h.headers.items())})
            return self._send(h, fault.status, fault_body, fault.headers)
        if parts.path.endswith("/graphql"):
            return self._cloudflare(h, rec)
        return self._bunny(h, rec)

    def _send(self, h, status: int, body, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass

    # -- Bunny -------------------------------------------------------------------------------
    def _bunny(self, h, rec: Received) -> None:
        if rec.headers.get("AccessKey") != BUNNY_KEY:
            return self._send(h, 401, {"Message": "Authorization has been denied for this request."})
        prefix = f"/library/{BUNNY_LIBRARY}"
        if not rec.path.startswith(prefix):
            return self._send(h, 404, {"Message": "library not found"})
        rest = rec.path[len(prefix):]
        if rest == "/videos":
            page, per_page = int(rec.query.get("page", 1)), int(rec.query.get("itemsPerPage", 100))
            items = self.bunny_videos[(page - 1) * per_page: page * per_page]
            answer = {"totalItems": len(self.bunny_videos), "currentPage": page, "itemsPerPage": per_page,
                      "items": [self._case(v) for v in items]}
            return self._send(h, 200, self._case(answer))
        if rest == "/statistics":
            return self._send(h, 200, self._case(self._statistics(rec.query)))
        if rest.startswith("/videos/") and rest.endswith("/heatmap"):
            guid = rest[len("/videos/"): -len("/heatmap")]
            if guid not in self.bunny_heatmaps:
                return self._send(h, 404, {"Message": "heatmap not available"})
            return self._send(h, 200, self._case({"heatmap": self.bunny_heatmaps[guid]}))
        return self._send(h, 404, {"Message": "not found"})

    def _case(self, obj: dict) -> dict:
        return _pascal(obj) if self.pascal_case else obj

    def _statistics(self, q: dict) -> dict:
        a = date.fromisoformat(q["dateFrom"][:10])
        b = date.fromisoformat(q["dateTo"][:10])
        guid = q.get("videoGuid")
        views_chart, watch_chart, c_views, c_watch = {}, {}, {}, {}
        for d in _days(a, b):
            v = w = 0
            for (g, day), s in self.bunny_stats.items():
                if day != d.isoformat() or (guid and g != guid):
                    continue
                v += s.get("views", 0)
                w += s.get("watch", 0)
                for country, (cv, cw) in s.get("countries", {}).items():
                    c_views[country] = c_views.get(country, 0) + cv
                    c_watch[country] = c_watch.get(country, 0) + cw
            views_chart[f"{d.isoformat()}T00:00:00Z"] = v
            watch_chart[f"{d.isoformat()}T00:00:00Z"] = w
        return {"viewsChart": views_chart, "watchTimeChart": watch_chart, "countryViewCounts": c_views,
                "countryWatchTime": c_watch, "engagementScore": self.bunny_engagement.get(guid or "", 0)}

    # -- Cloudflare --------------------------------------------------------------------------
    def _cloudflare(self, h, rec: Received) -> None:
        if rec.headers.get("Authorization") != f"Bearer {CF_TOKEN}":
            return self._send(h, 401, {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]})
        query = (rec.body or {}).get("query", "")
        variables = (rec.body or {}).get("variables", {})
        flt, limit = variables.get("filter", {}), int(variables.get("limit", 10000))
        if variables.get("accountTag") != CF_ACCOUNT:
            return self._send(h, 200, {"data": None, "errors": [{"message": "account not found"}]})
        start, end = date.fromisoformat(flt["date_geq"]), date.fromisoformat(flt["date_lt"])
        if (end - start).days > self.cf_max_days:
            return self._send(h, 200, {"data": None, "errors": [
                {"message": "query time range is too large", "path": ["viewer"], "extensions": {"timestamp": "now"}}]})
        if "streamMinutesViewedAdaptiveGroups" in query:
            dataset, source = "streamMinutesViewedAdaptiveGroups", self.cf_minutes
        else:
            dataset, source = "videoPlaybackEventsAdaptiveGroups", self.cf_playback
        rows = [r for r in source if start.isoformat() <= r["date"] < end.isoformat()
                and ("uid_gt" not in flt or r["uid"] > flt["uid_gt"])]
        rows = sorted(rows, key=lambda r: r["uid"])[:limit]  # stable: ties keep insertion order
        groups = []
        for r in rows:
            dims = {"uid": r["uid"], "date": r["date"], "clientCountryName": r["country"]}
            if dataset == "streamMinutesViewedAdaptiveGroups":
                groups.append({"sum": {"minutesViewed": r["minutes"]}, "dimensions": dims})
            else:
                dims.update({"deviceType": r.get("device", "desktop"), "deviceOs": "Linux", "deviceBrowser": "Firefox"})
                groups.append({"count": r["count"], "sum": {"timeViewedMinutes": r["minutes"]}, "dimensions": dims})
        return self._send(h, 200, {"data": {"viewer": {"accounts": [{dataset: groups}]}}, "errors": None})

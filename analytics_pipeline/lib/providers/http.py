"""One HTTP client for both providers: retries with backoff, Retry-After, and no secret in any error.

`requests` exceptions can carry the URL and headers of the request in their text, so they are
never re-raised or chained: every failure becomes a `ProviderError` built here from plain facts
(provider, method, path, status), with any secret value scrubbed from whatever text is kept.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import requests

from analytics_pipeline.lib.providers.config import HttpPolicy

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
BODY_SNIPPET_CHARS = 300

log = logging.getLogger(__name__)


class ProviderError(RuntimeError):
    """A provider call failed for good (after retries, or at once when retrying cannot help)."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class ProviderAuthError(ProviderError):
    """401/403: the key is missing, wrong, or lacks the permission. Retrying cannot help."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass
class Answer:
    """One HTTP answer: the body exactly as received, and its JSON."""

    status: int
    body: bytes
    data: Any


class ProviderHttp:
    def __init__(
        self,
        provider: str,
        base_url: str,
        headers: dict[str, str],
        secrets: Iterable[str],
        policy: HttpPolicy,
        sleep: Callable[[float], None] = time.sleep,
        logger: logging.Logger | Any | None = None,
    ):
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.secrets = [s for s in secrets if s]
        self.policy = policy
        self.sleep = sleep
        self.log = logger or log
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.session.headers["User-Agent"] = "analytics-pipeline/0.1"
        self.requests_made = 0

    def _safe(self, text: str) -> str:
        return scrub(text, self.secrets)

    def _describe(self, method: str, url: str) -> str:
        # The path only: query strings and hosts stay out of messages.
        return f"{self.provider} {method} {urlsplit(url).path or '/'}"

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        wait = retry_after if retry_after is not None else self.policy.backoff_s * (2 ** attempt)
        return min(wait, self.policy.max_sleep_s)

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json_body: dict | None = None,
        allow_404: bool = False,
        check: Callable[[Answer], tuple[str, bool, float | None] | None] | None = None,
    ) -> Answer | None:
        """Send one request, retrying what can be retried; `None` for an allowed 404.

        `check` inspects a 200 answer and returns `(problem, retryable, retry_after)` when the
        body is an error in disguise (GraphQL errors inside HTTP 200), else `None`.
        """
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        what = self._describe(method, url)
        attempts = self.policy.max_retries + 1
        problem = "no attempt made"
        status: int | None = None
        fatal = False
        for attempt in range(attempts):
            retry_after: float | None = None
            failure: str | None = None
            response = None
            try:
                self.requests_made += 1
                # No redirects: `requests` would carry a custom key header (AccessKey) to any host.
                response = self.session.request(
                    method, url, params=params, json=json_body, timeout=self.policy.timeout_s,
                    allow_redirects=False,
                )
            except requests.Timeout:
                failure = f"timed out after {self.policy.timeout_s:g} s"
            except requests.ConnectionError:
                failure = "connection failed"
            except requests.RequestException as exc:  # anything else: not retryable, text not kept
                problem, fatal = f"{what}: request failed ({type(exc).__name__})", True
                break
            if response is not None:
                status = response.status_code
                body = response.content
                if status in (401, 403):
                    message = (
                        f"{what}: HTTP {status} - the provider refused the credentials "
                        f"(check the {self.provider} key/token and its permissions)"
                    )
                    raise ProviderAuthError(self._safe(message), status=status)
                if status == 404 and allow_404:
                    return None
                if status == 200:
                    data = _json(body)
                    if data is _INVALID:
                        raise ProviderError(self._safe(f"{what}: answer is not valid JSON"), status=status)
                    answer = Answer(status, body, data)
                    verdict = check(answer) if check else None
                    if verdict is None:
                        return answer
                    failure, retryable, retry_after = verdict
                    if not retryable:
                        problem = f"{what}: {failure}"
                        raise ProviderError(self._safe(problem), status=status)
                elif status in RETRYABLE_STATUS:
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    failure = f"HTTP {status} {_snippet(body, self.secrets)}".rstrip()
                else:
                    problem = f"{what}: HTTP {status} {_snippet(body, self.secrets)}".rstrip()
                    raise ProviderError(self._safe(problem), status=status)
            problem = f"{what}: {failure}"
            if attempt + 1 < attempts:
                wait = self._wait(attempt, retry_after)
                self.log.warning(self._safe(f"{problem}; retry {attempt + 1}/{attempts - 1} in {wait:g} s"))
                self.sleep(wait)
        if fatal:
            raise ProviderError(self._safe(problem))
        raise ProviderError(self._safe(f"{problem} (gave up after {attempts} attempts)"), status=status, retryable=True)


_INVALID = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _INVALID


def _snippet(body: bytes, secrets: list[str]) -> str:
    """The start of an error body, secrets scrubbed BEFORE the cut: a cut first could leave a
    secret's beginning that no longer matches it. Enough bytes are decoded to hold any secret
    that starts within the kept characters."""
    room = BODY_SNIPPET_CHARS + max((len(s) for s in secrets), default=0)
    text = scrub(body[:4 * room].decode("utf-8", errors="replace"), secrets)
    text = text[:BODY_SNIPPET_CHARS].replace("\n", " ").strip()
    return f"- {text}" if text else ""

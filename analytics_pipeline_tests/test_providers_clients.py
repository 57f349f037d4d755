"""The provider clients against a real local HTTP server speaking both APIs."""

import logging
import traceback
from datetime import date

import pytest

from analytics_pipeline.lib.providers import bunny, cloudflare
from analytics_pipeline.lib.providers.catalog import fetch_bunny_videos
from analytics_pipeline.lib.providers.config import HttpPolicy, providers_config
from analytics_pipeline.lib.providers.http import ProviderAuthError, ProviderError
from analytics_pipeline_tests.provider_server import BUNNY_KEY, CF_TOKEN, Fault, ProviderServer

FAST = HttpPolicy(timeout_s=2.0, max_retries=3, backoff_s=0.5, max_sleep_s=120.0)
DAY = date(2026, 6, 16)


@pytest.fixture(autouse=True)
def _no_real_provider(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith(("BUNNY_", "CLOUDFLARE_")):
            monkeypatch.delenv(name)


@pytest.fixture
def server():
    with ProviderServer() as s:
        yield s


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def _config(server, **overrides):
    env = {**server.env(), "ANALYTICS_PROVIDER_TIMEOUT_S": "2", "ANALYTICS_PROVIDER_MAX_RETRIES": "3",
           "ANALYTICS_PROVIDER_BACKOFF_S": "0.5", "ANALYTICS_PROVIDER_MAX_SLEEP_S": "120", **overrides}
    return providers_config(env)


def _bunny(server, sleeps=None, **overrides):
    return bunny.BunnyClient(_config(server, **overrides).bunny, sleep=Sleeps() if sleeps is None else sleeps)


def _cloudflare(server, sleeps=None, **overrides):
    return cloudflare.CloudflareClient(_config(server, **overrides).cloudflare, sleep=Sleeps() if sleeps is None else sleeps)


def _videos(n):
    return [{"guid": f"g{i:03d}", "title": f"Video {i}", "length": 60 + i, "status": 4,
             "dateUploaded": "2026-06-01T10:00:00Z"} for i in range(n)]


def test_video_list_pages_to_the_end(server):
    server.bunny_videos = _videos(5)
    client = _bunny(server, BUNNY_ITEMS_PER_PAGE="2")
    videos = client.videos()
    assert [v["guid"] for v in videos] == ["g000", "g001", "g002", "g003", "g004"]
    pages = server.requests_to("/videos")
    # 5 videos at 2 a page: pages 1, 2, 3 (the third holds one video and is the last)
    assert [r.query["page"] for r in pages] == ["1", "2", "3"]
    assert all(r.query["itemsPerPage"] == "2" and r.query["orderBy"] == "date" for r in pages)
    assert all(r.headers["AccessKey"] == BUNNY_KEY for r in pages)


def test_exact_multiple_of_page_size_stops_on_total_pascal_case(server):
    server.bunny_videos = _videos(4)
    server.pascal_case = True  # TotalItems, Items, Guid, ...
    videos = _bunny(server, BUNNY_ITEMS_PER_PAGE="2").videos()
    assert [v["Guid"] for v in videos] == ["g000", "g001", "g002", "g003"]
    # totalItems = 4 is reached after page 2: no third request
    assert [r.query["page"] for r in server.requests_to("/videos")] == ["1", "2"]


def test_statistics_request_and_pascal_case_answer(server):
    server.pascal_case = True
    server.bunny_stats[("g1", "2026-06-16")] = {"views": 2, "watch": 130, "countries": {"US": (2, 130)}}
    answer = _bunny(server).statistics(DAY, DAY, "g1")
    assert b'"ViewsChart"' in answer.body  # PascalCase on the wire
    (req,) = server.requests_to("/statistics")
    assert req.path == "/library/lib-42/statistics"
    assert req.query == {"dateFrom": "2026-06-16T00:00:00Z", "dateTo": "2026-06-16T23:59:59Z",
                         "hourly": "false", "videoGuid": "g1"}


def test_429_with_retry_after_then_success(server):
    server.bunny_videos = _videos(1)
    server.faults.append(Fault("/videos", status=429, headers={"Retry-After": "7"}, body=b"slow down"))
    sleeps = Sleeps()
    assert len(_bunny(server, sleeps).videos()) == 1
    assert sleeps == [7.0]  # the server's Retry-After, not the 0.5 s backoff
    assert len(server.requests_to("/videos")) == 2


def test_500_then_success_backs_off(server):
    server.bunny_videos = _videos(1)
    server.faults.append(Fault("/videos", status=500, times=2))
    sleeps = Sleeps()
    assert len(_bunny(server, sleeps).videos()) == 1
    assert sleeps == [0.5, 1.0]  # backoff 0.5 s doubling
    assert len(server.requests_to("/videos")) == 3


def test_persistent_500_gives_up_with_clear_error(server):
    server.faults.append(Fault("/videos", status=503, times=None))
    with pytest.raises(ProviderError) as err:
        _bunny(server).videos()
    assert "HTTP 503" in str(err.value) and "gave up after 4 attempts" in str(err.value)
    assert len(server.requests_to("/videos")) == 4


def test_timeout_is_retried(server):
    server.bunny_videos = _videos(1)
    server.faults.append(Fault("/videos", delay_s=0.6, status=200, body=b"{}"))
    sleeps = Sleeps()
    client = _bunny(server, sleeps, ANALYTICS_PROVIDER_TIMEOUT_S="0.2")
    assert len(client.videos()) == 1
    assert sleeps == [0.5]
    assert len(server.requests_to("/videos")) == 2


def test_timeout_every_time_fails_without_secret(server):
    server.faults.append(Fault("/videos", delay_s=0.5, times=None))
    client = _bunny(server, ANALYTICS_PROVIDER_TIMEOUT_S="0.1", ANALYTICS_PROVIDER_MAX_RETRIES="1")
    with pytest.raises(ProviderError) as err:
        client.videos()
    assert "timed out" in str(err.value)
    text = "".join(traceback.format_exception(err.value))
    assert BUNNY_KEY not in text and "127.0.0.1" not in text


def test_401_is_a_clear_error_without_the_key_and_not_retried(server):
    client = bunny.BunnyClient(
        providers_config({**server.env(), "BUNNY_API_KEY": "wrong-" + BUNNY_KEY}).bunny, sleep=Sleeps()
    )
    with pytest.raises(ProviderAuthError) as err:
        client.videos()
    message = str(err.value)
    assert "401" in message and "refused the credentials" in message
    assert BUNNY_KEY not in "".join(traceback.format_exception(err.value))
    assert len(server.requests_to("/videos")) == 1


def test_error_body_echoing_the_key_is_scrubbed(server, caplog):
    server.echo_secret = True
    server.faults.append(Fault("/videos", status=500, times=None))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as err:
        _bunny(server, ANALYTICS_PROVIDER_MAX_RETRIES="1").videos()
    text = "".join(traceback.format_exception(err.value)) + repr(err.value) + caplog.text
    assert "***" in str(err.value)  # the echoed header was there, and was blanked out
    assert BUNNY_KEY not in text


def test_heatmap_absent_is_none(server):
    server.bunny_heatmaps["g1"] = {"0": 10, "1": 100, "-1": 3}
    client = _bunny(server)
    assert client.heatmap("g1").data == {"heatmap": {"0": 10, "1": 100, "-1": 3}}
    assert client.heatmap("g2") is None


def test_bunny_fetch_day_holds_every_answer(server):
    server.bunny_videos = _videos(3)
    server.bunny_heatmaps["g001"] = {"0": 50}
    files = bunny.fetch_day(_bunny(server, BUNNY_ITEMS_PER_PAGE="2"), DAY)
    assert sorted(files) == ["heatmap_g001.json", "statistics_g000.json", "statistics_g001.json",
                             "statistics_g002.json", "videos_page_0001.json", "videos_page_0002.json"]


def test_fetch_bunny_videos_none_when_not_configured(server):
    assert fetch_bunny_videos({}) is None
    server.bunny_videos = _videos(2)
    assert [v["guid"] for v in fetch_bunny_videos(server.env())] == ["g000", "g001"]


# -- Cloudflare -------------------------------------------------------------------------------

def test_range_longer_than_31_days_is_split(server):
    server.cf_minutes = [{"uid": "u1", "date": "2026-01-05", "country": "US", "minutes": 3},
                         {"uid": "u1", "date": "2026-03-01", "country": "US", "minutes": 4}]
    pages = _cloudflare(server).minutes_viewed_pages(date(2026, 1, 1), date(2026, 3, 12))
    sent = [r.body["variables"]["filter"] for r in server.requests_to("streamMinutesViewed")]
    # 70 days: [01-01, 02-01) 31 days, [02-01, 03-04) 31 days, [03-04, 03-12) 8 days
    assert [(f["date_geq"], f["date_lt"]) for f in sent] == [
        ("2026-01-01", "2026-02-01"), ("2026-02-01", "2026-03-04"), ("2026-03-04", "2026-03-12")]
    rows = [r for p in pages for r in cloudflare.rows_of(p.data, cloudflare.MINUTES_DATASET)]
    assert [r["sum"]["minutesViewed"] for r in rows] == [3, 4]
    for req in server.requests_to("graphql"):
        assert req.method == "POST" and req.headers["Authorization"] == f"Bearer {CF_TOKEN}"
        assert req.body["variables"]["accountTag"] == "acct-123"


def test_paging_past_limit_on_uid(server):
    # u1 has 2 groups, u2 has 2, u3 has 1; limit 3 cuts u2 in half on the first page
    server.cf_minutes = [
        {"uid": "u1", "date": "2026-06-16", "country": "US", "minutes": 1},
        {"uid": "u1", "date": "2026-06-16", "country": "FR", "minutes": 2},
        {"uid": "u2", "date": "2026-06-16", "country": "US", "minutes": 3},
        {"uid": "u2", "date": "2026-06-16", "country": "DE", "minutes": 4},
        {"uid": "u3", "date": "2026-06-16", "country": "US", "minutes": 5},
    ]
    pages = _cloudflare(server, CLOUDFLARE_PAGE_LIMIT="3").minutes_viewed_pages(DAY, date(2026, 6, 17))
    sent = [r.body["variables"] for r in server.requests_to("streamMinutesViewed")]
    # page 1: u1, u1, u2 (full) -> restart after u1; page 2: u2, u2, u3 (full) -> after u2; page 3: u3
    assert [v["filter"].get("uid_gt") for v in sent] == [None, "u1", "u2"]
    assert all(v["limit"] == 3 for v in sent)
    assert len(pages) == 3


def test_graphql_error_inside_200_is_an_error(server):
    server.faults.append(Fault("streamMinutesViewed", graphql_errors=[
        {"message": "bad filter: unknown field", "path": ["viewer"], "extensions": {"timestamp": "t"}}]))
    with pytest.raises(ProviderError) as err:
        _cloudflare(server).minutes_viewed_pages(DAY, date(2026, 6, 17))
    assert "GraphQL error: bad filter" in str(err.value)
    assert len(server.requests_to("graphql")) == 1  # not retryable


def test_graphql_rate_limit_inside_200_is_retried(server):
    server.cf_minutes = [{"uid": "u1", "date": "2026-06-16", "country": "US", "minutes": 2}]
    server.faults.append(Fault("streamMinutesViewed", graphql_errors=[
        {"message": "rate limiter budget depleted, try again after 5 minutes"}]))
    sleeps = Sleeps()
    pages = _cloudflare(server, sleeps).minutes_viewed_pages(DAY, date(2026, 6, 17))
    assert sleeps == [120.0] and len(pages) == 1  # "after 5 minutes" = 300 s, capped at max_sleep_s 120


def test_retention_error_is_recognised(server):
    server.faults.append(Fault("streamMinutesViewed", graphql_errors=[
        {"message": "cannot request data older than 2160h0m0s"}]))
    with pytest.raises(cloudflare.CloudflareRetentionError):
        _cloudflare(server).minutes_viewed_pages(DAY, date(2026, 6, 17))


def test_cloudflare_401_without_token(server):
    config = providers_config({**server.env(), "CLOUDFLARE_API_TOKEN": "nope"}).cloudflare
    with pytest.raises(ProviderAuthError) as err:
        cloudflare.CloudflareClient(config, sleep=Sleeps()).minutes_viewed_pages(DAY, date(2026, 6, 17))
    assert "401" in str(err.value) and CF_TOKEN not in str(err.value)


def test_not_configured_and_defaults():
    config = providers_config({})
    assert config.bunny is None and config.cloudflare is None and config.reconcile_threshold == 0.10
    partial = providers_config({"BUNNY_LIBRARY_ID": "1", "CLOUDFLARE_API_TOKEN": "t"})
    assert partial.bunny is None and partial.cloudflare is None
    full = providers_config({"BUNNY_LIBRARY_ID": "1", "BUNNY_API_KEY": "k", "CLOUDFLARE_ACCOUNT_ID": "a",
                             "CLOUDFLARE_API_TOKEN": "t", "ANALYTICS_RECONCILE_THRESHOLD": "0.2"})
    assert full.bunny.api_url == "https://video.bunnycdn.com"
    assert full.cloudflare.graphql_url == "https://api.cloudflare.com/client/v4/graphql"
    assert full.reconcile_threshold == 0.2
    assert "k" not in repr(full.bunny).split("api_url")[0].replace("bunny", "")  # key not in repr


def test_an_error_body_cut_at_the_snippet_length_keeps_no_start_of_the_key(server, caplog):
    """The body is cut to a snippet: scrubbing after the cut left the key's first characters."""
    from analytics_pipeline.lib.providers.http import BODY_SNIPPET_CHARS

    prefix = "invalid AccessKey "
    body = "x" * (BODY_SNIPPET_CHARS - len(prefix) - 6) + prefix + BUNNY_KEY
    server.faults.append(Fault("/videos", status=400, body=body.encode(), times=None))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as err:
        _bunny(server).videos()
    text = "".join(traceback.format_exception(err.value)) + caplog.text
    assert prefix in str(err.value)
    assert BUNNY_KEY[:6] not in text

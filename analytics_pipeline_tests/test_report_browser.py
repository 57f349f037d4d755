"""The report site in a real browser (headless Chromium through Playwright, from file://).

Each page kind is opened: no console error, no request to any host, the headline views and
unique viewers equal the warehouse's macros, every chart drawn and visible, links that resolve,
a page that fits a phone's width, and a screenshot of each kind saved under the test's tmp_path
(and into $REPORT_SCREENSHOT_DIR when set, which is how docs/ gets its pictures).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from analytics_pipeline.report.model import safe_name

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does) to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extras: pip install -e '.[test]'")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """One page opened in a fresh page object, with everything it logged and requested."""

    def __init__(self, browser, path: Path, viewport=None):
        self.page = browser.new_page(viewport=viewport or {"width": 1100, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def figure(self, metric: str) -> str:
        return self.page.locator(f'[data-metric="{metric}"]').first.inner_text().strip()

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.requests and all(u.startswith("file://") for u in self.requests), self.requests

    def check_charts(self, at_least: int) -> None:
        charts = self.page.locator("svg.chart")
        assert charts.count() >= at_least
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert chart.is_visible() and box["width"] > 300 and box["height"] > 80, box
            assert chart.get_attribute("aria-label")            # the accessible name
            assert chart.locator("path").count() > 5            # drawn, not an empty frame

    def links(self) -> list[str]:
        return self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")

    def shot(self, tmp_path: Path, kind: str) -> Path:
        target = tmp_path / f"report-{kind}.png"
        self.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        if os.environ.get("REPORT_SCREENSHOT_DIR"):
            shutil.copy(target, Path(os.environ["REPORT_SCREENSHOT_DIR"]) / target.name)
        return target


def exact(n) -> str:
    return f"{n:,}"


def _stats(con, macro: str, key: str, entity_id, summary) -> tuple:
    return con.execute(f"SELECT views, unique_viewers FROM {macro}(?, ?) WHERE {key} = ?",
                       [summary.start, summary.end, entity_id]).fetchone()


def _check_links_resolve(urls: list[str]) -> int:
    local = [u for u in urls if u.startswith("file://")]
    for u in local:
        assert Path(unquote(urlparse(u).path)).is_file(), u
    assert len(local) == len(urls), [u for u in urls if not u.startswith("file://")]
    return len(local)


def test_overview_in_the_browser(browser, report_site, tmp_path):
    summary, con = report_site
    visit = Visit(browser, summary.index)
    visit.check_clean()
    views, viewers = con.execute("SELECT views, unique_viewers FROM platform_stats(?, ?)",
                                 [summary.start, summary.end]).fetchone()
    assert (visit.figure("views"), visit.figure("unique_viewers")) == (exact(views), exact(viewers))
    assert re.fullmatch(r"[+-][\d,]+\.\d %|new", visit.page.locator('[data-change="views"]').inner_text().split(" (")[0])
    visit.check_charts(at_least=3)
    assert _check_links_resolve(visit.links()) > 20
    top = con.execute("SELECT video_id, title FROM popular_videos(?, ?, 1)", [summary.start, summary.end]).fetchone()
    rows = visit.page.locator("#table-top-videos tbody tr")
    assert rows.count() == con.execute("SELECT count(*) FROM popular_videos(?, ?, 10)",
                                       [summary.start, summary.end]).fetchone()[0]
    visit.shot(tmp_path, "index")
    visit.page.locator("#table-top-videos tbody tr").first.locator("a").click()  # follow the link like a reader
    visit.page.wait_for_load_state("load")
    assert visit.page.url.endswith(f"/videos/{safe_name(top[0])}.html")
    assert visit.page.locator("h1").inner_text() == top[1]


def test_video_page_in_the_browser(browser, report_site, tmp_path):
    summary, con = report_site
    video_id = con.execute("SELECT video_id FROM popular_videos(?, ?, 1)", [summary.start, summary.end]).fetchone()[0]
    visit = Visit(browser, summary.output / "videos" / f"{safe_name(video_id)}.html")
    visit.check_clean()
    views, viewers = _stats(con, "video_stats", "video_id", video_id, summary)
    assert (visit.figure("views"), visit.figure("unique_viewers")) == (exact(views), exact(viewers))
    visit.check_charts(at_least=1)
    retention = visit.page.locator("#retention details")
    assert retention.locator("table").count() == 1                 # the curve's figures, folded
    retention.locator("summary").click()
    assert retention.locator("tbody tr").first.is_visible()
    retention.locator("summary").click()                           # folded again for the screenshot
    assert _check_links_resolve(visit.links()) >= 3                # overview, course or creator, CSVs
    visit.shot(tmp_path, "video")


def test_course_and_creator_pages_in_the_browser(browser, report_site, tmp_path):
    summary, con = report_site
    course_id = con.execute("SELECT course_id FROM course_stats(?, ?) ORDER BY views DESC LIMIT 1",
                            [summary.start, summary.end]).fetchone()[0]
    visit = Visit(browser, summary.output / "courses" / f"{safe_name(course_id)}.html")
    visit.check_clean()
    views, viewers = _stats(con, "course_stats", "course_id", course_id, summary)
    assert (visit.figure("views"), visit.figure("unique_viewers")) == (exact(views), exact(viewers))
    visit.check_charts(at_least=1)
    _check_links_resolve(visit.links())
    lectures = visit.page.locator("#table-lectures tbody tr")
    assert lectures.count() == con.execute("SELECT count(*) FROM video_stats(?, ?) WHERE course_id = ?",
                                           [summary.start, summary.end, course_id]).fetchone()[0]
    visit.shot(tmp_path, "course")
    creator_link = visit.page.locator("p.range a")
    creator_link.click()
    visit.page.wait_for_load_state("load")
    creator_id = Path(urlparse(visit.page.url).path).stem
    views, viewers = _stats(con, "creator_stats", "creator_id", creator_id, summary)
    assert (visit.figure("views"), visit.figure("unique_viewers")) == (exact(views), exact(viewers))
    assert visit.errors == []
    visit.check_charts(at_least=1)
    _check_links_resolve(visit.links())
    visit.shot(tmp_path, "creator")


def test_pages_fit_a_phone_screen(browser, report_site, tmp_path):
    summary, _ = report_site
    for path in [summary.index, next((summary.output / "videos").glob("*.html")),
                 next((summary.output / "courses").glob("*.html"))]:
        visit = Visit(browser, path, viewport=PHONE)
        visit.check_clean()
        width = visit.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path.name, width)          # wide tables scroll inside their box
        assert visit.page.locator("h1").bounding_box()["width"] <= PHONE["width"]
    visit = Visit(browser, summary.index, viewport=PHONE)
    visit.shot(tmp_path, "index-phone")


def test_every_link_of_every_page_resolves(report_site):
    """All pages, checked from their HTML (the browser tests above follow some of them)."""
    summary, _ = report_site
    checked = 0
    for page in [summary.index, *summary.output.glob("*/*.html")]:
        for href in re.findall(r'<(?:a|link)\s[^>]*?href="([^"#]+)"', page.read_text()):
            assert "://" not in href and not href.startswith("//"), (page, href)
            assert (page.parent / unquote(href)).resolve().is_file(), (page, href)
            checked += 1
    assert checked > 1000

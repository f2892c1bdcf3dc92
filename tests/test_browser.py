"""What a reader sees, in real Chromium: pages, links, search, no outside request, accessibility.

Serves the demo site (and the hostile archive's site) on 127.0.0.1 and drives Debian's Chromium
with Playwright. axe-core (from npm, installed by .ci/run) checks WCAG 2.1 AA. Screenshots land in
screenshots/ for a person.
"""

import functools
import http.server
import io
import shutil
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from PIL import Image, ImageStat

from communique.ingest.export import import_archive
from communique.site.search import index_site
from communique.store import Store
from conftest import ROOT, build_project, make_project, make_video, tweet, write_export
from hostile import SCRIPT, build_hostile_site
from tools.synth import make_demo

CHROMIUM = Path("/usr/bin/chromium")
DEMO = ["envoy_vale"]  # the demo's account: what its site publishes
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "screenshots"
PAGE = 10  # results the search page shows at once (search.js)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright.expect
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WCAG = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    conf = make_project(
        folder, SITEURL="https://archive.example.org", BUILD_DATE="2024-06-01", ACCOUNTS=DEMO
    )
    for part in ("trips", "pages"):
        shutil.copytree(ROOT / "content" / part, folder / "content" / part, dirs_exist_ok=True)
    shutil.copy(ROOT / "content" / "redactions.md", folder / "content")
    make_demo(folder)
    output = build_project(conf)
    index_site(output, output.parent / "cache")
    with serving(output) as served:
        yield served


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    with serving(build_hostile_site(tmp_path_factory.mktemp("hostile"))) as served:
        yield served


@contextmanager
def serving(output: Path):
    handler = functools.partial(QuietHandler, directory=str(output))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield Served(f"http://127.0.0.1:{httpd.server_address[1]}", output)
    finally:
        httpd.shutdown()


@dataclass
class Served:
    url: str
    output: Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A page that leaves drops the requests it no longer needs (the search's other shards):
    the browser's doing, not a failure of the site."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def local(url: str) -> bool:
    return url.startswith("data:") or urlsplit(url).hostname == "127.0.0.1"


@pytest.fixture
def page(browser):
    with watched_page(browser) as page:
        yield page


@contextmanager
def watched_page(browser, **options):
    """A page that records every request to another host, every console error and dialog."""
    context = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
    page = context.new_page()
    page.outside, page.errors, page.dialogs = [], [], []
    page.on("request", lambda r: local(r.url) or page.outside.append(r.url))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    assert page.outside == [], f"requests to other hosts: {page.outside}"
    assert page.errors == [], f"console errors: {page.errors}"
    assert page.dialogs == [], f"dialogs: {page.dialogs}"
    context.close()


def test_a_reader_goes_from_home_to_a_trip_and_a_post(page, server):
    page.goto(server.url + "/")
    assert "Envoy" in page.title()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "home.png", full_page=False)
    page.click("text=Trips")
    page.click("text=Iceland, Croatia and Armenia")
    assert page.locator("svg.trip-map").count() == 1
    assert page.locator("section.day").count() >= 3
    page.screenshot(path=SHOTS / "trip.png", full_page=False)
    page.locator("section.day .meta a:has(time)").first.click()
    assert "/envoy_vale/status/" in page.url
    assert page.locator("code.hash").inner_text().strip()
    page.screenshot(path=SHOTS / "post.png", full_page=True)


def test_a_thread_is_read_in_reply_order(page, server):
    (thread,) = [p for p in server.output.glob("-/threads/*/index.html") if "1/6" in p.read_text()]
    page.goto(f"{server.url}/-/threads/{thread.parent.name}/")
    texts = page.locator("ol.thread .text").all_inner_texts()
    order = [next(w for w in t.split() if w.endswith("/6")) for t in texts]
    assert order == [f"{n}/6" for n in range(1, 7)]


def search_for(page, url: str, word: str, **options: str) -> list[str]:
    """The addresses of every result for ``word`` and the selects set in ``options``, from the
    search page's own address (a search is a link), "More results" pressed to the end."""
    page.goto(f"{url}/-/search/?{urlencode({'q': word, **options})}")
    status = page.locator("#search-status").filter(has_text=" post")
    status.wait_for(timeout=10_000)
    count = int(status.inner_text().split()[0])
    results = page.locator(".result")
    expect(results).to_have_count(min(count, PAGE))
    while results.count() < count:
        shown = results.count()
        page.click("#search-more")
        expect(results).to_have_count(min(count, shown + PAGE))
    expect(page.locator("#search-more")).to_be_hidden()
    return [a.get_attribute("href") for a in page.locator(".result h2 a").all()]


def test_search_finds_a_post_by_a_word_typed_in(page, server):
    page.goto(server.url + "/-/search/")
    page.fill("#search-q", "geothermal")
    expect(page.locator("#search-status")).to_have_text("2 posts for “geothermal”")
    assert "/envoy_vale/status/" in page.locator(".result h2 a").first.get_attribute("href")
    assert "q=geothermal" in page.url  # the search is a link to share
    page.screenshot(path=SHOTS / "search.png")


def test_a_result_shows_the_posts_text_as_its_title_with_its_date_and_account(page, server):
    search_for(page, server.url, "geothermal")
    first = page.locator(".result").first
    title = first.locator("h2").inner_text()
    meta = first.locator(".meta").inner_text()
    when = first.locator("time").get_attribute("datetime")
    assert not first.locator(".excerpt").inner_text().startswith("Post by")  # no index metadata
    first.locator("h2 a").click()
    text = " ".join(page.locator(".post .text").inner_text().split())
    assert title and text.startswith(title.removesuffix("…"))
    assert meta.split() == ["@envoy_vale", when[:10]]
    assert page.locator(".post .meta time").get_attribute("datetime") == when


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_results_sort_by_date_across_every_shard(page, server, order):
    found = search_for(page, server.url, "climate", sort=order)
    dates = [t.get_attribute("datetime") for t in page.locator(".result time").all()]
    assert len(dates) > 10 and dates == sorted(dates, reverse=order == "desc")
    assert sorted(found) == sorted(search_for(page, server.url, "climate"))


@pytest.mark.parametrize(("name", "pick"), [("account", 0), ("year", 2), ("trip", 1)])
def test_the_account_year_and_trip_filters_are_shown_and_narrow_the_results(
    page, server, name, pick
):
    page.goto(server.url + "/-/search/")
    for each in ("account", "year", "trip"):
        expect(page.locator(f"#search-{each}")).to_be_visible()
    option = page.locator(f"#search-{name} option").nth(pick + 1)  # the first is "Any"
    value, label = option.get_attribute("value"), option.inner_text()
    count = int(label.rpartition("(")[2].rstrip(")"))
    found = search_for(page, server.url, "", **{name: value})
    assert page.locator("#search-status").inner_text() == f"{count} post{'s' if count > 1 else ''}"
    assert len(found) == count
    if name == "year":
        assert {t.inner_text()[:4] for t in page.locator(".result time").all()} == {value}


def test_search_shows_hostile_text_as_text(page, hostile_server):
    search_for(page, hostile_server.url, "bold")
    assert page.locator(".result h2").first.inner_text().startswith(SCRIPT)
    assert page.locator(".result img, .result script, .result b").count() == 0


def test_search_merges_the_shards_of_every_year(page, server):
    """Each account's year (and its newest month) is a shard of the index (``search.shards``):
    one search finds posts in several, and the counts of the year filter are each shard's."""
    shards = {
        p.name[: len("envoy_vale-2000")] for p in (server.output / "-" / "pagefind").iterdir()
    }
    search_for(page, server.url, "climate")
    years = {t.get_attribute("datetime")[:4] for t in page.locator(".result time").all()}
    assert len(years) >= 2 and {f"envoy_vale-{year}" for year in years} <= shards


@pytest.mark.parametrize(
    "path", ["/", "/envoy/status/1/", "/envoy/status/12/", "/-/trips/hostile/", "/-/tags/भारत/"]
)
def test_hostile_pages_run_nothing_even_without_their_csp(browser, hostile_server, path):
    with watched_page(browser, bypass_csp=True) as page:  # escaping alone must hold
        assert page.goto(hostile_server.url + path).ok
        page.locator("main a").first.hover()  # where an injected handler would fire
        if path == "/envoy/status/1/":
            assert page.locator(".text").inner_text().startswith(SCRIPT)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install axe-core)")
@pytest.mark.parametrize(
    ("site", "path"),
    [
        ("server", "/"),
        ("server", "/-/trips/iceland-croatia-armenia-2008/"),
        ("server", "/envoy_vale/"),
        ("server", "/envoy_vale/status/996952462/"),
        ("server", "/envoy_vale/status/1386400976/"),  # withheld: a placeholder
        ("server", "/-/redactions/"),
        ("server", "/-/search/"),
        ("server", "/-/search/?q=climate&sort=desc"),  # with its results
        ("server", "/-/data/"),
        ("hostile_server", "/envoy/status/12/"),
        ("hostile_server", "/-/trips/hostile/"),
    ],
)
def test_pages_meet_wcag_21_aa(browser, request, site, path):
    server = request.getfixturevalue(site)
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe
    page = context.new_page()
    assert page.goto(server.url + path).ok
    if "?q=" in path:
        page.locator(".result").first.wait_for(timeout=10_000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {WCAG})")
    context.close()
    problems = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]
    assert problems == []


@pytest.mark.parametrize("old, new", [("/data/", "/-/data/"), ("/trips/", "/-/trips/")])
def test_where_a_site_page_was_the_reader_is_sent_on(browser, server, old, new):
    page = browser.new_page()
    page.goto(server.url + old)
    page.wait_for_url(server.url + new)
    assert page.locator("h1").count() == 1
    page.close()


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
def test_a_video_shows_its_poster_in_a_box_of_its_size(page, tmp_path):
    video = {
        "id_str": "830", "type": "video",
        "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/830/pu/img/clip.jpg",
        "video_info": {"variants": [{"bitrate": "832000", "content_type": "video/mp4",
                       "url": "https://video.twimg.com/ext_tw_video/830/pu/vid/clip.mp4"}]},
    }  # fmt: skip
    conf = make_project(tmp_path)
    export = write_export(
        tmp_path / "export",
        [tweet("30", "A video", extended_entities={"media": [video]})],
        **{"data/tweets_media/30-clip.mp4": make_video(tmp_path / "clip.mp4")},
    )
    import_archive(export, Store(tmp_path / "content" / "archive"))
    with serving(build_project(conf)) as served:
        page.goto(f"{served.url}/envoy/status/30/")
        box = page.locator("video")
        expect(box).to_have_attribute("poster", "/envoy/media/30-clip-poster.jpg")
        size = box.bounding_box()
        assert (round(size["width"]), round(size["height"])) == (64, 48)  # the video's own
        # Without its controls, which darken a box this small, the box is its poster.
        box.evaluate("video => video.removeAttribute('controls')")
        with Image.open(io.BytesIO(box.screenshot())) as shot:
            shown = ImageStat.Stat(shot.convert("RGB")).mean
    with Image.open(served.output / "envoy" / "media" / "30-clip-poster.jpg") as poster:
        made = ImageStat.Stat(poster.convert("RGB")).mean
    assert max(shown) > 60  # a picture, not a black box
    assert all(abs(a - b) < 12 for a, b in zip(shown, made, strict=True)), (shown, made)


PHONE = {"width": 390, "height": 844}
ON_A_PHONE = [
    "/", "/envoy_vale/", "/envoy_vale/status/996952462/", "/envoy_vale/status/1386400976/",
    "/-/trips/", "/-/trips/iceland-croatia-armenia-2008/", "/-/provenance/", "/-/data/",
    "/-/redactions/", "/-/tags/", "/-/search/", "/envoy_vale/2009/01/",
]  # fmt: skip


@pytest.mark.parametrize("path", ON_A_PHONE)
def test_on_a_phone_no_page_is_wider_than_the_screen_and_no_date_wraps(browser, server, path):
    with watched_page(browser, viewport=PHONE) as page:
        assert page.goto(server.url + path).ok
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        wrapped = page.evaluate(
            "[...document.querySelectorAll('main time')]"
            ".filter(t => t.getClientRects().length > 1).map(t => t.textContent)"
        )
        assert wrapped == []
        for table in page.locator("main table").all():  # whole, in a box of its own that scrolls
            box = table.evaluate(
                "t => [t.parentElement.clientWidth, t.parentElement.scrollWidth,"
                " t.scrollWidth, getComputedStyle(t.parentElement).overflowX]"
            )
            assert box[0] <= PHONE["width"] and box[1] >= box[2] and box[3] == "auto"


LABELS = """[...document.querySelectorAll('svg.trip-map text:not([aria-hidden])')].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, shown: [...t.querySelectorAll('tspan')]
                .every(s => getComputedStyle(s).display !== 'none') ? t.textContent : '',
            px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            box: [box.left, box.top, box.right, box.bottom]};
})"""


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1100, "height": 900}])
def test_a_trip_map_s_labels_are_legible_and_apart_on_a_phone_as_on_a_screen(
    browser, server, viewport
):
    with watched_page(browser, viewport=viewport) as page:
        page.goto(server.url + "/-/trips/iceland-croatia-armenia-2008/")
        labels = page.evaluate(LABELS)
        names = page.locator("figure.map .map-key li").all_inner_texts()
        assert len(labels) == len(names) > 1
        assert min(label["px"] for label in labels) >= 12
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                apart = a["box"][2] <= b["box"][0] or b["box"][2] <= a["box"][0]
                assert apart or a["box"][3] <= b["box"][1] or b["box"][3] <= a["box"][1]
        if viewport is PHONE:  # numbers on the map, the names beneath it
            assert [label["shown"] for label in labels] == [""] * len(names)
            assert page.locator("figure.map .map-key").is_visible()
        else:
            assert [label["shown"] for label in labels] == [
                f"{n}. {name}" for n, name in enumerate(names, 1)
            ]


def test_a_day_in_a_month_s_calendar_goes_to_that_day_s_posts(page, server):
    page.goto(server.url + "/envoy_vale/2009/01/")
    day = page.locator("nav.days svg a").first
    day.click()
    heading = page.locator(f"#{page.url.partition('#')[2]}")
    expect(heading).to_be_in_viewport()
    assert heading.locator("time").get_attribute("datetime") in page.url
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / "month-phone.png")

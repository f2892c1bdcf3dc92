"""What a reader sees, in real Chromium: pages, links, search, no outside request, accessibility.

Serves the demo site on 127.0.0.1 and drives Debian's Chromium with Playwright. axe-core (from
npm, installed by .ci/run) checks WCAG 2.1 AA. Screenshots land in screenshots/ for a person.
"""

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from communique.search import index_site
from communique.synth import make_demo
from conftest import ROOT, build_project, make_project

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "screenshots"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WCAG = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    conf = make_project(folder, SITEURL="https://archive.example.org", BUILD_DATE="2024-06-01")
    for part in ("trips", "pages"):
        shutil.copytree(ROOT / "content" / part, folder / "content" / part, dirs_exist_ok=True)
    make_demo(folder)
    output = build_project(conf)
    index_site(output)
    handler = functools.partial(QuietHandler, directory=str(output))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield Served(f"http://127.0.0.1:{httpd.server_address[1]}", output)
    httpd.shutdown()


@dataclass
class Served:
    url: str
    output: Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A page that records every request to another host and every console error."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.outside, page.errors = [], []
    page.on(
        "request",
        lambda r: (
            r.url.startswith(server.url) or r.url.startswith("data:") or page.outside.append(r.url)
        ),
    )
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    assert page.outside == [], f"requests to other hosts: {page.outside}"
    assert page.errors == [], f"console errors: {page.errors}"
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
    page.locator("section.day a.when").first.click()
    assert "/envoy_vale/status/" in page.url
    assert page.locator("code.hash").inner_text().strip()
    page.screenshot(path=SHOTS / "post.png", full_page=True)


def test_a_thread_is_read_in_reply_order(page, server):
    (thread,) = [p for p in server.output.glob("threads/*/index.html") if "1/6" in p.read_text()]
    page.goto(f"{server.url}/threads/{thread.parent.name}/")
    texts = page.locator("ol.thread .text").all_inner_texts()
    order = [next(w for w in t.split() if w.endswith("/6")) for t in texts]
    assert order == [f"{n}/6" for n in range(1, 7)]


def test_search_finds_a_post_by_a_word_in_its_text(page, server):
    page.goto(server.url + "/search/")
    page.fill(".pagefind-ui__search-input", "geothermal")
    result = page.locator(".pagefind-ui__result-link").first
    result.wait_for(timeout=10_000)
    assert "/envoy_vale/status/" in result.get_attribute("href")
    page.screenshot(path=SHOTS / "search.png")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install axe-core)")
@pytest.mark.parametrize(
    "path", ["/", "/trips/iceland-croatia-armenia-2008/", "/envoy_vale/", "/search/", "/data/"]
)
def test_pages_meet_wcag_21_aa(browser, server, path):
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe
    page = context.new_page()
    page.goto(server.url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {WCAG})")
    context.close()
    problems = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]
    assert problems == []

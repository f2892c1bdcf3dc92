"""The hostile archive (tests/hostile.py), imported and built for real, passes every check of
`invoke check`, and what its posts, names and trip file carry shows as text."""

import re
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape

from communique.site.check import PageParser, run_checks
from communique.site.feeds import safe_bidi
from communique.site.render import visible
from communique.site.trips import sanitized
from hostile import ALT, DELETED_NOTE, LONG, NAME, RETWEET, TAGS, build_hostile_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_hostile_site(tmp_path_factory.mktemp("hostile"))


def page(site, path):
    return (site / path / "index.html").read_text()


def test_the_hostile_site_passes_every_check(site):
    results = run_checks(site)
    assert [r.name for r in results] == [
        "html",
        "links",
        "csp",
        "feeds",
        "images",
        "videos",
        "secrets",
    ]
    assert [f for r in results for f in r.failures] == []


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("envoy/status/1", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b onmouseover"),
        ("envoy/status/2", "script link javascript:alert(1) and JaVaScRiPt:alert(1)</div>"),
        ("envoy/status/4", 'href="https://example.org/%22onmouseover=%22alert(1)"'),
        ("envoy/status/5", "broken &amp;lt;b&amp;gt; &amp;#xZZ; &amp;bogus; \ufffd \ufffd  &lt;"),
        ("envoy/status/5", "[U+0001][U+000B][U+007F][U+FFFE][U+FDD0]"),
        ("envoy/status/6", "rtl [U+202E]gnp.exe[U+202C] and [U+2067]isolate[U+2069]"),
        ("envoy/status/7", f'{LONG}<a href="https://example.org/end"'),
        ("envoy/status/8", '👩‍👩‍👧 🇮🇸 日本語 <a href="https://example.org/𠮷"'),
        ("envoy/status/11", '<a href="https://twitter.com/a%22%3E%3Cscript%3E" rel="nofollow">'),
        ("envoy/status/12", f'alt="{escape(visible(ALT))}"'),
        (
            "envoy/status/15",  # each value one segment of the path: no ../ out of the account
            f'<a href="https://twitter.com/{quote(RETWEET["user"]["screen_name"], safe="")}'
            f'/status/{quote(RETWEET["id_str"], safe="")}" rel="nofollow">The original post</a>',
        ),
        ("envoy/status/16", f'<div class="text">{escape(visible(DELETED_NOTE.strip()))}'),
        ("envoy/status/17", '<a href="https://x.com/i/communities/77" rel="nofollow">'),
        ("envoy", f"<h1>{escape(visible(NAME))} "),
        ("-/trips/hostile", f"<h1>{escape(visible(NAME))}</h1>"),
        ("-/trips/hostile", '<p>x d\n<img alt="" src="/-/theme/favicon.svg"></p>'),
    ],
)
def test_hostile_text_shows_as_text(site, path, shown):
    assert shown in page(site, path)


def test_no_page_links_to_or_loads_anything_but_http(site):
    for path in site.rglob("*.html"):
        parser = PageParser()
        parser.feed(path.read_text())
        assert {urlsplit(url).scheme for url in parser.urls} <= {"", "http", "https"}, path


@pytest.mark.parametrize("tag", TAGS)
def test_a_hashtag_in_any_script_has_its_page_and_its_link(site, tag):
    slug = tag.casefold()
    assert f"<h1>#{tag}</h1>" in page(site, f"-/tags/{slug}")
    link = f'<a href="/-/tags/{quote(slug)}/" class="hashtag">#{tag}</a>'
    assert link in page(site, "envoy/status/9")


def test_a_hashtag_that_cannot_name_a_folder_has_no_page_and_no_link(site):
    pages = {p.name for p in (site / "-" / "tags").iterdir() if p.is_dir()}
    assert pages == {tag.casefold() for tag in TAGS} | {"日本", "end"}
    assert 'class="hashtag"' not in page(site, "envoy/status/10")


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ("<p><script>alert(1)</script>text</p>", "<p>text</p>"),
        ('<a href="javascript:alert(1)">x</a>', "x"),
        (
            '<a href="https://example.org/">x</a>',
            '<a href="https://example.org/" rel="noopener noreferrer">x</a>',
        ),
        ("<img src=x onerror=alert(1)>", '<img alt="" src="x">'),
        ('<img src="/media/a.jpg" alt="A harbour">', '<img src="/media/a.jpg" alt="A harbour">'),
        ('<img src="javascript:alert(1)">', ""),
        ('<img src="data:image/png;base64,AA" alt="">', ""),
        ('<img src="https://tracker.example/p.gif" alt="">', ""),
        ('<img src="\\\\tracker.example/p.gif" alt="">', ""),
        ('<abbr title="x">A</abbr>', '<abbr title="x">A</abbr>'),
    ],
)
def test_a_trip_narrative_is_sanitised_into_valid_html(html, clean):
    assert sanitized(html) == clean


def bidi(text: str) -> set[str]:
    return {c for c in text if "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069"}


def test_no_bidi_control_reaches_a_page_or_feed_but_a_feed_title_as_posted(site):
    """A feed item's title is what a bridge posts: it keeps a post's embeddings and isolates,
    each closed before the link, and no override (``feeds.safe_bidi``). All else shows them
    as code points."""
    titles = []
    for path in [*site.rglob("*.html"), *site.rglob("*.xml")]:
        text = path.read_text()
        if path.suffix == ".xml":
            titles += re.findall(r"<title>(.*?)</title>", text)
            text = re.sub(r"<title>.*?</title>", "", text)
        assert not bidi(text), path
    (title,) = {t for t in titles if bidi(t)}  # post 6's, in every feed that has it
    assert title == "rtl gnp.exe and \u2067isolate\u2069 #xevil" and safe_bidi(title) == title

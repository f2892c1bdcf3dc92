import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.render import excerpt, post_html, safe_url, signature


def post(text, urls=(), mentions=(), hashtags=()):
    return {
        "text": text,
        "entities": {"urls": list(urls), "mentions": list(mentions), "hashtags": list(hashtags)},
    }


def test_urls_mentions_and_hashtags_become_links():
    text = "See https://example.org/a by @un #Iceland"
    html = post_html(
        post(
            text,
            urls=[
                {"url": "https://example.org/a", "display": "example.org/a", "start": 4, "end": 25}
            ],
            mentions=[{"username": "un", "start": 29, "end": 32}],
            hashtags=[{"tag": "Iceland", "start": 33, "end": 41}],
        ),
        base="/archive",
    )
    assert '<a href="https://example.org/a" rel="nofollow noopener">example.org/a</a>' in html
    assert '<a href="https://twitter.com/un" rel="nofollow">@un</a>' in html
    assert '<a href="/archive/tags/iceland/" class="hashtag">#Iceland</a>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<a href='javascript:alert(1)'>click</a>",
    ],
)
def test_hostile_text_is_shown_as_text(hostile):
    html = post_html(post(hostile))
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "&lt;" in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "JaVaScRiPt:x", "//evil", "ftp://x/y"]
)
def test_only_http_links_become_hrefs(url):
    assert safe_url(url) is None
    html = post_html(post(url, urls=[{"url": url, "display": url, "start": 0, "end": len(url)}]))
    assert "href" not in html


def test_quotes_in_urls_cannot_break_out_of_the_attribute():
    url = 'https://example.org/"onmouseover="alert(1)'
    html = post_html(post(url, urls=[{"url": url, "display": "x", "start": 0, "end": len(url)}]))
    assert 'href="https://example.org/&#34;onmouseover=&#34;alert(1)"' in html


def test_bidi_overrides_are_made_visible():
    assert "[U+202E]" in post_html(post("abc\u202edef"))


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("Landed in Zagreb ^MV", "Mara Vale"),
        ("Press note ^TS", "Tomas"),
        ("no sig^MV", None),
        ("plain", None),
    ],
)
def test_signatures(text, who):
    assert signature(text, {"^MV": "Mara Vale", "^TS": "Tomas"}) == who


def test_excerpt_cuts_at_a_word():
    assert excerpt("one two three four", limit=10) == "one two…"


@given(st.text())
def test_any_text_renders_without_raw_angle_brackets(text):
    html = post_html(post(text))
    assert "<" not in html.replace("<br>", "")

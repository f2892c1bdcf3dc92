import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.site.render import (
    SHOWN_AS_CODE,
    data_block,
    excerpt,
    post_html,
    safe_url,
    signature,
    tag_slug,
    visible,
)


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
    assert '<a href="/archive/-/tags/iceland/" class="hashtag">#Iceland</a>' in html


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


@pytest.mark.parametrize(
    ("url", "href"),
    [
        (
            'https://example.org/"onmouseover="alert(1)',
            "https://example.org/%22onmouseover=%22alert(1)",
        ),
        ("https://example.org/a b<c>", "https://example.org/a%20b%3Cc%3E"),
        ("https://example.org/日本?q=1", "https://example.org/日本?q=1"),
        ('https://exa"mple.org/', None),
    ],
)
def test_urls_become_valid_hrefs_that_cannot_break_out_of_the_attribute(url, href):
    assert safe_url(url) == href


@pytest.mark.parametrize(
    ("text", "shown"),
    [("abc\u202edef", "abc[U+202E]def"), ("a\x01b\x7fc\ufffe", "a[U+0001]b[U+007F]c[U+FFFE]")],
)
def test_bidi_overrides_controls_and_noncharacters_are_shown_as_code_points(text, shown):
    assert post_html(post(text)) == shown
    assert excerpt(text) == shown


@given(st.text(alphabet=st.characters(max_codepoint=0x2100)) | st.text())
def test_visible_is_the_code_point_substitution_for_any_text(text):
    assert visible(text) == SHOWN_AS_CODE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)


@pytest.mark.parametrize(
    ("tag", "slug"),
    [
        ("Iceland", "iceland"),
        ("भारत", "भारत"),
        ("السَّلام", "السَّلام"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("Straße", "strasse"),
        ('x"><script>', 'x"><script>'),
        ("a/b", None),
        ("a\\b", None),
        ("..", None),
        (".", None),
        ("", None),
        ("x\u202ey", None),
        ("a\tb", None),
        ("x" * 201, None),
    ],
)
def test_a_hashtag_has_a_page_when_it_is_safe_as_one_path_segment(tag, slug):
    assert tag_slug(tag) == slug
    html = post_html(post(f"#{tag}", hashtags=[{"tag": tag, "start": 0, "end": len(tag) + 1}]))
    assert ('class="hashtag"' in html) == bool(slug)


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


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("one two three four", "one two three…"),
        ("We are home. Then we slept", "We are home…"),
        ("Are we home? Then we slept", "Are we home…"),
        ("We are home... Then we slept", "We are home…"),
        ("We are home… Then we slept", "We are home…"),
        ("We are, home; then", "We are, home…"),
        ("We are home.", "We are home."),  # not cut: as posted
    ],
)
def test_excerpt_cuts_at_a_word_with_one_ellipsis(text, title):
    assert excerpt(text, limit=15) == title


@given(st.text(), st.integers(min_value=1, max_value=100))
def test_a_cut_excerpt_ends_in_one_ellipsis_after_no_other_stop(text, limit):
    title = excerpt(text, limit)
    if title == " ".join(visible(text).split()):
        return  # short enough to be whole
    assert title.endswith("…") and len(title) <= limit + 1
    rest = title[:-1]
    assert not rest.endswith(tuple(".,;:!?… ")) or not rest.strip(".,;:!?… ")


@given(st.text())
def test_any_text_renders_without_raw_angle_brackets(text):
    html = post_html(post(text))
    assert "<" not in html.replace("<br>", "")


@pytest.mark.parametrize(
    "text", ["</script><script>alert(1)</script>", "<!-- <script>", "</SCRIPT >", "a & b > c"]
)
def test_a_data_block_reads_back_its_text_which_cannot_end_or_open_a_script(text):
    block = data_block({"text": text})
    inner = block.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(inner) == {"text": text}
    assert not set("<>&") & set(inner)


@given(st.text())
def test_a_data_block_is_json_that_a_page_can_hold_as_it_is(text):
    block = data_block({"text": text, "alt": [text]})
    inner = block.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(inner) == {"text": text, "alt": [text]}
    assert not SHOWN_AS_CODE.search(inner) and not set("<>&") & set(inner)

"""A hostile archive: an export as Twitter writes it, and a trip file, made to break a page.

Posts, the account's name, alt texts, URLs, hashtags, places and the trip's Markdown carry
markup, event handlers, ``javascript:`` and ``data:`` URLs, quotes, broken entities, bidi
overrides, astral characters and a 10,000-character text. ``build_hostile_site`` imports it with
the real importer and builds it with real Pelican.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from communique.ingest.export import import_archive
from communique.site.search import index_site
from communique.store import Store
from conftest import build_project, js, make_project, tweet, write_export

SCRIPT = "<script>alert(1)</script>"
HANDLER = '"><img src=x onerror=alert(1)>'
NAME = f'{SCRIPT} Envoy "&amp; \u202eeulaV{HANDLER}'
ALT = f"{SCRIPT}{HANDLER}\" onload='alert(2)' \u202eevil"
TAGS = ["भारत", "हिन्दी", "مصر", "السَّلام", "می\u200cخواهم", "𠮷野家", "Straße"]
UNLINKABLE_TAGS = ["a/b", "..", "x\u202eevil", "tab\tbed"]
BROKEN_ENTITIES = "broken &amp;lt;b&amp;gt; &#xZZ; &bogus; &#0; &#x110000; &#1; &lt &amp"
CONTROLS = "\x01\x0b\x7f\ufffe\ufdd0"  # not allowed in HTML
LONG = ("ten thousand characters 𝕳 " * 400)[:10_000]


def escaped(text: str) -> str:
    """Text as Twitter stores it in ``full_text``: only &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compose(*parts) -> tuple[str, dict]:
    """``full_text`` and ``entities`` from plain strings and (kind, shown, fields) entities,
    with indices counted in code points of the escaped text, as Twitter counts them."""
    text, entities = "", {"hashtags": [], "user_mentions": [], "urls": [], "media": []}
    for part in parts:
        if isinstance(part, str):
            text += escaped(part)
            continue
        kind, shown, fields = part
        start = len(text)
        text += escaped(shown)
        entities[kind].append({**fields, "indices": [str(start), str(len(text))]})
    return text, entities


def link(url: str, display: str | None = None) -> tuple:
    short = "https://t.co/x1"  # a post page lists it beside ``url``, which it must not run
    return ("urls", short, {"url": short, "expanded_url": url, "display_url": display or url})


def hashtag(tag: str) -> tuple:
    return ("hashtags", f"#{tag}", {"text": tag})


def at(id: str) -> str:
    return f"Mon Nov 03 09:{int(id):02d}:00 +0000 2008"


def post(id: str, *parts, **extra) -> dict:
    text, entities = compose(*parts)
    if entities["media"]:
        extra["extended_entities"] = {"media": entities["media"]}
    return tweet(id, text, created_at=at(id), entities=entities, **extra)


PHOTO = {
    "id_str": "7001",
    "type": "photo",
    "media_url_https": "https://pbs.twimg.com/media/photo.jpg",
    "ext_alt_text": ALT,
}


# A retweet Twitter cut short, whose original names a path for an account and an id.
RETWEET = {"id_str": "../../i/flow/login", "user": {"screen_name": f"../../intent?{HANDLER}"}}
# The full text of a long post the account deleted: only deleted-tweets.js holds its post.
DELETED_NOTE = f"{SCRIPT} a long deleted post \u202eevil{HANDLER} " + "word " * 60


def posts() -> list[dict]:
    """One post for each way in; ids are minutes past nine on 3 November 2008."""
    return [
        post("1", f"{SCRIPT} & <b onmouseover=alert(1)>bold</b> {HANDLER}"),
        post(
            "2", "script link ", link("javascript:alert(1)"), " and ", link("JaVaScRiPt:alert(1)")
        ),
        post("3", "data link ", link(f"data:text/html,{SCRIPT}", '"><b>x')),
        post("4", "quotes ", link('https://example.org/"onmouseover="alert(1)', "x\"'<y>")),
        tweet("5", f"{BROKEN_ENTITIES} {CONTROLS}", created_at=at("5")),
        post("6", "rtl \u202egnp.exe\u202c and \u2067isolate\u2069 ", hashtag("x\u202eevil")),
        post("7", LONG, link("https://example.org/end"), hashtag("end")),
        post(
            "8", "𝕳𝖊𝖑𝖑𝖔 😀 👩‍👩‍👧 🇮🇸 日本語 ", link("https://example.org/𠮷"), " ", hashtag("日本")
        ),
        post("9", *[p for tag in TAGS for p in (hashtag(tag), " ")]),
        post("10", *[p for tag in UNLINKABLE_TAGS for p in (hashtag(tag), " ")]),
        post("11", ("user_mentions", '@a"><script>', {"screen_name": 'a"><script>'}), " hi"),
        post("12", "a photo ", ("media", "https://t.co/p", PHOTO)),
        post("13", "a reply", in_reply_to_status_id_str="999", in_reply_to_screen_name=HANDLER),
        post(
            "14",
            "placed",
            place={
                "full_name": NAME,
                "country": SCRIPT,
                "bounding_box": {
                    "coordinates": [[[-21.9, 64.1], [-21.8, 64.1], [-21.8, 64.2], [-21.9, 64.2]]]
                },
            },
        ),
        post(
            "15",
            "RT @x: a repost that Twitter cut, as it cuts every retweet at 140 characters or so…"
            " https://t.co/cut",
            retweeted_status=RETWEET,
        ),
    ]


def deleted_files() -> dict[str, str]:
    """Post 16, deleted, and its long text in deleted-note-tweet.js; post 17, in a community."""
    deleted = post("16", DELETED_NOTE[:100] + "…", deleted_at="Tue Nov 04 10:00:00 +0000 2008")
    core = {"text": escaped(DELETED_NOTE), "urls": [], "mentions": [], "hashtags": []}
    note = {"noteTweetId": "16", "createdAt": "2008-11-03T09:16:00.000Z", "core": core}
    community = post("17", f"{SCRIPT} in a community", community_id_str="77")
    return {
        "data/deleted-tweets.js": js("YTD.deleted_tweets.part0", [{"tweet": deleted}]),
        "data/deleted-note-tweet.js": js("YTD.deleted_note_tweet.part0", [{"noteTweet": note}]),
        "data/community-tweet.js": js("YTD.community_tweet.part0", [{"tweet": community}]),
    }


NARRATIVE = f"""\
Title: {NAME}
Start: 2008-11-01
End: 2008-11-30
Summary: {ALT}

{SCRIPT} [x](javascript:alert(1)) [d](data:text/html;base64,PHNjcmlwdD4=)
<img src=/-/theme/favicon.svg onerror=alert(1)>

<div onclick="alert(1)" style="color:red">raw <a>anchor</a> <iframe src="https://evil.example/"></iframe>
<img src="javascript:alert(1)"> <img src="https://tracker.example/p.gif" alt="t">
<img src="data:image/svg+xml,<svg onload=alert(1)>"> <img src="\\\\evil.example/p.gif"></div>
"""


def build_hostile_site(folder: Path) -> Path:
    """The hostile export imported and built, with its search index; returns output/."""
    conf = make_project(folder)
    image = io.BytesIO()
    Image.new("RGB", (12, 8), "teal").save(image, "JPEG")
    export = write_export(
        folder / "export",
        posts(),
        **{"data/tweets_media/12-photo.jpg": image.getvalue()},
        **deleted_files(),
    )
    account = [{"account": {"username": "envoy", "accountId": "42", "accountDisplayName": NAME}}]
    (export / "data" / "account.js").write_text(js("YTD.account.part0", account))
    (folder / "content" / "trips" / "hostile.md").write_text(NARRATIVE)
    import_archive(export, Store(folder / "content" / "archive"))
    output = build_project(conf)
    index_site(output, output.parent / "cache")
    return output

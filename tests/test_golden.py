"""Golden output: a small fixture site built and compared, file by file, with what it should be.

When a change to the theme or the pages is meant, rebuild the expected files and read the diff
before committing it:

    COMMUNIQUE_GOLDEN=update .venv/bin/python -m pytest tests/test_golden.py
"""

import os
from datetime import UTC, datetime

import pytest

from communique.ingest.export import import_archive
from communique.store import Store
from conftest import DATA, build_project, make_project, tweet, write_export

GOLDEN = DATA / "golden"
PAGES = [
    "index.html",
    "envoy/index.html",
    "envoy/2008/11/index.html",
    "envoy/status/1001/index.html",
    "envoy/status/1003/index.html",
    "envoy/status/1005/index.html",
    "-/threads/1001/index.html",
    "-/tags/iceland/index.html",
    "-/tags/index.html",
    "-/trips/iceland/index.html",
    "-/redactions/index.html",
    "redactions/index.html",  # where the log was before the site's own pages moved to /-/
    "atom.xml",
    "rss.xml",
]

TRIP = """Title: Iceland
Start: 2008-11-03
End: 2008-11-04
Hashtags: Iceland
Summary: Two days in Reykjavik.

Landed in *Reykjavik*.
"""


def hashtag(text: str, tag: str) -> dict:
    start = text.index(f"#{tag}")
    return {"hashtags": [{"text": tag, "indices": [str(start), str(start + len(tag) + 1)]}],
            "user_mentions": [], "urls": []}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("golden")
    conf = make_project(folder, REDACTIONS={"1004": ("error", "2009-01-02")})
    (folder / "content" / "trips" / "iceland.md").write_text(TRIP)
    day = "Mon Nov 03 {} +0000 2008"
    first = "Landed in Reykjavik #Iceland"
    posts = [
        tweet("1001", first, day.format("09:15:00"), entities=hashtag(first, "Iceland")),
        tweet("1002", "Meetings all day. 2/2", day.format("09:20:00"),
              in_reply_to_status_id_str="1001", in_reply_to_screen_name="envoy"),
        tweet("1003", "Q&amp;A at the university &lt;3 https://t.co/x", day.format("12:00:00"),
              entities={"hashtags": [], "user_mentions": [],
                        "urls": [{"url": "https://t.co/x", "expanded_url": "https://example.org/qa",
                                  "display_url": "example.org/qa", "indices": ["32", "46"]}]}),
        tweet("1004", "Wrong account, sorry", day.format("13:00:00")),
        tweet("1005", "Back home", "Tue Nov 04 18:00:00 +0000 2008"),
    ]  # fmt: skip
    export = write_export(folder / "export", posts)
    now = datetime(2009, 1, 1, tzinfo=UTC)
    import_archive(export, Store(folder / "content" / "archive"), now=now)
    return build_project(conf)


@pytest.mark.parametrize("path", PAGES)
def test_the_fixture_site_matches_its_golden_output(site, path):
    built = (site / path).read_text()
    expected = GOLDEN / path
    if os.environ.get("COMMUNIQUE_GOLDEN") == "update":
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(built)
    assert built == expected.read_text(), f"{path} differs from {expected}"

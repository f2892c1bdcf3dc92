"""Every shape of real export a new user may hold builds clean: from a fresh clone, init, import
the export's zip, build and check, each as the README runs them, and each post shown as it is.

The exports are small, hand-written in the real files' shapes (tests/data/exports/<shape>/).
"""

import pytest
from test_project import fresh_clone, invoke

from conftest import DATA, zip_of

ACCOUNT = "mission_lima"  # the exports spell it Mission_Lima

SHAPES = [
    pytest.param(
        "tweets-only",
        ["--account", ACCOUNT],  # no account.js nor manifest.js to name the account
        {
            "1366790401029046272": [
                "Shortened by Twitter",
                "the rest is not in the archive",
                'href="https://twitter.com/andean_news"',
            ],
            "1366751394001846272": ["Pacific Alliance ministerial meeting"],
        },
        [],
        id="tweets.js only, a retweet cut short",
    ),
    pytest.param(
        "parts",
        [],
        {
            "1569989330334646272": ["Visa appointments now open online"],
            "1570027079070646272": ["consular section is closed on Monday"],
        },
        [],
        id="tweets-partN.js",
    ),
    pytest.param(
        "community",
        [],
        {
            "1655502800286646272": [
                "In an X Community",
                'href="https://x.com/i/communities/1493446837214187523"',
                "which archives should we digitise first?",
            ],
            "1655497767121846272": ["cultural programme"],
        },
        [],
        id="community-tweet.js",
    ),
    pytest.param(
        "deleted-note",
        [],
        {
            "1759895671403446272": [
                "Deleted 2024-02-21",
                "mentoring scheme for the next cohort.",  # its long text, from the deleted note
            ],
            "1759956069381046272": ["open day at the residence"],
        },
        ["never to be shown"],  # a deleted note whose post is not in the export
        id="deleted-note-tweet.js",
    ),
    pytest.param(
        "media",
        [],
        {
            "1686800000000646272": ["<title>A llama in front of the terraces of Machu Picchu"],
            "1686900000000646272": ["<title>2 photos"],
            "1687000000000646272": [  # its poster from the export's thumbnail
                "<title>Video",
                'poster="/mission_lima/media/1687000000000646272-Vl4m4Cl1p-poster.jpg"',
            ],
            "1687100000000646272": [  # no thumbnail in the export: its first frame
                'poster="/mission_lima/media/1687100000000646272-Fr4m3Cl1p-poster.jpg"',
            ],
        },
        [],
        id="photo-only posts and videos",
    ),
]


@pytest.mark.parametrize(("shape", "options", "shown", "never"), SHAPES)
def test_an_export_of_every_shape_builds_and_checks_clean(tmp_path, shape, options, shown, never):
    clone = fresh_clone(tmp_path / "clone")
    export = zip_of(DATA / "exports" / shape, tmp_path / "twitter-2024-03-01-b1c2d3.zip")
    for step in (
        ["init", ACCOUNT],
        ["import-archive", str(export), *options],
        ["build", "--no-search"],
        ["check"],
    ):
        done = invoke(clone, *step)
        assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"
    output = clone / "output"
    for post, texts in shown.items():
        page = (output / ACCOUNT / "status" / post / "index.html").read_text()
        for text in texts:
            assert text in page, (post, text)
    published = [p.read_text() for p in output.rglob("*") if p.suffix in (".html", ".xml")]
    assert len(published) > len(shown)
    for text in never:
        assert not [page for page in published if text in page]

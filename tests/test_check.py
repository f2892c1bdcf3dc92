import gzip
import io
import os
import shutil
from unittest.mock import patch

import pytest
from invoke import Context, Exit
from PIL import Image
from test_signing import make_key

import tasks
from communique.ingest.export import import_archive
from communique.site.check import SECRETS, run_checks
from communique.site.search import index_site
from communique.store import Store
from conftest import (
    VIDEO,
    build_project,
    gif,
    make_project,
    make_video,
    tweet,
    write_export,
)

needs_ffmpeg = pytest.mark.skipif(
    not shutil.which("ffmpeg"), reason="ffmpeg is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checked")
    conf = make_project(folder, POSTS_PER_PAGE=2)
    tweets = [
        tweet(
            str(i),
            f"Post {i} about #Iceland",
            entities={
                "hashtags": [
                    {
                        "text": "Iceland",
                        "indices": [
                            str(len(f"Post {i} about ")),
                            str(len(f"Post {i} about #Iceland")),
                        ],
                    }
                ],
                "user_mentions": [],
                "urls": [],
            },
        )
        for i in range(1, 6)
    ]
    import_archive(write_export(folder / "export", tweets), Store(folder / "content" / "archive"))
    output = build_project(conf)
    index_site(output, output.parent / "cache")  # as `invoke build` does
    return output


@pytest.fixture
def site(built, tmp_path):
    copy = tmp_path / "output"
    shutil.copytree(built, copy)
    return copy


def failures(site, skip=("html",)):
    return {r.name: r.failures for r in run_checks(site, skip=skip)}


def test_a_built_site_passes_every_check(site):
    assert all(not f for f in failures(site, skip=()).values()), failures(site, skip=())


@needs_ffmpeg
def test_a_site_of_photo_only_posts_and_videos_passes_every_check(tmp_path):
    photo = {"id_str": "940", "type": "photo", "url": "https://t.co/p", "indices": ["0", "14"],
             "media_url_https": "https://pbs.twimg.com/media/Pic.jpg"}  # fmt: skip
    video = VIDEO
    still = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(still, "JPEG")
    tweets = [
        tweet("40", "https://t.co/p", extended_entities={"media": [photo]}),
        tweet("41", "https://t.co/v", extended_entities={"media": [video]}),
        tweet("42", "https://t.co/v", extended_entities={"media": [video | {"id_str": "942"}]}),
    ]
    clip = make_video(tmp_path / "clip.mp4")
    files = {
        "data/tweets_media/40-Pic.jpg": still.getvalue(),
        "data/tweets_media/41-clip.mp4": clip,
        "data/tweets_media/41-clip.jpg": still.getvalue(),  # 42 has no thumbnail: a frame
        "data/tweets_media/42-clip.mp4": clip,
    }
    conf = make_project(tmp_path / "site")
    export = write_export(tmp_path / "export", tweets, **files)
    import_archive(export, Store(tmp_path / "site" / "content" / "archive"))
    output = build_project(conf)
    found = failures(output, skip=())
    assert all(not f for f in found.values()), found


def replace(site, rel, old, new):
    path = site / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def exif_photo(site):
    image = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (64.0, 8.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    (site / "leak.jpg").write_bytes(out.getvalue())


@pytest.mark.parametrize(
    ("name", "breakage", "expected"),
    [
        (
            "links",
            lambda s: replace(s, "index.html", 'href="/-/tags/"', 'href="/nowhere/"'),
            "broken link /nowhere/",
        ),
        (
            "csp",
            lambda s: replace(
                s, "index.html", '<meta http-equiv="Content-Security-Policy"', '<meta name="x"'
            ),
            "no Content-Security-Policy",
        ),
        (
            "csp",
            lambda s: replace(
                s,
                "index.html",
                "</main>",
                '<img src="https://tracker.example/p.gif" alt=""></main>',
            ),
            "loads https://tracker.example/p.gif from another host",
        ),
        (
            "csp",
            lambda s: replace(s, "index.html", "</main>", "<script>alert(1)</script></main>"),
            "inline script",
        ),
        (
            "csp",
            lambda s: replace(
                s, "index.html", "</main>", '<script type="text/javascript">x()</script></main>'
            ),
            "inline script",
        ),
        (
            "csp",
            lambda s: replace(s, "index.html", "<main", '<main onclick="x()"'),
            "event-handler attribute",
        ),
        ("feeds", lambda s: replace(s, "atom.xml", "</feed>", ""), "not well-formed"),
        (
            "feeds",
            lambda s: replace(s, "rss.xml", "<pubDate>", "<pubDate>yesterday "),
            "unparseable date",
        ),
        (
            "feeds",
            lambda s: replace(s, "atom.xml", "<title>Post 5", "<title>" + "word " * 80),
            "exceed 280",
        ),
        (
            "links",
            lambda s: replace(
                s, "index.html", "</main>", '<video src="/x.mp4" controls></video></main>'
            ),
            "index.html: 1 video(s) without a poster",
        ),
        ("images", exif_photo, "leak.jpg: carries"),
        pytest.param(
            "videos",
            lambda s: make_video(s / "envoy" / "leak.mp4"),
            "envoy/leak.mp4: carries tag location",
            marks=needs_ffmpeg,
        ),
        ("videos", lambda s: (s / "leak.gif").write_bytes(gif()), "leak.gif: carries comment"),
    ],
)
def test_each_check_fails_on_a_page_broken_on_purpose(site, name, breakage, expected):
    breakage(site)
    found = failures(site)
    assert any(expected in f for f in found[name]), found[name]


@pytest.mark.parametrize(
    ("strict", "loosened", "expected"),
    [
        ("default-src 'self'", "default-src *", "default-src allows *"),
        (
            "object-src",
            "script-src 'self' 'unsafe-inline'; object-src",
            "script-src allows 'unsafe-inline'",
        ),
        ("img-src 'self'", "img-src https://cdn.example", "img-src allows https://cdn.example"),
        ("object-src 'none'", "object-src 'self'", "object-src is not 'none'"),
        ("; base-uri 'self'", "", "no base-uri"),
    ],
)
def test_a_loosened_csp_fails(site, strict, loosened, expected):
    replace(site, "index.html", strict, loosened)
    problems = failures(site)["csp"]
    assert problems == [f"index.html: loose Content-Security-Policy: {expected}"]


@needs_ffmpeg
def test_videos_are_not_passed_unchecked_without_ffprobe(site, tmp_path, monkeypatch):
    make_video(site / "clip.mp4")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert failures(site)["videos"] == ["clip.mp4: not checked: ffprobe is needed (install ffmpeg)"]


def test_a_credential_in_the_output_is_found_and_never_printed(site, monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", "AAAA-very-secret-token")
    replace(site, "index.html", "</main>", "<p>AAAA-very-secret-token</p></main>")
    (problem,) = failures(site)["secrets"]
    assert "index.html" in problem and "secret-token" not in problem


def test_a_credential_in_a_gzipped_download_is_found(site, monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", "AAAA-very-secret-token")
    with (site / "-" / "data" / "posts.csv.gz").open("ab") as f:  # a row as a member of its own
        f.write(gzip.compress(b"9,envoy,2008-11-03T09:15:00Z,AAAA-very-secret-token\r\n"))
    (problem,) = failures(site)["secrets"]
    assert "posts.csv.gz" in problem and "secret-token" not in problem


@pytest.mark.parametrize("variable", ["COMMUNIQUE_SIGNING_KEY", "COMMUNIQUE_SIGNING_KEY_FILE"])
def test_a_piece_of_the_signing_key_in_the_output_is_found_and_never_printed(
    site, tmp_path, monkeypatch, variable
):
    key = make_key(tmp_path / "key")
    monkeypatch.setenv(variable, key.read_text() if variable.endswith("KEY") else str(key))
    assert not failures(site)["secrets"]
    piece = key.read_text().splitlines()[2]
    replace(site, "index.html", "</main>", f"<p>{piece}</p></main>")
    (problem,) = failures(site)["secrets"]
    assert problem == "index.html: contains a credential"


def test_invoke_check_reads_the_tokens_from_dot_env(site, tmp_path, capsys):
    conf = make_project(tmp_path / "project")
    (tmp_path / "project" / ".env").write_text("TWITTER_BEARER_TOKEN='AAAA-token-in-dotenv'\n")
    replace(site, "index.html", "</main>", "<p>AAAA-token-in-dotenv</p></main>")
    with patch.dict(os.environ), pytest.raises(Exit):
        for name in SECRETS:
            os.environ.pop(name, None)
        tasks.check(Context(), output=str(site), skip="html", config=str(conf))
    out = capsys.readouterr().out
    assert "FAIL  secrets" in out and "index.html: contains a credential" in out
    assert "token-in-dotenv" not in out


def test_with_no_token_variable_set_the_line_says_so(site, monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    (secrets,) = run_checks(site, skip=("html", "links", "csp", "feeds", "images", "videos"))
    assert secrets.ok and "no token variable set" in secrets.line()


def test_invalid_html_fails_the_nu_checker(site):
    replace(site, "index.html", "<main", "<main><div><p></span>")
    assert failures(site, skip=("links", "csp", "feeds", "images", "videos", "secrets"))["html"]

"""Never-public posts never sit in the committed store: sealed with the key, or kept out of git."""

import base64
import functools
import os
import subprocess
import sys

import pytest
import yaml
from test_store import record

from apiserver import TOKEN, APIServer
from communique.errors import CommuniqueError, StoreError
from communique.ingest import fetch
from communique.ingest.export import import_archive
from communique.outbound.client import make_client
from communique.site import model
from communique.site.check import run_checks
from communique.store import Store, dumps
from communique.vault import KEY_VARIABLE, key_from
from conftest import ROOT, js, make_project, tweet, write_export

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SECRET = "CIRCLESECRET plans"
CIRCLE_ID = "1500000000000000101"


def git(repo, *args) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def committed(repo) -> bytes:
    """Every file `git add -A` would commit, as one blob: what a public repository shows."""
    git(repo, "add", "-A")
    names = git(repo, "ls-files", "-z").split("\0")
    return b"".join((repo / name).read_bytes() for name in names if name)


def circle_export(folder, *, photo: bytes = b"\xff\xd8circle-photo"):
    """An export with a public post, a public reply to a Circle post, and the Circle post with
    its photo and its video's thumbnail (Circle posts also appear in tweets.js, looking like
    any other)."""
    media = [{"id_str": "77", "type": "photo", "url": "https://t.co/m", "indices": ["19", "42"],
              "media_url_https": "https://pbs.twimg.com/media/CircleSnap.jpg"},
             {"id_str": "78", "type": "video", "url": "https://t.co/m", "indices": ["19", "42"],
              "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/78/pu/img/Thumb.jpg",
              "video_info": {"variants": [{"bitrate": "832000", "content_type": "video/mp4",
              "url": "https://video.twimg.com/ext_tw_video/78/pu/vid/Clip.mp4"}]}}]  # fmt: skip
    circle = tweet(
        CIRCLE_ID, f"{SECRET} https://t.co/m", "Mon Nov 03 09:15:00 +0000 2008",
        entities={"hashtags": [], "user_mentions": [], "urls": [], "media": media},
        extended_entities={"media": media},
    )  # fmt: skip
    tweets = [
        tweet("1500000000000000100", "A public post", "Sun Nov 02 09:15:00 +0000 2008"),
        circle,
        tweet("1500000000000000102", "A public reply", "Tue Nov 04 09:15:00 +0000 2008",
              in_reply_to_status_id_str=CIRCLE_ID, in_reply_to_screen_name="envoy"),
    ]  # fmt: skip
    return write_export(
        folder,
        tweets,
        **{
            "data/twitter-circle-tweet.js": js(
                "YTD.twitter_circle_tweet.part0", [{"tweet": circle}]
            ),
            f"data/twitter_circle_tweet_media/{CIRCLE_ID}-CircleSnap.jpg": photo,
            f"data/twitter_circle_tweet_media/{CIRCLE_ID}-Clip.mp4": b"circle-video",
            f"data/twitter_circle_tweet_media/{CIRCLE_ID}-Thumb.jpg": b"circle-thumb",
        },
    )


@pytest.fixture
def repo(tmp_path):
    """A site repository: the store is committed from content/archive."""
    folder = tmp_path / "site"
    folder.mkdir()
    git(folder, "init", "-q")
    return folder


@pytest.mark.parametrize("key", [KEY, None])
def test_nothing_of_a_never_public_post_is_in_what_git_commits(repo, tmp_path, key):
    store = Store(repo / "content" / "archive", key=key)
    import_archive(circle_export(tmp_path / "export"), store)
    public = committed(repo)
    assert b"CIRCLESECRET" not in public and b"circle-photo" not in public
    assert b"circle-video" not in public and b"circle-thumb" not in public
    # The public reply's own record still names the post it answers, as Twitter showed it
    # (the site cuts that from every page); no record of the Circle post itself is there.
    month_files = store.month_files("envoy")
    assert CIRCLE_ID not in [r["id"] for path in month_files for r in store.read_file(path)]
    names = git(repo, "ls-files").split()
    assert not any("never-public" in name or CIRCLE_ID in name for name in names), names
    assert any(name.endswith("2008-11.jsonl") for name in names)
    assert any(name.endswith("sealed/2008-11.jsonl.enc") for name in names) == bool(key)
    # The store still has the post, for the account's records, and its photo.
    posts = {p["id"]: p for p in store.posts("envoy")}
    assert posts[CIRCLE_ID]["visibility"] == "circle" and SECRET in posts[CIRCLE_ID]["text"]
    photo = store.media_path("envoy", posts[CIRCLE_ID]["media"][0]["file"], public=False)
    assert photo.read_bytes() == b"\xff\xd8circle-photo"
    assert list(store.media_dir("envoy").glob("*")) == []


def test_the_site_counts_sealed_posts_and_cuts_references_to_them(tmp_path):
    store = Store(tmp_path / "archive", key=KEY)
    import_archive(circle_export(tmp_path / "export"), store)
    loaded = model.load(Store(tmp_path / "archive", key=KEY))
    assert [p["id"] for p in loaded.posts] == ["1500000000000000100", "1500000000000000102"]
    assert loaded.private == {"envoy": 1}
    assert loaded.by_id["1500000000000000102"]["reply_to"] is None


@pytest.mark.parametrize(
    ("key", "says"),
    [(None, "which is not set"), (OTHER_KEY, "sealed with another key, or damaged")],
)
def test_sealed_posts_need_their_key_to_be_read(tmp_path, key, says):
    """Without them the site could not cut references to them: it refuses, naming the file."""
    import_archive(circle_export(tmp_path / "export"), Store(tmp_path / "archive", key=KEY))
    with pytest.raises(StoreError, match=f"sealed/2008-11.jsonl.enc: .*{says}"):
        model.load(Store(tmp_path / "archive", key=key))


def test_sealing_again_changes_no_byte(tmp_path):
    store = Store(tmp_path / "archive", key=KEY)
    import_archive(circle_export(tmp_path / "export"), store)
    before = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file()}
    result = store.merge(list(store.posts("envoy")))
    assert result.files_written == [] and store.seal() == 0
    assert {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file()} == before


def old_store(root, records) -> None:
    """A store as written before the vault: every post in its month file."""
    path = root / "envoy" / "2008" / "2008-11.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(dumps(r) + "\n" for r in records))


@pytest.mark.parametrize("key", [KEY, None])
def test_an_old_store_is_sealed_by_the_next_write(tmp_path, key):
    photo = {"id": "7", "type": "photo", "url": "https://pbs.twimg.com/media/x.jpg",
             "file": "media/2-x.jpg"}  # fmt: skip
    records = [record("1"), record("2", visibility="circle", media=[photo]), record("3")]
    old_store(tmp_path / "archive", records)
    (tmp_path / "archive" / "envoy" / "media").mkdir()
    (tmp_path / "archive" / "envoy" / "media" / "2-x.jpg").write_bytes(b"photo")
    store = Store(tmp_path / "archive", key=key)
    assert store.seal() == 1
    month = store.month_path("envoy", "2008-11").read_text()
    assert [r["id"] for r in store.read_file(store.month_path("envoy", "2008-11"))] == ["1", "3"]
    assert '"visibility"' not in month
    assert list(store.posts("envoy")) == records
    assert not (store.media_dir("envoy") / "2-x.jpg").exists()
    assert store.media_path("envoy", "media/2-x.jpg", public=False).read_bytes() == b"photo"
    assert store.seal() == 0
    assert store.unsealed() == (0 if key else 1)


def test_posts_kept_before_the_key_was_set_are_sealed_once_it_is(tmp_path):
    import_archive(circle_export(tmp_path / "export"), Store(tmp_path / "archive"))
    store = Store(tmp_path / "archive", key=KEY)
    assert store.unsealed() == 1
    assert store.seal() == 1
    assert store.unsealed() == 0
    assert list((tmp_path / "archive" / "envoy" / "never-public").glob("*.jsonl")) == []
    assert [p.get("visibility") for p in store.posts("envoy")] == [None, "circle", None]


def test_a_month_of_only_never_public_posts_leaves_no_month_file(tmp_path):
    old_store(tmp_path / "archive", [record("2", visibility="protected")])
    store = Store(tmp_path / "archive", key=KEY)
    assert store.seal() == 1
    assert store.month_files("envoy") == [] and store.accounts() == ["envoy"]
    assert [r["id"] for r in store.posts("envoy")] == ["2"]


@pytest.mark.parametrize(
    "value", ["not base64!", base64.b64encode(b"short").decode(), "A" * 42 + "=="]
)
def test_a_key_that_is_not_one_is_refused_without_showing_it(value):
    with pytest.raises(CommuniqueError, match=f"{KEY_VARIABLE} is not a store key") as error:
        key_from({KEY_VARIABLE: value})
    assert value not in str(error.value)


def test_a_key_is_32_bytes_in_base64():
    assert key_from({KEY_VARIABLE: base64.b64encode(KEY).decode()}) == KEY
    assert key_from({}) is None


def run_import(conf, export, **env):
    environ = {k: v for k, v in os.environ.items() if k != KEY_VARIABLE} | env
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(ROOT), "import-archive", str(export),
         "--config", str(conf)],
        capture_output=True, text=True, env=environ,
    )  # fmt: skip


def test_the_import_task_warns_while_never_public_posts_have_no_key(tmp_path):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    export = circle_export(tmp_path / "export")
    done = run_import(conf, export)
    assert done.returncode == 0, done.stderr
    (warning,) = done.stderr.splitlines()
    assert warning.startswith("warning: 1 never-public posts are kept unencrypted, out of git")
    assert KEY_VARIABLE in warning
    # A month written before the vault, which this export does not touch, is sealed too.
    archive = tmp_path / "p" / "content" / "archive"
    (archive / "envoy" / "2009").mkdir()
    (archive / "envoy" / "2009" / "2009-01.jsonl").write_text(
        dumps(record("9", "2009-01", visibility="protected")) + "\n"
    )
    key = base64.b64encode(KEY).decode()
    (tmp_path / "p" / ".env").write_text(f"{KEY_VARIABLE}={key}\n")
    done = run_import(conf, export)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "1 never-public posts moved out of the committed month files to sealed files" in (
        done.stdout
    )
    sealed = sorted(p.name for p in (archive / "envoy" / "sealed").iterdir())
    assert sealed == ["2008-11.jsonl.enc", "2009-01.jsonl.enc"]
    assert not (archive / "envoy" / "2009" / "2009-01.jsonl").exists()


def test_the_workflow_seals_the_store_before_committing_it():
    """The workflow commits content/archive to a repository Pages may need public: it runs
    with the key, and refuses to run without it (what is not sealed would die with the
    runner)."""
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "archive.yml").read_text())["jobs"][
        "archive"
    ]["steps"]
    names = [step.get("name") for step in steps]
    secret = f"${{{{ secrets.{KEY_VARIABLE} }}}}"
    for name in ("Check the store key", "Fetch new posts", "Build"):
        assert steps[names.index(name)]["env"][KEY_VARIABLE] == secret, name
    check = steps[names.index("Check the store key")]
    assert names.index("Check the store key") < names.index("Fetch new posts")
    done = subprocess.run(["bash", "-c", check["run"]], env={"PATH": os.environ["PATH"]})
    assert done.returncode != 0
    key = base64.b64encode(KEY).decode()
    done = subprocess.run(
        ["bash", "-c", check["run"]], env={"PATH": os.environ["PATH"], KEY_VARIABLE: key}
    )
    assert done.returncode == 0


def test_the_fetcher_downloads_no_media_of_a_never_public_post(tmp_path):
    """A protected period's post that the API shows since: its photo would land in media/."""
    with APIServer() as server:
        server.api.add_account("envoy", "42")
        server.api.post("envoy", 1_000_001, "A public post")
        server.api.post(
            "envoy", 1_000_007, "Posted while protected", attachments={"media_keys": ["3_7"]}
        )
        retry = fetch.Retry(max_wait=60, sleep=lambda s: None, jitter=lambda: 0.0)
        client = make_client(TOKEN, server.base)
        first = fetch.Fetcher(client, Store(tmp_path / "first"), retry=retry)
        first.archive("envoy")  # its photo cannot be downloaded yet (404)
        (locked,) = [p for p in first.store.posts("envoy") if p["id"] == "1000007"]
        store = Store(tmp_path / "archive", key=KEY)
        store.merge([{**locked, "visibility": "protected"}])  # as the export said
        server.api.media["3_7.jpg"] = b"\xff\xd8locked-photo"
        server.api.requests.clear()
        result = fetch.Fetcher(client, store, retry=retry).archive("envoy")
    assert result.new == 1 and result.media == 0
    assert "/media/3_7.jpg" not in server.api.requests
    assert not store.media_dir("envoy").exists() or not any(store.media_dir("envoy").iterdir())
    (kept,) = [p for p in store.posts("envoy") if p["id"] == "1000007"]
    assert kept["visibility"] == "protected" and kept["media"][0]["file"] is None


def test_invoke_check_finds_the_store_key_in_the_site(tmp_path, monkeypatch):
    key = base64.b64encode(KEY).decode()
    monkeypatch.setenv(KEY_VARIABLE, key)
    (tmp_path / "index.html").write_text(f"<!DOCTYPE html><title>x</title><p>{key}</p>")
    results = {r.name: r for r in run_checks(tmp_path, skip=("html",))}
    assert results["secrets"].failures == ["index.html: contains a credential"]


def run_build(conf, **env):
    environ = {k: v for k, v in os.environ.items() if k != KEY_VARIABLE} | env
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(ROOT), "build", "--no-search",
         "--config", str(conf)],
        capture_output=True, text=True, env=environ,
    )  # fmt: skip


def test_a_build_reads_sealed_posts_with_the_key_in_dot_env_and_refuses_without_it(tmp_path):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    store = Store(tmp_path / "p" / "content" / "archive", key=KEY)
    import_archive(circle_export(tmp_path / "export"), store)
    done = run_build(conf)
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "sealed/2008-11.jsonl.enc" in line and f"{KEY_VARIABLE}, which is not set" in line
    (tmp_path / "p" / ".env").write_text(f"{KEY_VARIABLE}={base64.b64encode(KEY).decode()}\n")
    done = run_build(conf)
    assert done.returncode == 0, done.stderr
    provenance = (tmp_path / "p" / "output" / "-" / "provenance" / "index.html").read_text()
    assert "<td>0</td><td>1</td>" in provenance  # withheld, never public
    reply = tmp_path / "p" / "output" / "envoy" / "status" / "1500000000000000102" / "index.html"
    assert CIRCLE_ID not in reply.read_text()


def test_nothing_of_a_never_public_post_is_in_what_the_workflow_caches(tmp_path):
    """The workflow keeps cache/ and output/ in GitHub's cache, which is not a secret: neither
    may hold a never-public post's text or media (the ids the public records name are in git)."""
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    store = Store(tmp_path / "p" / "content" / "archive", key=KEY)
    import_archive(circle_export(tmp_path / "export"), store)
    done = run_build(conf, **{KEY_VARIABLE: base64.b64encode(KEY).decode()})
    assert done.returncode == 0, done.stderr
    for folder in ("cache", "output"):
        files = [p for p in (tmp_path / "p" / folder).rglob("*") if p.is_file()]
        assert files
        for path in files:
            data = path.read_bytes()
            assert b"CIRCLESECRET" not in data and b"circle-photo" not in data, path
            assert b"circle-video" not in data and b"circle-thumb" not in data, path


def test_the_workflow_keeps_the_last_build_until_code_or_settings_change():
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "archive.yml").read_text())["jobs"][
        "archive"
    ]["steps"]
    names = [step.get("name") for step in steps]
    kept = steps[names.index("Keep the last build")]
    assert kept["uses"].startswith("actions/cache@")
    assert names.index("Keep the last build") < names.index("Build")
    assert kept["with"]["path"].split() == ["cache", "output"]
    inputs = "hashFiles('plugins/**', 'theme/**', 'pelican.conf.py', 'pyproject.toml')"
    assert kept["with"]["key"] == f"build-${{{{ {inputs} }}}}-${{{{ github.run_id }}}}"
    assert kept["with"]["restore-keys"].strip() == f"build-${{{{ {inputs} }}}}-"


def test_the_workflow_commits_the_ledger_the_build_appended_to(tmp_path):
    """Each scheduled run starts from a fresh checkout: a ledger left uncommitted would be
    extended from yesterday's on the next run, and a head a reader kept found nowhere."""
    steps = yaml.safe_load((ROOT / ".github" / "workflows" / "archive.yml").read_text())["jobs"][
        "archive"
    ]["steps"]
    names = [step.get("name") for step in steps]
    assert names.index("Build") < names.index("Commit the ledger")
    upload = next(i for i, step in enumerate(steps) if "upload-pages" in step.get("uses", ""))
    assert names.index("Commit the ledger") < upload
    script = steps[names.index("Commit the ledger")]["run"]
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git = functools.partial(subprocess.run, check=True, capture_output=True, text=True)
    git(["git", "init", "-q", "--bare", str(remote)])
    git(["git", "clone", "-q", str(remote), str(work)])
    for name, value in (("user.name", "t"), ("user.email", "t@example.org")):
        git(["git", "config", name, value], cwd=work)
    (work / "content" / "ledger-leaves").mkdir(parents=True)
    (work / "content" / "ledger.jsonl").write_text('{"seq": 1}\n')
    (work / "content" / "ledger-leaves" / "abc.txt").write_text("leaf\n")
    for _ in range(2):  # the second run has nothing new: no empty commit
        git(["bash", "-e", "-c", script], cwd=work)
    log = git(["git", "log", "--format=%s", "--name-only"], cwd=remote).stdout
    assert log.count("Ledger:") == 1
    assert "content/ledger.jsonl" in log and "content/ledger-leaves/abc.txt" in log

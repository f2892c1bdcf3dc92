import importlib.metadata
import json
import logging
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import pytest
import yaml

from apiserver import TOKEN, APIServer
from communique.errors import CommuniqueError
from communique.ingest import fetch
from communique.outbound.client import bearer_token, make_client
from communique.records import preview_of
from communique.store import Store
from conftest import ROOT, full, make_project, snapshot

POSTS = 250


@pytest.fixture
def server(monkeypatch):
    with APIServer() as server:
        monkeypatch.setenv("COMMUNIQUE_API_BASE", server.base)  # its media are then admitted
        api = server.api
        api.add_account("envoy", "42")
        for i in range(POSTS):
            extra = {}
            if i % 50 == 7:
                extra["attachments"] = {"media_keys": [f"3_{i}"]}
                api.media[f"3_{i}.jpg"] = b"\xff\xd8photo" + bytes([i])
            if i % 10 == 3:
                extra["entities"] = {"hashtags": [{"start": 5, "end": 13, "tag": "Iceland"}]}
            api.post("envoy", 1_000_000 + i, f"Post {i:03d}#Iceland &amp; more", **extra)
        yield server


def fetcher(server, tmp_path, max_wait=60.0, **options):
    store = Store(tmp_path / "archive")
    retry = fetch.Retry(max_wait=max_wait, sleep=lambda s: None, jitter=lambda: 0.0)
    client = make_client(TOKEN, server.base)
    return fetch.Fetcher(
        client,
        store,
        retry=retry,
        now=lambda: fetch.datetime(2024, 1, 1, tzinfo=fetch.UTC),
        **options,
    )


def test_a_timeline_is_fetched_page_by_page_with_media(server, tmp_path):
    f = fetcher(server, tmp_path)
    result = f.archive("envoy")
    posts = list(f.store.posts("envoy"))
    assert (result.new, result.pages, len(posts)) == (POSTS, 3, POSTS)
    assert result.media == 5 and result.media_failed == 0
    post = next(p for p in posts if p["id"] == "1000003")
    assert post["text"] == "Post 003#Iceland & more"
    assert post["entities"]["hashtags"][0]["tag"] == "Iceland"
    assert post["provenance"]["captured_by"] == "api:GET /2/users/:id/tweets"
    photo = next(p for p in posts if p["media"])
    assert (f.store.root / "envoy" / photo["media"][0]["file"]).read_bytes().startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    "date, captured",
    [
        ("Tue, 02 Jan 2024 03:04:05 GMT", "2024-01-02T03:04:05Z"),  # the API's own clock
        ("", "2024-01-01T00:00:00Z"),  # none: when the response arrived, by the fetcher's
    ],
)
def test_a_post_is_captured_when_the_api_answered_it(server, tmp_path, date, captured):
    server.api.date = date
    f = fetcher(server, tmp_path)  # its clock says 2024-01-01 00:00 UTC
    f.archive("envoy")
    provenance = next(f.store.posts("envoy"))["provenance"]
    assert provenance["captured_at"] == captured
    assert provenance["imported_at"] == "2024-01-01T00:00:00Z"
    assert provenance["tool"] == f"communique {importlib.metadata.version('communique')}"


def test_a_second_run_asks_only_for_what_is_new(server, tmp_path):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    server.api.post("envoy", 2_000_000, "A new post")
    server.api.requests.clear()
    result = f.archive("envoy")
    assert (result.new, result.pages) == (1, 1)


@pytest.fixture
def reference(server, tmp_path_factory):
    f = fetcher(server, tmp_path_factory.mktemp("reference"))
    f.archive("envoy")
    return snapshot(f.store.root)


@pytest.mark.parametrize(
    "faults",
    [["429"], ["500"], ["503"], ["drop"], ["truncate"], ["500", "drop", "503", "truncate"]],
)
@pytest.mark.parametrize("after_requests", [0, 2])
def test_every_fault_ends_with_the_same_store(server, tmp_path, reference, faults, after_requests):
    f = fetcher(server, tmp_path)
    original = f.client.get_users_tweets
    calls = {"n": 0}

    def faulty(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == after_requests + 1:
            server.api.faults.extend(faults)
        return original(*args, **kwargs)

    f.client.get_users_tweets = faulty
    f.archive("envoy")
    assert server.api.served == [("/2/users/42/tweets", fault) for fault in faults]
    assert snapshot(f.store.root) == reference


def test_an_empty_timeline_stores_nothing(server, tmp_path):
    server.api.faults.append("empty")
    result = fetcher(server, tmp_path).archive("envoy")
    assert (result.new, result.pages) == (0, 0)


def test_a_rate_limit_longer_than_max_wait_stops_cleanly(server, tmp_path):
    server.api.faults.extend(["429"] * 10)
    f = fetcher(server, tmp_path, max_wait=1)
    with pytest.raises(fetch.RateLimited, match="run again after"):
        f.archive("envoy")
    assert not list((tmp_path / "archive").rglob("*.jsonl"))


def test_a_failed_download_is_retried_on_the_next_run(server, tmp_path):
    f = fetcher(server, tmp_path)
    for key in list(server.api.media):
        server.api.media[key + ".gone"] = server.api.media.pop(key)  # the media host answers 404
    result = f.archive("envoy")
    assert result.media == 0 and result.media_failed == 5
    assert not any(m["file"] for p in f.store.posts("envoy") for m in p["media"])
    for key in list(server.api.media):
        server.api.media[key.removesuffix(".gone")] = server.api.media.pop(key)
    again = f.archive("envoy")
    assert again.media == 5 and again.media_failed == 0
    assert all(m["file"] for p in f.store.posts("envoy") for m in p["media"])


def test_a_video_whose_preview_failed_is_retried_without_fetching_the_mp4_again(server, tmp_path):
    server.api.post("envoy", 2_000_000, "A video", attachments={"media_keys": ["7_1"]})
    server.api.media["7_1.mp4"] = b"mp4 video"  # the preview image is missing: 404
    f = fetcher(server, tmp_path)
    first = f.archive("envoy")
    (video,) = next(p for p in f.store.posts("envoy") if p["id"] == "2000000")["media"]
    assert (first.media_failed, video["file"]) == (1, None)
    server.api.media["7_1-preview.jpg"] = b"\xff\xd8preview"
    again = f.archive("envoy")
    (video,) = next(p for p in f.store.posts("envoy") if p["id"] == "2000000")["media"]
    assert (again.media, again.media_failed) == (1, 0)
    assert video["file"] == "media/2000000-7_1.mp4"
    media = f.store.media_dir("envoy")
    assert (media / "2000000-7_1-preview.jpg").read_bytes() == b"\xff\xd8preview"
    assert preview_of(video["file"]) == "media/2000000-7_1-preview.jpg"  # the site's poster
    assert server.api.requests.count("/media/7_1.mp4") == 1


@pytest.fixture
def elsewhere():
    """Another server on 127.0.0.1, on another port, holding a medium: never to be asked."""
    with APIServer() as other:
        other.api.media["3_9.jpg"] = b"\xff\xd8elsewhere"
        yield other


def photo_from(server, url: str) -> None:
    server.api.post("envoy", 2_000_000, "A photo", attachments={"media_keys": ["3_9"]})
    server.api.media_urls["3_9"] = url


def media_of(f, post_id="2000000"):
    return next(p for p in f.store.posts("envoy") if p["id"] == post_id)["media"]


HOSTS = "not https from a host in MEDIA_HOSTS (pbs.twimg.com, video.twimg.com)"


@pytest.mark.parametrize(
    "url",
    [
        "{elsewhere}/media/3_9.jpg",
        "https://{netloc}/media/3_9.jpg",
        "https://pbs.twimg.com@{netloc}/media/3_9.jpg",
        "file:///etc/hostname",
        "ftp://{netloc}/media/3_9.jpg",
        "data:image/jpeg;base64,/9j/",
    ],
)
def test_media_from_anywhere_but_the_media_hosts_are_refused_at_once(
    server, elsewhere, tmp_path, url
):
    url = url.format(elsewhere=elsewhere.base, netloc=elsewhere.base.removeprefix("http://"))
    photo_from(server, url)
    waits = []
    f = fetcher(server, tmp_path)
    f.retry.sleep = waits.append
    result = f.archive("envoy")
    assert result.refused == [f"@envoy: post 2000000: media {url} refused: {HOSTS}"]
    assert "1 media refused" in result.line()
    assert (result.new, media_of(f)[0]["file"]) == (POSTS + 1, None)  # the post is kept
    assert elsewhere.api.requests == [] and waits == []
    assert not (f.store.media_dir("envoy") / "2000000-3_9.jpg").exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://pbs.twimg.com/media/a.jpg",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/720x1280/a.mp4",
        "https://PBS.twimg.com/media/a.jpg",
    ],
)
def test_https_from_a_media_host_is_admitted(url):
    assert fetch.outside(url, ("pbs.twimg.com", "video.twimg.com")) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://pbs.twimg.com/media/a.jpg",
        "https://pbs.twimg.com.evil.example/media/a.jpg",
        "https://pbs.twimg.com:8443/media/a.jpg",
        "https://user@pbs.twimg.com/media/a.jpg",
        "https://abs.twimg.com/a.jpg",
        "//pbs.twimg.com/media/a.jpg",
        "https://[::1/a.jpg",
    ],
)
def test_anything_else_is_outside(url):
    assert fetch.outside(url, ("pbs.twimg.com", "video.twimg.com")) == (
        "not https from a host in MEDIA_HOSTS (pbs.twimg.com, video.twimg.com)"
    )


def test_the_test_servers_media_are_admitted_only_when_it_stands_in_for_the_api(
    server, tmp_path, monkeypatch
):
    monkeypatch.delenv("COMMUNIQUE_API_BASE")
    result = fetcher(server, tmp_path).archive("envoy")
    assert (result.media, len(result.refused)) == (0, 5)
    assert result.refused[0].endswith(f"/media/3_7.jpg refused: {HOSTS}")


@pytest.mark.parametrize("streamed", [False, True], ids=["with a length", "chunked"])
def test_a_medium_over_the_size_cap_is_refused_and_leaves_nothing(server, tmp_path, streamed):
    server.api.post("envoy", 2_000_000, "A video", attachments={"media_keys": ["7_2"]})
    server.api.media["7_2.mp4"] = bytes(300_000)
    server.api.media["7_2-preview.jpg"] = b"\xff\xd8preview"
    if streamed:
        server.api.streamed.add("7_2.mp4")
    f = fetcher(server, tmp_path, max_bytes=200_000)
    result = f.archive("envoy")
    url = f"{server.base}/media/7_2.mp4"
    assert result.refused == [
        f"@envoy: post 2000000: media {url} refused: larger than 200,000 bytes (MEDIA_MAX_MB)"
    ]
    assert media_of(f)[0]["file"] is None and result.media == 5
    assert server.api.requests.count("/media/7_2.mp4") == 1  # not again, this run
    assert sorted(p.name for p in f.store.media_dir("envoy").iterdir() if "7_2" in p.name) == []


def test_a_large_medium_is_streamed_to_disk_not_held_in_memory(server, tmp_path):
    size = 32 * 1024**2
    server.api.post("envoy", 2_000_000, "A video", attachments={"media_keys": ["7_3"]})
    server.api.media["7_3.mp4"] = bytes(range(256)) * (size // 256)
    server.api.media["7_3-preview.jpg"] = b"\xff\xd8preview"
    f = fetcher(server, tmp_path)
    tracemalloc.start()
    try:
        result = f.archive("envoy")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.media == 6 and result.refused == []
    stored = f.store.media_dir("envoy") / "2000000-7_3.mp4"
    assert stored.read_bytes() == server.api.media["7_3.mp4"]
    assert peak < size / 4, f"{peak:,} bytes held at once for a {size:,}-byte video"


def test_a_medium_on_a_full_disk_names_its_file_and_the_next_run_fetches_it(server, small_disk):
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    f = fetcher(server, small_disk)
    f.archive("envoy")
    server.api.post("envoy", 2_000_000, "A video", attachments={"media_keys": ["7_3"]})
    server.api.media["7_3.mp4"] = bytes(range(256)) * 4096  # 1 MB: more than the room left
    server.api.media["7_3-preview.jpg"] = b"\xff\xd8preview"
    months = sum(p.stat().st_size for p in f.store.root.rglob("*.jsonl"))
    with full(small_disk, room=2 * months + 131072), pytest.raises(OSError) as failed:
        f.archive("envoy")  # room for the post, not for its video
    video = f.store.media_dir("envoy") / "2000000-7_3.mp4"
    assert (failed.value.filename, failed.value.strerror) == (str(video), "No space left on device")
    assert not video.exists() and not list(video.parent.glob(".*.tmp"))
    again = f.archive("envoy")  # room again
    assert again.media == 1 and video.read_bytes() == server.api.media["7_3.mp4"]


@pytest.mark.parametrize(
    ("name", "served", "wanted"),
    [
        ("7_4.mp4", "text/html; charset=utf-8", "video/*"),
        ("7_4.mp4", "image/jpeg", "video/*"),
        ("7_4-preview.jpg", "video/mp4", "image/*"),
        ("7_4-preview.jpg", "application/octet-stream", "image/*"),
    ],
)
def test_a_medium_of_another_content_type_is_refused(server, tmp_path, name, served, wanted):
    server.api.post("envoy", 2_000_000, "A video", attachments={"media_keys": ["7_4"]})
    server.api.media["7_4.mp4"] = b"mp4 video"
    server.api.media["7_4-preview.jpg"] = b"\xff\xd8preview"
    server.api.media_types[name] = served
    f = fetcher(server, tmp_path)
    result = f.archive("envoy")
    kind = served.partition(";")[0]
    assert result.refused == [
        f"@envoy: post 2000000: media {server.base}/media/{name} refused:"
        f" its content type is {kind}, not {wanted}"
    ]
    assert media_of(f)[0]["file"] is None
    assert server.api.requests.count(f"/media/{name}") == 1


def test_verify_marks_posts_the_api_no_longer_returns(server, tmp_path):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    server.api.deleted |= {"1000010", "1000200"}
    assert f.verify("envoy") == (2, 0)
    gone = {p["id"]: p for p in f.store.posts("envoy") if p.get("deleted_at")}
    assert set(gone) == {"1000010", "1000200"}
    assert "Not Found Error" in gone["1000010"]["deleted_how"]
    assert len(list(f.store.posts("envoy"))) == POSTS


def test_verify_never_marks_posts_the_api_is_not_authorized_to_show(server, tmp_path):
    f = fetcher(server, tmp_path)
    result = f.archive("envoy")
    server.api.deleted.add("1000010")
    server.api.omitted.add("1000020")  # left out without any error: gone, too
    server.api.hidden |= {"1000030", "1000040"}  # a protected or suspended account
    result.deleted, result.unverifiable = f.verify("envoy")
    assert (result.deleted, result.unverifiable) == (2, 2)
    gone = {p["id"]: p["deleted_how"] for p in f.store.posts("envoy") if p.get("deleted_at")}
    assert gone == {
        "1000010": "API lookup (Not Found Error: Could not find tweet with ids: [1000010].)",
        "1000020": "API lookup (not returned)",
    }
    assert "2 deletions, 2 not verifiable" in result.line()


@pytest.mark.parametrize(
    "missing, message",
    [
        (["created_at"], "malformed post 2000000 in @envoy's timeline (no 'created_at' field)"),
        (["id"], "malformed post in @envoy's timeline (no 'id' field)"),
        (["id", "text", "created_at"], "malformed post in @envoy's timeline (no 'id' field)"),
    ],
)
def test_a_malformed_post_stops_the_run_clearly_with_the_store_unchanged(
    server, tmp_path, missing, message
):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    before = snapshot(f.store.root)
    server.api.post("envoy", 2_000_000, "A new post")
    server.api.malformed["2000000"] = missing
    with pytest.raises(CommuniqueError) as error:
        f.archive("envoy")
    assert str(error.value) == f"the API returned a {message}; nothing of that page was stored"
    assert snapshot(f.store.root) == before


@pytest.mark.parametrize(
    ("reshape", "message"),
    [
        (lambda body: [body], "a timeline page that is a list, not an object"),
        (lambda body: {**body, "includes": [body["includes"]]}, "has includes that are a list"),
        (
            lambda body: {**body, "includes": {"users": ["envoy"]}},
            "has includes.users that are not",
        ),
        (lambda body: {**body, "meta": "next"}, "has a meta that is text, not an object"),
        (lambda body: {**body, "meta": {"next_token": 7}}, "has a next_token that is not text"),
        (lambda body: {**body, "data": [*body["data"], "x"]}, "a malformed post in @envoy's"),
        (lambda body: b"[" * 100_000 + b"]" * 100_000, "JSON nested too deep to read"),
    ],
)
def test_a_page_of_the_wrong_shape_is_refused_before_any_of_it_is_stored(
    server, tmp_path, reshape, message
):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    before = snapshot(f.store.root)
    server.api.post("envoy", 2_000_000, "A new post")
    server.api.reshape = reshape
    with pytest.raises(CommuniqueError, match=message) as refused:
        f.archive("envoy")
    assert "\n" not in str(refused.value)
    assert snapshot(f.store.root) == before


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("NaN", "like_count is nan, not a finite number"),
        ("Infinity", "like_count is inf, not a finite number"),
        ("1e999", "like_count is inf, not a finite number"),  # was an OverflowError
        ("-1e999", "like_count is -inf, not a finite number"),
        ("1" + "0" * 30, "like_count is a number too large to keep exactly"),
        ('"\\ud800"', "like_count holds a lone surrogate"),
    ],
)
def test_what_the_store_cannot_keep_stops_the_run_with_the_post_named(
    server, tmp_path, sent, message
):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    before = snapshot(f.store.root)
    server.api.post("envoy", 2_000_000, "A new post", public_metrics={"like_count": 12345})
    server.api.reshape = lambda body: json.dumps(body).replace("12345", sent).encode()
    with pytest.raises(CommuniqueError, match=f"malformed post 2000000 .*{message}"):
        f.archive("envoy")
    assert snapshot(f.store.root) == before


@pytest.mark.parametrize("damage", ['{"since_id": "10', "", '{"since_id": 5}', "[]"])
def test_a_corrupt_checkpoint_stops_the_run_clearly_with_the_store_unchanged(
    server, tmp_path, damage
):
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    f.checkpoint("envoy").write_text(damage)
    before = snapshot(f.store.root)
    with pytest.raises(CommuniqueError, match=r"\.fetch-state\.json: corrupt fetch checkpoint"):
        f.archive("envoy")
    assert snapshot(f.store.root) == before


def test_two_accounts_are_kept_apart(server, tmp_path):
    server.api.add_account("press", "43")
    server.api.post("press", 3_000_000, "From the press office")
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    f.archive("press")
    assert f.store.accounts() == ["envoy", "press"]
    assert [p["text"] for p in f.store.posts("press")] == ["From the press office"]


def test_a_missing_token_names_the_variable(monkeypatch):
    monkeypatch.delenv("TWITTER_BEARER_TOKEN", raising=False)
    with pytest.raises(CommuniqueError, match="TWITTER_BEARER_TOKEN is not set"):
        bearer_token()


def test_a_rejected_token_is_clear_and_never_logged(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = Store(tmp_path / "archive")
    f = fetch.Fetcher(make_client("wrong-secret-value", server.base), store)
    with pytest.raises(CommuniqueError, match="rejected TWITTER_BEARER_TOKEN"):
        f.archive("envoy")
    assert "wrong-secret-value" not in caplog.text


def test_the_token_never_reaches_logs_or_the_store(server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    f = fetcher(server, tmp_path)
    f.archive("envoy")
    assert TOKEN not in caplog.text
    assert all(TOKEN.encode() not in data for data in snapshot(f.store.root).values())


def run_archive(conf, server, **popen):
    env = {
        **os.environ,
        "COMMUNIQUE_API_BASE": server.base,
        "TWITTER_BEARER_TOKEN": TOKEN,
        "COMMUNIQUE_NOW": "2024-01-01T00:00:00",
    }
    command = [sys.executable, "-m", "invoke", "-r", str(ROOT), "archive", "--config", str(conf)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen
    )


def test_kill_9_mid_run_then_rerun_gives_the_uninterrupted_store(server, tmp_path):
    clean = make_project(tmp_path / "clean", ACCOUNTS=["envoy"])
    killed = make_project(tmp_path / "killed", ACCOUNTS=["envoy"])
    assert run_archive(clean, server).wait(timeout=60) == 0
    server.api.delay = 0.4
    process = run_archive(killed, server)
    store = tmp_path / "killed" / "content" / "archive" / "envoy"
    deadline = time.time() + 30
    while not (store / ".fetch-state.json").exists() and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (store / ".fetch-state.json").exists(), "the kill should land mid-run"
    server.api.delay = 0
    rerun = run_archive(killed, server)
    output = rerun.communicate(timeout=60)[0].decode()
    assert rerun.returncode == 0, output
    assert "resumed" in output
    assert snapshot(tmp_path / "killed/content/archive") == snapshot(
        tmp_path / "clean/content/archive"
    )


@pytest.mark.parametrize("damage", ["checkpoint", "post"])
def test_the_task_ends_on_bad_data_with_one_message(server, tmp_path, damage):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    assert run_archive(conf, server).wait(timeout=60) == 0
    store = tmp_path / "p" / "content" / "archive"
    if damage == "checkpoint":
        (store / "envoy" / ".fetch-state.json").write_text('{"since_id": "10')
    else:
        server.api.post("envoy", 2_000_000, "A new post")
        server.api.malformed["2000000"] = ["created_at"]
    before = snapshot(store)
    process = run_archive(conf, server)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 1, output
    assert output.startswith("error: ") and output.count("\n") == 1, output
    assert snapshot(store) == before


def test_the_task_stores_every_post_and_ends_on_a_refused_medium_with_one_error(server, tmp_path):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    photo_from(server, "file:///etc/hostname")
    process = run_archive(conf, server)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 1, output
    *lines, error = output.splitlines()
    assert lines[-1].startswith(f"envoy: {POSTS + 1} new") and "1 media refused" in lines[-1]
    assert error == (
        f"error: @envoy: post 2000000: media file:///etc/hostname refused: {HOSTS};"
        " its post is stored without it"
    )
    store = Store(tmp_path / "p" / "content" / "archive")
    assert len(list(store.posts("envoy"))) == POSTS + 1


def test_the_workflow_commits_what_was_fetched_even_when_the_fetch_fails():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "archive.yml").read_text())
    steps = workflow["jobs"]["archive"]["steps"]
    names = [step.get("name") for step in steps]
    fetch_step = steps[names.index("Fetch new posts")]
    commit = steps[names.index("Commit the store")]
    assert names.index("Commit the store") == names.index("Fetch new posts") + 1
    assert "continue-on-error" not in fetch_step  # a failed fetch still fails the run
    assert (
        commit.get("if") == f"${{{{ always() && steps.{fetch_step['id']}.outcome != 'skipped' }}}}"
    )


def test_the_task_fails_clearly_without_a_token(tmp_path, server):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    env = {k: v for k, v in os.environ.items() if k != "TWITTER_BEARER_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(ROOT), "archive", "--config", str(conf)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "TWITTER_BEARER_TOKEN is not set" in done.stderr + done.stdout

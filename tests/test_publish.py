import gzip
import http.client
import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest

from communique.errors import CommuniqueError
from communique.outbound import s3
from communique.outbound.publish import head_of, publish
from conftest import ROOT, full, make_project, snapshot


def git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def project(tmp_path):
    """A project repository with a built site and a bare repository as its GitHub remote."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "staff@example.org")
    git(repo, "config", "user.name", "Staff")
    git(repo, "remote", "add", "origin", str(remote))
    (repo / "README.md").write_text("site\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "start")
    output = repo / "output"
    (output / "envoy" / "status" / "1").mkdir(parents=True)
    (output / "index.html").write_text("<!DOCTYPE html><title>home</title>")
    (output / "envoy" / "status" / "1" / "index.html").write_text(
        "<!DOCTYPE html><title>post</title>"
    )
    return repo, remote, output


def test_publishing_makes_a_gh_pages_branch_with_nojekyll_and_cname(project):
    repo, remote, output = project
    done = publish(output, repo, cname="archive.example.org")
    files = git(remote, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert set(files) == {".nojekyll", "CNAME", "index.html", "envoy/status/1/index.html"}
    assert git(remote, "show", "gh-pages:CNAME").strip() == "archive.example.org"
    assert (done.pages, done.posts) == (2, 1)
    assert "2 pages, 1 posts" in git(remote, "log", "-1", "--format=%s", "gh-pages")
    assert not (output / "CNAME").exists() and not (output / ".nojekyll").exists()


def objects_reachable(remote, branch: str) -> bytes:
    """The content of every commit, tree and file the remote's branch reaches: what anyone
    who clones or fetches it gets."""
    names = git(remote, "rev-list", "--objects", branch).split("\n")
    ids = "".join(line.split()[0] + "\n" for line in names if line)
    batch = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=remote, input=ids.encode(), capture_output=True
    )
    return batch.stdout


@pytest.mark.parametrize("keep_history", [False, True])
def test_a_second_publish_keeps_the_cname_and_history_only_when_asked(project, keep_history):
    repo, remote, output = project
    publish(output, repo, cname="archive.example.org")
    (output / "index.html").write_text("<!DOCTYPE html><title>home, again</title>")
    publish(output, repo, cname="archive.example.org", keep_history=keep_history)
    assert git(remote, "rev-list", "--count", "gh-pages").strip() == str(1 + keep_history)
    assert "CNAME" in git(remote, "ls-tree", "--name-only", "gh-pages")
    assert git(remote, "show", "gh-pages:index.html") == "<!DOCTYPE html><title>home, again</title>"


@pytest.mark.parametrize("known_to_the_clone", [True, False])
def test_a_post_withheld_since_the_last_publish_is_in_nothing_the_remote_branch_reaches(
    project, known_to_the_clone
):
    """Publish, withhold a post, publish again: no commit, tree or file of the branch holds
    it, whether or not this clone has fetched the remote's branch (a fresh clone has not)."""
    repo, remote, output = project
    page = output / "envoy" / "status" / "1" / "index.html"
    page.write_text("<!DOCTYPE html><title>post</title><p>WITHHELD-TEXT on a private person")
    publish(output, repo)
    assert b"WITHHELD-TEXT" in objects_reachable(remote, "gh-pages")
    if not known_to_the_clone:
        git(repo, "update-ref", "-d", "refs/remotes/origin/gh-pages")
    page.write_text("<!DOCTYPE html><title>Post withheld</title>")
    done = publish(output, repo)
    assert b"WITHHELD-TEXT" not in objects_reachable(remote, "gh-pages")
    assert git(remote, "rev-parse", "gh-pages").strip() == done.commit
    assert git(remote, "rev-list", "--count", "gh-pages").strip() == "1"


def test_a_rejected_push_changes_nothing(project):
    repo, remote, output = project
    publish(output, repo)
    local, pushed = head_of(repo, "gh-pages"), git(remote, "rev-parse", "gh-pages")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'refused by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    (output / "index.html").write_text("<!DOCTYPE html><title>changed</title>")
    before = sorted(p.name for p in output.rglob("*"))
    with pytest.raises(CommuniqueError, match=r"failed \(remote: refused by policy\); nothing"):
        publish(output, repo)
    assert head_of(repo, "gh-pages") == local
    assert git(remote, "rev-parse", "gh-pages") == pushed
    assert sorted(p.name for p in output.rglob("*")) == before


@pytest.mark.parametrize("keep_history", [False, True])
def test_a_commit_on_a_full_disk_is_one_line_that_says_why_and_pushes_nothing(
    project, small_disk, capfd, keep_history
):
    """ghp-import, when git cannot write the commit, says so on stdout and pushes the branch
    as it was: a publish that failed would say it published."""
    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    repo, remote, output = project
    shutil.move(repo / ".git", small_disk / "git")  # the project's repository on a small disk
    (repo / ".git").write_text(f"gitdir: {small_disk / 'git'}\n")
    publish(output, repo, keep_history=keep_history)
    local, pushed = head_of(repo, "gh-pages"), git(remote, "rev-parse", "gh-pages")
    (output / "index.html").write_text("<!DOCTYPE html><title>changed</title>" + "x" * 8192)
    capfd.readouterr()
    with full(small_disk), pytest.raises(CommuniqueError) as failed:
        publish(output, repo, keep_history=keep_history)
    said = str(failed.value)
    assert said.startswith("publishing to origin/gh-pages failed (") and "\n" not in said, said
    assert "No space left on device" in said or "Out of diskspace" in said, said  # git's words
    assert capfd.readouterr() == ("", "")  # git's own lines are in that one, not beside it
    # The local branch is put back, unless the disk is too full for that too: then it is gone,
    # and the next publish starts it afresh from the remote's, as from a fresh clone.
    assert head_of(repo, "gh-pages") in ((local, None) if not keep_history else (local,))
    assert git(remote, "rev-parse", "gh-pages") == pushed
    done = publish(output, repo, keep_history=keep_history)
    assert git(remote, "rev-parse", "gh-pages").strip() == done.commit
    assert "changed" in git(remote, "show", "gh-pages:index.html")


def test_a_remote_that_vanished_is_one_line_with_gits_reason_and_a_rerun_publishes(project, capfd):
    repo, remote, output = project
    publish(output, repo)
    local = head_of(repo, "gh-pages")
    shutil.rmtree(remote)
    capfd.readouterr()
    with pytest.raises(CommuniqueError) as failed:
        publish(output, repo)
    assert str(failed.value) == (
        f"publishing to origin/gh-pages failed (fatal: '{remote}' does not appear to be a git"
        " repository); nothing was changed"
    )
    assert capfd.readouterr() == ("", "")
    assert head_of(repo, "gh-pages") == local
    git(repo.parent, "init", "-q", "--bare", str(remote))  # there again, empty
    done = publish(output, repo)
    assert git(remote, "rev-parse", "gh-pages").strip() == done.commit


def test_a_push_to_a_remote_on_a_full_disk_is_one_line_and_leaves_it_whole(
    project, small_disk, capfd
):
    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    repo, remote, output = project
    shutil.move(remote, small_disk / "remote.git")
    remote = small_disk / "remote.git"
    git(repo, "remote", "set-url", "origin", str(remote))
    publish(output, repo)
    local, pushed = head_of(repo, "gh-pages"), git(remote, "rev-parse", "gh-pages")
    (output / "photo.jpg").write_bytes(bytes(range(256)) * 1024)  # 256 KB
    capfd.readouterr()
    with full(small_disk), pytest.raises(CommuniqueError) as failed:
        publish(output, repo)
    said = str(failed.value)  # git's words: "remote: fatal: unable to write loose object file..."
    assert said.startswith("publishing to origin/gh-pages failed (remote: fatal: "), said
    assert said.endswith(": No space left on device); nothing was changed"), said
    assert capfd.readouterr() == ("", "")
    assert head_of(repo, "gh-pages") == local and git(remote, "rev-parse", "gh-pages") == pushed
    assert subprocess.run(["git", "fsck"], cwd=remote, capture_output=True).returncode == 0
    done = publish(output, repo)  # room again
    assert git(remote, "rev-parse", "gh-pages").strip() == done.commit


def test_a_first_publish_that_fails_leaves_no_branch(project):
    repo, remote, output = project
    git(repo, "remote", "set-url", "origin", "https://user:secret-token@127.0.0.1:1/none.git")
    with pytest.raises(CommuniqueError) as error:
        publish(output, repo)
    assert "secret-token" not in str(error.value)
    assert head_of(repo, "gh-pages") is None


def test_nothing_built_is_a_clear_error(tmp_path):
    with pytest.raises(CommuniqueError, match="run `invoke build` first"):
        publish(tmp_path / "output", tmp_path)


@pytest.mark.parametrize(
    ("keep", "commits", "said"),
    [(False, "1", "as its only commit"), (True, "2", "on top of its history")],
)
def test_the_task_says_what_the_branch_keeps(project, keep, commits, said):
    repo, remote, output = project
    conf = make_project(repo, GITHUB_KEEP_HISTORY=keep)
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "invoke", "-r", str(ROOT), "publish", "--config", str(conf)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    assert said in done.stdout and "origin/gh-pages" in done.stdout
    assert git(remote, "rev-list", "--count", "gh-pages").strip() == commits


# Publishing to S3-compatible storage, against moto's S3 server on 127.0.0.1.


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, tmp_path):
    """Credentials in the environment, as a CI secret gives them, and no other source: no
    file of this machine's, no instance metadata to look for."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "site-publisher")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRET-KEY-NEVER-SHOWN")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def bucket(s3_server, s3_env, request):
    """A new bucket on the server, and a client to look into it."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:50].strip("-")
    client.create_bucket(Bucket=name)
    return name, client


GZIP = gzip.compress(b"pagefind_dcd" + b"index", mtime=0)
SITE = {
    "index.html": b"<!DOCTYPE html><title>home</title>",
    "envoy/status/1/index.html": b"<!DOCTYPE html><title>post 1</title>",
    "envoy/status/2/index.html": b"<!DOCTYPE html><title>post 2</title>",
    "tags/café/index.html": b"<!DOCTYPE html><title>#caf\xc3\xa9</title>",
    "envoy/atom.xml": b"<feed/>",
    "envoy/rss.xml": b"<rss/>",
    "envoy/media/1.jpg": b"\xff\xd8\xff",
    "envoy/media/2.mp4": b"\0\0\0\x18ftypmp42",
    "-/theme/style.css": b"body{}",
    "-/theme/logo.svgz": gzip.compress(b"<svg/>", mtime=0),
    "-/pagefind/pagefind.js": b"export{}",
    "-/pagefind/wasm.en.pagefind": GZIP,
    "-/pagefind/pagefind.en_1a.pf_meta": GZIP,
    "-/pagefind/fragment/en_2b.pf_fragment": GZIP,
    "-/pagefind/index/en_3c.pf_index": GZIP,
    "-/data/envoy-2012.jsonl.gz": gzip.compress(b"{}\n", mtime=0),
    "-/data/envoy.csv.gz": gzip.compress(b"id\n", mtime=0),
    "-/data/envoy.db": b"SQLite format 3\0",
    "-/data/SHA256SUMS": b"0 envoy.db\n",
}


@pytest.fixture
def site(tmp_path):
    output = tmp_path / "output"
    for name, data in SITE.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(data)
    return output


def objects(client, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every site file under ``prefix`` in the bucket, by its path under it, with its bytes."""
    keys = [
        item["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    ]
    return {
        key.removeprefix(prefix): client.get_object(Bucket=bucket, Key=key)["Body"].read()
        for key in keys
        if not key.endswith(s3.MANIFEST)
    }


def test_a_first_publish_uploads_every_file_and_a_second_none(site, bucket, s3_server):
    name, client = bucket
    first = s3.publish(site, name, "archive", endpoint_url=s3_server)
    assert (first.files, first.uploaded, first.deleted) == (len(SITE), len(SITE), 0)
    assert objects(client, name, "archive/") == SITE
    second = s3.publish(site, name, "archive", endpoint_url=s3_server)
    assert (second.uploaded, second.deleted) == (0, 0)


def test_one_page_changed_uploads_one_and_a_removed_page_is_deleted(site, bucket, s3_server):
    name, client = bucket
    s3.publish(site, name, "archive", endpoint_url=s3_server)
    (site / "envoy/status/1/index.html").write_bytes(b"<!DOCTYPE html><title>edited</title>")
    (site / "envoy/status/2/index.html").unlink()
    done = s3.publish(site, name, "archive", endpoint_url=s3_server)
    assert (done.uploaded, done.deleted) == (1, 1)
    expected = {**SITE, "envoy/status/1/index.html": b"<!DOCTYPE html><title>edited</title>"}
    del expected["envoy/status/2/index.html"]
    assert objects(client, name, "archive/") == expected


def test_only_objects_under_the_prefix_are_the_sites(site, bucket, s3_server):
    """Neighbours whose keys merely start the same ("archive-old/") are not under it."""
    name, client = bucket
    for key in ("archive-old/index.html", "other/index.html", "archive.html"):  # not the site's
        client.put_object(Bucket=name, Key=key, Body=b"someone else's")
    client.put_object(Bucket=name, Key="archive/left-by-hand.html", Body=b"stale")
    done = s3.publish(site, name, "archive", endpoint_url=s3_server)
    assert done.deleted == 1
    others = {"archive-old/index.html", "other/index.html", "archive.html"}
    assert set(objects(client, name)) == others | {f"archive/{n}" for n in SITE}


def test_an_object_changed_by_hand_is_uploaded_again(site, bucket, s3_server):
    """The listing's ETag is checked against the one recorded, whatever the manifest says."""
    name, client = bucket
    s3.publish(site, name, "", endpoint_url=s3_server)
    client.put_object(Bucket=name, Key="index.html", Body=b"defaced")
    client.put_object(Bucket=name, Key=s3.MANIFEST, Body=b"{not json")
    done = s3.publish(site, name, "", endpoint_url=s3_server)
    assert done.uploaded == len(SITE)
    assert objects(client, name) == SITE
    client.put_object(Bucket=name, Key="index.html", Body=b"defaced again")
    assert s3.publish(site, name, "", endpoint_url=s3_server).uploaded == 1
    assert objects(client, name)["index.html"] == SITE["index.html"]


@pytest.mark.parametrize(
    ("path", "kind", "encoding"),
    [
        ("index.html", "text/html; charset=utf-8", None),
        ("envoy/atom.xml", "application/atom+xml", None),
        ("envoy/rss.xml", "application/rss+xml", None),
        ("envoy/media/1.jpg", "image/jpeg", None),
        ("envoy/media/2.mp4", "video/mp4", None),
        ("-/theme/style.css", "text/css; charset=utf-8", None),
        ("-/theme/logo.svgz", "image/svg+xml", "gzip"),
        ("-/pagefind/pagefind.js", "text/javascript; charset=utf-8", None),
        # gzip that Pagefind's script unpacks itself: no Content-Encoding
        ("-/pagefind/wasm.en.pagefind", "application/octet-stream", None),
        ("-/pagefind/pagefind.en_1a.pf_meta", "application/octet-stream", None),
        ("-/pagefind/fragment/en_2b.pf_fragment", "application/octet-stream", None),
        ("-/pagefind/index/en_3c.pf_index", "application/octet-stream", None),
        # compressed downloads: saved as they are, no Content-Encoding
        ("-/data/envoy-2012.jsonl.gz", "application/gzip", None),
        ("-/data/envoy.csv.gz", "application/gzip", None),
        ("-/data/envoy.db", "application/vnd.sqlite3", None),
        ("-/data/SHA256SUMS", "text/plain; charset=utf-8", None),
    ],
)
def test_each_file_is_served_with_its_content_type_and_encoding(
    site, bucket, s3_server, path, kind, encoding
):
    name, client = bucket
    s3.publish(site, name, "", endpoint_url=s3_server)
    head = client.head_object(Bucket=name, Key=path)
    assert (head["ContentType"], head.get("ContentEncoding")) == (kind, encoding)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.jsonl", "application/jsonl"), ("a.wasm", "application/wasm"), ("a.pdf", "application/pdf"),
     ("a.tar.xz", "application/octet-stream"), ("README", "application/octet-stream")],
)  # fmt: skip
def test_other_files_are_typed_by_pythons_table_never_with_an_encoding(name, kind):
    assert s3.content_type(name) == (kind, None)


def test_a_missing_bucket_is_one_line(site, s3_server, s3_env):
    with pytest.raises(CommuniqueError) as error:
        s3.publish(site, "no-such-bucket", "archive", endpoint_url=s3_server)
    assert str(error.value) == (
        f"publishing to s3://no-such-bucket/archive at {s3_server} failed: no such bucket"
    )


def test_no_credentials_is_one_line(site, bucket, s3_server, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CommuniqueError, match="failed: no credentials: set AWS_ACCESS_KEY_ID"):
        s3.publish(site, bucket[0], "archive", endpoint_url=s3_server)


def test_a_wrong_endpoint_is_one_line(site, s3_env, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # boto3's own setting: no waits between tries
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{free.getsockname()[1]}"
    with pytest.raises(CommuniqueError) as error:
        s3.publish(site, "site", "archive", endpoint_url=closed)
    message = str(error.value)
    assert message.startswith(f"publishing to s3://site/archive at {closed} failed: Could not")
    assert "\n" not in message and "NEVER-SHOWN" not in message


class Refusing(http.server.ThreadingHTTPServer):
    """A proxy to the S3 server that refuses to store one key while ``refuse`` is set, as
    storage does that runs out of quota or permission midway; or (``fault``) answers it with a
    server error, or stores it and drops the connection before answering."""

    def __init__(self, upstream: str, refuse: str, fault: str = "quota"):
        self.upstream = urlsplit(upstream).netloc
        self.refuse = refuse
        self.fault = fault
        super().__init__(("127.0.0.1", 0), Forwarding)


class Forwarding(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # answers boto3's "Expect: 100-continue" at once

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        faulty = self.command == "PUT" and self.server.refuse and self.server.refuse in self.path
        if faulty and self.server.fault != "quota":
            if self.server.fault == "drop":  # stored, and the answer lost on the way
                self.relay(body)
            self.send_error(500) if self.server.fault == "500" else self.connection.shutdown(2)
            self.close_connection = True
            return
        if faulty:
            error = b"<Error><Code>QuotaExceeded</Code><Message>Quota exceeded</Message></Error>"
            self.send_response(403)
            self.send_header("Content-Length", str(len(error)))
            self.end_headers()
            self.wfile.write(error)
            return
        answer, data = self.relay(body)
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def relay(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
        upstream = http.client.HTTPConnection(self.server.upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
        upstream.request(self.command, self.path, body, headers)
        answer = upstream.getresponse()
        return answer, answer.read()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

    def log_message(self, *args):
        pass


def test_a_failed_upload_is_one_line_deletes_nothing_and_a_rerun_finishes(site, bucket, s3_server):
    name, client = bucket
    client.put_object(Bucket=name, Key="archive/gone.html", Body=b"no longer in the site")
    proxy = Refusing(s3_server, refuse="status/2")
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{proxy.server_address[1]}"
    before = snapshot(site)
    with pytest.raises(CommuniqueError) as error:
        s3.publish(site, name, "archive", endpoint_url=endpoint)
    message = str(error.value)
    assert re.fullmatch(
        rf"publishing to s3://{name}/archive at {endpoint} failed at envoy/status/2/index\.html:"
        rf" QuotaExceeded Quota exceeded; (\d+) of {len(SITE)} files uploaded, nothing deleted:"
        r" run it again to finish",
        message,
    ), message
    sent = int(re.search(r"; (\d+) of", message)[1])
    assert snapshot(site) == before
    assert "gone.html" in objects(client, name, "archive/")
    proxy.refuse = ""
    done = s3.publish(site, name, "archive", endpoint_url=endpoint)
    assert (done.uploaded, done.deleted) == (len(SITE) - sent, 1)
    assert objects(client, name, "archive/") == SITE
    proxy.shutdown()
    proxy.server_close()


@pytest.mark.parametrize("fault", ["500", "drop"])
def test_an_upload_run_cut_by_a_server_error_or_a_dropped_connection_is_finished_by_the_next(
    site, bucket, s3_server, monkeypatch, fault
):
    """Whether the object got there or not, the next run uploads what is missing, deletes
    what the site no longer has, and nothing the site still needs."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # boto3's retries would hide the fault
    name, client = bucket
    proxy = Refusing(s3_server, refuse="", fault=fault)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{proxy.server_address[1]}"
    s3.publish(site, name, "archive", endpoint_url=endpoint)
    (site / "envoy" / "status" / "1" / "index.html").unlink()  # gone from the site
    for page in ("index.html", "envoy/status/2/index.html"):
        (site / page).write_bytes(SITE[page] + b"<p>changed</p>")
    proxy.refuse = "status/2"
    with pytest.raises(CommuniqueError) as error:
        s3.publish(site, name, "archive", endpoint_url=endpoint)
    message = str(error.value)
    assert "failed at envoy/status/2/index.html:" in message and "nothing deleted" in message
    assert "\n" not in message and "NEVER-SHOWN" not in message
    assert "envoy/status/1/index.html" in objects(client, name, "archive/")
    proxy.refuse = ""
    done = s3.publish(site, name, "archive", endpoint_url=endpoint)
    assert done.deleted == 1 and done.uploaded in (1, 2)  # the home page, and status/2 again
    assert objects(client, name, "archive/") == {
        path.as_posix(): data for path, data in snapshot(site).items()
    }
    proxy.shutdown()
    proxy.server_close()


def test_a_symbolic_link_in_the_output_is_refused_before_anything_is_sent(site, tmp_path):
    (tmp_path / "private.txt").write_text("not the site's")
    (site / "envoy" / "notes.txt").symlink_to(tmp_path / "private.txt")
    with pytest.raises(CommuniqueError, match=r"notes\.txt: a symbolic link"):
        s3.publish(site, "site", "archive", endpoint_url="http://127.0.0.1:1")


def test_the_task_publishes_to_publish_target_and_says_what_it_did(
    tmp_path, site, bucket, s3_server
):
    name, client = bucket
    conf = make_project(tmp_path, PUBLISH_TARGET=f"s3://{name}/archive", S3_ENDPOINT_URL=s3_server)
    run = [sys.executable, "-m", "invoke", "-r", str(ROOT), "publish", "--config", str(conf)]
    done = subprocess.run(run, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"published {len(SITE)} files to s3://{name}/archive at {s3_server}:"
        f" {len(SITE)} uploaded, 0 deleted, 0 unchanged\n"
    )
    assert objects(client, name, "archive/") == SITE
    done = subprocess.run([*run, "--remote", f"s3://{name}/mirror"], capture_output=True, text=True)
    assert done.returncode == 0 and "0 unchanged" in done.stdout, done.stderr
    assert objects(client, name, "mirror/") == SITE


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (
            ["--remote", "s3://Bad_Bucket/a"],
            "error: --remote: 's3://Bad_Bucket/a'; use s3://bucket",
        ),
        (["--remote", "s3://site/../archive"], "error: --remote: 's3://site/../archive'"),
        (["--remote", "s3://no-such-bucket/archive"], "failed: no such bucket"),
        (["--remote", "s3://site", "--branch", "main"], "are for a git remote, not s3://site"),
    ],
)
def test_the_task_gives_one_line_for_a_bad_target(tmp_path, site, s3_server, s3_env, options, said):
    conf = make_project(tmp_path, S3_ENDPOINT_URL=s3_server)
    run = [sys.executable, "-m", "invoke", "-r", str(ROOT), "publish", "--config", str(conf)]
    done = subprocess.run([*run, *options], capture_output=True, text=True)
    assert done.returncode == 1
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "NEVER-SHOWN" not in done.stdout + done.stderr

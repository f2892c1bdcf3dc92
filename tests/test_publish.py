import subprocess
import sys

import pytest

from communique.errors import CommuniqueError
from communique.outbound.publish import head_of, publish
from conftest import ROOT, make_project


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
    with pytest.raises(CommuniqueError, match="publishing to origin/gh-pages failed"):
        publish(output, repo)
    assert head_of(repo, "gh-pages") == local
    assert git(remote, "rev-parse", "gh-pages") == pushed
    assert sorted(p.name for p in output.rglob("*")) == before


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

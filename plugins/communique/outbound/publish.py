"""Publishing ``output/`` to the gh-pages branch with ghp-import, and pushing it.

ghp-import commits to the local branch before it pushes; when the push fails, the local branch
is put back where it was, so a failed publish leaves both branches and ``output/`` untouched.

By default the branch is one commit, force-pushed: a post withheld since the last publish is
then in no commit the branch reaches. On top of the branch's history (``keep_history``), every
earlier publish keeps every post it held, for anyone who clones the branch.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from communique.errors import CommuniqueError


@dataclass
class Published:
    branch: str
    remote: str
    pages: int
    posts: int
    commit: str
    message: str


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def head_of(repo: Path, branch: str) -> str | None:
    done = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    return done.stdout.strip() or None


def redact(text: str) -> str:
    """Remote URLs may carry a token (https://user:token@host): never show it."""
    return re.sub(r"(https?://)[^/@\s]+@", r"\1***@", text)


def reason(done: subprocess.CompletedProcess) -> str:
    """The line of what git said that says why (its "fatal:" or "error:", a hook's "remote:"
    line), or the last line said."""
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    why = [line for line in lines if line.startswith(("fatal:", "error:", "remote:"))]
    return (why or lines[-1:] or [f"exit status {done.returncode}"])[0]


def count(output: Path) -> tuple[int, int]:
    pages = sum(1 for _ in output.rglob("index.html"))
    posts = sum(1 for _ in output.glob("*/status/*/index.html"))
    return pages, posts


def publish(
    output: Path,
    repo: Path,
    *,
    remote: str = "origin",
    branch: str = "gh-pages",
    cname: str = "",
    message: str | None = None,
    now: datetime | None = None,
    keep_history: bool = False,
) -> Published:
    """Commit ``output`` as the whole of ``branch`` (with .nojekyll and CNAME) and push it,
    as the branch's only commit unless ``keep_history``."""
    if not (output / "index.html").is_file():
        raise CommuniqueError(f"{output}: no built site to publish; run `invoke build` first")
    if git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise CommuniqueError(f"{repo}: not a git repository")
    if git(repo, "remote", "get-url", remote).returncode != 0:
        raise CommuniqueError(f"no git remote named {remote!r}: add it, or pass --remote")
    pages, posts = count(output)
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    message = message or f"Publish the archive, built {when}: {pages:,} pages, {posts:,} posts"
    before = head_of(repo, branch)
    if before and not keep_history:
        # ghp-import starts afresh only from a branch it knows the remote has: without the
        # remote's ref (a fresh clone, a new remote), it would commit on top of this one.
        git(repo, "update-ref", "-d", f"refs/heads/{branch}")
    # ghp-import run as a program, so that what it and git say is kept for the one line that
    # says why. It only commits: the push is made here, as ghp-import, when git cannot write
    # the commit (a full disk), says so and pushes the branch as it was.
    commit = [sys.executable, "-m", "ghp_import", "-n", "-m", message, "-b", branch, "-r", remote]
    commit += (["-c", cname] if cname else []) + ([] if keep_history else ["--no-history"])
    done = subprocess.run([*commit, str(output.resolve())], cwd=repo, capture_output=True,
                          text=True, check=False)  # fmt: skip
    made = head_of(repo, branch)
    if done.returncode == 0 and made is not None and (made != before or not keep_history):
        done = git(repo, "push", remote, branch, *([] if keep_history else ["--force"]))
    elif done.returncode == 0:
        done.returncode = 1
    if done.returncode != 0:
        if before is None:
            git(repo, "update-ref", "-d", f"refs/heads/{branch}")
        else:
            git(repo, "update-ref", f"refs/heads/{branch}", before)
        raise CommuniqueError(
            f"publishing to {remote}/{branch} failed ({redact(reason(done))}); nothing was changed"
        )
    return Published(branch, remote, pages, posts, head_of(repo, branch) or "", message)

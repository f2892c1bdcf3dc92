"""A function run in a process forked before it is given its arguments."""

import os
import time

import pytest

from communique.errors import CommuniqueError
from communique.site import parallel as worker
from communique.site.parallel import Worker


def where_and_what(posts: list[str]) -> tuple[int, list[str]]:
    return os.getpid(), sorted(posts)


def refuse(reason: str) -> None:
    raise CommuniqueError(reason)


def nap(seconds: float) -> None:
    time.sleep(seconds)


def test_the_function_runs_in_the_forked_process_on_what_came_after_the_fork():
    with Worker(where_and_what) as made:
        posts = ["2", "1"]  # made after the fork: sent, not shared
        made.start(posts=posts)
        pid, seen = made.result()
    assert pid != os.getpid() and seen == ["1", "2"]


def test_what_the_function_raises_is_raised_here():
    with Worker(refuse) as made:
        made.start(reason="post 12 is not in the archive")
        with pytest.raises(CommuniqueError, match="post 12 is not in the archive"):
            made.result()


def test_a_worker_never_started_ends_with_its_block():
    with Worker(refuse) as made:
        child = made.child
    assert child is not None and not child.is_alive() and child.exitcode == 0


def test_a_worker_whose_result_is_not_taken_is_stopped():
    started = time.monotonic()
    with pytest.raises(CommuniqueError), Worker(nap) as made:
        made.start(seconds=60)
        raise CommuniqueError("the build failed")  # the block ends without its result
    assert time.monotonic() - started < 30 and made.child is None


def test_without_fork_the_function_runs_here(monkeypatch):
    monkeypatch.setattr(worker.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with Worker(where_and_what) as made:
        made.start(posts=["b", "a"])
        assert made.child is None and made.result() == (os.getpid(), ["a", "b"])

"""Work spread over every core: slices of one job in forked workers, and a function run on
another core in a process forked before it is given its arguments.

Workers are forked, not spawned: they share the parent's archive, planned pages and compiled
templates by copy-on-write instead of pickling 100,000 posts.

The data downloads and the walk of ``output/`` run in a ``Worker`` beside the pages. Forked
before the archive is loaded, the child shares no posts with the build: after a fork, each
process copies every page of the shared heap that it writes to, and CPython writes to an
object each time it reads one (its reference count). Forked after the load, the build copied
its own 400 MB of posts back at 100,000 posts, and the child much of it too.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")
PARALLEL_MIN = 2000  # items of a job before it pays to fork workers for it

# The job a forked worker runs: set just before the pool starts, inherited by the fork.
_JOB: Callable[[int, int], object] | None = None


def forking() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _run(start: int, stop: int) -> object:
    assert _JOB is not None
    return _JOB(start, stop)


@contextlib.contextmanager
def slices(
    job: Callable[[int, int], T], count: int, least: int = PARALLEL_MIN
) -> Iterator[list[T]]:
    """Run ``job(start, stop)`` over slices of ``range(count)`` on every core while the
    ``with`` block runs here; the list it yields holds their results, in order, after it.

    Fewer than ``least`` items, or one core: ``job(0, count)`` here, after the block.
    """
    global _JOB
    results: list[T] = []
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or count < least or not forking():
        yield results
        results.append(job(0, count))
        return
    parts = workers * 4  # a few slices each, so that a worker done early takes another
    bounds = [(count * i // parts, count * (i + 1) // parts) for i in range(parts)]
    _JOB = job
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            outcomes = pool.map(_run, *zip(*bounds, strict=True))
            _JOB = None  # the workers have their copy
            yield results
            results.extend(outcomes)
    finally:
        _JOB = None


class Worker:
    """``fn(**arguments)`` in a process forked now; ``start`` sends the arguments (picklable,
    and few: they are copied), ``result`` waits for what it returns or raises.

    Without ``fork``, ``fn`` runs here, in ``result``.
    Use it as a context manager: a worker never started ends with the block, and one whose
    result was not taken (the block failed) is stopped, not waited for.
    """

    def __init__(self, fn: Callable[..., object]):
        self.fn = fn
        self.arguments: dict = {}
        self.running = False  # started, and its result not taken yet
        self.child: multiprocessing.process.BaseProcess | None = None
        if forking():
            context = multiprocessing.get_context("fork")
            self.connection, theirs = context.Pipe()
            self.child = context.Process(
                target=serve, args=(fn, theirs, self.connection), daemon=True
            )
            self.child.start()
            theirs.close()

    def start(self, **arguments) -> None:
        self.arguments = arguments
        if self.child is not None:
            self.connection.send(arguments)
            self.running = True

    def result(self) -> object:
        if self.child is None:
            return self.fn(**self.arguments)
        ok, value = self.connection.recv()
        self.running = False
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self.child is not None:
            if self.running:
                self.child.terminate()  # what it makes is written whole or made again
            self.connection.close()  # a child still waiting for its arguments sees the end
            self.child.join()
            self.child = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(fn: Callable[..., object], connection: Connection, parents: Connection) -> None:
    parents.close()  # else the child would hold the pipe open and never see the parent end it
    try:
        arguments = connection.recv()
    except EOFError:
        return  # the build stopped before it needed the work
    try:
        connection.send((True, fn(**arguments)))
    except Exception as e:
        connection.send((False, e))

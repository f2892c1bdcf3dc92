"""A function run on another core, in a process forked before it is given its arguments.

The data downloads are made so, beside the pages. Forked before the archive is loaded, the
child shares no posts with the build: after a fork, each process copies every page of the
shared heap that it writes to, and CPython writes to an object each time it reads one (its
reference count). Forked after the load, the build copied its own 400 MB of posts back at
100,000 posts, a tenth of a second of every build, and the child much of it too.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection


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
        if "fork" in multiprocessing.get_all_start_methods():
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

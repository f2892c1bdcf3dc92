"""Terminal output: rich progress on a terminal, one summary line in CI."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from communique.errors import CommuniqueError

T = TypeVar("T")

console = Console(stderr=True, highlight=False)


def progress(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield ``items`` with a progress bar when stderr is a terminal, silently otherwise."""
    if not console.is_terminal:
        yield from items
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        yield from bar.track(items, total=total, description=description)


@contextlib.contextmanager
def fail_on(*errors: type[BaseException]) -> Iterator[None]:
    """Turn an expected failure into one clear line and exit status 1, never a traceback."""
    from invoke import Exit

    try:
        yield
    except (CommuniqueError, *errors) as e:
        raise Exit(f"error: {said(e) if isinstance(e, OSError) else e}", code=1) from None


def said(e: OSError) -> str:
    """An OSError as one line says it: the file first (a copy's or a move's two), then why;
    Python's own "[Errno 28] No space left on device: '...'" has the file last, in quotes."""
    why = e.strerror or str(e)
    if e.filename is None:
        return why
    where = e.filename if e.filename2 is None else f"{e.filename} -> {e.filename2}"
    return f"{where}: {why}"

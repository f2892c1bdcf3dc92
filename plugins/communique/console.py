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
        if isinstance(e, OSError) and e.filename is not None:  # as the build says it
            raise Exit(f"error: {e.filename}: {e.strerror}", code=1) from None
        raise Exit(f"error: {e}", code=1) from None

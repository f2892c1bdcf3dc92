"""Pelican glue: the archive's pages are made by one generator that reads the store, and the
build ends (``finalized``) by removing from ``output/`` whatever it did not make.

A build runs in this order: the journal records that it started; ``output/`` is walked on
another core while the archive loads; the pages are written; Pelican writes its own pages and
the theme's files; then the sweep, the manifest, and the journal's "finished".
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from communique.console import console, said
from communique.errors import CommuniqueError
from communique.settings import Settings, from_pelican
from communique.signing import Signer, signer_from
from communique.site import model
from communique.site.build import build
from communique.site.downloads import write_downloads
from communique.site.freshness import Journal, MonthCache, Output, read_manifest, scan, stamp
from communique.site.layout import OWN, an_account_could_hold
from communique.site.pages import BuildSummary
from communique.site.parallel import Worker
from communique.site.templates import chrome, site_globals
from communique.store import Store, paused_gc
from communique.vault import key_from


@dataclass
class Run:
    """A build between the archive's generator and Pelican's end: what the sweep needs."""

    journal: Journal
    walk: Worker  # the scan of output/, started with the build
    manifest: dict[str, list]  # what the last build made: read once, for the scan and the build
    signer: Signer | None  # the key that signs the sums, if the environment gives one
    output: Output | None = None
    summary: BuildSummary | None = None
    files: list[str] = field(default_factory=list)  # made beside ``output``: the downloads
    pelican: set[str] = field(default_factory=set)  # what Pelican wrote itself


RUN: Run | None = None  # the build under way in this process (Pelican runs one at a time)


@contextlib.contextmanager
def one_line() -> Iterator[None]:
    """A failure of the plugin's own (a full disk, a folder that cannot be written, a bad
    input) as one line that names the file at fault, not Pelican's traceback of the plugin."""
    try:
        yield
    except OSError as e:
        raise SystemExit(f"error: {said(e)}") from None
    except CommuniqueError as e:
        raise SystemExit(f"error: {e}") from None


class ArchiveGenerator(Generator):
    def generate_context(self) -> None:
        pass

    @paused_gc()
    def generate_output(self, writer) -> None:
        with one_line():
            self.build(from_pelican(self.settings))

    def build(self, settings: Settings) -> None:
        run = current()
        # Forked before the archive is loaded: it shares none of its posts.
        with Worker(write_downloads) as downloads, run.walk:
            archive = model.published(
                Store(settings.archive_path, key=key_from()),
                settings,
                cache=MonthCache(settings.archive_path, settings.cache_path / "store"),
            )
            for name in archive.left_out:
                console.print(
                    f"communique: {settings.archive_path / name}: @{name} is not in ACCOUNTS;"
                    " left out of the site (add it to ACCOUNTS to publish it)"
                )
            found = run.walk.result()
            cache = settings.cache_path
            run.output = Output(
                Path(self.output_path),
                cache / "manifest.json",
                found,
                cache / "listings.json",
                previous=run.manifest,
            )
            run.summary, run.files = build(
                archive,
                settings,
                run.output,
                stamp=stamp(settings.key(), settings.theme),
                now=settings.now(),
                downloads=downloads,
                staff=self.staff_folders(),
                signer=run.signer,
            )
        run.summary.checked = found.read

    def staff_folders(self) -> tuple[str, ...]:
        """The folders of the staff's pages, which Pelican writes (PAGE_URL): its generators
        have read them all before any writes."""
        pages = [*self.context.get("pages", ()), *self.context.get("hidden_pages", ())]
        return tuple(p.url.rstrip("/") for p in pages if p.url.endswith("/"))


def current() -> Run:
    global RUN
    if RUN is None:
        raise CommuniqueError("communique: the plugin's signals were not connected")
    return RUN


def start(pelican) -> None:
    """A new build: the journal says so before anything is written, and ``output/`` is
    walked on another core from now on, while Pelican makes its pages and the archive loads.
    The walk is forked with the manifest read: the build reads it once, and the walk sends
    back only the few files not as written. Nothing of an earlier build in this process is
    carried over."""
    global RUN
    if RUN is not None:  # a build before it that stopped short (``pelican -r`` goes on)
        RUN.walk.close()
    with one_line():
        settings = from_pelican(pelican.settings)
        # Before anything is written: a key that cannot be had stops the build unchanged.
        signer = signer_from(os.environ, [settings.base, settings.output_path])
        journal = Journal(settings.cache_path / "journal.json")
        finished = journal.begin()
    manifest = read_manifest(settings.cache_path / "manifest.json")
    walk = Worker(functools.partial(scan, entries=manifest))
    walk.start(
        output=Path(pelican.settings["OUTPUT_PATH"]),
        manifest=settings.cache_path / "manifest.json",
        by_bytes=not finished,
        listings=settings.cache_path / "listings.json",
    )
    RUN = Run(journal, walk, manifest, signer)


def written(path: str, context: object = None) -> None:
    """A file Pelican wrote itself (a staff page): the sweep keeps it."""
    if RUN is not None:
        RUN.pelican.add(os.path.abspath(path))


def copied(generator) -> None:
    """The static files Pelican copies (``STATIC_PATHS``): the sweep keeps them."""
    if RUN is not None:
        for static in generator.staticfiles:
            RUN.pelican.add(os.path.abspath(os.path.join(generator.output_path, static.save_as)))


def theme_files(settings: dict) -> set[str]:
    """What Pelican copies of the theme (``THEME_STATIC_PATHS`` into ``THEME_STATIC_DIR``)."""
    out = os.path.join(settings["OUTPUT_PATH"], settings.get("THEME_STATIC_DIR", "theme"))
    ignores = settings.get("IGNORE_FILES") or []
    found = set()
    for path in settings.get("THEME_STATIC_PATHS", ["static"]):
        source = Path(settings["THEME"], path)
        if source.is_file():
            found.add(os.path.abspath(os.path.join(out, source.name)))
        for item in source.rglob("*") if source.is_dir() else ():
            parts = item.relative_to(source).parts
            if item.is_file() and not any(fnmatch.fnmatch(p, i) for p in parts for i in ignores):
                found.add(os.path.abspath(os.path.join(out, *parts)))
    return found


@paused_gc()  # the manifest's rows: 100,000 tuples beside every post the build still holds
def finish(pelican) -> None:
    """Remove what this build did not make, save the manifest, and record the build done."""
    global RUN
    run, RUN = RUN, None
    if run is None or run.output is None or run.summary is None:
        return  # the archive's generator did not run to its end: nothing is vouched for
    settings = from_pelican(pelican.settings)
    root = os.path.abspath(pelican.settings["OUTPUT_PATH"])
    pelican_files = run.pelican | theme_files(pelican.settings)
    kept = {os.path.relpath(p, root).replace(os.sep, "/") for p in pelican_files}
    for rel in sorted(kept):
        if an_account_could_hold(rel):
            raise SystemExit(
                f"error: {root}/{rel}: Pelican wrote it where an account's pages may go; in"
                f" pelican.conf.py, save it under {OWN}/ (PAGE_SAVE_AS, THEME_STATIC_DIR...)"
            )
    with one_line():
        run.summary.removed = run.output.sweep(kept | set(run.files), settings.search)
        run.journal.finish()
    made = run.output.made
    run.summary.written, run.summary.unchanged = made.written, made.unchanged
    console.print(f"communique: {run.summary.line()}")
    if not settings.siteurl:
        console.print(
            f"communique: SITEURL is not set, so feeds link to {settings.public_url};"
            " set it in pelican.conf.py before publishing"
        )


def add_globals(generator) -> None:
    """Staff pages rendered by Pelican share the archive's base template and its globals."""
    settings = from_pelican(generator.settings)
    generator.env.globals.setdefault("site", site_globals(settings, settings.now()))
    generator.env.globals.setdefault("feeds", [])
    generator.env.globals.setdefault("chrome", chrome(generator.env))


def get_generators(pelican) -> type[Generator]:
    """Asked at the start of every build (``pelican -r`` builds again and again)."""
    start(pelican)
    return ArchiveGenerator


def register() -> None:
    # Named functions: blinker holds weak references, so a lambda would be collected unseen.
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_globals)
    signals.content_written.connect(written)
    signals.static_generator_finalized.connect(copied)
    signals.finalized.connect(finish)

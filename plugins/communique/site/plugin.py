"""Pelican glue: the archive's pages are written by one generator that reads the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from communique.console import console
from communique.errors import CommuniqueError, StoreError
from communique.site import build as site
from communique.site import model as archive
from communique.site.downloads import write_downloads
from communique.site.parallel import Worker
from communique.site.withheld import load_redactions
from communique.store import Store, paused_gc


def plugin_settings(settings: dict) -> dict:
    """Pelican's settings with the paths communique needs, resolved against the project."""
    base = Path(settings.get("PATH", ".")).resolve().parent
    return {"BASE": base, "ARCHIVE_PATH": "content/archive", "TRIPS_PATH": "content/trips"} | {
        k: v for k, v in settings.items() if k.isupper()
    }


def build_date(settings: dict) -> datetime:
    """``BUILD_DATE`` pins the build's clock (tests, reproducible builds); otherwise now."""
    fixed = settings.get("BUILD_DATE")
    return datetime.fromisoformat(fixed).replace(tzinfo=UTC) if fixed else datetime.now(UTC)


class ArchiveGenerator(Generator):
    def generate_context(self) -> None:
        pass

    @paused_gc()
    def generate_output(self, writer) -> None:
        settings = plugin_settings(self.settings)
        store = Store(Path(settings["BASE"]) / settings["ARCHIVE_PATH"])
        # Forked before the archive is loaded: the process that makes the data downloads
        # shares none of its posts (see communique.site.parallel).
        with Worker(write_downloads) as downloads:
            self.build(settings, store, downloads)

    def build(self, settings: dict, store: Store, downloads: Worker) -> None:
        try:
            loaded = archive.load(
                store,
                cache=Path(settings["BASE"]) / settings.get("CACHE_PATH", "cache") / "store",
                support_hashtags=settings.get("SUPPORT_HASHTAGS", []),
                redactions=load_redactions(settings),
                hide_handles=settings.get("HIDE_OTHER_HANDLES") or "",
                handle_label=settings.get("OTHER_HANDLE_LABEL") or "a customer",
            )
            summary = site.build(
                loaded, settings, Path(self.output_path), build_date(settings), downloads
            )
        except (CommuniqueError, StoreError) as e:
            # One line that names the file at fault, not Pelican's traceback of the plugin.
            raise SystemExit(f"error: {e}") from None
        console.print(f"communique: {summary.line()}")
        if not settings.get("SITEURL"):
            console.print(
                "communique: SITEURL is not set, so feeds link to http://localhost:8000;"
                " set it in pelican.conf.py before publishing"
            )


def add_globals(generator) -> None:
    """Staff pages rendered by Pelican share the archive's base template and its globals."""
    settings = plugin_settings(generator.settings)
    generator.env.globals.setdefault("site", site.site_globals(settings, build_date(settings)))
    generator.env.globals.setdefault("feeds", [])
    generator.env.globals.setdefault("chrome", site.chrome(generator.env))


def get_generators(pelican) -> type[Generator]:
    return ArchiveGenerator


def register() -> None:
    # Named functions: blinker holds weak references, so a lambda would be collected unseen.
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_globals)

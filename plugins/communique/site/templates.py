"""The Jinja environment every page is rendered with, and what every page shows alike."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from communique.settings import Settings
from communique.site import times
from communique.site.freshness import template_cache
from communique.site.layout import OWN
from communique.site.render import visible

DICT_ATTRIBUTES = frozenset(dir(dict))


class DictEnvironment(Environment):
    """Jinja looks ``post.id`` up as an attribute first, then as a key; a dict has no such
    attribute, and the exception raised and caught on every lookup was a third of a page's
    rendering. Same result, without the exception: a dict's own attributes still come first."""

    def getattr(self, obj: object, attribute: str) -> object:
        if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_env(theme: Path, site: dict, zone: tzinfo, cache: Path | None = None) -> Environment:
    """The templates' environment, showing times in ``zone``. With ``cache``, compiled
    templates are kept there between builds: compiling them again is a tenth of a second of
    every build."""
    env = DictEnvironment(
        loader=FileSystemLoader(str(theme / "templates")),
        bytecode_cache=template_cache(cache) if cache is not None else None,
        auto_reload=False,  # not changed during a build: no stat of base.html for every page
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        # Names, alt texts, places and titles are untrusted too: a right-to-left override in
        # a display name must show as a code point, not turn the page around it.
        finalize=lambda value: visible(value) if type(value) is str else value,
    )
    env.globals["site"] = site
    env.globals["chrome"] = chrome(env)
    env.filters["day"] = lambda iso: times.day(iso, zone)
    env.filters["when"] = lambda iso: times.when(iso, zone)
    # One segment of a path: a "/" in a name the payload gave ("../../i/flow/login") would
    # lead the link away from the account it names.
    env.filters["urlpart"] = lambda s: quote(str(s), safe="")
    env.filters["number"] = number
    return env


def number(n: int) -> str:
    """A count as a reader reads it, "12,345": the one way every page writes a number."""
    return f"{n:,}"


def chrome(env: Environment) -> dict[str, Markup]:
    """The header and footer that every page shows the same: rendered once for the build, not
    once for each of its pages (their twenty printed values were a noticeable part of it)."""
    return {
        part: Markup(env.get_template(f"_{part}.html").render()) for part in ("header", "footer")
    }


def site_globals(settings: Settings, now: datetime) -> dict:
    siteurl = settings.siteurl.rstrip("/")
    return {
        "name": settings.sitename,
        "url": siteurl,
        "base": settings.site_base,
        "own": f"{settings.site_base}/{OWN}",  # the site's own pages: see ``layout``
        "built": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "audiences": settings.audiences,
    }

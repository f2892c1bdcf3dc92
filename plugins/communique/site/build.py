"""Writing the archive's pages straight from the store, one compiled template per page kind.

Pelican's own model (one Article object a post, every list rendered from templates) costs
milliseconds a post; an official account can have 100,000. So each post's card is rendered once
and reused by every list it appears in, and a page whose bytes did not change is not rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
import orjson
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from communique.errors import CommuniqueError
from communique.files import digest, write_atomic
from communique.site import activity, feeds, geo, search, trips
from communique.site.downloads import write_downloads
from communique.site.freshness import read_kept
from communique.site.media import publish_media
from communique.site.model import AUDIENCE_KINDS, Archive, audience_filter, media_folder, media_path
from communique.site.parallel import Worker
from communique.site.render import excerpt, post_html, signature, tag_href, visible
from communique.site.withheld import REASONS
from communique.store import Store


@dataclass
class BuildSummary:
    posts: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    media: int = 0
    feeds: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.posts:,} posts: {self.pages:,} pages and {self.feeds:,} feeds"
            f" ({self.written:,} written, {self.unchanged:,} unchanged, {self.removed:,} removed),"
            f" {self.media:,} media"
        )


class Writer:
    """Writes files under ``output``, skipping those whose bytes or inputs did not change.

    For each file it keeps, in the cache folder (not in the published site), the hash of the
    bytes it wrote and a key of the inputs they came from: a page whose key is unchanged is not
    even rendered. A file it wrote last time and not this time (a list grown shorter) is removed.
    """

    def __init__(self, output: Path, cache_file: Path):
        self.output = output
        self.root = str(output)
        self.cache_file = cache_file
        self.previous: dict[str, list] = read_kept(cache_file)
        self.current: dict[str, list] = {}
        self.written = self.unchanged = 0

    def fresh(self, rel: str, key: str, present: bool | None = None) -> bool:
        """True (and the file kept) when ``rel`` was written last time from the same inputs.

        ``present`` is what the caller knows of the file being there, when it knows cheaper
        than a ``stat`` of it (``listing``); None, and the file is looked for.
        """
        before = self.previous.get(rel)
        if before and before[1] == key and (self.exists(rel) if present is None else present):
            self.current[rel] = before
            self.unchanged += 1
            return True
        return False

    def write(self, rel: str, content: str | bytes, key: str | None = None) -> None:
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or "" in parts:
            raise CommuniqueError(f"refusing to write outside the output folder: {rel!r}")
        data = content.encode() if isinstance(content, str) else content
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.current[rel] = [digest, key]
        path = f"{self.root}/{rel}"
        if (self.previous.get(rel) or [None])[0] == digest and os.path.exists(path):
            self.unchanged += 1
            return
        try:
            f = open(path, "wb")  # noqa: SIM115 (a folder is made only when it is missing)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            f = open(path, "wb")  # noqa: SIM115
        with f:
            f.write(data)
        self.written += 1

    def exists(self, rel: str) -> bool:
        return os.path.exists(f"{self.root}/{rel}")

    def listing(self, rel_dir: str) -> set[str]:
        """The names in a folder of the output (none when it is missing)."""
        try:
            return set(os.listdir(f"{self.root}/{rel_dir}"))
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def keep(self, rel: str, noted: list | None = None) -> None:
        """Note a file written by other means (published media), so that it is removed in turn
        when a later build no longer makes it: a post withheld after it was published. What is
        ``noted`` of it is kept for the next build (``kept``)."""
        self.current[rel] = ["file", noted]

    def kept(self) -> dict[str, tuple[str, list | None]]:
        """The files kept last time, by their path without suffix, with what was noted."""
        return {
            rel.rpartition(".")[0]: (rel, entry[1])
            for rel, entry in self.previous.items()
            if entry[0] == "file"
        }

    def finish(self) -> int:
        """Remove what is no longer generated, save the hashes; return how many were removed."""
        removed = 0
        for rel in self.previous.keys() - self.current.keys():
            try:
                (self.output / rel).unlink()
                removed += 1
            except FileNotFoundError:
                pass
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        self.cache_file.write_bytes(orjson.dumps(self.current, option=orjson.OPT_SORT_KEYS))
        return removed


class FeedTitles:
    """Feed item titles by post key, kept between builds: a title that does not fit as it is
    is cut by twitter-text's count, whose import alone is a tenth of a second, and a build
    after a few new posts makes its feeds again mostly of posts titled before."""

    def __init__(self, path: Path):
        self.path = path
        self.before: dict[str, str] = read_kept(path)
        self.made: dict[str, str] = {}

    def get(self, key: str, text: str, link: str) -> str:
        if key not in self.made:
            self.made[key] = self.before.get(key) or feeds.post_title(text, link)
        return self.made[key]

    def save(self, live: Iterable[str]) -> None:
        """Keep the titles made now and those before of posts whose key is still ``live``
        (unchanged, their feeds were not made again)."""
        if not self.made:
            return  # no feed was made again: what is kept is still right
        live = set(live)  # only now: a build that makes no feed spends nothing on it
        kept = {k: t for k, t in self.before.items() if k in live} | self.made
        with contextlib.suppress(OSError):  # not kept: titles are made again next time
            write_atomic(self.path, orjson.dumps(kept, option=orjson.OPT_SORT_KEYS), sync=False)


@dataclass
class Lazy:
    """A page's context value computed only if the page is rendered at all."""

    make: Callable[[], object]


def withheld_note(count: int, log: str) -> str:
    """What a feed says of the posts it leaves out, so a gap in it is never silent."""
    if not count:
        return ""
    posts = "post" if count == 1 else "posts"
    return f"{count:,} {posts} withheld from publication are left out; see {log}"


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


def make_env(theme: Path, site: dict, cache: Path | None = None) -> Environment:
    """The templates' environment. With ``cache``, compiled templates are kept there between
    builds: compiling them again is a tenth of a second of every build. Jinja keys them by
    their source only, so the folder is named for the options they are compiled with."""
    compiled = None
    if cache is not None:
        folder = cache / digest(inspect.getsource(make_env), jinja2.__version__, sys.version)
        with contextlib.suppress(OSError):  # no folder: templates are compiled every build
            folder.mkdir(parents=True, exist_ok=True)
            compiled = FileSystemBytecodeCache(str(folder))
    env = DictEnvironment(
        loader=FileSystemLoader(str(theme / "templates")),
        bytecode_cache=compiled,
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
    env.filters["day"] = lambda iso: iso[:10]
    env.filters["when"] = lambda iso: f"{iso[:10]} {iso[11:16]} UTC" if iso else ""
    env.filters["urlpart"] = lambda s: quote(str(s))
    return env


def chrome(env: Environment) -> dict[str, Markup]:
    """The header and footer that every page shows the same: rendered once for the build, not
    once for each of its pages (their twenty printed values were 6% of rendering a page)."""
    return {
        part: Markup(env.get_template(f"_{part}.html").render()) for part in ("header", "footer")
    }


def site_globals(settings: dict, now: datetime) -> dict:
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    return {
        "name": settings.get("SITENAME", "Communique"),
        "url": siteurl,
        "base": urlsplit(siteurl).path.rstrip("/"),
        "built": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "audiences": settings.get("AUDIENCES") or {},
    }


# The builder a forked worker inherits: set just before the pool starts, so workers share the
# parent's archive, planned pages and compiled templates by copy-on-write instead of pickling
# 100,000 posts.
_FORKED: SiteBuilder | None = None
PARALLEL_MIN = 2000


def _run_slice(method: str, start: int, stop: int) -> tuple[object, dict[str, list], int, int]:
    builder = _FORKED
    assert builder is not None
    builder.writer.current, builder.writer.written, builder.writer.unchanged = {}, 0, 0
    result = getattr(builder, method)(start, stop)
    w = builder.writer
    return result, w.current, w.written, w.unchanged


class SiteBuilder:
    """Renders every page kind of the archive into a Writer."""

    def __init__(
        self,
        archive: Archive,
        settings: dict,
        output: Path,
        now: datetime | None = None,
        downloads: Worker | None = None,
    ):
        self.archive = archive
        self.downloads = downloads
        self.settings = settings
        self.output = output
        self.now = now or datetime.now(UTC)
        self.site = site_globals(settings, self.now)
        self.base = self.site["base"]
        self.store_root = Path(settings["BASE"]) / settings["ARCHIVE_PATH"]
        self.theme = Path(settings["BASE"]) / settings.get("THEME", "theme")
        self.cache = Path(settings["BASE"]) / settings.get("CACHE_PATH", "cache")
        self.env = make_env(self.theme, self.site, self.cache / "templates")
        self.per_page = int(settings.get("POSTS_PER_PAGE", 50))
        self.signatures = settings.get("SIGNATURES") or {}
        self.writer = Writer(output, self.cache / "communique-pages.json")
        self.trips: list[tuple] = []
        self.audiences: dict[str, list[dict]] = {}
        self.feed_items: dict[str, feeds.FeedItem] = {}
        self.titles = FeedTitles(self.cache / "communique-feed-titles.json")
        self.feed_size = int(settings.get("FEED_MAX_ITEMS") or 50)
        self.summary = BuildSummary(posts=len(archive.posts))
        self.cards: dict[str, Markup] = {}
        self.keys: dict[str, str] = {}  # post id -> key of everything its card and page show
        self.position: dict[str, int] = {}  # post id -> its place in archive.posts
        self.jobs: list[tuple] = []  # pages to render, by the place of a post they show
        self.media: list[tuple] = []  # (post, media item, stored file) to publish
        self.trips_of: dict[str, list] = {}
        self.templates = {}
        self.stamp = digest(
            sorted((p.name, p.read_bytes()) for p in (self.theme / "templates").glob("*.html")),
            {
                k: settings.get(k)
                for k in (
                    "SITEURL",
                    "SITENAME",
                    "SIGNATURES",
                    "AUDIENCES",
                    "POSTS_PER_PAGE",
                    "FEED_MAX_ITEMS",
                )
            },
            self.base,
        )

    # -- helpers -----------------------------------------------------------------------------

    def template(self, name: str):
        if name not in self.templates:
            self.templates[name] = self.env.get_template(name)
        return self.templates[name]

    def page(
        self,
        rel_dir: str,
        template: str,
        key: object = None,
        anchor: dict | None = None,
        **context,
    ) -> None:
        """Write ``<rel_dir>/index.html`` from a template, unless its inputs' key is unchanged.

        A page with an ``anchor`` (a post it shows) is rendered later, in ``render_jobs``, by
        the worker that renders the posts around that one: their cards are at hand there.
        """
        rel, key, fresh = self.plan(rel_dir, template, key)
        if not fresh:
            self.queue(rel, template, key, anchor, context)

    def plan(self, rel_dir: str, template: str, key: object) -> tuple[str, str | None, bool]:
        """A page's file, its full key, and whether it is fresh (kept without rendering)."""
        rel = f"{rel_dir}/index.html" if rel_dir else "index.html"
        self.summary.pages += 1
        if key is not None:
            key = digest(self.stamp, template, key)
            if self.writer.fresh(rel, key):
                return rel, key, True
        return rel, key, False

    def queue(
        self, rel: str, template: str, key: str | None, anchor: dict | None, context: dict
    ) -> None:
        """Render a page now, or with the posts around its ``anchor`` in ``render_jobs``."""
        if anchor is None:
            self.render(rel, template, key, context)
        else:
            self.jobs.append((self.position[anchor["id"]], rel, template, key, context))

    def render(self, rel: str, template: str, key: str | None, context: dict) -> None:
        context.setdefault("feeds", [])
        context = {k: v.make() if isinstance(v, Lazy) else v for k, v in context.items()}
        self.writer.write(rel, self.template(template).render(**context), key)

    def render_jobs(self, start: int, stop: int) -> None:
        for _, *job in self.jobs[start:stop]:
            self.render(*job)

    def card(self, post: dict) -> Markup:
        """A post as every list shows it, rendered once and only when some page needs it."""
        if post["id"] not in self.cards:
            html = post_html(post, self.base)
            rendered = self.template("_card.html").render(
                post=self.derive(post), html=html, archive=self.archive
            )
            self.cards[post["id"]] = Markup(rendered)
        return self.cards[post["id"]]

    def post_key(self, post: dict) -> str:
        get = post.get  # called for every post of every build: lookups bound once
        archive = self.archive
        reply_to = get("reply_to") or {}
        cid = get("conversation_id")
        trips_of = self.trips_of.get(post["id"])
        media = get("media")
        return digest(  # the page's key too: it holds the stamp, and ``withheld`` the template
            self.stamp,
            post["provenance"]["sha256"],
            get("deleted_at"),
            get("deleted_how"),
            get("syndicated_from"),
            [(m.get("src"), m.get("width"), m.get("height")) for m in media] if media else [],
            get("edit_ids"),
            archive.latest.get(post["id"]),
            reply_to.get("id") in archive.by_id,
            (get("quote_of") or {}).get("id") in archive.by_id,
            [(t.slug, t.title) for t in trips_of] if trips_of else [],
            cid if len(archive.threads.get(cid) or ()) > 1 else None,
            get("withheld"),
            get("text"),
            reply_to.get("label"),
        )

    def url(self, rel_dir: str) -> str:
        return f"{self.base}/{quote(rel_dir)}/" if rel_dir else f"{self.base}/"

    def paginate(
        self, rel_dir: str, posts: list[dict], template: str, landing: dict | None = None, **context
    ) -> None:
        """A list (``posts`` oldest first) in pages of POSTS_PER_PAGE, newest first, numbered
        from the oldest.

        ``rel_dir/`` shows the newest page; ``rel_dir/page/1/`` holds the oldest posts. Pages are
        anchored at the start of the record, so new posts change only the newest page: every
        other page keeps its URL and its bytes (permanent links, and cheap incremental builds).
        ``landing`` is context only the newest page shows.
        """
        landing = landing or {}
        count = max(1, -(-len(posts) // self.per_page))
        keys, per_page = self.keys, self.per_page
        # What every page of the list shows alike, keyed once for all of them.
        shared, newest = digest(sorted(context.items())), digest(sorted(landing.items()))
        url = self.url(rel_dir)  # "/" is kept as it is by quote: a page's URL is this and more

        def where(n: int) -> str:
            return rel_dir if n == count else f"{rel_dir}/page/{n}".lstrip("/")

        for n in range(1, count + 1):
            chunk = posts[(n - 1) * per_page : n * per_page]
            nav = {  # no page count: a new page would change every page
                "number": n,
                "newer": (url if n + 1 == count else f"{url}page/{n + 1}/") if n < count else None,
                "older": f"{url}page/{n - 1}/" if n > 1 else None,
            }
            total = len(posts) if n == count else None  # only the newest page says how many
            key = [
                [keys[p["id"]] for p in chunk],
                nav,
                total,
                shared,
                newest if n == count else None,
            ]
            cards = (self.card(p) for p in reversed(chunk))  # rendered only if the page is
            extra = landing if n == count else {}
            self.page(where(n), template, key=key, anchor=chunk[-1] if chunk else None,
                      cards=cards, pager=nav, total=total, **context, **extra)  # fmt: skip

    # -- posts -------------------------------------------------------------------------------

    def publish_media(self) -> None:
        """Copy every post's media into the site as clean files, on every core; note their URLs.

        A file published last time from the same stored file is kept with the size noted then,
        without opening it again.
        """
        self.media = []
        media_folder.cache_clear()
        kept = self.writer.kept()
        for post in [p for p in self.archive.posts if p.get("media")]:  # 5% of posts
            for item in post["media"]:
                item["src"] = None
                source = media_path(self.store_root, post, item)
                if source is None:
                    continue
                stem = os.path.splitext(os.path.basename(item["file"]))[0]
                rel, noted = kept.get(f"{post['account']}/media/{stem}", ("", 0))
                if noted and noted[2] == os.stat(source).st_mtime_ns and self.writer.exists(rel):
                    self.writer.keep(rel, noted)
                    self.show_media(item, rel, noted)
                else:
                    self.media.append((post, item, source))
        with self.parallel("publish_media_slice", len(self.media), least=100) as results:
            pass
        for (_, item, _), published in zip(self.media, chain(*results), strict=True):
            if published:
                self.show_media(item, *published)

    def show_media(self, item: dict, rel: str, noted: list) -> None:
        item["src"] = f"{self.base}/{rel}"
        item["width"] = noted[0] or item.get("width")
        item["height"] = noted[1] or item.get("height")
        self.summary.media += 1

    def publish_media_slice(self, start: int, stop: int) -> list:
        done = []
        for post, item, source in self.media[start:stop]:
            stem = self.output / post["account"] / "media" / Path(item["file"]).stem
            published = publish_media(source, stem, item.get("type", "photo"))
            if published:
                path, (w, h) = published
                rel, noted = path.relative_to(self.output).as_posix(), [w, h]
                self.writer.keep(rel, noted + [source.stat().st_mtime_ns])
                published = rel, noted
            done.append(published)
        return done

    @contextlib.contextmanager
    def parallel(self, method: str, count: int, least: int = PARALLEL_MIN) -> Iterator[list]:
        """Run ``method(start, stop)`` over slices of ``range(count)`` on every core while the
        ``with`` block runs here; then merge what the workers wrote, and list their results."""
        results: list = []
        workers = min(os.cpu_count() or 1, 8)
        if workers < 2 or count < least or "fork" not in multiprocessing.get_all_start_methods():
            yield results
            results.append(getattr(self, method)(0, count))
            return
        global _FORKED
        _FORKED = self
        parts = workers * 4  # a few slices each, so that a worker done early takes another
        slices = [(method, count * i // parts, count * (i + 1) // parts) for i in range(parts)]
        context = multiprocessing.get_context("fork")
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                outcomes = pool.map(_run_slice, *zip(*slices, strict=True))
                _FORKED = None  # the workers have their copy
                yield results
                for result, current, written, unchanged in outcomes:
                    self.writer.current.update(current)
                    self.writer.written += written
                    self.writer.unchanged += unchanged
                    results.append(result)
        finally:
            _FORKED = None

    def derive(self, post: dict) -> dict:
        """A post's title and signature, made from its text (which its key holds, as the
        stamp holds SIGNATURES) the first time a rendered page shows it."""
        if "title" not in post:
            post["signed_by"] = signature(post["text"], self.signatures)
            post["title"] = (
                f"Post withheld: {post['withheld']['label']}"
                if post.get("withheld")
                else excerpt(post["text"]) or f"Post {post['id']}"
            )
        return post

    def post_pages(self) -> None:
        """Every post's place, URL and key (lists are keyed by their posts' keys), and its page.

        What is made from a post's text alone (title, signature) waits for a page that shows
        it: see ``derive``. This loop runs for every post of every build, so names are bound
        once and a fresh page costs a lookup. A post's page is taken to be there when its
        folder is: one listing of each account's posts instead of a ``stat`` of every page (a
        page deleted by hand from its folder is not noticed; delete the folder).
        """
        threads, fresh, post_key = self.archive.threads, self.writer.fresh, self.post_key
        position, keys, base = self.position, self.keys, self.base
        folders = {name: self.writer.listing(f"{name}/status") for name in self.archive.by_account}
        for i, post in enumerate(self.archive.posts):
            post_id, account = post["id"], post["account"]
            position[post_id] = i
            post["url"] = f"{base}/{account}/status/{post_id}/"
            key = keys[post_id] = post_key(post)  # holds the stamp: the page's key too
            rel = f"{account}/status/{post_id}/index.html"
            if fresh(rel, key, post_id in folders[account]):
                continue  # most pages of an incremental build: make no context for them
            cid = post.get("conversation_id")
            context = dict(  # title and signature made by the worker that renders the page
                post=Lazy(lambda post=post: self.derive(post)),
                title=Lazy(lambda post=post: self.derive(post)["title"]),
                card=Lazy(lambda post=post: self.card(post)),
                versions=Lazy(lambda post=post: self.archive.versions(post)),
                latest=self.archive.latest.get(post["id"], post["id"]),
                thread=cid if cid in threads and len(threads[cid]) > 1 else None,
                trips=self.trips_of.get(post["id"], []),
            )
            template = "withheld.html" if post.get("withheld") else "post.html"
            self.queue(rel, template, key, post, context)
        self.summary.pages += len(self.archive.posts)

    # -- lists -------------------------------------------------------------------------------

    def account_pages(self) -> None:
        for name, posts in self.archive.by_account.items():
            info = self.archive.accounts.get(name, {})
            counts = {m: len(ps) for (a, m), ps in self.archive.months.items() if a == name}
            last = posts[-1]["created_at"] if posts else None
            quiet = (
                (self.now.date() - datetime.fromisoformat(last[:10]).date()).days if last else None
            )
            self.paginate(
                name,
                self.archive.shown(posts),
                "timeline.html",
                account=info | {"username": name},
                title=info.get("display_name") or f"@{name}",
                landing={
                    "calendar": activity.calendar_svg(counts, f"{self.base}/{name}", name),
                    "months": sorted(counts, reverse=True),
                    "days_quiet": quiet,
                    "last_post": last,
                },
                feeds=self.feeds_for(name),
            )

    def month_pages(self) -> None:
        for (account, month), posts in self.archive.months.items():
            year, mm = month.split("-")
            self.paginate(
                f"{account}/{year}/{mm}",
                self.archive.shown(posts),
                "list.html",
                title=f"@{account}, {datetime(int(year), int(mm), 1):%B %Y}",
                intro=None,
            )

    def tag_pages(self) -> None:
        tags = self.archive.tags
        for slug, posts in tags.items():
            name = self.archive.tag_names[slug]
            self.paginate(
                f"tags/{slug}",
                self.archive.shown(posts),
                "list.html",
                title=f"#{name}",
                intro=None,
                feeds=self.feeds_for(f"tags/{slug}"),
            )
        index = sorted(
            (
                {"name": self.archive.tag_names[s], "href": tag_href(self.base, s), "count": len(p)}
                for s, p in tags.items()
            ),
            key=lambda t: (-t["count"], t["name"].casefold()),
        )
        self.page("tags", "tags.html", title="Hashtags", tags=index)

    def thread_pages(self) -> None:
        for cid, posts in self.archive.threads.items():
            if len(posts) < 2:
                continue
            support = cid in self.archive.support
            self.page(
                f"threads/{cid}",
                "thread.html",
                key=digest([self.keys[p["id"]] for p in posts], support),
                anchor=posts[-1],
                title=Lazy(lambda first=posts[0]: f"Conversation: {self.derive(first)['title']}"),
                cards=Lazy(lambda posts=posts: [self.card(p) for p in posts]),
                depth=Lazy(lambda posts=posts: {p["id"]: self.depth(p, posts) for p in posts}),
                posts=posts,
                support=support,
            )

    @staticmethod
    def depth(post: dict, posts: list[dict]) -> int:
        ids = {p["id"]: p for p in posts}
        depth = 0
        while (parent := (post.get("reply_to") or {}).get("id")) in ids and depth < 20:
            post = ids[parent]
            depth += 1
        return depth

    def audience_pages(self) -> None:
        audiences = self.settings.get("AUDIENCES") or {}
        for name, rules in audiences.items():
            unknown = {*rules.get("include", []), *rules.get("exclude", [])} - set(AUDIENCE_KINDS)
            if unknown or not name.isidentifier():
                raise CommuniqueError(
                    f"AUDIENCES[{name!r}]: unknown kinds {sorted(unknown)}; known: {AUDIENCE_KINDS}"
                )
            posts = self.audiences[name] = audience_filter(self.archive, rules)
            self.paginate(
                f"audiences/{name}",
                self.archive.shown(posts),
                "list.html",
                title=rules.get("title", name),
                intro=rules.get("description"),
                feeds=self.feeds_for(f"audiences/{name}"),
            )

    def load_trips(self) -> None:
        """Trips written by staff, each with the posts its rules pick; drafts are not published."""
        folder = Path(self.settings["BASE"]) / self.settings.get("TRIPS_PATH", "content/trips")
        published = [t for t in trips.load_trips(folder) if not t.draft] if folder.is_dir() else []
        shown = [p for p in self.archive.posts if not p.get("withheld")]
        assigned = trips.assign(published, shown)
        self.trips = [(t, assigned.get(t.slug, [])) for t in published]
        for trip, posts in self.trips:
            for post in posts:
                self.trips_of.setdefault(post["id"], []).append(trip)

    def trip_pages(self) -> None:
        cards, index_key = [], []
        for trip, posts in self.trips:
            summary = trips.summarize(trip, posts)
            # Everything the page shows comes from the trip as written, its posts (their cards
            # and keys) and the places found for them: unchanged, the page is not rendered.
            key = digest(repr(trip), [self.keys[p["id"]] for p in posts], repr(summary.places))
            self.page(
                f"trips/{trip.slug}",
                "trip.html",
                key=key,
                title=trip.title,
                trip=trip,
                summary=summary,
                days=Lazy(
                    lambda summary=summary: [
                        (day, [self.card(p) for p in day_posts]) for day, day_posts in summary.days
                    ]
                ),
                map=Lazy(
                    lambda trip=trip, summary=summary: (
                        geo.svg_map(summary.places, title=f"Places visited: {trip.title}")
                        if summary.places
                        else None
                    )
                ),
                feeds=self.feeds_for(f"trips/{trip.slug}"),
            )
            cards.append({"trip": trip, "summary": summary})
            cover = summary.cover
            index_key.append(
                (
                    repr(trip),
                    summary.posts,
                    repr(summary.places),
                    cover and [cover.get(k) for k in ("src", "alt", "width", "height")],
                )
            )
        self.page("trips", "trips.html", key=digest(index_key), title="Trips and events",
                  trips=cards)  # fmt: skip

    def home_page(self) -> None:
        latest = self.archive.newest(reversed(self.archive.posts), 20)
        accounts = [
            self.archive.accounts.get(n, {})
            | {"username": n, "count": len(p), "last": p[-1]["created_at"]}
            for n, p in self.archive.by_account.items()
        ]
        self.page(
            "",
            "home.html",
            title=self.site["name"],
            cards=[self.card(p) for p in latest],
            accounts=accounts,
            tags=len(self.archive.tags),
            threads=len(self.archive.threads),
            feeds=self.feeds_for(""),
        )

    def provenance_page(self) -> None:
        rows = []
        for name, posts in self.archive.by_account.items():
            sources: dict[str, int] = {}
            deleted = edited = withheld = 0
            retrieved = None
            for p in posts:  # one pass over the account's posts for every count
                provenance = p["provenance"]
                kind = (
                    "API" if provenance["source"].startswith(("api", "http")) else "archive export"
                )
                sources[kind] = sources.get(kind, 0) + 1
                deleted += bool(p.get("deleted_at"))
                edited += len(p.get("edit_ids") or []) > 1
                withheld += bool(p.get("withheld"))
                if retrieved is None or provenance["retrieved_at"] > retrieved:
                    retrieved = provenance["retrieved_at"]
            rows.append(
                {
                    "account": name,
                    "posts": len(posts),
                    "sources": sorted(sources.items()),
                    "deleted": deleted,
                    "edited": edited,
                    "retrieved": retrieved,
                    "withheld": withheld,
                    "private": self.archive.private[name],
                }
            )
        self.page(
            "provenance", "provenance.html", title="Provenance", rows=rows,
            handles_hidden=len(self.archive.handles_hidden),
            handle_label=self.settings.get("OTHER_HANDLE_LABEL") or "a customer",
        )  # fmt: skip

    def redactions_page(self) -> None:
        """The redaction log: every withheld post, so a reader sees what is missing and why."""
        withheld = sorted(self.archive.withheld, key=lambda p: int(p["id"]))
        self.page("redactions", "redactions.html", title="Withheld posts", posts=withheld,
                  reasons=REASONS)  # fmt: skip

    def downloads_input(self) -> dict:
        """What ``write_downloads`` needs of the build, sent to the process that makes them:
        the trips' posts, and of the archive only what it withholds or shows altered."""
        trips = [({"slug": t.slug, "title": t.title, "start": str(t.start), "end": str(t.end),
                   "summary": t.summary}, [p["id"] for p in posts])
                 for t, posts in self.trips]  # fmt: skip
        altered, by_id = self.archive.altered, self.archive.by_id
        shown = Archive(posts=[], accounts={}, withheld=self.archive.withheld, altered=altered,
                        by_id={i: by_id[i] for i in altered})  # fmt: skip
        return dict(store=Store(self.store_root), folder=self.output / "data",
                    siteurl=self.site["url"], trips=trips,
                    stamp=self.cache / "communique-downloads.json", shown=shown)  # fmt: skip

    def data_page(self, downloads: list) -> None:
        self.page("data", "data.html", title="Data downloads", downloads=downloads,
                  withheld=len(self.archive.withheld),
                  altered=bool(self.archive.altered))  # fmt: skip

    def search_page(self) -> None:
        # The one page that runs a script: Pagefind's search needs WebAssembly.
        bundles = [
            f"{self.base}/{search.bundle(e)}/" for e in search.shards(len(self.archive.posts))
        ]
        self.page("search", "search.html", title="Search", wasm=True, bundles=bundles,
                  withheld=len(self.archive.withheld))  # fmt: skip

    def feeds_for(self, rel_dir: str) -> list[dict]:
        """The feeds of a page: linked from it with rel=alternate, and written by write_feeds."""
        here = f"{self.base}/{rel_dir}/" if rel_dir else f"{self.base}/"
        return [
            {"type": "application/atom+xml", "title": "Atom feed", "label": "Atom",
             "href": f"{here}atom.xml"},
            {"type": "application/rss+xml", "title": "RSS feed", "label": "RSS",
             "href": f"{here}rss.xml"},
        ]  # fmt: skip

    def write_feed(self, rel_dir: str, title: str, posts: list[dict]) -> None:
        """Atom and RSS of the newest posts of a page; every link absolute, as readers need."""
        siteurl = self.site["url"] or "http://localhost:8000"
        page = f"{siteurl}/{rel_dir}/" if rel_dir else f"{siteurl}/"
        # Posts the bridge made from a feed are not news: feeding them back would loop.
        withheld = sum(1 for p in posts if p.get("withheld")) if self.archive.withheld else 0
        fresh = (
            p for p in reversed(posts) if not p.get("syndicated_from") and not p.get("withheld")
        )
        latest = self.archive.newest(fresh, self.feed_size)
        key = digest(self.stamp, title, withheld, [self.keys[p["id"]] for p in latest])
        rels = [f"{rel_dir}/{kind}" if rel_dir else kind for kind in ("atom.xml", "rss.xml")]
        self.summary.feeds += 2
        if all(self.writer.fresh(rel, key) for rel in rels):
            return
        items = [self.feed_item(p, siteurl) for p in latest]
        updated = latest[0]["created_at"] if latest else self.site["built"]
        for kind, render in (("atom.xml", feeds.atom), ("rss.xml", feeds.rss)):
            feed = feeds.Feed(
                id=page, title=f"{title} · {self.site['name']}", link=page,
                feed_url=f"{page}{kind}", updated=updated, items=items,
                subtitle=withheld_note(withheld, f"{siteurl}/redactions/"),
            )  # fmt: skip
            self.writer.write(f"{rel_dir}/{kind}" if rel_dir else kind, render(feed), key)

    def feed_item(self, post: dict, siteurl: str) -> feeds.FeedItem:
        if post["id"] not in self.feed_items:
            link = f"{siteurl}/{post['account']}/status/{post['id']}/"
            body = post_html(post, siteurl)
            for m in post.get("media") or []:
                if m.get("src") and m.get("type") == "photo":
                    body += Markup('<p><img src="{}" alt="{}"></p>').format(
                        siteurl + m["src"][len(self.base) :], m.get("alt") or ""
                    )
            self.feed_items[post["id"]] = feeds.FeedItem(
                id=link, title=self.titles.get(self.keys[post["id"]], post["text"], link),
                link=link,
                published=post["created_at"], updated=post["created_at"], content_html=str(body),
                author=f"@{post['account']}",
                categories=[e["tag"] for e in post["entities"]["hashtags"]],
            )  # fmt: skip
        return self.feed_items[post["id"]]

    def feed_pages(self) -> None:
        self.write_feed("", "Everything", self.archive.posts)
        for name, posts in self.archive.by_account.items():
            self.write_feed(name, f"@{name}", posts)
        for slug, posts in self.archive.tags.items():
            self.write_feed(f"tags/{slug}", f"#{self.archive.tag_names[slug]}", posts)
        for name, rules in (self.settings.get("AUDIENCES") or {}).items():
            self.write_feed(f"audiences/{name}", rules.get("title", name), self.audiences[name])
        for trip, posts in self.trips:
            self.write_feed(f"trips/{trip.slug}", trip.title, posts)

    def build(self) -> BuildSummary:
        self.publish_media()
        self.load_trips()
        with self.downloads or Worker(write_downloads) as downloads:  # on another core
            downloads.start(**self.downloads_input())
            # Plan the pages of posts and lists, then render those not fresh on every core, by
            # the place of a post they show: a worker renders a post's card once for all.
            self.post_pages()
            self.account_pages()
            self.month_pages()
            self.tag_pages()
            self.thread_pages()
            self.audience_pages()
            self.jobs.sort(key=lambda job: job[0])
            with self.parallel("render_jobs", len(self.jobs)):
                self.trip_pages()
                self.provenance_page()
                self.redactions_page()
                self.feed_pages()
                self.search_page()
                self.home_page()
            # Rendered: their contexts hold closures over this builder, a cycle that only the
            # cycle collector would free, walking every post to do so.
            self.jobs.clear()
            made = downloads.result()
        self.data_page(made)
        self.titles.save(self.keys.values())
        self.summary.removed = self.writer.finish()
        self.summary.written, self.summary.unchanged = self.writer.written, self.writer.unchanged
        return self.summary


def build(
    archive: Archive,
    settings: dict,
    output: Path,
    now: datetime | None = None,
    downloads: Worker | None = None,
) -> BuildSummary:
    """The site of ``archive`` in ``output``. ``downloads`` is a worker forked for
    ``write_downloads`` before the archive was loaded (else one is forked during the build)."""
    os.makedirs(output, exist_ok=True)
    return SiteBuilder(archive, settings, output, now, downloads).build()

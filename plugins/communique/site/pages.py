"""The pages of a build: each planned, keyed, and rendered only when its key changed.

Pelican's own model (one Article object a post, every list rendered from templates) costs
milliseconds a post; an official account can have 100,000. So each post's card is rendered once
and reused by every list it appears in, and a page whose inputs did not change is not rendered.
Pages that show posts are rendered on every core, each by the worker that renders the posts
around it (``render_slice``): their cards are at hand there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cached_property, partial
from urllib.parse import quote

from jinja2 import Environment
from markupsafe import Markup, escape

from communique.files import digest
from communique.settings import Settings
from communique.site import times
from communique.site.freshness import Output, Slice
from communique.site.layout import moved_from
from communique.site.model import Archive
from communique.site.render import (
    data_block,
    excerpt,
    post_html,
    short_links,
    signature,
    title_text,
)
from communique.site.trips import Trip

FEED_LINKS = {
    "atom": {"type": "application/atom+xml", "title": "Atom feed", "label": "Atom"},
    "rss": {"type": "application/rss+xml", "title": "RSS feed", "label": "RSS"},
}


@dataclass
class Lazy:
    """A page's context value computed only if the page is rendered at all. ``key``: what it
    is made from, for a list whose pages are keyed by their context (``lists.paginate``)."""

    make: Callable[[], object]
    key: object = None


@dataclass
class BuildSummary:
    posts: int = 0
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    media: int = 0
    feeds: int = 0
    checked: int = 0  # files read whole: the last build did not finish, or left no record

    def line(self) -> str:
        checked = (
            f"; {self.checked:,} files checked by their bytes (no record that the last build"
            " finished)"
            if self.checked
            else ""
        )
        return (
            f"{self.posts:,} posts: {self.pages:,} pages and {self.feeds:,} feeds"
            f" ({self.written:,} written, {self.unchanged:,} unchanged, {self.removed:,} removed),"
            f" {self.media:,} media{checked}"
        )


def original(account: str, post_id: str) -> str:
    """A post's address on X: the page's record of where the copy came from."""
    return f"https://x.com/{quote(account, safe='')}/status/{quote(post_id, safe='')}"


def held_here(post: dict) -> tuple[str, str]:
    """A post the archive holds: its address on X, and its page's path under SITEURL."""
    return original(post["account"], post["id"]), f"/{post['account']}/status/{post['id']}/"


def page_count(items: int, per_page: int) -> int:
    """How many pages a list of ``items`` takes: one at least, even when it is empty."""
    return max(1, -(-items // per_page))


def page_url(url: str, n: int, count: int) -> str:
    """The address of page ``n`` of the ``count`` of the list at ``url``: the newest at the
    list's own address, the others numbered from the oldest (``lists.paginate``)."""
    return url if n == count else f"{url}page/{n}/"


@dataclass(slots=True)
class Around:
    """What a post's page links to besides the post: see ``Pages.around``."""

    before: dict | None
    after: dict | None = None
    month: str = ""  # the page of the month's list that shows the post
    month_name: str = ""
    listed: bool = False  # shown there (an earlier version of an edited post is not)

    def html(self, post_id: str, base: str, zone: tzinfo) -> Markup:
        """The links as the page shows them: made here, not by a template include, since
        every post page of every full build has them (an include is a context a page)."""
        month = escape(f"{self.month}#p{post_id}" if self.listed else self.month)
        before = neighbour(self.before, "prev", "Earlier post", base, zone)
        after = neighbour(self.after, "next", "Later post", base, zone)
        return Markup(
            f'<nav class="around" aria-label="Posts around this one">\n{before}'
            f'<a href="{month}">This post in {escape(self.month_name)}</a>\n{after}</nav>'
        )


def neighbour(post: dict | None, rel: str, label: str, base: str, zone: tzinfo) -> str:
    """A link to the post before or after, saying when it was posted: in words only, as its
    own page gives the time to machines (on every post page, a ``<time>`` twice is 90 bytes)."""
    if post is None:
        return ""
    href = escape(f"{base}/{post['account']}/status/{post['id']}/")
    when = escape(times.when(post["created_at"], zone))
    return f'<a rel="{rel}" href="{href}">{label}, {when}</a>'


@dataclass
class Job:
    place: int  # in archive.posts, of a post the page shows
    rel: str
    template: str
    key: str | None
    context: dict | Lazy  # Lazy: the whole context made only when the page is rendered


@dataclass
class Pages:
    """What every page kind shares: the archive, the templates, the writer, and each post's
    key and card."""

    archive: Archive
    settings: Settings
    env: Environment
    output: Output
    stamp: str  # what every key starts from: settings, theme and code
    now: datetime
    summary: BuildSummary = field(default_factory=BuildSummary)
    keys: dict[str, str] = field(default_factory=dict)  # post id -> key of what shows it
    position: dict[str, int] = field(default_factory=dict)  # post id -> place in posts
    cards: dict[str, Markup] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)  # pages rendered on every core
    trips: list[tuple[Trip, list[dict]]] = field(default_factory=list)
    trips_of: dict[str, list[Trip]] = field(default_factory=dict)
    templates: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.settings.site_base

    def url(self, rel_dir: str) -> str:
        return f"{self.base}/{quote(rel_dir)}/" if rel_dir else f"{self.base}/"

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

        A page with an ``anchor`` (a post it shows) is rendered with the posts around it, on
        every core; the others now. ``key`` None: the page is rendered on every build.
        """
        rel = f"{rel_dir}/index.html" if rel_dir else "index.html"
        self.summary.pages += 1
        old = self.old_address(rel_dir)
        if old is not None:
            self.moved(old, rel_dir, anchor)
        if key is not None:
            key = digest(self.stamp, template, key)
            if self.output.fresh(rel, key):
                return
        self.queue(rel, template, key, anchor, context)

    @cached_property
    def accounts(self) -> set[str]:
        """The folders the accounts' pages take (casefolded: a site may be served from a disk
        that does not tell cases apart)."""
        return {name.casefold() for name in self.archive.by_account}

    def old_address(self, rel_dir: str) -> str | None:
        """Where a site page was before the site's own pages moved under ``/-/``, unless an
        account's pages are there now: the account wins."""
        old = moved_from(rel_dir)
        if old is None or old.partition("/")[0].casefold() in self.accounts:
            return None
        return old

    def moved(self, old: str, rel_dir: str, anchor: dict | None = None) -> None:
        """A page at ``old`` that sends a reader on to ``rel_dir``: links made before the move
        keep working."""
        target = self.url(rel_dir)
        canonical = f"{self.settings.siteurl.rstrip('/')}{target[len(self.base) :]}"
        self.page(old, "moved.html", key=target, anchor=anchor, title="This page has moved",
                  target=target, canonical=canonical)  # fmt: skip

    def queue(
        self, rel: str, template: str, key: str | None, anchor: dict | None, context: dict | Lazy
    ) -> None:
        if anchor is None:
            self.render(rel, template, key, context)
        else:
            self.jobs.append(Job(self.position[anchor["id"]], rel, template, key, context))

    def render(self, rel: str, template: str, key: str | None, context: dict | Lazy) -> None:
        if isinstance(context, Lazy):
            context = context.make()
        context.setdefault("feeds", [])
        context = {k: v.make() if isinstance(v, Lazy) else v for k, v in context.items()}
        self.output.write(rel, self.template(template).render(**context), key)

    def render_slice(self, start: int, stop: int) -> Slice:
        """Render jobs ``start`` to ``stop`` (sorted by place); what was written, for the build
        to merge (in a worker, the writes it made are the worker's own)."""

        def render() -> None:
            for job in self.jobs[start:stop]:
                self.render(job.rel, job.template, job.key, job.context)

        return self.output.apart(render)[1]

    def card(self, post: dict) -> Markup:
        """A post as every list shows it, rendered once and only when some page needs it."""
        if post["id"] not in self.cards:
            html = post_html(post, self.base)
            rendered = self.template("_card.html").render(
                post=self.derive(post), html=html, archive=self.archive
            )
            self.cards[post["id"]] = Markup(rendered)
        return self.cards[post["id"]]

    def derive(self, post: dict) -> dict:
        """A post's title and signature, made from its text (which its key holds, as the
        stamp holds SIGNATURES) the first time a rendered page shows it."""
        if "title" not in post:
            post["signed_by"] = signature(post["text"], self.settings.signatures)
            post["title"] = (
                f"Post withheld: {post['withheld']['label']}"
                if post.get("withheld")
                else excerpt(title_text(post))
            )
        return post

    def linked_data(self, post: dict) -> Markup:
        """What the page is, for machines: schema.org's ``SocialMediaPosting``, a copy
        ``archivedAt`` this page of the post at its original URL, with the posts it answers,
        quotes or replaces (``based_on``)."""
        site = self.settings.public_url  # absolute, as schema.org's URLs are, like the feeds'
        account, base = post["account"], self.base
        name = self.archive.accounts[account].get("display_name")
        data = {
            "@context": "https://schema.org",
            "@type": "SocialMediaPosting",
            "url": original(account, post["id"]),
            "archivedAt": f"{site}/{account}/status/{post['id']}/",
            "datePublished": post["created_at"],
            "author": {
                "@type": "Organization",
                "name": name or f"@{account}",
                "url": f"https://x.com/{account}",
            },
            "text": post["text"],
        }
        images, videos = [], []
        for item in post.get("media") or ():
            src = item.get("src")
            if not src:
                continue  # not published: the page says so, and names no file
            url = f"{site}{src[len(base) :]}"
            if item.get("type") == "photo" or src.endswith(".gif"):
                images.append(url)
            else:
                video = {"@type": "VideoObject", "contentUrl": url}
                if item.get("poster"):
                    video["thumbnailUrl"] = f"{site}{item['poster'][len(base) :]}"
                videos.append(video)
        if images:
            data["image"] = images
        if videos:
            data["video"] = videos
        if based_on := self.based_on(post):
            data["isBasedOn"] = [
                {"@type": "SocialMediaPosting", "url": url}
                | ({"archivedAt": f"{site}{here}"} if here else {})
                for url, here in based_on
            ]
        return data_block(data)

    def based_on(self, post: dict) -> list[tuple[str, str | None]]:
        """The posts this one answers, quotes or is an edit of: each one's original URL, and
        its page's path under SITEURL when the archive has it. Only public ones: never a
        withheld post (the site shows its placeholder only), a never-public one (the load cut
        it) or a hidden person's (the load took its id out)."""
        by_id, found = self.archive.by_id, []
        for kind in ("reply_to", "quote_of"):
            ref = post.get(kind) or {}
            ref_id = ref.get("id")
            held = by_id.get(ref_id)
            if held is not None:
                if not held.get("withheld"):
                    found.append(held_here(held))
            elif ref_id and ref.get("user"):
                found.append((original(ref["user"], ref_id), None))
        edits = post.get("edit_ids") or []
        for version_id in edits[: edits.index(post["id"])] if post["id"] in edits else ():
            held = by_id.get(version_id)
            if held is not None and not held.get("withheld"):
                found.append(held_here(held))
        return found

    def post_key(self, post: dict, nav: Around) -> str:
        """Everything a post's page and card show: the key of both, and of every list's.

        The page links to the posts before and after it and to its place in its month: a new
        post changes its neighbours' pages, and with them the lists that show them (a few
        pages more, where a key of their own for each post's page would cost a digest more
        a post on every build)."""
        get = post.get  # called for every post of every build: lookups bound once
        archive = self.archive
        reply_to = get("reply_to") or {}
        cid = get("conversation_id")
        trips_of = self.trips_of.get(post["id"])
        media = get("media")
        return digest(  # the page's key too: it holds the stamp, and ``withheld`` the template
            self.stamp,
            post["provenance"],
            get("deleted_at"),
            get("deleted_how"),
            get("syndicated_from"),
            [(m.get("src"), m.get("poster"), m.get("width"), m.get("height")) for m in media]
            if media
            else [],
            get("edit_ids"),
            archive.latest.get(post["id"]),
            reply_to.get("id") in archive.by_id,
            (get("quote_of") or {}).get("id") in archive.by_id,
            [(t.slug, t.title) for t in trips_of] if trips_of else [],
            cid if len(archive.threads.get(cid) or ()) > 1 else None,
            get("withheld"),
            get("text"),
            reply_to.get("label"),
            # what its JSON-LD says besides: the account's name, and the posts it is based on
            archive.accounts[post["account"]].get("display_name"),
            self.based_on(post)
            if reply_to or get("quote_of") or len(get("edit_ids") or ()) > 1
            else (),
            nav.before and nav.before["id"],
            nav.after and nav.after["id"],
            nav.month,
            nav.listed,
        )

    def post_pages(self) -> None:
        """Every post's place, URL and key (lists are keyed by their posts' keys), and its page.

        What is made from a post's text alone (title, signature) waits for a page that shows
        it: see ``derive``. This loop runs for every post of every build, so names are bound
        once and a fresh page costs two lookups.
        """
        fresh, post_key = self.output.fresh, self.post_key
        position, keys, base = self.position, self.keys, self.base
        around = self.around()
        for i, post in enumerate(self.archive.posts):
            post_id, account = post["id"], post["account"]
            position[post_id] = i
            post["url"] = f"{base}/{account}/status/{post_id}/"
            nav = around[post_id]
            key = keys[post_id] = post_key(post, nav)  # holds the stamp: the page's key too
            rel = f"{account}/status/{post_id}/index.html"
            if fresh(rel, key):
                continue  # most pages of an incremental build: make no context for them
            template = "withheld.html" if post.get("withheld") else "post.html"
            # One partial a page, not a closure a value: a full build holds one a post.
            self.queue(rel, template, key, post, Lazy(partial(self.post_context, post, nav)))
        self.summary.pages += len(self.archive.posts)

    def post_context(self, post: dict, nav: Around) -> dict:
        """What a post's page shows, made by the worker that renders it: title and signature
        are made from the text (``derive``) only for a page that is rendered."""
        post_id, cid = post["id"], post.get("conversation_id")
        thread, zone = self.archive.threads.get(cid), self.settings.timezone
        shown = not post.get("withheld")  # its placeholder shows no copy of it: nor do these
        return dict(
            post=self.derive(post),
            title=post["title"],
            card=self.card(post),
            versions=self.archive.versions(post),
            links=short_links(post) if shown else None,
            linked=self.linked_data(post) if shown else None,
            latest=self.archive.latest.get(post_id, post_id),
            thread=cid if thread and len(thread) > 1 else None,
            trips=self.trips_of.get(post_id, []),
            around=nav.html(post_id, self.base, zone),
        )

    def around(self) -> dict[str, Around]:
        """Each post's neighbours in its account's timeline and the month page that shows it:
        a reader of one post can walk the record without going back to a list. A withheld
        post and an earlier version of an edited one are nobody's neighbour (the redaction log
        and the edit history show them), but have those of where they stand."""
        older, per_page = self.archive.older, self.settings.posts_per_page
        around: dict[str, Around] = {}
        for posts in self.archive.by_account.values():
            before, waiting = None, []  # the posts since ``before``, whose ``after`` is next
            for post in posts:
                nav = around[post["id"]] = Around(before)
                if post["id"] in older or post.get("withheld"):
                    waiting.append(nav)
                    continue
                for earlier in waiting:
                    earlier.after = post
                before, waiting = post, [nav]
        for (account, month), posts in self.archive.months.items():
            count = page_count(len(self.archive.shown(posts)), per_page)
            year, mm = month.split("-")
            url, name = (
                self.url(f"{account}/{year}/{mm}"),
                f"{datetime(int(year), int(mm), 1):%B %Y}",
            )
            addresses = [page_url(url, n, count) for n in range(1, count + 1)]
            at = 0  # the post's place in the month page's list (``lists.paginate``)
            for post in posts:
                nav = around[post["id"]]
                nav.month, nav.month_name = addresses[at // per_page], name
                if post["id"] not in older:  # an earlier version is on no list
                    nav.listed = True
                    at += 1
        return around

    def feeds_for(self, kind: str, rel_dir: str) -> list[dict]:
        """The feeds of a page of a list of ``kind`` (settings.FEED_KINDS): linked from it
        with rel=alternate, those that ``SiteFeeds`` writes, and no other."""
        if kind not in self.settings.feeds:
            return []
        here = f"{self.base}/{rel_dir}/" if rel_dir else f"{self.base}/"
        return [FEED_LINKS[name] | {"href": f"{here}{name}.xml"}
                for name in self.settings.feed_formats]  # fmt: skip

"""The store read for the site: posts with the groupings every page kind needs, computed once.

Built in one pass over the posts so the build stays linear in the size of the archive.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import stat
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from communique.console import progress
from communique.errors import CommuniqueError
from communique.records import is_old_provenance, is_public
from communique.settings import Settings
from communique.site.freshness import MonthCache, month_stamp
from communique.site.parallel import forking
from communique.site.render import tag_slug
from communique.site.withheld import (
    Redaction,
    hide_handles,
    load_redactions,
    placeholder,
    redaction_of,
    without_links,
)
from communique.store import Store

NUMERIC = re.compile(r"^\d{1,25}$")


@dataclass
class Archive:
    posts: list[dict]  # every account, oldest first
    accounts: dict[str, dict]  # username -> account.json
    by_id: dict[str, dict] = field(default_factory=dict)
    by_account: dict[str, list[dict]] = field(default_factory=dict)
    months: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    tags: dict[str, list[dict]] = field(default_factory=dict)
    tag_names: dict[str, str] = field(default_factory=dict)
    threads: dict[str, list[dict]] = field(default_factory=dict)
    support: set[str] = field(default_factory=set)  # conversation ids of support exchanges
    latest: dict[str, str] = field(default_factory=dict)  # any version id -> newest version id
    older: set[str] = field(default_factory=set)  # ids of versions that a later edit replaced
    private: Counter = field(default_factory=Counter)  # account -> posts never made public
    never_public: set[str] = field(default_factory=set)  # their ids: to be named nowhere
    withheld: list[dict] = field(default_factory=list)  # placeholders of redacted posts
    handles_hidden: set[str] = field(default_factory=set)  # ids of posts shown without handles
    altered: set[str] = field(default_factory=set)  # ids of posts shown otherwise than stored
    left_out: list[str] = field(default_factory=list)  # stored accounts the site does not publish
    # list id -> (the list, as shown): each month's list is shown by its page, its account's
    # calendar and its posts' links. The list is held, so its id is not another's meanwhile.
    shown_lists: dict[int, tuple[list, list]] = field(default_factory=dict, repr=False)

    def shown(self, posts: list[dict]) -> list[dict]:
        """Oldest first, an edited post once (its newest version): a list as paginated."""
        older = self.older
        if not older:
            return posts
        kept = self.shown_lists.get(id(posts))
        if kept is None or kept[0] is not posts:
            kept = self.shown_lists[id(posts)] = posts, [p for p in posts if p["id"] not in older]
        return kept[1]

    def once(self, posts: list[dict]) -> list[dict]:
        """Oldest first, an edited post once, by the newest of its versions in ``posts``: a
        hashtag's list, where an edit may have taken the hashtag out ("#Icleand" made
        "#Iceland") and the earlier version, which links it, is the one that has it."""
        if not self.older:
            return posts
        latest = self.latest
        last = {latest.get(p["id"], p["id"]): p["id"] for p in posts}  # a later one wins
        kept = set(last.values())
        return [p for p in posts if p["id"] in kept]

    def newest(self, posts: Iterable[dict], limit: int | None = None) -> list[dict]:
        """The first ``limit`` (or all) of ``posts``, given newest first, that are not an older
        version of an edited post: a timeline's head without going through the whole list."""
        older = self.older
        return list(islice((p for p in posts if p["id"] not in older), limit))

    def versions(self, post: dict) -> list[dict]:
        return [self.by_id[i] for i in post.get("edit_ids") or [] if i in self.by_id]


def load(
    store: Store,
    *,
    accounts: Collection[str] | None = None,
    cache: MonthCache | None = None,
    support_hashtags: list[str] = (),
    redactions: dict[str, Redaction] | None = None,
    hide_handles: str = "",
    handle_label: str = "a customer",
) -> Archive:
    """Every post the site may show, without its raw payload (the downloads read the store).

    Posts never made public are left out entirely, and references to them cut; redacted posts
    become placeholders; with ``hide_handles`` ("support", "replies" or "all"), other people's
    handles in those posts are replaced by ``handle_label``. ``cache`` is a folder where the
    posts are kept without their payloads between builds. Of the stored accounts, only
    ``accounts`` (ACCOUNTS; every one when None) are published: a store may hold an account
    the site is not for, and its posts must not appear as the site's.
    """
    stored = store.accounts()
    left_out = [name for name in stored if accounts is not None and name not in accounts]
    accounts = {
        name: {"username": name, "display_name": None, "id": None} | store.read_account(name)
        for name in stored
        if name not in left_out
    }
    posts, private = [], Counter()
    unseen: set[str] = set()
    for name in accounts:
        # The vault's posts, and any a month file still holds from before it was written.
        hidden = {record["id"] for record in store.never_public(name)}
        files = store.month_files(name)
        if cache is not None:
            warm(store, [p for p in files if not cache.fresh(p)], cache)
        for path in progress(files, f"reading {name}", total=len(files)):
            for record in month_records(store, path, cache):
                if record.get("account") != name:
                    raise CommuniqueError(f"{path}: post {record.get('id')} is not @{name}'s")
                if is_old_provenance(record["provenance"]):  # it would publish the zip's name
                    raise CommuniqueError(
                        f"{path}: post {record['id']} is stored as before capture times were"
                        " kept; `invoke build` upgrades the store first (once)"
                    )
                if not is_public(record) or record["id"] in hidden:
                    hidden.add(record["id"])
                    continue
                posts.append(record)
        if hidden:
            private[name] = len(hidden)
            unseen |= hidden
    if unseen:
        posts = [cut_references(p, unseen) for p in posts]
    if redactions:
        known = unseen | {p["id"] for p in posts}
        for redaction in redactions.values():
            if redaction.id not in known:  # a mistyped id would leave the meant post published
                raise CommuniqueError(
                    f"{redaction.where}: post {redaction.id} is not in the archive; check the id"
                )
        posts = [withhold(p, redactions) for p in posts]
    archive = Archive(posts=posts, accounts=accounts, private=private, left_out=left_out,
                      never_public=unseen)  # fmt: skip
    archive.altered = {p["id"] for p in posts if p.get("references_cut")}
    archive.withheld = [p for p in posts if p.get("withheld")]
    group(archive, {t.casefold() for t in support_hashtags})
    if hide_handles:
        hide_others(archive, hide_handles, handle_label)
    return archive


def published(store: Store, settings: Settings, cache: MonthCache | None = None) -> Archive:
    """The archive as the site publishes it under ``settings``: the build and ``invoke
    package`` read it alike, so a package never holds what the site withholds."""
    return load(
        store,
        accounts=settings.accounts,
        cache=cache,
        support_hashtags=list(settings.support_hashtags),
        redactions=load_redactions(settings),
        hide_handles=settings.hide_other_handles,
        handle_label=settings.other_handle_label,
    )


def month_records(store: Store, path: Path, cache: MonthCache | None) -> list[dict]:
    """A month file's records without their raw payloads, which the pages never show."""
    if cache is None:
        return [strip(r) for r in store.read_file(path)]
    records = cache.get(path)
    if records is None:
        stamp = month_stamp(path)  # before the read: a month rewritten meanwhile is read again
        records = [strip(r) for r in store.read_file(path)]
        cache.put(path, records, stamp)
    return records


WARM_MIN = 8  # months to read again before it pays to start processes for them


def warm(store: Store, paths: list[Path], cache: MonthCache) -> None:
    """Read month files again on every core, each process keeping its months in the cache for
    the load to read back: a first build reads every month file, payloads and all, and that is
    most of its load. The few months a scheduled archive run rewrites are read in place."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < WARM_MIN or workers < 2 or not forking():
        return
    context = multiprocessing.get_context("fork")  # forked before any post is loaded: cheap
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for _ in pool.map(functools.partial(keep_month, store, cache=cache), paths):
            pass


def keep_month(store: Store, path: Path, cache: MonthCache) -> None:
    """A month kept in the cache by a worker, which sends nothing back: its records are read
    back from the cache, which costs less than sending them."""
    month_records(store, path, cache)


def strip(record: dict) -> dict:
    keep_short_links(record)
    record.pop("raw", None)
    record.pop("note", None)
    return record


def keep_short_links(record: dict) -> None:
    """Each link's t.co address beside its expanded one, from the payloads, before they are
    dropped: the record's page shows what the post said, and a t.co link is what it said. On
    the link's entity, so that a link a page must not show takes its t.co address with it."""
    raw = record.get("raw") or {}
    data = raw.get("data", raw)  # an API response's post, or the export's tweet
    data = data if isinstance(data, dict) else {}
    note = (record.get("note") or {}).get("core") or {}
    found = {}
    for e in (
        *(data.get("entities") or {}).get("urls", ()),
        *((data.get("note_tweet") or {}).get("entities") or {}).get("urls", ()),
        *note.get("urls", ()),
    ):
        short = (e.get("url") or e.get("shortUrl")) if isinstance(e, dict) else None
        if not isinstance(short, str):
            continue
        for long in (e.get("unwound_url"), e.get("expanded_url"), e.get("expandedUrl")):
            if isinstance(long, str) and long != short:
                found.setdefault(long, short)
    for link in (record.get("entities") or {}).get("urls", ()):
        if link.get("url") in found:
            link["short"] = found[link["url"]]


STATUS_LINK = re.compile(r"/status(?:es)?/(\d{1,25})(?!\d)")


def cut_references(post: dict, unseen: set[str]) -> dict:
    """A public post that points at a never-public one must not publish that post's id: not
    as a reference, nor as a link in its text (a quote's link, or one pasted by hand)."""
    refs = {k: (post.get(k) or {}).get("id") for k in ("reply_to", "quote_of", "retweet_of")}
    cut = {k: None for k, ref in refs.items() if ref in unseen}
    if post.get("conversation_id") in unseen:
        cut["conversation_id"] = None
    if set(post.get("edit_ids") or ()) & unseen:
        cut["edit_ids"] = [i for i in post["edit_ids"] if i not in unseen]
    links = [
        e
        for e in (post.get("entities") or {}).get("urls", [])
        if any(m[1] in unseen for m in STATUS_LINK.finditer(e.get("url") or ""))
    ]
    if links:
        post = without_links(post, links)
    return {**post, **cut, "references_cut": True} if cut or links else post


def withhold(post: dict, redactions: dict[str, Redaction]) -> dict:
    redaction = redaction_of(post, redactions)
    return placeholder(post, redaction) if redaction else post


def hide_others(archive: Archive, scope: str, label: str) -> None:
    """Replace other people's handles in the posts ``scope`` names, in place in the archive.

    A conversation one of them started is named by their post's id, in its thread's address
    and in the downloads: it takes the id of the archive's first post in it instead.
    """
    keep = {name.casefold() for name in archive.accounts}
    theirs = set()  # conversations started by a post the archive does not hold
    for post in archive.posts:
        if scope == "support":
            wanted = post.get("conversation_id") in archive.support
        elif scope == "replies":
            wanted = is_reply_to_others(post) or post.get("conversation_id") in archive.support
        else:
            wanted = True
        if not wanted or post.get("withheld"):
            continue
        if post.get("conversation_id") not in archive.by_id:
            theirs.add(post.get("conversation_id"))
        shown = hide_handles(post, keep, label)
        if shown is not post:
            post.clear()  # the same dict is held by every grouping: change it where it is
            post.update(shown)
            archive.handles_hidden.add(post["id"])
            archive.altered.add(post["id"])
    theirs.discard(None)
    if theirs:
        rename_conversations(archive, theirs)


def rename_conversations(archive: Archive, conversations: set[str]) -> None:
    """Each of these conversations named by the id of the archive's first post in it."""
    members: dict[str, list[dict]] = defaultdict(list)
    for post in archive.posts:
        if post.get("conversation_id") in conversations:
            members[post["conversation_id"]].append(post)
    for old, posts in members.items():
        new = min((p["id"] for p in posts), key=int)
        for post in posts:
            post["conversation_id"] = new
            archive.altered.add(post["id"])
        if old in archive.threads:
            archive.threads[new] = archive.threads.pop(old)
        if old in archive.support:
            archive.support.discard(old)
            archive.support.add(new)


def reply_order(posts: list[dict]) -> list[dict]:
    """A conversation as it reads: each reply right after what it answers, depth first.

    A post answering a later one (ids grow with time: only a forged export says so) starts a
    branch of its own, as one answering a post the archive lacks does: two posts answering
    each other would otherwise both wait for the other, and neither be shown."""
    ids = {p["id"] for p in posts}
    children: dict[str, list[dict]] = defaultdict(list)
    roots = []
    for p in sorted(posts, key=lambda p: int(p["id"])):
        parent = (p.get("reply_to") or {}).get("id")
        answers = parent in ids and int(parent) < int(p["id"])
        (children[parent] if answers else roots).append(p)
    ordered: list[dict] = []
    stack = list(reversed(roots))
    while stack:
        post = stack.pop()
        ordered.append(post)
        stack.extend(reversed(children.get(post["id"], [])))
    return ordered


def group(archive: Archive, support_tags: set[str]) -> None:
    tag_forms: dict[str, Counter] = defaultdict(Counter)
    # Most conversations are one post that answers nothing: no thread. A conversation gets its
    # list when a reply or a second post shows it is one; until then its first post waits.
    conversations: dict[str, list[dict]] = {}
    first: dict[str, dict] = {}
    by_id, by_account, months, tags = archive.by_id, archive.by_account, archive.months, {}
    slugs: dict[str, str | None] = {}  # a few hundred hashtags, used again and again
    edited = []
    for post in archive.posts:  # one pass, names bound once: it runs for every post each build
        by_id[post["id"]] = post
        account = post["account"]
        by_account.setdefault(account, []).append(post)
        months.setdefault((account, post["created_at"][:7]), []).append(post)
        for entity in post["entities"]["hashtags"]:
            tag = entity["tag"]
            slug = slugs[tag] if tag in slugs else slugs.setdefault(tag, tag_slug(tag))
            if slug:  # None: the hashtag cannot name a folder, so it gets no page
                bucket = tags.setdefault(slug, [])
                if not bucket or bucket[-1] is not post:
                    bucket.append(post)
                tag_forms[slug][tag] += 1
        cid = post.get("conversation_id")
        if cid in conversations:
            conversations[cid].append(post)
        elif cid and (cid in first or post.get("reply_to")) and NUMERIC.match(cid):
            conversations[cid] = [first.pop(cid), post] if cid in first else [post]
        elif cid:
            first[cid] = post
        if len(post.get("edit_ids") or ()) > 1:
            edited.append(post)
    archive.tags = tags
    archive.tag_names = {slug: forms.most_common(1)[0][0] for slug, forms in tag_forms.items()}
    for cid, posts in conversations.items():
        if len(posts) > 1 or posts[0].get("reply_to"):  # a reply first, or answered
            archive.threads[cid] = reply_order(posts)
            thread_tags = {slugs[e["tag"]] for p in posts for e in p["entities"]["hashtags"]}
            if thread_tags & support_tags:
                archive.support.add(cid)
    extended = []
    for post in edited:
        # A version fetched before it was edited lists only itself: every version we hold takes
        # the longest history any of them knows, so the older one is marked and linked too.
        chain = post["edit_ids"]
        for version in filter(None, map(by_id.get, chain)):
            if len(version.get("edit_ids") or ()) < len(chain):
                version["edit_ids"] = chain
                extended.append(version)
    for post in edited + extended:
        # An edited post is shown at its newest version that we hold.
        chain = [i for i in post["edit_ids"] if i in by_id]
        if len(chain) > 1:
            archive.latest[post["id"]] = chain[-1]
    archive.older = {i for i, newest in archive.latest.items() if i != newest}


def is_reply_to_others(post: dict) -> bool:
    reply = post.get("reply_to")
    return bool(reply) and (reply.get("user") or "").casefold() != post["account"].casefold()


def audience_filter(archive: Archive, rules: dict) -> list[dict]:
    """The posts one audience sees: AUDIENCES' ``include`` and ``exclude`` name these kinds."""
    support = archive.support
    kinds = {
        "replies_to_others": is_reply_to_others,
        "support": lambda p: p.get("conversation_id") in support,
        "replies": lambda p: bool(p.get("reply_to")),
        "retweets": lambda p: bool(p.get("retweet_of")),
        "quotes": lambda p: bool(p.get("quote_of")),
        "media": lambda p: bool(p.get("media")),
    }
    include = [kinds[kind] for kind in rules.get("include") or ()]
    exclude = [kinds[kind] for kind in rules.get("exclude") or ()]
    shown = []
    for post in archive.posts:  # one pass, and no generator made for each post
        if post.get("withheld"):
            continue
        if include:
            for kind in include:
                if kind(post):
                    break
            else:
                continue
        for kind in exclude:
            if kind(post):
                break
        else:
            shown.append(post)
    return shown


def media_path(store_root: Path, post: dict, media: dict) -> Path | None:
    """The stored file of a media item, confined to its account's media folder."""
    if not media.get("file"):
        return None
    folder = media_folder(store_root, post["account"])
    name = media["file"].removeprefix("media/")
    if name != media["file"] and name not in ("", ".", "..") and "/" not in name:
        # The usual case, without resolving every path on every build: a plain name in the
        # folder, and a regular file there rather than a link, is already confined to it.
        path = folder / name
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                return path
        except (OSError, ValueError):
            pass
    path = (store_root / post["account"] / media["file"]).resolve()
    return path if path.parent == folder and path.is_file() else None


@functools.lru_cache(maxsize=64)
def media_folder(store_root: Path, account: str) -> Path:
    """An account's media folder, resolved once a build (the site clears this cache)."""
    return (store_root / account / "media").resolve()

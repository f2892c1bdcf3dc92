"""The store read for the site: posts with the groupings every page kind needs, computed once.

Built in one pass over the posts so the build stays linear in the size of the archive.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from communique.console import progress
from communique.render import tag_slug
from communique.store import Store

SAFE_SLUG = re.compile(r"^\w{1,100}$")
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

    def timeline(self, posts: list[dict]) -> list[dict]:
        """Newest first, an edited post once (its newest version)."""
        return [p for p in reversed(posts) if self.latest.get(p["id"], p["id"]) == p["id"]]

    def versions(self, post: dict) -> list[dict]:
        return [self.by_id[i] for i in post.get("edit_ids") or [] if i in self.by_id]


def load(store: Store, *, support_hashtags: list[str] = ()) -> Archive:
    """Every post of the store, without its raw payload (the data downloads copy the files)."""
    accounts = {
        name: {"username": name, "display_name": None, "id": None} | store.read_account(name)
        for name in store.accounts()
    }
    posts = []
    for name in accounts:
        files = store.month_files(name)
        for path in progress(files, f"reading {name}", total=len(files)):
            for record in store.read_file(path):
                record.pop("raw", None)
                record.pop("note", None)
                posts.append(record)
    archive = Archive(posts=posts, accounts=accounts)
    group(archive, {t.casefold() for t in support_hashtags})
    return archive


def reply_order(posts: list[dict]) -> list[dict]:
    """A conversation as it reads: each reply right after what it answers, depth first."""
    ids = {p["id"] for p in posts}
    children: dict[str, list[dict]] = defaultdict(list)
    roots = []
    for p in sorted(posts, key=lambda p: int(p["id"])):
        parent = (p.get("reply_to") or {}).get("id")
        (children[parent] if parent in ids else roots).append(p)
    ordered: list[dict] = []
    stack = list(reversed(roots))
    while stack:
        post = stack.pop()
        ordered.append(post)
        stack.extend(reversed(children.get(post["id"], [])))
    return ordered


def group(archive: Archive, support_tags: set[str]) -> None:
    tag_forms: dict[str, Counter] = defaultdict(Counter)
    conversations: dict[str, list[dict]] = defaultdict(list)
    for post in archive.posts:
        archive.by_id[post["id"]] = post
        account = post["account"]
        archive.by_account.setdefault(account, []).append(post)
        archive.months.setdefault((account, post["created_at"][:7]), []).append(post)
        for entity in post["entities"]["hashtags"]:
            slug = tag_slug(entity["tag"])
            if SAFE_SLUG.match(slug):
                bucket = archive.tags.setdefault(slug, [])
                if not bucket or bucket[-1] is not post:
                    bucket.append(post)
                tag_forms[slug][entity["tag"]] += 1
        cid = post.get("conversation_id")
        if cid and NUMERIC.match(cid):
            conversations[cid].append(post)
    archive.tag_names = {slug: forms.most_common(1)[0][0] for slug, forms in tag_forms.items()}
    for cid, posts in conversations.items():
        if len(posts) > 1 or posts[0].get("reply_to"):
            archive.threads[cid] = reply_order(posts)
            tags = {tag_slug(e["tag"]) for p in posts for e in p["entities"]["hashtags"]}
            if tags & support_tags:
                archive.support.add(cid)
    for post in archive.posts:
        # An edited post is shown at its newest version that we hold.
        chain = [i for i in post.get("edit_ids") or [] if i in archive.by_id]
        if len(chain) > 1:
            archive.latest[post["id"]] = chain[-1]


def is_reply_to_others(post: dict) -> bool:
    reply = post.get("reply_to")
    return bool(reply) and (reply.get("user") or "").casefold() != post["account"].casefold()


AUDIENCE_KINDS = ("replies_to_others", "support", "replies", "retweets", "quotes", "media")


def audience_filter(archive: Archive, rules: dict) -> list[dict]:
    """The posts one audience sees: AUDIENCES' ``include`` and ``exclude`` name these kinds."""
    kinds = {
        "replies_to_others": is_reply_to_others,
        "support": lambda p: p.get("conversation_id") in archive.support,
        "replies": lambda p: bool(p.get("reply_to")),
        "retweets": lambda p: bool(p.get("retweet_of")),
        "quotes": lambda p: bool(p.get("quote_of")),
        "media": lambda p: bool(p.get("media")),
    }
    include = [kinds[k] for k in rules.get("include", [])]
    exclude = [kinds[k] for k in rules.get("exclude", [])]
    return [
        p
        for p in archive.posts
        if (not include or any(f(p) for f in include)) and not any(f(p) for f in exclude)
    ]


def media_path(store_root: Path, post: dict, media: dict) -> Path | None:
    """The stored file of a media item, confined to its account's media folder."""
    if not media.get("file"):
        return None
    folder = (store_root / post["account"] / "media").resolve()
    path = (store_root / post["account"] / media["file"]).resolve()
    return path if path.parent == folder and path.is_file() else None

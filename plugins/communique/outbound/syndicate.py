"""Posting a feed's new items back out to Twitter/X, once each, the way a campaign bridge does.

The state file records every item seen and every post made, written atomically after each post,
so no item is ever posted twice, even after a crash. A failed post stops the run with what was
posted before it recorded; the item is tried again on the next run, and if the failure hid a
post that did go out, the API refuses the copy as a duplicate and the item is skipped for good.
A first run only marks what is already in the feed as seen. What was posted is kept so the
bridge knows its own posts when they come back, by the API or in an export (see ``Posted``):
the archive marks them, the site leaves them out of its feeds, and the bridge never posts one
again. Only links to the public site are posted: a build without SITEURL links to localhost.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import requests
import tweepy

from communique.errors import CommuniqueError
from communique.files import write_atomic
from communique.outbound.client import describe, user_client


@dataclass
class Item:
    id: str
    text: str
    link: str
    links: tuple[str, ...] = ()  # where the post the item shows links to


@dataclass(frozen=True)
class Posted:
    """The posts the bridge made, to know them when they come back (fetched from the API, or
    in an export) and never take one for new material to post again.

    A post is known by its id or, as the bridge posts an item as its title and its link and the
    platform gives the link back expanded in the post's links, by the link to the item it was
    made from. The link is all there is of a post whose id the bridge never learned: its reply
    was lost on the way, and the copy posted on the next run refused as a duplicate.
    """

    items: dict[str, str]  # post id -> the feed item it was made from
    links: frozenset[str]  # the feed items posted, each by its id: in the site's feeds, its link

    @classmethod
    def load(cls, state_path: Path) -> Posted:
        return cls.of(load_state(state_path))

    @classmethod
    def of(cls, state: dict) -> Posted:
        posted = [feed.get("posted", {}) for feed in state.values()]
        return cls(
            {post: item for p in posted for item, post in p.items() if post},
            frozenset(item for p in posted for item in p),
        )

    def source(self, post_id: str | None, links: Iterable[str]) -> str | None:
        """The feed item the post ``post_id``, linking to ``links``, was made from, or None
        when the bridge did not make it."""
        if post_id in self.items:
            return self.items[post_id]
        return next((link for link in links if link in self.links), None)

    def source_of(self, record: dict) -> str | None:
        """The feed item a stored post was made from, or None when the bridge did not make it."""
        return self.source(record["id"], [e.get("url") for e in record["entities"]["urls"]])


HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')
STATUS = re.compile(r"/status/(\d{1,25})/?$")


@dataclass
class Outcome:
    first_run: bool = False
    seen: int = 0
    would_post: list[Item] = field(default_factory=list)
    posted: list[tuple[Item, str]] = field(default_factory=list)
    duplicates: list[Item] = field(default_factory=list)
    echoes: list[Item] = field(default_factory=list)  # the bridge's own posts, come back
    left: int = 0


def read_feed(path: Path) -> list[Item]:
    """Items of a built feed, oldest first, each as the text of one post: title and link."""
    if not path.is_file():
        raise CommuniqueError(f"{path}: no such feed; build the site first (`invoke build`)")
    parsed = feedparser.parse(path.read_bytes())
    if parsed.bozo and not parsed.entries:
        raise CommuniqueError(f"{path}: not a readable feed ({parsed.get('bozo_exception')})")
    items = [
        Item(
            id=e.get("id") or e.get("link"),
            text=f"{e.get('title', '').strip()} {e.get('link')}",
            link=e.get("link"),
            links=tuple(html.unescape(href) for href in HREF.findall(entry_html(e))),
        )
        for e in parsed.entries
        if e.get("link")
    ]
    return list(reversed(items))


def entry_html(entry: dict) -> str:
    """An item's HTML: an Atom entry's content, an RSS item's description."""
    return "".join(c.get("value", "") for c in entry.get("content", [])) or entry.get("summary", "")


def load_state(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CommuniqueError(
            f"{path}: unreadable syndication state ({e}); fix or remove it"
        ) from None


def save_state(path: Path, state: dict) -> None:
    write_atomic(path, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())


def is_public(url: str) -> bool:
    """True for an absolute http(s) URL on a host anyone can reach: not localhost, a loopback or
    private address, or a single-label name (what a build without SITEURL links to)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("http", "https"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host and not host.endswith(".localhost")


def stopped(item: Item, error: Exception, posted: int) -> str:
    """Why posting stopped at ``item`` and what the next run does, in one line."""
    if isinstance(error, tweepy.TooManyRequests):
        return f"rate limited after {posted} posts; the rest go out on the next run"
    if isinstance(error, tweepy.Unauthorized):
        return "the API rejected the posting keys (401 Unauthorized)"
    done = f"the posts made before it are recorded ({posted} this run)"
    if isinstance(error, tweepy.HTTPException) and not isinstance(error, tweepy.TwitterServerError):
        return (
            f"the API refused to post {item.text!r} ({describe(error)}); {done}; nothing was"
            " posted for it, and it is tried again on the next run"
        )
    return (
        f"posting {item.text!r} failed ({describe(error)}); {done}; run again later: if it did"
        " go out, the API refuses the copy as a duplicate and it is skipped"
    )


def syndicate(
    feed: Path, state_path: Path, *, post: bool, cap: int, client: tweepy.Client | None = None
) -> Outcome:
    """Post the feed's items not seen before (at most ``cap``), or say what would be posted."""
    items = read_feed(feed)
    state = load_state(state_path)
    record = state.setdefault(str(feed.name), {"seen": [], "posted": {}})
    outcome = Outcome()
    if not record["seen"] and not record["posted"]:
        record["seen"] = sorted(i.id for i in items)
        save_state(state_path, state)
        outcome.first_run, outcome.seen = True, len(items)
        return outcome
    seen, posted = set(record["seen"]), Posted.of(state)
    new = []
    for item in (i for i in items if i.id not in seen):
        status = STATUS.search(urlsplit(item.link).path)
        ours = posted.source(status[1] if status else None, item.links)
        (outcome.echoes if ours else new).append(item)
    outcome.left = max(len(new) - cap, 0)
    new = new[:cap]
    if not post:
        outcome.would_post = new
        return outcome
    local = [i.link for i in new if not is_public(i.link)]
    if local:
        raise CommuniqueError(
            f"{feed}: links such as {local[0]} are not public http(s) addresses; set SITEURL in"
            " pelican.conf.py to the site's public URL and rebuild before posting"
        )
    if outcome.echoes:
        record["seen"] = sorted({*record["seen"], *(i.id for i in outcome.echoes)})
        save_state(state_path, state)
    client = client or user_client()
    for item in new:
        try:
            made = client.create_tweet(text=item.text, user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as e:
            if not (isinstance(e, tweepy.Forbidden) and "duplicate" in str(e).lower()):
                raise CommuniqueError(stopped(item, e, len(outcome.posted))) from None
            outcome.duplicates.append(item)  # already out there: never try again
            record["posted"][item.id] = None  # known, when it comes back, by its link alone
        else:
            post_id = str(made["data"]["id"])
            record["posted"][item.id] = post_id
            outcome.posted.append((item, post_id))
        record["seen"] = sorted({*record["seen"], item.id})
        try:
            save_state(state_path, state)
        except OSError as e:  # a full disk: the post is out, and not recorded
            raise CommuniqueError(
                f"{state_path}: cannot be written ({e.strerror}); {item.text!r} is out and"
                " not recorded (the posts before it are): run again once it can be written:"
                " the API refuses the copy as a duplicate and it is skipped"
            ) from None
    return outcome

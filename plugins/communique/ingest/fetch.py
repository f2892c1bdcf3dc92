"""Following accounts through the API v2 with tweepy: incremental, and it survives every fault.

Pages are asked for newest first, between the newest stored post (``since_id``) and the oldest
post this run has stored so far (``until_id``). That pair is saved in a checkpoint beside the
store after every page is merged, so a run killed at any moment resumes where it stopped: the
next run finishes the older pages first, then starts a new pass. No gap, no duplicate.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import requests
import tweepy

from communique.errors import CommuniqueError
from communique.files import naming, replacing, write_atomic
from communique.ingest.api import from_v2, read_page
from communique.ingest.normalize import mark_syndicated
from communique.outbound.client import BASE_VAR, TOKEN_VAR, describe
from communique.records import PREVIEW, is_post_id, is_public, provenance
from communique.settings import MEDIA_HOSTS, MEDIA_MAX_MB
from communique.store import Store

TWEET_FIELDS = [
    "created_at", "entities", "attachments", "geo", "conversation_id", "in_reply_to_user_id",
    "referenced_tweets", "edit_history_tweet_ids", "note_tweet", "lang", "source",
    "public_metrics", "author_id",
]  # fmt: skip
EXPANSIONS = [
    "attachments.media_keys", "geo.place_id", "referenced_tweets.id",
    "referenced_tweets.id.author_id", "in_reply_to_user_id", "author_id",
]  # fmt: skip
MEDIA_FIELDS = ["alt_text", "url", "variants", "preview_image_url", "type", "width", "height"]
PLACE_FIELDS = ["full_name", "country", "country_code", "geo", "name", "place_type"]
USER_FIELDS = ["username", "name"]
RETRIES = 6
TIMELINE = "api:GET /2/users/:id/tweets"  # what captures the posts, as their provenance says
CHUNK = 1024**2  # a medium is written as it arrives, this much at a time


class RateLimited(CommuniqueError):
    """The API asked us to wait longer than --max-wait allows."""


class Refused(CommuniqueError):
    """A medium the store will not take (its address, size or type): not asked for again."""


@dataclass
class Retry:
    """Retries with backoff and jitter; waits out a 429 until its reset, up to ``max_wait``."""

    max_wait: float = 900.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    jitter: Callable[[], float] = random.random
    waited: float = 0.0

    def __call__(self, fn: Callable, *args, **kwargs):
        for attempt in range(RETRIES):
            try:
                return fn(*args, **kwargs)
            except tweepy.Unauthorized:
                raise CommuniqueError(f"the API rejected {TOKEN_VAR} (401 Unauthorized)") from None
            except RecursionError:  # the same answer again would be as deep: not worth a retry
                raise CommuniqueError("the API sent JSON nested too deep to read") from None
            except tweepy.TooManyRequests as e:
                reset = e.reset_time or (self.clock() + 60)
                delay = max(reset - self.clock(), 0) + 1
                if self.waited + delay > self.max_wait:
                    when = datetime.fromtimestamp(reset, UTC).strftime("%H:%M:%S UTC")
                    raise RateLimited(
                        f"rate limited by the API until {when}; run again after that"
                        f" (or raise --max-wait above {self.max_wait:.0f}s)"
                    ) from None
                self.waited += delay
                self.sleep(delay)
            except (tweepy.TwitterServerError, requests.ConnectionError,
                    requests.exceptions.ChunkedEncodingError, requests.Timeout,
                    requests.exceptions.JSONDecodeError, ValueError) as e:  # fmt: skip
                if attempt == RETRIES - 1:
                    raise CommuniqueError(f"the API kept failing: {describe(e)}") from None
                self.sleep(min(2**attempt, 60) * (0.5 + self.jitter()))
            except tweepy.HTTPException as e:
                raise CommuniqueError(f"the API refused the request: {describe(e)}") from None
        raise CommuniqueError("the API kept asking us to wait")


@dataclass
class AccountResult:
    account: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    media: int = 0
    media_failed: int = 0
    refused: list[str] = field(default_factory=list)  # one line a medium, naming post and URL
    deleted: int = 0
    unverifiable: int = 0
    resumed: bool = False

    def line(self) -> str:
        resumed = " (resumed an interrupted run)" if self.resumed else ""
        refused = f", {len(self.refused):,} media refused" if self.refused else ""
        hidden = (
            f", {self.unverifiable:,} not verifiable (the API would not show them:"
            " protected or suspended account?)"
            if self.unverifiable
            else ""
        )
        return (
            f"{self.account}: {self.new:,} new, {self.updated:,} updated in {self.pages:,} pages,"
            f" {self.media:,} media downloaded, {self.media_failed:,} media to retry{refused},"
            f" {self.deleted:,} deletions{hidden}{resumed}"
        )


def now() -> datetime:
    """The clock of provenance stamps; COMMUNIQUE_NOW pins it (tests compare stores by byte)."""
    fixed = os.environ.get("COMMUNIQUE_NOW")
    return datetime.fromisoformat(fixed).replace(tzinfo=UTC) if fixed else datetime.now(UTC)


@dataclass
class Fetcher:
    client: tweepy.Client
    store: Store
    retry: Retry = field(default_factory=Retry)
    now: Callable[[], datetime] = now
    page_size: int = 100
    # The feed item a post was made from, when the feed bridge made it (``syndicate.Posted``).
    syndicated: Callable[[dict], str | None] | None = None
    media_hosts: tuple[str, ...] = MEDIA_HOSTS
    max_bytes: int = MEDIA_MAX_MB * 1024**2
    refused: dict[str, str] = field(default_factory=dict)  # URL -> why, for this run
    answered: str | None = None  # when the API answered the latest request

    def __post_init__(self) -> None:
        # tweepy hands back a response's body alone: its time is caught on the way past.
        self.client.session.hooks["response"].append(self.heard)

    def heard(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """When the API answered, which is when a page's posts were captured: the response's
        Date header (the API's own clock), or else the time it arrived."""
        self.answered = http_date(response.headers.get("Date")) or self.stamp()

    def stamp(self) -> str:
        return self.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def checkpoint(self, account: str) -> Path:
        return self.store.root / account / ".fetch-state.json"

    def user_id(self, account: str) -> str:
        known = self.store.read_account(account)
        if known.get("id"):
            return str(known["id"])
        found = self.retry(self.client.get_user, username=account, user_fields=USER_FIELDS)
        data = (found or {}).get("data")
        if not data:
            raise CommuniqueError(f"the API does not know the account @{account}")
        self.store.write_account(
            account,
            {**known, "username": account, "id": data["id"], "display_name": data.get("name")},
        )
        return str(data["id"])

    def archive(
        self, account: str, on_page: Callable[[int], None] = lambda n: None
    ) -> AccountResult:
        """Fetch every post newer than the store's newest, page by page, each stored at once."""
        result = AccountResult(account)
        user = self.user_id(account)
        path = self.checkpoint(account)
        state = read_checkpoint(path)
        result.resumed = state is not None
        if state is None:
            state = {"since_id": self.store.latest_id(account), "until_id": None}
        # A post the account never made public (one of a protected period, shown since) gets
        # none of its media downloaded: they would sit in media/, which is committed.
        hidden = {r["id"] for r in self.store.never_public(account)}
        while True:
            params = {"max_results": self.page_size, "tweet_fields": TWEET_FIELDS,
                      "expansions": EXPANSIONS, "media_fields": MEDIA_FIELDS,
                      "place_fields": PLACE_FIELDS, "user_fields": USER_FIELDS}  # fmt: skip
            if state["since_id"]:
                params["since_id"] = state["since_id"]
            if state["until_id"]:
                params["until_id"] = state["until_id"]
            page = self.retry(self.client.get_users_tweets, user, **params) or {}
            posts, found, next_token = read_page(page)
            if not posts:
                break
            captured = provenance(TIMELINE, self.answered or self.stamp(), self.stamp())
            records = [record_of(p, found, account, captured) for p in posts]
            mark_syndicated(records, self.syndicated)
            # The retry below says what was refused.
            ok, failed, _ = self.download_media([r for r in records if r["id"] not in hidden])
            merged = self.store.merge(records)
            result.pages += 1
            result.new += merged.new
            result.updated += merged.updated
            result.media += ok
            result.media_failed += failed
            state["until_id"] = min((p["id"] for p in posts), key=int)
            write_atomic(path, json.dumps(state).encode())
            on_page(result.pages)
            if not next_token:
                break
        path.unlink(missing_ok=True)
        retried, still, result.refused = self.retry_media(account)
        result.media += retried
        result.media_failed = still
        return result

    def download_media(self, records: list[dict]) -> tuple[int, int, list[str]]:
        """Download each record's media not yet on disk; a failure is retried on the next run.

        The next run retries exactly the items without a ``file``, so ``file`` is set only once
        every part of an item is on disk (a video's MP4 and its preview image). Parts already
        on disk are not asked for again, nor, in this run, a URL that was refused.
        Returns (items downloaded, items failed, a line for each item refused).
        """
        ok = failed = 0
        refused = []
        for record in records:
            folder = self.store.media_dir(record["account"])
            for media in record["media"]:
                parts = [
                    (url, folder / f"{record['id']}-{safe_key(media['id'])}{suffix}", kind)
                    for url, suffix, kind in media_urls(media)
                ]
                if media.get("file") or not parts:
                    continue
                try:
                    for url, path, kind in parts:
                        if not path.exists():
                            self.download(url, path, kind)
                except Refused as e:
                    refused.append(f"@{record['account']}: post {record['id']}: media {e}")
                    continue
                except CommuniqueError:
                    failed += 1
                    continue
                media["file"] = f"media/{parts[0][1].name}"
                ok += 1
        return ok, failed, refused

    def download(self, url: str, path: Path, kind: str) -> None:
        """One medium into ``path``, whole or not at all; Refused, at once, when it comes from
        anywhere but the media hosts, is not of its kind (``image/``, ``video/``), or is larger
        than the cap. A dropped connection or a server error is retried."""
        why = self.refused.get(url) or outside(url, self.media_hosts)
        try:
            if why:
                raise Refused(why)
            self.retry(self.stream, url, path, kind)
        except Refused as e:
            self.refused[url] = str(e)
            raise Refused(f"{url} refused: {e}") from None

    def stream(self, url: str, path: Path, kind: str) -> None:
        """The response written to disk as it arrives: a video never has to fit in memory.
        Redirects are not followed: they could lead anywhere."""
        cap = f"larger than {self.max_bytes:,} bytes (MEDIA_MAX_MB)"
        with self.client.session.get(url, timeout=60, stream=True, allow_redirects=False) as r:
            if r.status_code >= 500:
                raise tweepy.TwitterServerError(r)
            if r.status_code != 200:
                raise tweepy.HTTPException(r)
            served = r.headers.get("Content-Type", "").partition(";")[0].strip().lower()
            if not served.startswith(kind):
                raise Refused(f"its content type is {served or 'not given'}, not {kind}*")
            length = r.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise Refused(cap)
            with naming(path), replacing(path) as tmp, open(tmp, "wb") as f:
                size = 0
                for chunk in r.iter_content(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise Refused(cap)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())

    def retry_media(self, account: str) -> tuple[int, int, list[str]]:
        """Download what earlier runs could not; returns (downloaded, still missing, a line for
        each refused)."""
        pending = [
            r
            for r in self.store.posts(account)
            if is_public(r) and any(m.get("url") and not m.get("file") for m in r.get("media", []))
        ]
        if not pending:
            return 0, 0, []
        done = self.download_media(pending)
        self.store.merge(pending)
        return done

    def verify(self, account: str) -> tuple[int, int]:
        """Look up every stored post; mark the ones the API says are gone as deleted.

        A post the lookup leaves out is gone when the API says "Not Found Error", or gives no
        error for it at all (how it reports some deletions). Any other error, such as the
        "Authorization Error" of a protected or suspended account, hides a post that may well
        still exist: it is counted as not verifiable and never marked.
        Returns (posts newly marked deleted, posts not verifiable).
        """
        ids = [r["id"] for r in self.store.posts(account) if not r.get("deleted_at")]
        deletions: dict[str, tuple[str, str]] = {}
        unverifiable = 0
        for start in range(0, len(ids), 100):
            batch = ids[start : start + 100]
            found = self.retry(self.client.get_tweets, batch, tweet_fields=["id"]) or {}
            returned = {t["id"] for t in found.get("data") or []}
            reasons = {e.get("resource_id") or e.get("value"): e for e in found.get("errors") or []}
            for post_id in batch:
                if post_id in returned:
                    continue
                error = reasons.get(post_id, {})
                if error and error.get("title") != "Not Found Error":
                    unverifiable += 1
                    continue
                why = error.get("title") or "not returned"
                if error.get("detail"):
                    why += f": {error['detail']}"
                deletions[post_id] = (self.stamp(), f"API lookup ({why})")
        return self.store.mark_deleted(account, deletions), unverifiable


def read_checkpoint(path: Path) -> dict | None:
    """The window an interrupted run still owes, or None when the last run finished.

    A damaged checkpoint stops the run instead of being discarded: after an interrupted run the
    store's newest id is newer than the pages the checkpoint still owes, so starting again from
    it would skip those posts for good. Stopping loses nothing and leaves the choice to the user.
    """
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text())
    except ValueError as e:
        problem = f"not JSON: {e}"
    else:
        if (
            isinstance(state, dict)
            and set(state) == {"since_id", "until_id"}
            and all(v is None or is_post_id(v) for v in state.values())
        ):
            return state
        problem = "not a since_id/until_id pair of post ids"
    raise CommuniqueError(
        f"{path}: corrupt fetch checkpoint ({problem}); restore it from git, or delete it to"
        " start again from the newest stored post (posts the interrupted run had not reached"
        " yet may then be missed)"
    )


def http_date(value: str | None) -> str | None:
    """An HTTP date ("Mon, 01 Jan 2024 00:00:00 GMT") as the store writes times, or None."""
    try:
        moment = parsedate_to_datetime(value or "")
        if moment.tzinfo is None:  # "-0000": UTC, its source not saying where it was
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError):
        return None


def record_of(post: dict, found: dict, account: str, captured: dict) -> dict:
    """A store record from one timeline post; a malformed one stops the run before its page is
    stored (the checkpoint still points before it, so a later run asks for that page again)."""
    try:
        if not is_post_id(post["id"]):
            raise ValueError(f"id {post['id']!r} is not a number")
        return from_v2(post, found, account=account, provenance=captured)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        what = f"no {e} field" if isinstance(e, KeyError) else str(e)
        ident = post.get("id") if isinstance(post, dict) else None
        which = f" {ident}" if is_post_id(ident) else ""
        raise CommuniqueError(
            f"the API returned a malformed post{which} in @{account}'s timeline ({what});"
            " nothing of that page was stored"
        ) from None


def safe_key(key: str) -> str:
    return "".join(c for c in key if c.isalnum() or c in "_-")[:40] or "media"


def split(url: str) -> SplitResult:
    """The parts of a URL, all empty for one that cannot be parsed (``https://[::1``)."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def outside(url: str, hosts: tuple[str, ...]) -> str | None:
    """Why ``url`` is not one to download media from, or None: only https from ``hosts``, and
    the server COMMUNIQUE_API_BASE names (the test server serves its own posts' media)."""
    parts = split(url)
    allowed = {("https", host.lower()) for host in hosts}
    stand_in = urlsplit(os.environ.get(BASE_VAR, ""))
    if stand_in.netloc:
        allowed.add((stand_in.scheme, stand_in.netloc))
    if (parts.scheme, parts.netloc.lower()) in allowed:
        return None
    return f"not https from a host in MEDIA_HOSTS ({', '.join(hosts)})"


def media_urls(media: dict) -> list[tuple[str, str, str]]:
    """What to download for one media item: the original photo, or the video and its preview;
    each as (URL, suffix of its file, the content type it must have)."""
    url = media.get("url")
    if not url:
        return []
    if media.get("type") == "photo":
        if split(url).netloc == "pbs.twimg.com":
            url += "?name=orig"
        suffix = Path(split(media["url"]).path).suffix.lower()
        known = suffix in (".jpg", ".jpeg", ".png", ".gif", ".webp")
        return [(url, suffix if known else ".jpg", "image/")]
    urls = [(url, ".mp4", "video/")]
    if media.get("preview"):
        urls.append((media["preview"], PREVIEW, "image/"))
    return urls

"""Settings: every setting communique reads, with its default, read and checked once.

Built from Pelican's settings inside a build, or from ``pelican.conf.py`` for the tasks, so the
two always agree; after that the rest of the package reads fields, never keys by string.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from communique.errors import CommuniqueError
from communique.records import handle

HIDE_SCOPES = ("", "support", "replies", "all")
AUDIENCE_KINDS = ("replies_to_others", "support", "replies", "retweets", "quotes", "media")
# The lists that may have feeds: the whole archive, each account, trip, audience and hashtag.
FEED_KINDS = ("all", "account", "trip", "audience", "tag")
FEED_FORMATS = ("atom", "rss")
MEDIA_HOSTS = ("pbs.twimg.com", "video.twimg.com")  # where Twitter serves photos and videos
MEDIA_MAX_MB = 512  # Twitter's own limit for a video upload, a few times any photo
HOST = re.compile(r"[A-Za-z0-9.-]+")
UNPUBLISHED = "http://localhost:8000"  # a site's address until SITEURL says where it is
# S3's rules for a bucket's name, which R2 and MinIO keep too.
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class Settings:
    """One field per setting, named as the setting in lower case (``POSTS_PER_PAGE`` is
    ``posts_per_page``); paths are resolved against the project folder, ``base``."""

    base: Path
    accounts: tuple[str, ...] = ()
    sitename: str = "Communique"
    siteurl: str = ""
    timezone: ZoneInfo = ZoneInfo("UTC")  # Pelican's TIMEZONE: the zone pages show times in
    archive_path: Path = Path("content/archive")
    trips_path: Path = Path("content/trips")
    redactions_path: Path = Path("content/redactions.md")
    ledger_path: Path = Path("content/ledger.jsonl")  # beside the store, committed with it
    output_path: Path = Path("output")
    cache_path: Path = Path("cache")
    theme: Path = Path("theme")
    audiences: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    signatures: Mapping[str, str] = field(default_factory=dict)
    support_hashtags: tuple[str, ...] = ()
    hide_other_handles: str = ""
    other_handle_label: str = "a customer"
    redactions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    home_places: tuple[str, ...] = ()
    posts_per_page: int = 50
    feed_max_items: int = 100  # Pelican's own default for the same setting
    # The lists with feeds, and the formats each is written in. Hashtags have none unless
    # asked: a site has hundreds, each feed a copy of a hundred posts that no reader or bridge
    # was seen to follow (at 10,000 posts, 6 KB a post of the site's 10).
    feeds: tuple[str, ...] = ("all", "account", "trip", "audience")
    feed_formats: tuple[str, ...] = FEED_FORMATS
    syndicate_feed: str = "atom.xml"
    syndicate_state: Path = Path("content/syndicate.json")
    # Media are downloaded only over https from these hosts, each at most MEDIA_MAX_MB.
    media_hosts: tuple[str, ...] = MEDIA_HOSTS
    media_max_mb: int = MEDIA_MAX_MB
    github_remote: str = "origin"
    github_branch: str = "gh-pages"
    github_keep_history: bool = False
    cname: str = ""
    # Who keeps this archive, named in the bag-info.txt of `invoke package` (left out when unset).
    source_organization: str = ""
    contact_name: str = ""
    contact_email: str = ""
    # Where `invoke publish` sends the site: "" for GITHUB_BRANCH of GITHUB_REMOTE, or
    # "s3://bucket/prefix" for S3-compatible object storage, at S3_ENDPOINT_URL when set.
    publish_target: str = ""
    s3_endpoint_url: str = ""
    # Pins the build's clock (tests, reproducible builds): "YYYY-MM-DD[THH:MM:SS]", UTC.
    build_date: str = ""
    # An RFC 3161 timestamp authority asked to date each new SHA256SUMS (and ledger head);
    # its tokens are kept in timestamps_path, beside the store, so a build asks only once.
    timestamp_url: str = ""
    timestamps_path: Path = Path("content/timestamps")
    # Whether this build makes a search index (`invoke build --no-search` turns it off, so the
    # search page does not point at an index that is not there).
    search: bool = True

    @property
    def public_url(self) -> str:
        """Where the site is published, for what must name it whole (feeds, the WACZ): SITEURL,
        or where ``invoke serve`` shows it until SITEURL is set."""
        return self.siteurl.rstrip("/") or UNPUBLISHED

    @property
    def site_base(self) -> str:
        """The path the site is served under ("" at a host's root), from SITEURL."""
        return urlsplit(self.siteurl).path.rstrip("/")

    def now(self) -> datetime:
        """The build's clock: ``build_date`` when set, otherwise the time now."""
        if self.build_date:
            return datetime.fromisoformat(self.build_date).replace(tzinfo=UTC)
        return datetime.now(UTC)

    def key(self) -> dict[str, object]:
        """Every field as plain data, for cache keys: a page made under other settings is
        made again, whichever setting changed. Paths as the project names them, from its
        folder: a project moved or checked out elsewhere is the same site."""
        fields = dataclasses.asdict(self)
        del fields["base"]
        return {name: os.path.relpath(value, self.base) if isinstance(value, Path) else value
                for name, value in fields.items()}  # fmt: skip


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
PATHS = {name for name, f in FIELDS.items() if f.type == "Path" and name != "base"}
TUPLES = {name for name, f in FIELDS.items() if f.type.startswith("tuple[str")}


def from_mapping(values: Mapping[str, Any], base: Path) -> Settings:
    """The Settings of the upper-case keys in ``values`` (unknown keys are Pelican's)."""
    given: dict[str, Any] = {}
    for key, value in values.items():
        name = key.lower()
        if not key.isupper() or name not in FIELDS or name == "base" or value is None:
            continue
        if name in PATHS:
            value = Path(base, value)
        elif name in TUPLES:
            if isinstance(value, str) or not isinstance(value, list | tuple):
                raise CommuniqueError(f"{key}: expected a list of names, not {value!r}")
            value = tuple(str(v) for v in value)
        if name == "accounts":
            value = tuple(dict.fromkeys(account_name(v, key) for v in value))
        elif name == "timezone":
            value = zone(value)
        given[name] = value
    for name in PATHS - given.keys():
        given[name] = base / FIELDS[name].default
    settings = Settings(base=base, **given)
    check(settings)
    return settings


def account_name(value: object, where: str) -> str:
    """An account as everything spells it, its handle in lower case: "Envoy_Vale" given in
    ACCOUNTS and envoy_vale made by an import are one account, with one folder in the store."""
    name = handle(value)
    if name is None:
        raise CommuniqueError(f"{where}: {value!r} is not a handle (1 to 15 of A-Z, a-z, 0-9, _)")
    return name


def zone(value: object) -> ZoneInfo:
    """TIMEZONE as a zone: a misspelt one would show every time at the wrong hour."""
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise CommuniqueError(
            f"TIMEZONE: {value!r} is not a time zone; use a name such as 'Asia/Tokyo' or 'UTC'"
        ) from None


def check(settings: Settings) -> None:
    """The settings whose mistakes would publish the wrong thing stop here, with their name."""
    if settings.hide_other_handles not in HIDE_SCOPES:
        raise CommuniqueError(
            f"HIDE_OTHER_HANDLES: {settings.hide_other_handles!r}; use one of {HIDE_SCOPES}"
        )
    if not isinstance(settings.posts_per_page, int) or settings.posts_per_page < 1:
        raise CommuniqueError(f"POSTS_PER_PAGE: {settings.posts_per_page!r}; use a number >= 1")
    if not isinstance(settings.feed_max_items, int) or settings.feed_max_items < 1:
        raise CommuniqueError(f"FEED_MAX_ITEMS: {settings.feed_max_items!r}; use a number >= 1")
    for name, known in (("feeds", FEED_KINDS), ("feed_formats", FEED_FORMATS)):
        if not set(getattr(settings, name)) <= set(known):
            raise CommuniqueError(
                f"{name.upper()}: {list(getattr(settings, name))!r}; use some of {known}"
            )
    written = syndicated(settings)
    if written is not None:
        raise CommuniqueError(
            f"SYNDICATE_FEED: {settings.syndicate_feed!r} is not written ({written});"
            " the bridge would post nothing"
        )
    if not settings.media_hosts or not all(HOST.fullmatch(h) for h in settings.media_hosts):
        raise CommuniqueError(
            f"MEDIA_HOSTS: {list(settings.media_hosts)!r}; use host names, such as {MEDIA_HOSTS}"
        )
    if not isinstance(settings.media_max_mb, int) or settings.media_max_mb < 1:
        raise CommuniqueError(f"MEDIA_MAX_MB: {settings.media_max_mb!r}; use a number >= 1")
    if not isinstance(settings.audiences, Mapping):
        raise CommuniqueError("AUDIENCES: expected {name: {title, include, exclude}}")
    for name, rules in settings.audiences.items():
        kinds = {*rules.get("include", []), *rules.get("exclude", [])}
        unknown = kinds - set(AUDIENCE_KINDS)
        if unknown or not str(name).isidentifier():
            raise CommuniqueError(
                f"AUDIENCES[{name!r}]: unknown kinds {sorted(unknown)}; known: {AUDIENCE_KINDS}"
            )
    if not isinstance(settings.github_keep_history, bool):
        raise CommuniqueError(
            f"GITHUB_KEEP_HISTORY: {settings.github_keep_history!r}; use True or False"
        )
    for name in ("source_organization", "contact_name", "contact_email"):
        value = getattr(settings, name)
        if not isinstance(value, str) or not value.isprintable():  # one line of bag-info.txt
            raise CommuniqueError(f"{name.upper()}: {value!r}; use one line of text")
    if settings.publish_target:
        s3_target(settings.publish_target, "PUBLISH_TARGET")
    if settings.s3_endpoint_url:
        s3_endpoint(settings.s3_endpoint_url)
    if settings.timestamp_url:
        check_timestamp_url(settings.timestamp_url)
    if settings.build_date:
        try:
            settings.now()
        except ValueError:
            raise CommuniqueError(f"BUILD_DATE: {settings.build_date!r} is not a date") from None


def s3_target(value: object, where: str) -> tuple[str, str]:
    """The bucket and key prefix of "s3://bucket/prefix" ("" for the whole bucket). Every
    object under the prefix is the site's, so a publish deletes those the site no longer has:
    a prefix that cannot be a folder of the site's addresses is refused."""
    text = value if isinstance(value, str) else ""
    bucket, _, prefix = text.removeprefix("s3://").partition("/")
    parts = prefix.strip("/").split("/") if prefix.strip("/") else []
    if (
        not text.startswith("s3://")
        or not BUCKET.fullmatch(bucket)
        or any(part in ("", ".", "..") or not part.isprintable() for part in parts)
    ):
        raise CommuniqueError(
            f"{where}: {value!r}; use s3://bucket or s3://bucket/prefix (the bucket's name in"
            " lower-case letters, digits, '.' and '-')"
        )
    return bucket, "/".join(parts)


def s3_endpoint(value: object) -> str:
    """S3_ENDPOINT_URL, for R2, MinIO and other S3-compatible storage. Credentials come from
    the environment only: an address that carries them is refused without being shown."""
    text = value if isinstance(value, str) else ""
    if "@" in re.split(r"[/?#]", text.partition("://")[2])[0]:
        raise CommuniqueError(
            "S3_ENDPOINT_URL: the address carries credentials (user:key@); set"
            " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead"
        )
    try:
        url = urlsplit(text)
        good = url.scheme in ("http", "https") and bool(url.hostname) and url.port != 0
    except ValueError:  # a port out of range, a broken IPv6 address
        good = False
    if not good:
        raise CommuniqueError(
            f"S3_ENDPOINT_URL: {value!r}; use the storage's address, such as"
            " 'https://ACCOUNT.r2.cloudflarestorage.com'"
        )
    return text


def syndicated(settings: Settings) -> str | None:
    """What keeps the site's whole feed from being written, if ``syndicate_feed`` names it
    (the default, "atom.xml"), or None: the bridge reads the feed it names."""
    folder, _, name = settings.syndicate_feed.rpartition("/")
    kind = name.removesuffix(".xml")
    if not folder and kind in FEED_FORMATS:
        if "all" not in settings.feeds:
            return "FEEDS has no 'all'"
        if kind not in settings.feed_formats:
            return f"FEED_FORMATS has no {kind!r}"
    return None


def check_timestamp_url(value: object) -> None:
    """TIMESTAMP_URL is shown on the provenance page and in errors: one with a user or
    password in it is refused, and without showing it."""
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # "http://[::1": a bracket left open
        parts = None
    if parts is not None and (parts.username is not None or parts.password is not None):
        raise CommuniqueError(
            "TIMESTAMP_URL: holds a user or password, which the provenance page would publish;"
            " use an authority that needs none"
        )
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommuniqueError(
            f"TIMESTAMP_URL: {value!r} is not an http(s) address of a timestamp authority"
        )


def from_pelican(values: Mapping[str, Any]) -> Settings:
    """The Settings of a Pelican build: the project is the folder that holds ``PATH``."""
    return from_mapping(values, Path(values.get("PATH", ".")).resolve().parent)


def load(path: Path | str) -> Settings:
    """The settings in ``path`` (``pelican.conf.py``) over the defaults."""
    path = Path(path)
    if not path.exists():
        raise CommuniqueError(f"{path}: settings file not found")
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return from_mapping(namespace, path.parent.resolve())

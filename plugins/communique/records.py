"""The stored record: one post, as the store keeps it and the site reads it.

A plain dict, so that JSON in and JSON out are the same thing; ``Record`` says what it holds.
Ids compare as integers and are kept as strings; times are UTC ISO 8601 ("2008-11-03T09:15:00Z");
entity offsets count code points in ``text``.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from pathlib import PurePosixPath
from typing import Any, NotRequired, TypedDict

HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
# What a video's still image (the export's thumbnail, the API's preview) adds to its file's name.
PREVIEW = "-preview.jpg"


class Hashtag(TypedDict):
    tag: str
    start: int
    end: int


class Mention(TypedDict):
    username: str
    start: int
    end: int


class Link(TypedDict):
    url: str
    display: str
    start: int
    end: int


class Entities(TypedDict):
    hashtags: list[Hashtag]
    mentions: list[Mention]
    urls: list[Link]


class Reference(TypedDict, total=False):
    """``reply_to`` {"id", "user", "user_id"}, ``quote_of`` {"id", "user", "url"} or
    ``retweet_of`` {"id", "user"}."""

    id: str | None
    user: str | None
    user_id: str | None
    url: str | None


class Media(TypedDict, total=False):
    id: str
    type: str  # photo, video or animated_gif
    url: str
    alt: str | None
    file: str | None  # "media/<name>" under <account>/ (never-public/ for a never-public post)
    width: int | None
    height: int | None
    variants: list[dict[str, Any]]


class Place(TypedDict, total=False):
    name: str
    country: str | None
    lat: float | None
    lon: float | None


class Community(TypedDict):
    id: str  # digits: the community's address is x.com/i/communities/<id>


class Provenance(TypedDict):
    """What an archivist asks of a record: when it was captured, and by what, when it came
    into this archive, and the hash that lets anyone check its payload. Never a local file
    name: the name of the user's zip says nothing about the record and may say much about the
    user."""

    # When Twitter made the export (manifest.js's generationDate) or the API answered (its
    # Date header); None for an export without a manifest, which does not say.
    captured_at: str | None
    imported_at: str  # when this archive stored the record
    captured_by: str  # "export:data/tweets.js" (the file in the export) or "api:GET /2/..."
    tool: str | None  # "communique 0.1.0"; None for a record stored before this was kept
    sha256: str | None  # of ``raw`` in canonical JSON (None in a withheld post's placeholder)


class Record(TypedDict):
    id: str
    account: str  # the account's username, lowercase
    created_at: str
    text: str  # t.co links expanded, media links removed, entities decoded once
    entities: Entities
    reply_to: Reference | None
    quote_of: Reference | None
    retweet_of: Reference | None
    conversation_id: str | None
    edit_ids: list[str]  # every version's id, oldest first ([id] when never edited)
    media: list[Media]
    place: Place | None
    lang: str | None
    source: str | None
    metrics: dict[str, int]  # likes, retweets, replies, quotes
    provenance: Provenance
    raw: NotRequired[dict[str, Any]]  # the payload exactly as received
    note: NotRequired[dict[str, Any]]  # a long post's note-tweet.js entry, as received
    deleted_at: NotRequired[str | None]
    deleted_how: NotRequired[str | None]  # how the deletion was learned
    # Absent when public; "circle" or "protected" when the account never made it public: kept
    # for the account's records, never published.
    visibility: NotRequired[str]
    syndicated_from: NotRequired[str]  # the feed item `invoke syndicate` made this post from
    # True of a retweet Twitter cut at about 140 characters: the rest is in no payload we have.
    shortened: NotRequired[bool]
    community: NotRequired[Community]  # the X Community the post was made in, public there


@functools.cache
def tool() -> str:
    """This tool and its version as a record's provenance names them, from the installed
    package's metadata: the one place the version is written is pyproject.toml."""
    try:
        return f"communique {importlib.metadata.version('communique')}"
    except importlib.metadata.PackageNotFoundError:  # run from a clone never installed
        return "communique (version unknown)"


def provenance(captured_by: str, captured_at: str | None, imported_at: str) -> dict:
    """A new record's provenance, but for its hash, which is of the payload it comes with."""
    return {
        "captured_at": captured_at,
        "imported_at": imported_at,
        "captured_by": captured_by,
        "tool": tool(),
    }


def is_old_provenance(provenance: dict) -> bool:
    """Whether a stored provenance is of the shape before capture times were kept: {source,
    retrieved_at, sha256}, whose source began with the name of the user's zip file."""
    return "retrieved_at" in provenance


def upgraded_provenance(old: dict) -> dict:
    """The provenance an old record would have been given, as far as it says: its hash as it
    was, its retrieval time as the import time, and the file in the export or the API endpoint
    it came from, without the local file name that came first ("my-export.zip:data/tweets.js").
    A fetch was stamped as its page arrived, which is the capture; an import, when the export
    was read, which is not (the export's date was not kept: captured_at is None)."""
    source = old["source"]
    api = source.startswith("api:")
    return {
        "captured_at": old["retrieved_at"] if api else None,
        "imported_at": old["retrieved_at"],
        "captured_by": source if api else f"export:{source.rpartition(':')[2]}",
        "tool": None,
        "sha256": old["sha256"],
    }


def is_public(record: Record | dict) -> bool:
    return not record.get("visibility")


POST_ID = re.compile(r"[0-9]{1,25}")


def is_post_id(value: object) -> bool:
    """Whether ``value`` can be a post's id: ASCII digits and nothing else. An id names a
    folder and a URL, so not "٢" (a digit to ``str.isdigit`` and to ``\\d``) nor "2\\n" (which
    a ``$`` lets through)."""
    return isinstance(value, str) and POST_ID.fullmatch(value) is not None


def handle(name: object) -> str | None:
    """An account's name as the settings, the store's folders and the records all spell it:
    the handle in lower case (Twitter's handles ignore case, so "Envoy_Vale" is envoy_vale), or
    None when ``name`` is no handle and would make no safe folder name (``../x``, ``/etc``)."""
    if isinstance(name, str) and HANDLE.fullmatch(name):
        return name.lower()
    return None


def preview_of(file: str) -> str:
    """Where a video's still image is kept, beside it: ``media/1-clip.mp4`` has
    ``media/1-clip-preview.jpg``. A name, not a field of the record: the fetch kept stills
    there before the site made posters of them, and its stores need no upgrade."""
    return f"{PurePosixPath(file).with_suffix('')}{PREVIEW}"

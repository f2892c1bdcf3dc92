"""What the site does not publish, and the open record of it.

Two kinds of silence, kept apart on purpose. A post the account never made public (shared only
with a Twitter Circle, or posted while the account was protected) is kept in the store for the
account's own records and never published at all: publishing it would be a leak. A post staff
withhold (a redaction) gets a placeholder at its URL and a row in the redaction log, with a
reason category and a date: a silent gap would look like censorship.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from communique.errors import CommuniqueError
from communique.records import is_post_id
from communique.settings import Settings

# The reason categories a redaction may give, and how the site says them.
REASONS = {
    "personal-data": "personal data of a private person",
    "security": "security",
    "legal-order": "a legal order",
    "error": "posted in error",
}

# "- 1050118621198921728: personal-data, 2024-03-02" (a list item that starts with a post id)
ITEM = re.compile(r"^\s*[-*]\s+(?P<id>\d+)\b(?P<rest>.*)$")
RULE = re.compile(r"^\s*[:|,]?\s*(?P<reason>[A-Za-z][A-Za-z -]*?)\s*[,|]\s*(?P<date>\S+)\s*$")


@dataclass(frozen=True)
class Redaction:
    id: str
    reason: str  # a key of REASONS
    date: str  # YYYY-MM-DD, the day it was withheld
    where: str  # the file and line, or the setting, that says so

    @property
    def label(self) -> str:
        return REASONS[self.reason]


def reason_key(text: str) -> str | None:
    key = "-".join(text.casefold().replace("_", " ").split())
    return key if key in REASONS else None


def make_redaction(post_id: str, reason: str, day: str, where: str) -> Redaction:
    post_id = str(post_id).strip()
    if not is_post_id(post_id):
        raise CommuniqueError(f"{where}: {post_id!r} is not a post id")
    key = reason_key(str(reason))
    if key is None:
        raise CommuniqueError(
            f"{where}: unknown reason {reason!r}; use one of {', '.join(REASONS)}"
        )
    try:
        day = date.fromisoformat(str(day).strip()).isoformat()
    except ValueError:
        raise CommuniqueError(f"{where}: {day!r} is not a date (YYYY-MM-DD)") from None
    return Redaction(post_id, key, day, where)


def parse_redactions(text: str, where: str) -> list[Redaction]:
    """The redactions a Markdown file lists: one list item each, ``- <id>: <reason>, <date>``.

    Everything that is not a list item starting with a post id is prose for the staff, so the
    file can explain itself; an item that starts with an id but is not well formed stops the
    build with its line, rather than publishing a post someone meant to withhold.
    """
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        item = ITEM.match(line)
        if not item:
            continue
        rule = RULE.match(item["rest"])
        if not rule:
            raise CommuniqueError(
                f"{where}:{n}: write a redaction as '- <post id>: <reason>, <YYYY-MM-DD>'"
            )
        found.append(make_redaction(item["id"], rule["reason"], rule["date"], f"{where}:{n}"))
    return found


def load_redactions(settings: Settings) -> dict[str, Redaction]:
    """Every redaction, from ``content/redactions.md`` and the ``REDACTIONS`` setting, by id."""
    found: list[Redaction] = []
    path = settings.redactions_path
    if path.is_file():
        found += parse_redactions(path.read_text(encoding="utf-8"), str(path))
    setting = settings.redactions
    if not isinstance(setting, dict):
        raise CommuniqueError("REDACTIONS: expected {post id: (reason, 'YYYY-MM-DD')}")
    for post_id, value in setting.items():
        if not (isinstance(value, list | tuple) and len(value) == 2):
            raise CommuniqueError(f"REDACTIONS[{post_id!r}]: expected (reason, 'YYYY-MM-DD')")
        found.append(make_redaction(post_id, *value, f"REDACTIONS[{post_id!r}]"))
    by_id: dict[str, Redaction] = {}
    for redaction in found:
        other = by_id.setdefault(redaction.id, redaction)
        if other is not redaction and (other.reason, other.date) != (
            redaction.reason,
            redaction.date,
        ):
            raise CommuniqueError(
                f"{redaction.where}: post {redaction.id} is already withheld"
                f" differently at {other.where}"
            )
    return by_id


def placeholder(post: dict, redaction: Redaction) -> dict:
    """What the site keeps of a withheld post: that it existed, when, and why it is withheld.

    No text, media, place, hashtags or raw hash (a hash of a short text can confirm a guess).
    """
    reply = post.get("reply_to") or {}
    return {
        "id": post["id"],
        "account": post["account"],
        "created_at": post["created_at"],
        "text": "",
        "entities": {"hashtags": [], "mentions": [], "urls": []},
        "reply_to": {"id": reply.get("id"), "user": None} if reply.get("id") else None,
        "quote_of": None,
        "retweet_of": None,
        "conversation_id": post.get("conversation_id"),
        "edit_ids": post.get("edit_ids") or [post["id"]],
        "media": [],
        "place": None,
        "lang": None,
        "source": None,
        "metrics": {},
        "deleted_at": post.get("deleted_at"),
        "deleted_how": post.get("deleted_how"),
        "provenance": {**post["provenance"], "sha256": None},
        "withheld": {"reason": redaction.reason, "label": redaction.label, "date": redaction.date},
    }


def redaction_of(post: dict, redactions: dict[str, Redaction]) -> Redaction | None:
    """A post is withheld when it or any version of it is: an edit says much the same thing."""
    for post_id in (post["id"], *(post.get("edit_ids") or ())):
        if post_id in redactions:
            return redactions[post_id]
    return None


# An @handle in the text, as Twitter reads one: not inside a word or an address.
HANDLE = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")
# A link to the platform, and the first segment of its path: a handle, or one of its own pages.
PLATFORM_LINK = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com(?:/([^/?#]*))?", re.I)
NO_ONES = {"", "hashtag", "search"}  # pages of the platform that name no person


def names_someone(url: str, keep: set[str]) -> bool:
    """Whether a link leads to a person not in ``keep``: their profile, or any of their posts
    (a post's link without a handle, /i/web/status/..., leads to its author as surely)."""
    link = PLATFORM_LINK.match(url)
    name = (link[1] or "").casefold() if link else ""
    return bool(link) and name not in keep and name not in NO_ONES


def hide_handles(post: dict, keep: set[str], label: str) -> dict:
    """The post with nothing left that identifies a person not in ``keep``: ``post`` itself
    when it names no one else, else a new dict.

    Their handle is shown as ``label``, whether Twitter linked it as a mention or not (it does
    not link a suspended account's); a link to their profile or their posts is cut; the post
    it answers, quotes or reposts is kept as a reference without its id, handle or user id:
    any of them leads to the person in one look-up.

    The handles a reply starts with are dropped instead: "Replying to a customer" says it once.
    Offsets of the entities after each replacement move with it, so links stay on their words.
    """
    urls = (post.get("entities") or {}).get("urls", [])
    links = [e for e in urls if names_someone(e.get("url") or "", keep)]
    if links:
        post = without_links(post, links)
    text, entities = post["text"], post.get("entities") or {}
    urls, mentions = entities.get("urls", []), entities.get("mentions", [])
    hidden = [m for m in mentions if m.get("username", "").casefold() not in keep]
    spans = [(m["start"], m["end"]) for m in hidden]
    taken = [(e["start"], e["end"]) for e in (*urls, *mentions)]
    spans += [
        found.span()
        for found in HANDLE.finditer(text)
        if found[1].casefold() not in keep and not any(s <= found.start() < e for s, e in taken)
    ]
    references = {}
    for kind, cut in (
        ("reply_to", {"id": None, "user": None, "user_id": None, "label": label}),
        ("quote_of", {"id": None, "user": None, "url": None}),
        ("retweet_of", {"id": None, "user": None}),
    ):
        reference = post.get(kind)
        if reference and (reference.get("user") or "").casefold() not in keep:
            references[kind] = cut
    if not spans:
        return {**post, **references} if references else post
    shown, pos, leading = [], 0, True
    for start, end in sorted(spans):
        leading = leading and not text[pos:start].strip()
        if leading:
            end += len(text[end:]) - len(text[end:].lstrip())
        shown.append((start, end, "" if leading else label))
        pos = end
    return {**replaced(post, shown, {id(m) for m in hidden}), **references}


def without_links(post: dict, links: list[dict]) -> dict:
    """The post with these links (url entities) cut from its text, with the space before
    each, as if they had never been written."""
    text, spans = post["text"], []
    for e in sorted(links, key=lambda e: e["start"]):
        start = e["start"]
        while start > 0 and text[start - 1] == " ":
            start -= 1
        spans.append((max(start, spans[-1][1] if spans else 0), e["end"], ""))
    return replaced(post, spans, {id(e) for e in links})


def replaced(post: dict, spans: list[tuple[int, int, str]], gone: set[int]) -> dict:
    """The post with each span ``(start, end, shown)`` of its text (in order, apart) shown as
    ``shown``; the entities whose ``id()`` is in ``gone`` dropped, the others' offsets moved
    with the text, so links stay on their words."""
    text, pieces, shifts, pos = post["text"], [], [], 0
    for start, end, shown in spans:
        pieces += [text[pos:start], shown]
        shifts.append((end, len(shown) - (end - start)))
        pos = end
    pieces.append(text[pos:])

    def moved(offset: int) -> int:
        return offset + sum(delta for end, delta in shifts if end <= offset)

    entities = {
        kind: [
            {**e, "start": moved(e["start"]), "end": moved(e["end"])}
            for e in items
            if id(e) not in gone
        ]
        for kind, items in (post.get("entities") or {}).items()
    }
    return {**post, "text": "".join(pieces), "entities": entities}

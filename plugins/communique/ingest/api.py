"""API v2 payloads to store records: the same normalized view the archive export gives.

A v2 post carries only keys into ``includes`` (media keys, place ids, referenced post ids); the
record resolves them, and keeps as ``raw`` the post with exactly the includes it refers to, so
the raw payload is self-contained and its hash does not depend on the rest of the page.
"""

from __future__ import annotations

from communique.errors import CommuniqueError
from communique.ingest.normalize import (
    Span,
    best_variant,
    degrees,
    expand,
    iso_utc,
    mark_shortened,
    plain_source,
    quote_of,
    to_int,
    unstorable,
)
from communique.store import sha256_of


def spans(entities: dict) -> list[Span]:
    out = [Span(e["start"], e["end"], "hashtag", {"tag": e.get("tag", "")})
           for e in entities.get("hashtags", [])]  # fmt: skip
    out += [Span(e["start"], e["end"], "mention", {"username": e.get("username", "")})
            for e in entities.get("mentions", [])]  # fmt: skip
    for e in entities.get("urls", []):
        if e.get("media_key"):
            out.append(Span(e["start"], e["end"], "media", {}))
        else:
            url = e.get("unwound_url") or e.get("expanded_url")
            out.append(
                Span(e["start"], e["end"], "url", {"url": url, "display": e.get("display_url")})
            )
    return out


INCLUDES = {"media": "media_key", "places": "id", "users": "id", "tweets": "id"}  # kind: its key


def index(includes: dict) -> dict[str, dict[str, dict]]:
    return {
        kind: {i[key]: i for i in includes.get(kind) or [] if isinstance(i.get(key), str)}
        for kind, key in INCLUDES.items()
    }


def read_page(page: object) -> tuple[list, dict[str, dict[str, dict]], str | None]:
    """A timeline page's posts, its includes as ``index`` gives them, and the next page's token.

    The page's whole shape is checked before any of it is used: a page is stored in one go, and
    a fault found after that would stop the run with the page stored and its checkpoint not.
    """
    problem = page_problem(page) if isinstance(page, dict) else f"is {shape(page)}, not an object"
    if problem:
        raise CommuniqueError(
            f"the API returned a timeline page that {problem}; nothing of that page was stored"
        )
    meta = page.get("meta") or {}
    return page.get("data") or [], index(page.get("includes") or {}), meta.get("next_token")


def page_problem(page: dict) -> str | None:
    posts, includes = page.get("data") or [], page.get("includes") or {}
    meta = page.get("meta") or {}
    if not isinstance(posts, list):
        return f"has data that is {shape(posts)}, not a list"
    if not isinstance(includes, dict):
        return f"has includes that are {shape(includes)}, not an object"
    for kind in INCLUDES:
        if not list_of_objects(includes.get(kind) or []):
            return f"has includes.{kind} that are not a list of objects"
    if not isinstance(meta, dict):
        return f"has a meta that is {shape(meta)}, not an object"
    if not isinstance(meta.get("next_token"), str | None):
        return "has a next_token that is not text"
    return None


def list_of_objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def shape(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "text", bool: "true or false"}
    return kinds.get(type(value), "null" if value is None else "a number")


def own_includes(tweet: dict, found: dict[str, dict[str, dict]]) -> dict:
    """The includes one post refers to: its media, place, referenced posts and their authors.

    Other people are private people as far as this archive knows: of the post a reply answers,
    only the account's own is kept, and of other users only the handle the post itself shows,
    never their display name or picture.
    """
    keys = (tweet.get("attachments") or {}).get("media_keys", [])
    place = (tweet.get("geo") or {}).get("place_id")
    author = tweet.get("author_id")
    refs = [
        r["id"]
        for r in tweet.get("referenced_tweets", [])
        if r["id"] in found["tweets"]
        and (r.get("type") != "replied_to" or found["tweets"][r["id"]].get("author_id") == author)
    ]
    users = {author, tweet.get("in_reply_to_user_id")}
    users |= {found["tweets"][r].get("author_id") for r in refs}
    picked = {
        "media": [found["media"][k] for k in keys if k in found["media"]],
        "places": [found["places"][place]] if place in found["places"] else [],
        "tweets": [found["tweets"][r] for r in refs],
        "users": [
            found["users"][u] if u == author else handle_only(found["users"][u])
            for u in sorted(u for u in users if u)
            if u in found["users"]
        ],
    }
    return {k: v for k, v in picked.items() if v}


def handle_only(user: dict) -> dict:
    return {k: user[k] for k in ("id", "username") if k in user}


def place_of(tweet: dict, includes: dict) -> dict | None:
    geo = tweet.get("geo") or {}
    places = includes.get("places", [])
    coords = (geo.get("coordinates") or {}).get("coordinates")
    if not places and not coords:
        return None
    place = places[0] if places else {}
    lat = lon = None
    if coords:
        lon, lat = coords
        lon, lat = degrees(lon, 180), degrees(lat, 90)
    elif bbox := (place.get("geo") or {}).get("bbox"):
        west, south, east, north = bbox
        lon = round((degrees(west, 180) + degrees(east, 180)) / 2, 4)
        lat = round((degrees(south, 90) + degrees(north, 90)) / 2, 4)
    return {
        "name": place.get("full_name") or place.get("name"),
        "country": place.get("country"),
        "lat": lat,
        "lon": lon,
    }


def media_of(includes: dict) -> list[dict]:
    out = []
    for m in includes.get("media", []):
        kind = m.get("type", "photo")
        variant = best_variant(m) if kind != "photo" else None
        out.append(
            {
                "id": m["media_key"],
                "type": kind,
                "url": m.get("url") if kind == "photo" else (variant or {}).get("url"),
                "preview": m.get("preview_image_url"),
                "alt": m.get("alt_text"),
                "file": None,
                "width": m.get("width"),
                "height": m.get("height"),
                "variants": [
                    {
                        "url": v.get("url"),
                        "content_type": v.get("content_type"),
                        "bit_rate": to_int(v.get("bit_rate")),
                    }
                    for v in m.get("variants", [])
                ],  # fmt: skip
            }
        )
    return out


def from_v2(tweet: dict, includes: dict, *, account: str, provenance: dict) -> dict:
    """A store record from one v2 post and the page's includes (as ``index`` gives them);
    ``provenance`` is ``records.provenance``'s, to which the payload's hash is added."""
    mine = own_includes(tweet, includes)
    raw = {"data": tweet, "includes": mine} if mine else {"data": tweet}
    if problem := unstorable(raw):
        raise ValueError(problem)
    note = tweet.get("note_tweet") or {}
    text = note.get("text") or tweet.get("text", "")
    plain, entities = expand(text, spans(note.get("entities") or tweet.get("entities") or {}))
    refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets", [])}
    users = {u["id"]: u.get("username") for u in mine.get("users", [])}
    referenced = {t["id"]: t for t in mine.get("tweets", [])}

    def author(post_id: str | None) -> str | None:
        return users.get((referenced.get(post_id) or {}).get("author_id"))

    reply_id = refs.get("replied_to")
    metrics = tweet.get("public_metrics") or {}
    record = {
        "id": tweet["id"],
        "account": account,
        "created_at": iso_utc(tweet["created_at"]),
        "text": plain,
        "entities": entities,
        "reply_to": {
            "id": reply_id,
            "user": author(reply_id) or users.get(tweet.get("in_reply_to_user_id")),
            "user_id": tweet.get("in_reply_to_user_id"),
        }
        if reply_id
        else None,
        "quote_of": quote_of(entities["urls"], refs.get("quoted")) if "quoted" in refs else None,
        "retweet_of": {"id": refs["retweeted"], "user": author(refs["retweeted"])}
        if "retweeted" in refs
        else None,
        "conversation_id": tweet.get("conversation_id"),
        "edit_ids": [str(i) for i in tweet.get("edit_history_tweet_ids") or [tweet["id"]]],
        "media": media_of(mine),
        "place": place_of(tweet, mine),
        "lang": tweet.get("lang"),
        "source": plain_source(tweet.get("source")),
        "metrics": {
            "likes": to_int(metrics.get("like_count")),
            "retweets": to_int(metrics.get("retweet_count")),
            "replies": to_int(metrics.get("reply_count")),
            "quotes": to_int(metrics.get("quote_count")),
        },
        "deleted_at": None,
        "deleted_how": None,
        "raw": raw,
        "provenance": {**provenance, "sha256": sha256_of(raw)},
    }
    return mark_shortened(record)

"""Trips and events: staff write the rules and the story, the archive supplies the posts.

A trip is ``content/trips/<slug>.md``: metadata lines, a blank line, then a Markdown narrative.
A post belongs to a trip when it falls in the trip's dates, comes from one of its accounts and,
where the trip names hashtags or places, carries one of them.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import markdown
import nh3
from markupsafe import Markup

from communique.errors import CommuniqueError
from communique.geo import MapPoint, fold, locate

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
REQUIRED = ("title", "start", "end")


@dataclass
class Trip:
    slug: str
    title: str
    start: date
    end: date
    accounts: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    summary: str = ""
    draft: bool = False
    narrative_html: str = ""
    source: Path | None = None


@dataclass
class TripSummary:
    posts: int
    photos: int
    replies: int
    first: dict | None
    last: dict | None
    places: list[MapPoint]
    days: list[tuple[date, list[dict]]]
    cover: dict | None


@dataclass
class TripDraft:
    slug: str
    title: str
    start: date
    end: date
    accounts: list[str]
    hashtags: list[str]
    places: list[str]
    evidence: str


def split_list(value: str) -> list[str]:
    return [v.strip().lstrip("#") for v in value.split(",") if v.strip()]


def parse_trip(path: Path) -> Trip:
    """One trip file; a malformed one is an error naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CommuniqueError(f"{path}: cannot be read ({e})") from None
    meta: dict[str, tuple[str, int]] = {}
    lines = text.splitlines()
    body_start = len(lines)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            body_start = n
            break
        key, sep, value = line.partition(":")
        if not sep or not key.strip().replace(" ", "").isalpha():
            raise CommuniqueError(f"{path}:{n}: expected 'Key: value' metadata, got {line!r}")
        meta[key.strip().lower()] = (value.strip(), n)
    for key in REQUIRED:
        if key not in meta or not meta[key][0]:
            raise CommuniqueError(f"{path}: missing '{key.title()}:' metadata")

    def day(key: str) -> date:
        value, n = meta[key]
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommuniqueError(f"{path}:{n}: {key.title()} is not a date (YYYY-MM-DD)") from None

    start, end = day("start"), day("end")
    if end < start:
        raise CommuniqueError(f"{path}:{meta['end'][1]}: End is before Start")
    slug = path.stem
    if not SLUG.match(slug):
        raise CommuniqueError(f"{path}: file name must be lowercase letters, digits and dashes")
    html = markdown.markdown("\n".join(lines[body_start:]), extensions=["extra", "smarty"])
    get = lambda key: meta.get(key, ("", 0))[0]  # noqa: E731
    return Trip(
        slug=slug,
        title=get("title"),
        start=start,
        end=end,
        accounts=[a.lower() for a in split_list(get("accounts"))],
        hashtags=split_list(get("hashtags")),
        places=split_list(get("places")),
        summary=get("summary"),
        draft=get("status").lower() == "draft",
        narrative_html=Markup(nh3.clean(html)),  # staff's Markdown, sanitized
        source=path,
    )


def load_trips(folder: Path) -> list[Trip]:
    return sorted((parse_trip(p) for p in sorted(folder.glob("*.md"))), key=lambda t: t.start)


def post_places(post: dict) -> set[str]:
    place = post.get("place") or {}
    names = {fold(place.get("name") or ""), fold(place.get("country") or "")}
    names |= {fold(part) for part in (place.get("name") or "").split(",")}
    return names - {""}


def matches(trip: Trip, post: dict) -> bool:
    day = post["created_at"][:10]
    if not trip.start.isoformat() <= day <= trip.end.isoformat():
        return False
    if trip.accounts and post["account"].lower() not in trip.accounts:
        return False
    if not trip.hashtags and not trip.places:
        return True
    tags = {e["tag"].casefold() for e in post["entities"]["hashtags"]}
    if tags & {h.casefold() for h in trip.hashtags}:
        return True
    wanted = {fold(p) for p in trip.places}
    return bool(post_places(post) & wanted)


def assign(trips: list[Trip], posts: list[dict]) -> dict[str, list[dict]]:
    """Each trip's posts, in time order. Only posts within a trip's dates are looked at."""
    ordered = sorted(posts, key=lambda p: p["created_at"])
    days = [p["created_at"][:10] for p in ordered]
    result = {}
    for trip in trips:
        lo = bisect.bisect_left(days, trip.start.isoformat())
        hi = bisect.bisect_right(days, trip.end.isoformat())
        result[trip.slug] = [p for p in ordered[lo:hi] if matches(trip, p)]
    return result


def summarize(trip: Trip, posts: list[dict]) -> TripSummary:
    places: list[MapPoint] = []
    seen = set()
    for post in posts:
        place = post.get("place") or {}
        name = (place.get("name") or "").strip()
        if name and fold(name) not in seen and place.get("lat") is not None:
            seen.add(fold(name))
            places.append(MapPoint(name, float(place["lat"]), float(place["lon"])))
    for name in trip.places:  # places the staff named that no post was tagged with
        found = locate(name)
        if found and not any(fold(name) in fold(p.name) for p in places):
            places.append(MapPoint(name, *found))
    by_day: dict[date, list[dict]] = defaultdict(list)
    for post in posts:
        by_day[date.fromisoformat(post["created_at"][:10])].append(post)
    media = [m for p in posts for m in p.get("media") or [] if m.get("type") == "photo"]
    return TripSummary(
        posts=len(posts),
        photos=len(media),
        replies=sum(1 for p in posts if p.get("reply_to")),
        first=posts[0] if posts else None,
        last=posts[-1] if posts else None,
        places=places,
        days=sorted(by_day.items()),
        cover=next((m for m in media if m.get("src")), None),
    )


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:60] or "trip"


def suggest(
    posts: list[dict], *, home_places: list[str], existing: list[Trip], gap_days: int = 4
) -> list[TripDraft]:
    """Likely trips: runs of posts tagged with places away from home, and hashtag bursts.

    A run ends when no away post follows within ``gap_days``. Runs that overlap a trip staff
    already wrote are left out.
    """
    home = {fold(h) for h in home_places}
    ordered = sorted(posts, key=lambda p: p["created_at"])
    runs: list[list[dict]] = []
    for post in ordered:
        names = post_places(post)
        if not names or names & home:
            continue
        when = datetime.fromisoformat(post["created_at"][:19])
        if runs and when - datetime.fromisoformat(runs[-1][-1]["created_at"][:19]) <= timedelta(
            days=gap_days
        ):
            runs[-1].append(post)
        else:
            runs.append([post])
    drafts = [
        draft_from(run, "posts tagged with places away from home") for run in runs if len(run) >= 3
    ]
    drafts += hashtag_bursts(ordered, drafts)
    taken = [(t.start, t.end) for t in existing]
    return [d for d in drafts if not any(d.start <= e and s <= d.end for s, e in taken)]


def hashtag_bursts(posts: list[dict], found: list[TripDraft]) -> list[TripDraft]:
    """Event hashtags: one tag used at least 5 times within a week and rarely otherwise."""
    uses: dict[str, list[dict]] = defaultdict(list)
    for post in posts:
        for e in post["entities"]["hashtags"]:
            uses[e["tag"].casefold()].append(post)
    drafts = []
    for tag, tagged in uses.items():
        first = datetime.fromisoformat(tagged[0]["created_at"][:19])
        last = datetime.fromisoformat(tagged[-1]["created_at"][:19])
        if len(tagged) >= 5 and last - first <= timedelta(days=7):
            draft = draft_from(tagged, f"posts tagged #{tag} within a week")
            if not any(d.start <= draft.end and draft.start <= d.end for d in found):
                drafts.append(draft)
    return drafts


def draft_from(run: list[dict], why: str) -> TripDraft:
    places = []
    for post in run:
        name = ((post.get("place") or {}).get("name") or "").split(",")[0].strip()
        if name and name not in places:
            places.append(name)
    tags = Counter(e["tag"] for p in run for e in p["entities"]["hashtags"])
    start, end = run[0]["created_at"][:10], run[-1]["created_at"][:10]
    title = ", ".join(places[:3]) or ", ".join(f"#{t}" for t, _ in tags.most_common(2))
    return TripDraft(
        slug=f"{start[:7]}-{slugify(title)}",
        title=f"{title}, {datetime.fromisoformat(start):%B %Y}",
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        accounts=sorted({p["account"] for p in run}),
        hashtags=[t for t, n in tags.most_common(5) if n >= 2],
        places=places,
        evidence=f"{len(run)} {why}, {start} to {end}",
    )


def draft_text(draft: TripDraft) -> str:
    return (
        f"Title: {draft.title}\nStart: {draft.start}\nEnd: {draft.end}\n"
        f"Accounts: {', '.join(draft.accounts)}\nHashtags: {', '.join(draft.hashtags)}\n"
        f"Places: {', '.join(draft.places)}\nSummary: \nStatus: draft\n\n"
        f"<!-- Suggested by `invoke trips --suggest`: {draft.evidence}. Write the story of the trip"
        f" here, check the rules above, then remove the Status line to publish it. -->\n"
    )


def write_drafts(drafts: list[TripDraft], folder: Path) -> tuple[list[Path], list[Path]]:
    """Write drafts as new files; a file that exists (a person may have written it) is kept.

    Returns the files written and the ones skipped because they were there.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written, skipped = [], []
    for draft in drafts:
        path = folder / f"{draft.slug}.md"
        try:
            with path.open("x", encoding="utf-8") as f:  # "x": never replace a file
                f.write(draft_text(draft))
            written.append(path)
        except FileExistsError:
            skipped.append(path)
    return written, skipped

"""Trips and events: staff write the rules and the story, the archive supplies the posts.

A trip is ``content/trips/<slug>.md``: ``Key: value`` metadata lines, a blank line, then a
Markdown narrative. A post belongs to a trip when it falls in the trip's dates (whole days in
the site's TIMEZONE, as the staff lived them), comes from one of its accounts and, where the
trip names hashtags or places, carries one of its hashtags or is tagged with one of its places.
A post may belong to several trips.

``suggest`` looks through the store for what staff may want to write up, and ``write_drafts``
turns that into ``Status: draft`` files that a person edits and publishes.
"""

from __future__ import annotations

import bisect
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import nh3
from markupsafe import Markup

from communique.errors import CommuniqueError
from communique.site import times
from communique.site.geo import MapPoint, fold, locate

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KEYS = ("title", "start", "end", "accounts", "hashtags", "places", "summary", "status")
REQUIRED = ("title", "start", "end")
STATUSES = ("draft", "published")
# Fix-ups of nh3's output (where ">" only ends a tag) so the narrative is valid HTML.
UNLINKED = re.compile(r"<a\b(?![^>]* href=)[^>]*>(.*?)</a>", re.S)  # its href was unsafe
IMAGE_WITHOUT_SRC = re.compile(r"<img\b(?![^>]* src=)[^>]*>")
IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]* alt=)")
# Longer than this away from home is a posting abroad (or HOME_PLACES is wrong), not a trip.
LONGEST_TRIP = timedelta(days=60)


@dataclass
class Trip:
    slug: str
    title: str
    start: date
    end: date
    accounts: list[str] = field(default_factory=list)  # empty: every account
    hashtags: list[str] = field(default_factory=list)  # without "#"
    places: list[str] = field(default_factory=list)
    summary: str = ""
    draft: bool = False
    narrative_html: Markup = Markup("")  # the staff's Markdown, sanitized
    source: Path | None = None


@dataclass
class TripSummary:
    posts: int
    photos: int
    replies: int
    first: dict | None
    last: dict | None
    places: list[MapPoint]  # in the order first visited
    days: list[tuple[date, list[dict]]]  # days in TIMEZONE in order, each day's posts in time order
    cover: dict | None  # the first photo, for the trips index


@dataclass
class TripDraft:
    slug: str
    title: str
    start: date
    end: date
    accounts: list[str]
    hashtags: list[str]
    places: list[str]
    evidence: list[str]  # why this was suggested, in words staff can check
    post_ids: list[str]  # the posts its rules select, oldest first: the number evidence gives


# -- reading trip files ------------------------------------------------------------------------


def split_list(value: str, strip: str = "") -> list[str]:
    return [v.strip().lstrip(strip).strip() for v in value.split(",") if v.strip(f" {strip}")]


def parse_trip(path: Path) -> Trip:
    """One trip file; a malformed one is an error naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CommuniqueError(f"{path}: cannot be read as UTF-8 text ({e})") from None
    return read_trip(text, path)


def read_trip(text: str, path: Path) -> Trip:
    """A trip from the text of its file at ``path`` (which gives its slug and error messages)."""
    lines = text.splitlines()
    meta: dict[str, tuple[str, int]] = {}
    body_start = len(lines)
    for n, line in enumerate(lines, 1):
        if not line.strip():
            body_start = n
            break
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in KEYS:
            known = ", ".join(k.title() for k in KEYS)
            raise CommuniqueError(
                f"{path}:{n}: expected metadata 'Key: value' with a key among {known}"
                f" (then a blank line before the story), got {line[:60]!r}"
            )
        if key in meta:
            raise CommuniqueError(f"{path}:{n}: {key.title()} is given twice")
        meta[key] = (value.strip(), n)
    for key in REQUIRED:
        if not meta.get(key, ("", 0))[0]:
            where = f"{path}:{meta[key][1]}" if key in meta else str(path)
            raise CommuniqueError(f"{where}: missing '{key.title()}:' metadata (required)")

    def day(key: str) -> date:
        value, n = meta[key]
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommuniqueError(
                f"{path}:{n}: {key.title()} {value!r} is not a date like 2008-11-02"
            ) from None

    start, end = day("start"), day("end")
    if end < start:
        raise CommuniqueError(f"{path}:{meta['end'][1]}: End {end} is before Start {start}")
    status, status_line = meta.get("status", ("published", 0))
    if status.lower() not in STATUSES:
        raise CommuniqueError(f"{path}:{status_line}: Status must be draft or published")
    if not SLUG.match(path.stem):
        raise CommuniqueError(
            f"{path}: the file name is the trip's address: use lowercase letters, digits, dashes"
        )
    get = lambda key: meta.get(key, ("", 0))[0]  # noqa: E731
    html = markdown.markdown("\n".join(lines[body_start:]), extensions=["extra", "smarty"])
    return Trip(
        slug=path.stem,
        title=get("title"),
        start=start,
        end=end,
        accounts=[a.lower() for a in split_list(get("accounts"), "@")],
        hashtags=split_list(get("hashtags"), "#"),
        places=split_list(get("places")),
        summary=get("summary"),
        draft=status.lower() == "draft",
        narrative_html=sanitized(html),
        source=path,
    )


def site_images_only(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: an image's src must be a path on the site (the CSP blocks others),
    read as a browser reads it, a backslash as a slash."""
    if tag == "img" and attribute == "src":
        try:
            parts = urlsplit(value.strip().replace("\\", "/"))
        except ValueError:
            return None
        return None if parts.scheme or parts.netloc else value
    return value


def sanitized(html: str) -> Markup:
    """The narrative's HTML through nh3, then valid: a link whose href was dropped becomes its
    text, an image without a safe src is dropped, one without alt text gets an empty alt."""
    clean = nh3.clean(html, attribute_filter=site_images_only)
    clean = UNLINKED.sub(r"\1", clean)
    clean = IMAGE_WITHOUT_SRC.sub("", clean)
    return Markup(IMAGE_WITHOUT_ALT.sub('<img alt=""', clean))


def load_trips(folder: Path) -> list[Trip]:
    """Every ``*.md`` trip in ``folder`` (none when it does not exist), earliest first."""
    if not folder.is_dir():
        return []
    trips = [parse_trip(p) for p in sorted(folder.glob("*.md"))]
    return sorted(trips, key=lambda t: (t.start, t.end, t.slug))


# -- which posts belong ------------------------------------------------------------------------


def post_places(post: dict) -> set[str]:
    """The folded words a post's place answers to: its name, each part of it, its country."""
    place = post.get("place") or {}
    name = place.get("name") or ""
    names = {fold(name), fold(place.get("country") or "")}
    names |= {fold(part) for part in name.split(",")}
    return names - {""}


def place_parts(name: str) -> tuple[str, ...]:
    """A trip's place as folded parts: "Reykjavik, Iceland" needs both to match a post."""
    return tuple(p for p in (fold(part) for part in name.split(",")) if p)


@dataclass(frozen=True)
class Rules:
    """A trip's rules, folded once rather than for every post. Its days are the UTC times
    they begin and end at, from ``first`` up to but not including ``after``."""

    first: str
    after: str
    accounts: frozenset[str]
    hashtags: frozenset[str]
    places: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, trip: Trip, zone: tzinfo) -> Rules:
        return cls(
            first=times.day_start(trip.start, zone),
            after=times.day_start(trip.end + timedelta(days=1), zone),
            accounts=frozenset(trip.accounts),
            hashtags=frozenset(h.casefold() for h in trip.hashtags),
            places=tuple(parts for parts in map(place_parts, trip.places) if parts),
        )

    def admit(self, post: dict) -> bool:
        if not self.first <= post["created_at"] < self.after:
            return False
        if self.accounts and post["account"].lower() not in self.accounts:
            return False
        if not self.hashtags and not self.places:
            return True
        tags = {e["tag"].casefold() for e in (post.get("entities") or {}).get("hashtags", [])}
        if tags & self.hashtags:
            return True
        if self.places:
            here = post_places(post)
            return any(all(part in here for part in parts) for parts in self.places)
        return False


def matches(trip: Trip, post: dict, zone: tzinfo = UTC) -> bool:
    """Whether ``post`` belongs to ``trip`` by the trip's rules, its days in ``zone``."""
    return Rules.of(trip, zone).admit(post)


def assign(trips: list[Trip], posts: Iterable[dict], zone: tzinfo = UTC) -> dict[str, list[dict]]:
    """Each trip's posts in time order. Posts are sorted once; each trip then reads only the
    slice of time it covers, so a dozen trips over 100,000 posts cost one sort."""
    ordered = sorted(posts, key=lambda p: p["created_at"])
    stamps = [p["created_at"] for p in ordered]
    return {trip.slug: select(Rules.of(trip, zone), ordered, stamps) for trip in trips}


def select(rules: Rules, ordered: list[dict], stamps: list[str]) -> list[dict]:
    """The posts ``rules`` admit, from posts in time order and their times."""
    lo = bisect.bisect_left(stamps, rules.first)
    hi = bisect.bisect_left(stamps, rules.after)
    return [p for p in ordered[lo:hi] if rules.admit(p)]


# -- what a trip's page shows ------------------------------------------------------------------


def point_of(place: dict) -> MapPoint | None:
    """Where a post's place is: its own coordinates, else the gazetteer's for its name."""
    name = " ".join((place.get("name") or "").split())
    if not name:
        return None
    try:
        lat, lon = float(place["lat"]), float(place["lon"])
    except (KeyError, TypeError, ValueError):
        lat = lon = math.nan
    if not (math.isfinite(lat) and math.isfinite(lon)):
        found = locate(f"{name}, {place.get('country') or ''}")
        if not found:
            return None
        lat, lon = found
    return MapPoint(name.split(",")[0].strip() or name, lat, lon)


def summarize(trip: Trip, posts: list[dict], zone: tzinfo = UTC) -> TripSummary:
    """Counts, first and last post, places in visit order and posts by day in ``zone``, for
    the page."""
    posts = sorted(posts, key=lambda p: p["created_at"])
    places: list[MapPoint] = []
    visited: list[set[str]] = []
    for post in posts:
        point = point_of(post.get("place") or {})
        if point and fold(point.name) not in {fold(p.name) for p in places}:
            visited.append(post_places(post))
            places.append(point)
    for name in trip.places:  # places the staff named that no post was tagged with
        parts = place_parts(name)
        found = locate(name)
        if found and not any(all(part in here for part in parts) for here in visited):
            visited.append(set(parts))
            places.append(MapPoint(name.split(",")[0].strip(), *found))
    by_day: dict[str, list[dict]] = defaultdict(list)
    for post in posts:
        by_day[times.day(post["created_at"], zone)].append(post)
    photos = [m for p in posts for m in p.get("media") or [] if m.get("type") == "photo"]
    return TripSummary(
        posts=len(posts),
        photos=len(photos),
        replies=sum(1 for p in posts if p.get("reply_to")),
        first=posts[0] if posts else None,
        last=posts[-1] if posts else None,
        places=places,
        days=[(date.fromisoformat(day), day_posts) for day, day_posts in by_day.items()],
        # The site sets "src" on media it published (None when it could not); in the store
        # alone, a downloaded "file" is what can be shown.
        cover=next((m for m in photos if m.get("src") or ("src" not in m and m.get("file"))), None),
    )


# -- suggestions -------------------------------------------------------------------------------


def when(post: dict) -> datetime:
    return datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))


def runs(posts: list[dict], gap: timedelta) -> list[list[dict]]:
    """Posts (in time order) cut wherever more than ``gap`` passes without one."""
    groups: list[list[dict]] = []
    for post in posts:
        if groups and when(post) - when(groups[-1][-1]) <= gap:
            groups[-1].append(post)
        else:
            groups.append([post])
    return groups


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:50].strip("-") or "trip"


def one_line(text: str) -> str:
    """Untrusted text fit for a metadata line: no line breaks to start another key."""
    return " ".join(text.split())


def draft_from(
    run: list[dict],
    found: str,
    tag_uses: Counter,
    ordered: list[dict],
    stamps: list[str],
    zone: tzinfo,
    *,
    lead: str = "",
    burst: Sequence[str] = (),
    whole_days: bool = False,
) -> TripDraft:
    """A draft covering ``run``, its dates in ``zone``: the places it visits in order and its
    ``burst`` hashtags and those mostly used there or, for ``whole_days``, no such rules (every
    post of its accounts).

    Its posts, and the number its evidence gives, are what its rules select, read back from its
    file as the build reads them: staff are told what the trip's page will show.
    """
    places: list[str] = []
    hashtags: list[str] = []
    if not whole_days:
        for post in run:
            place = post.get("place") or {}
            name = one_line((place.get("name") or "").split(",")[0] or place.get("country") or "")
            if name and name not in places:
                places.append(name)
        tags = Counter(e["tag"] for p in run for e in (p.get("entities") or {}).get("hashtags", []))
        folded: Counter[str] = Counter()
        for tag, n in tags.items():
            folded[tag.casefold()] += n
        mostly_here = [
            tag
            for tag, _ in tags.most_common()
            if folded[tag.casefold()] >= 2
            and 2 * folded[tag.casefold()] >= tag_uses[tag.casefold()]
        ]
        for tag in [*burst, *mostly_here][: max(6, len(burst))]:
            if tag.casefold() not in {h.casefold() for h in hashtags}:
                hashtags.append(one_line(tag).replace(",", ""))
    start, end = when(run[0]).astimezone(zone).date(), when(run[-1]).astimezone(zone).date()
    name = lead or ", ".join(places[:3]) or ", ".join(f"#{t}" for t in hashtags[:2]) or "Event"
    draft = TripDraft(
        slug=f"{start:%Y-%m}-{slugify(name)}",
        title=f"{name}, {start.day} {start:%B %Y}" if start == end else f"{name}, {start:%B %Y}",
        start=start,
        end=end,
        accounts=sorted({p["account"].lower() for p in run}),
        hashtags=hashtags,
        places=places,
        evidence=[],
        post_ids=[],
    )
    rules = Rules.of(read_trip(draft_text(draft), Path(f"{draft.slug}.md")), zone)
    draft.post_ids = [p["id"] for p in select(rules, ordered, stamps)]
    span = f"on {start}" if start == end else f"from {start} to {end}"
    draft.evidence = [f"{len(draft.post_ids)} posts {span} match its rules: {found}"]
    return draft


def overlaps(a: TripDraft | Trip, b: TripDraft | Trip) -> bool:
    same_people = not a.accounts or not b.accounts or bool(set(a.accounts) & set(b.accounts))
    return same_people and a.start <= b.end and b.start <= a.end


def away_runs(posts: list[dict], home: list[tuple[str, ...]], gap: timedelta) -> list[list[dict]]:
    """Runs of posts tagged with places that are not home, per account."""
    by_account: dict[str, list[dict]] = defaultdict(list)
    for post in posts:
        here = post_places(post)
        if here and not any(all(part in here for part in parts) for parts in home):
            by_account[post["account"].lower()].append(post)
    return [run for account in sorted(by_account) for run in runs(by_account[account], gap)]


def tag_clusters(
    posts: list[dict], gap: timedelta, window: timedelta, zone: tzinfo
) -> list[tuple[list[dict], list[str]]]:
    """Hashtags that come in a burst (five uses or more, all within ``window``), each with the
    tags that burst. A tag in use all year round (a support tag, a theme) never fits the window,
    so only events and places stand out. Bursts on overlapping days (in ``zone``) merge into
    one event.
    """
    uses: dict[str, list[dict]] = defaultdict(list)
    spelling: dict[str, str] = {}
    for post in posts:
        for e in (post.get("entities") or {}).get("hashtags", []):
            key = e["tag"].casefold()
            spelling.setdefault(key, e["tag"])
            if not uses[key] or uses[key][-1] is not post:
                uses[key].append(post)
    clusters = [
        (run, [spelling[key]])
        for key, tagged in uses.items()
        for run in runs(tagged, gap)
        if len(run) >= 5 and when(run[-1]) - when(run[0]) <= window
    ]
    clusters.sort(key=lambda c: (c[0][0]["created_at"], c[0][-1]["created_at"], c[1]))
    merged: list[tuple[list[dict], list[str]]] = []

    def day(post: dict) -> str:
        return times.day(post["created_at"], zone)

    for run, tags in clusters:
        if merged and day(run[0]) <= day(merged[-1][0][-1]):
            both = {p["id"]: p for p in merged[-1][0] + run}
            merged[-1] = (
                sorted(both.values(), key=lambda p: p["created_at"]),
                merged[-1][1] + tags,
            )
        else:
            merged.append((run, tags))
    return merged


def busy_days(
    posts: list[dict], zone: tzinfo, factor: float = 3.0, least: int = 10
) -> list[tuple[list[dict], float]]:
    """Days (in ``zone``) far outside an account's own habit, consecutive ones taken together,
    each with that habit: its 99th-percentile day (it posts no more on 99 in 100 of its days).

    A day is busy with at least ``factor`` times that many posts, and at least ``least``. Every
    post counts, replies too, as a draft's rules select them all. A live event stands out; an
    account's ordinary threads and trips do not, and one with few posting days has no habit to
    stand out from: its busiest day sets the percentile.
    """
    by_account: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for post in posts:
        by_account[post["account"].lower()][times.day(post["created_at"], zone)].append(post)
    found = []
    for account in sorted(by_account):
        days = by_account[account]
        counts = [len(v) for v in days.values()]
        usual = (
            statistics.quantiles(counts, n=100, method="inclusive")[98]
            if len(counts) > 1
            else counts[0]
        )
        busy = [day for day in sorted(days) if len(days[day]) >= max(least, factor * usual)]
        group: list[str] = []
        for day in busy:
            if group and date.fromisoformat(day) - date.fromisoformat(group[-1]) > timedelta(1):
                found.append(([p for d in group for p in days[d]], usual))
                group = []
            group.append(day)
        if group:
            found.append(([p for d in group for p in days[d]], usual))
    return found


def suggest(
    posts: Iterable[dict],
    *,
    home_places: list[str],
    existing: list[Trip],
    zone: tzinfo = UTC,
    gap_days: int = 4,
) -> list[TripDraft]:
    """Likely trips and events that no trip covers yet, in date order.

    Three kinds of evidence, in this order of trust: runs of posts tagged with places away from
    home (a run ends when ``gap_days`` pass without one; a run longer than LONGEST_TRIP is not
    a trip), hashtags that come in a burst within two weeks, and days far outside the account's
    own habit (``busy_days``), days in ``zone``. A suggestion that overlaps a trip already
    written (drafts included) or a more trusted suggestion is dropped.
    """
    ordered = sorted(posts, key=lambda p: p["created_at"])
    stamps = [p["created_at"] for p in ordered]
    gap = timedelta(days=gap_days)
    home = [parts for parts in map(place_parts, home_places) if parts]
    tag_uses = Counter(
        tag
        for p in ordered
        for tag in {e["tag"].casefold() for e in (p.get("entities") or {}).get("hashtags", [])}
    )
    away = "posts placed away from home, one after another"
    candidates = [
        draft_from(run, away, tag_uses, ordered, stamps, zone)
        for run in away_runs(ordered, home, gap)
        if len(run) >= 3 and when(run[-1]) - when(run[0]) <= LONGEST_TRIP
    ]
    for run, tags in tag_clusters(ordered, gap, timedelta(days=14), zone):
        lead = ", ".join(f"#{t}" for t in tags[:2])
        found = f"{', '.join(f'#{t}' for t in tags)} used close together, not all year round"
        candidates.append(
            draft_from(run, found, tag_uses, ordered, stamps, zone, lead=lead, burst=tags)
        )
    for run, usual in busy_days(ordered, zone):
        account = run[0]["account"].lower()
        found = (
            f"far more than @{account} usually posts (no more than {usual:g} a day"
            " on 99 in 100 of the days it posts)"
        )
        one_day = times.day(run[0]["created_at"], zone) == times.day(run[-1]["created_at"], zone)
        lead = "Busy day" if one_day else "Busy days"
        candidates.append(
            draft_from(run, found, tag_uses, ordered, stamps, zone, lead=lead, whole_days=True)
        )
    kept: list[TripDraft] = []
    for draft in candidates:
        if not any(overlaps(draft, other) for other in [*existing, *kept]):
            kept.append(draft)
    kept.sort(key=lambda d: (d.start, d.slug))
    # Two accounts away in the same month, in the same places: their files need two names, or
    # the second would read as moved aside by a file that was already there.
    slugs: set[str] = set()
    for draft in kept:
        base, n = draft.slug, 1
        while draft.slug in slugs:
            n += 1
            draft.slug = f"{base}-{n}"
        slugs.add(draft.slug)
    return kept


def draft_text(draft: TripDraft) -> str:
    evidence = "; ".join(draft.evidence).replace("--", "-")
    sample = ", ".join(draft.post_ids[:5]) + (", ..." if len(draft.post_ids) > 5 else "")
    return (
        f"Title: {one_line(draft.title)}\nStart: {draft.start}\nEnd: {draft.end}\n"
        f"Accounts: {', '.join(draft.accounts)}\nHashtags: {', '.join(draft.hashtags)}\n"
        f"Places: {', '.join(draft.places)}\nSummary:\nStatus: draft\n\n"
        f"<!-- Suggested by `invoke trips --suggest`: {evidence} (posts {sample}).\n"
        "Check the dates and rules above, write the story of the trip here, then delete the\n"
        "Status line to publish it. -->\n"
    )


def write_drafts(drafts: list[TripDraft], folder: Path) -> list[Path]:
    """Write each draft as a new file and return the paths, in the order of ``drafts``.

    A file that exists is never replaced (a person may have written it): the draft goes to
    ``<slug>-2.md`` and so on instead, so callers can tell by the name that it moved.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for draft in drafts:
        if not SLUG.match(draft.slug):
            raise CommuniqueError(f"draft slug {draft.slug!r}: not a safe file name")
        for n in range(1, 100):
            path = folder / (f"{draft.slug}.md" if n == 1 else f"{draft.slug}-{n}.md")
            try:
                with path.open("x", encoding="utf-8") as f:  # "x": fail rather than replace
                    f.write(draft_text(draft))
            except FileExistsError:
                continue
            written.append(path)
            break
        else:
            raise CommuniqueError(f"{folder}: too many files named {draft.slug}-N.md")
    return written

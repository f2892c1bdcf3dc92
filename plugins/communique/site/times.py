"""Times as the account lives them: the store keeps UTC, the pages show ``TIMEZONE``.

An embassy in Tokyo posts at 08:30 on its own 1 March, which is 23:30 on 28 February in UTC:
the times a page prints, its day headings and the days a trip's rule names are in the zone.
``datetime`` attributes, feeds and the store stay UTC, and so do month pages (a month file is a
UTC month: a post would otherwise move between months when the setting changed).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, tzinfo


def local(iso: str, zone: tzinfo) -> datetime:
    """A stored time (UTC ISO 8601; one written without an offset is UTC too) in ``zone``."""
    moment = datetime.fromisoformat(iso)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def zone_name(moment: datetime) -> str:
    """The zone's name at that moment ("JST", "CEST"); where the zone has no abbreviation and
    its data gives the offset instead ("+03"), "UTC+03", which a reader can place."""
    name = moment.tzname() or "UTC"
    return f"UTC{name}" if name[0] in "+-" else name


@functools.lru_cache(maxsize=4096)  # every post of an import shows its import's times
def when(iso: str | None, zone: tzinfo) -> str:
    """A time as a page shows it, "2010-03-01 23:30 JST". A value the store holds that is not
    a time is shown as it is: the page still says what the record says."""
    if not iso:
        return ""
    try:
        moment = local(iso, zone)
    except ValueError:
        return iso
    # isoformat, not strftime: a few times quicker, for a time on every card of every build
    return f"{moment.isoformat(' ', 'minutes')[:16]} {zone_name(moment)}"


def day(iso: str | None, zone: tzinfo) -> str:
    """The date in ``zone`` of a stored time, "2010-03-01"."""
    if not iso:
        return ""
    if iso.endswith("Z") and iso[10:11] == "T" and is_utc(zone):
        return iso[:10]  # as the store writes times: asked of every post of every build
    try:
        return local(iso, zone).date().isoformat()
    except ValueError:
        return iso[:10]


def day_start(of: date, zone: tzinfo) -> str:
    """When the day ``of`` begins in ``zone``, written as the store writes times: stored times
    compare with it as strings, so a trip's days select posts without reading each post's."""
    start = datetime.combine(of, time(), tzinfo=zone).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_utc(zone: tzinfo) -> bool:
    """Whether ``zone`` is UTC itself: then every day a page shows is a UTC day already."""
    return str(zone) in ("UTC", "Etc/UTC")

"""Places and maps from data shipped with the project: no tile server, no outside request.

``data/places.json`` is a small gazetteer (capitals and large cities); ``data/land.json`` is
Natural Earth's 1:110m land as plain rings of [lon, lat] (see ``data/README.md``). Maps are
inline SVG so they pass a strict Content Security Policy: no style attributes, no scripts, no
external references, only presentation attributes and class names.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from markupsafe import Markup

from communique.site.render import visible

WIDTH = 640
MIN_SPAN = 8.0  # degrees of latitude: a one-city trip still shows its surroundings
PAD = 0.2  # share of the points' extent added on each side
ASPECT = (0.5, 1.0)  # height / width the map keeps between
MAX_LAT = 85.0
LABEL_MAX = 40  # characters of a place name drawn on the map; the text list has it whole
FONT = 13


@dataclass(frozen=True)
class MapPoint:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    lat: float
    lon: float


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent- and case-insensitive form: "Reykjavík" and "reykjavik" are the same place."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


@cache
def gazetteer() -> dict[str, tuple[Place, ...]]:
    """Every name and alias, folded, to the places it may mean (the first is the best known)."""
    data = json.loads(
        resources.files("communique").joinpath("data/places.json").read_text(encoding="utf-8")
    )
    index: dict[str, list[Place]] = {}
    for entry in data:
        place = Place(entry["name"], entry["country"], float(entry["lat"]), float(entry["lon"]))
        for name in [entry["name"], *entry.get("aliases", [])]:
            index.setdefault(fold(name), []).append(place)
    return {name: tuple(places) for name, places in index.items()}


@cache
def land() -> tuple[tuple[tuple[float, float], ...], ...]:
    rings = json.loads(resources.files("communique").joinpath("data/land.json").read_text())
    return tuple(tuple((lon, lat) for lon, lat in ring) for ring in rings)


def find(name: str) -> Place | None:
    """The gazetteer's place for "Reykjavik", "Reykjavík, Iceland" or "Victoria, Canada".

    Words after the first comma are taken as hints (a country, a region) that choose between
    places of the same name; without a matching hint the best-known place wins.
    """
    index = gazetteer()
    whole = fold(name)
    if whole in index:
        return index[whole][0]
    parts = [part.strip() for part in whole.split(",") if part.strip()]
    if not parts:
        return None
    candidates = index.get(parts[0], ())
    hinted = [p for p in candidates if fold(p.country) in parts[1:]]
    return (hinted or list(candidates) or [None])[0]


def locate(name: str) -> tuple[float, float] | None:
    """Latitude and longitude of a city by name, accent- and case-insensitive."""
    place = find(name)
    return (place.lat, place.lon) if place else None


@dataclass(frozen=True)
class Frame:
    """What the map shows: west, south, east, north in degrees (east may pass 180), and how
    much a degree of longitude shrinks against one of latitude (equirectangular with a true
    scale at the points' middle latitude, so Iceland is not drawn twice its width)."""

    west: float
    south: float
    east: float
    north: float
    kx: float

    @property
    def scale(self) -> float:
        return WIDTH / ((self.east - self.west) * self.kx)

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale


def unwrap(lons: list[float]) -> list[float]:
    """Longitudes shifted by 360 where that makes them closer: Fiji to Samoa is 11 degrees
    across the antimeridian, not 349 degrees across Africa."""
    ordered = sorted(set(lons))
    if len(ordered) < 2:
        return lons
    gaps = [(b - a, b) for a, b in zip(ordered, ordered[1:], strict=False)]
    widest, start = max(gaps)
    if widest <= ordered[0] + 360 - ordered[-1]:
        return lons
    return [lon + 360 if lon < start else lon for lon in lons]


def frame(points: list[MapPoint]) -> Frame:
    """The points' bounding box with a margin, at least MIN_SPAN tall, of a readable shape."""
    lons = [p.lon for p in points]
    lats = [p.lat for p in points]
    west, east = min(lons), max(lons)
    south, north = min(lats), max(lats)
    mid_lat = (north + south) / 2
    kx = math.cos(math.radians(min(abs(mid_lat), 70.0)))
    # Work in "map units" (latitude degrees, longitude degrees times kx) so padding is even.
    width = max((east - west) * kx * (1 + 2 * PAD), MIN_SPAN * 4 / 3)  # landscape at least
    height = max((north - south) * (1 + 2 * PAD), MIN_SPAN)
    height = min(max(height, width * ASPECT[0]), 180.0)
    width = max(width, height / ASPECT[1])
    mid_lon = (west + east) / 2
    half_lon = min(width / kx, 360.0) / 2
    south, north = mid_lat - height / 2, mid_lat + height / 2
    if north > MAX_LAT:
        south, north = south - (north - MAX_LAT), MAX_LAT
    if south < -MAX_LAT:
        south, north = -MAX_LAT, min(north + (-MAX_LAT - south), MAX_LAT)
    return Frame(mid_lon - half_lon, south, mid_lon + half_lon, north, kx)


def clip(ring: list[tuple[float, float]], w: float, h: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a ring inside [0, w] x [0, h] (edges stay off-view
    because callers pass a box a little larger than the picture)."""
    edges = [
        (lambda p: p[0] >= 0, lambda a, b: _cross_x(a, b, 0.0)),
        (lambda p: p[0] <= w, lambda a, b: _cross_x(a, b, w)),
        (lambda p: p[1] >= 0, lambda a, b: _cross_y(a, b, 0.0)),
        (lambda p: p[1] <= h, lambda a, b: _cross_y(a, b, h)),
    ]
    for inside, cross in edges:
        if not ring:
            break
        out = []
        for a, b in zip([ring[-1], *ring[:-1]], ring, strict=True):
            if inside(b):
                if not inside(a):
                    out.append(cross(a, b))
                out.append(b)
            elif inside(a):
                out.append(cross(a, b))
        ring = out
    return ring


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def land_path(view: Frame, margin: float = 4.0) -> str:
    """SVG path data for the land inside ``view``, clipped, to 0.1 pixel."""
    height = view.height
    parts = []
    for offset in (-360.0, 0.0, 360.0):
        for ring in land():
            lons = [lon + offset for lon, _ in ring]
            lats = [lat for _, lat in ring]
            if (
                max(lons) < view.west
                or min(lons) > view.east
                or max(lats) < view.south
                or min(lats) > view.north
            ):
                continue
            projected = [view.xy(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
            shifted = [(x + margin, y + margin) for x, y in projected]
            kept = clip(shifted, WIDTH + 2 * margin, height + 2 * margin)
            coords: list[str] = []
            for x, y in kept:
                xy = f"{x - margin:.1f},{y - margin:.1f}"
                if not coords or coords[-1] != xy:
                    coords.append(xy)
            if len(coords) >= 3:
                parts.append("M" + "L".join(coords) + "Z")
    return "".join(parts)


def usable(point: MapPoint) -> bool:
    return (
        math.isfinite(point.lat)
        and math.isfinite(point.lon)
        and -90 <= point.lat <= 90
        and -180 <= point.lon <= 180
    )


def label_spot(
    x: float, y: float, text: str, taken: list[tuple[float, float, float, float]], height: int
) -> tuple[float, float, str]:
    """Where a label goes: beside its marker, on whichever side overlaps no earlier label."""
    width = 0.6 * FONT * len(text)
    options = [(x + 9, y - 7, "start"), (x + 9, y + 17, "start")]
    options += [(x - 9, y - 7, "end"), (x - 9, y + 17, "end")]
    for tx, ty, anchor in options:
        left = tx if anchor == "start" else tx - width
        box = (left, ty - FONT, left + width, ty + 3)
        fits = box[0] >= 0 and box[2] <= WIDTH and box[1] >= 0 and box[3] <= height
        if fits and not any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken
        ):
            taken.append(box)
            return tx, ty, anchor
    return options[0] if x + 9 + width <= WIDTH else options[2]  # crowded: overlap, stay inside


def svg_map(points: list[MapPoint], *, title: str) -> Markup:
    """An inline SVG map of ``points`` in visit order: land, the route, a numbered marker each,
    then the same places as a list for screen readers. Empty when no point can be drawn."""
    points = [p for p in points if usable(p)]
    if not points:
        return Markup("")
    lons = unwrap([p.lon for p in points])
    points = [MapPoint(p.name, p.lat, lon) for p, lon in zip(points, lons, strict=True)]
    view = frame(points)
    height = view.height
    key = hashlib.sha256(repr((title, points)).encode()).hexdigest()[:10]
    names = [visible(" ".join(p.name.split())) for p in points]
    title = visible(title)
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="trip-map" role="img"'
            ' aria-labelledby="map-{k}-title map-{k}-desc" viewBox="0 0 {w} {h}" width="{w}"'
            ' height="{h}" font-family="system-ui, sans-serif">'
            '<title id="map-{k}-title">{t}</title><desc id="map-{k}-desc">{d}</desc>'
            '<rect class="sea" width="{w}" height="{h}" fill="#dbe9f4"/>'
        ).format(
            k=key,
            w=WIDTH,
            h=height,
            t=title,
            d="In order: " + "; ".join(f"{n}. {name}" for n, name in enumerate(names, 1)) + ".",
        )
    ]
    land_d = land_path(view)
    if land_d:
        parts.append(
            Markup(
                '<path class="land" d="{}" fill="#f4f1e8" stroke="#9a9a8a" stroke-width="0.6"/>'
            ).format(land_d)
        )
    spots = [view.xy(p.lon, p.lat) for p in points]
    if len(points) > 1:
        parts.append(
            Markup(
                '<polyline class="route" points="{}" fill="none" stroke="#8b2500"'
                ' stroke-width="2" stroke-dasharray="6 4" stroke-linejoin="round"/>'
            ).format(" ".join(f"{x:.1f},{y:.1f}" for x, y in spots))
        )
    taken: list[tuple[float, float, float, float]] = [
        (x - 7, y - 7, x + 7, y + 7) for x, y in spots
    ]
    for n, ((x, y), name) in enumerate(zip(spots, names, strict=True), 1):
        short = name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"
        tx, ty, anchor = label_spot(x, y, f"{n}. {short}", taken, height)
        # The name in its own tspan: a phone's stylesheet shows the number alone, larger, and
        # the names in the list below the map (``map-key``), where they are legible.
        text = Markup('{}.<tspan class="name"> {}</tspan>').format(n, short)
        parts.append(
            Markup(
                '<g class="place"><circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#0550ae"'
                ' stroke="#ffffff" stroke-width="2"/>'
                # a white halo drawn first, then the label: legible on land and sea alike
                '<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{a}" font-size="{f}" fill="#ffffff"'
                ' stroke="#ffffff" stroke-width="3" aria-hidden="true">{text}</text>'
                '<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{a}" font-size="{f}"'
                ' fill="#1b1f24">{text}</text></g>'
            ).format(x=x, y=y, tx=tx, ty=ty, a=anchor, f=FONT, text=text)
        )
    parts.append(Markup("</svg>"))
    listing = Markup("").join(Markup("<li>{}</li>").format(name) for name in names)
    return Markup("").join(parts) + Markup('<ol class="map-key">{}</ol>').format(listing)

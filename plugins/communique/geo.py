"""Places and maps drawn from data shipped with the project: no tile server, no outside request."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup

WIDTH = 640
MIN_SPAN = 12.0  # degrees: a one-city trip still shows its surroundings


@dataclass(frozen=True)
class MapPoint:
    name: str
    lat: float
    lon: float


def fold(text: str) -> str:
    """Accent- and case-insensitive form: "Reykjavík" and "reykjavik" are the same place."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@cache
def gazetteer() -> dict[str, tuple[float, float]]:
    data = json.loads(resources.files("communique").joinpath("data/places.json").read_text())
    return {fold(p["name"]): (p["lat"], p["lon"]) for p in data}


@cache
def land() -> list[list[list[float]]]:
    return json.loads(resources.files("communique").joinpath("data/land.json").read_text())


def locate(name: str) -> tuple[float, float] | None:
    """Coordinates of a city by name, "Reykjavik" or "Reykjavík, Iceland"."""
    places = gazetteer()
    key = fold(name)
    return places.get(key) or places.get(fold(name.split(",")[0]))


def frame(points: list[MapPoint]) -> tuple[float, float, float, float]:
    """West, south, east, north: the points with a margin, never smaller than MIN_SPAN."""
    west, east = min(p.lon for p in points), max(p.lon for p in points)
    south, north = min(p.lat for p in points), max(p.lat for p in points)
    pad_x = max((east - west) * 0.15, (MIN_SPAN - (east - west)) / 2, 1.0)
    pad_y = max((north - south) * 0.15, (MIN_SPAN * 0.6 - (north - south)) / 2, 1.0)
    return west - pad_x, max(south - pad_y, -85), east + pad_x, min(north + pad_y, 85)


def svg_map(points: list[MapPoint], *, title: str) -> Markup:
    """An inline SVG map of ``points`` in visit order: land, a route, a labelled marker each."""
    if not points:
        return Markup("")
    west, south, east, north = frame(points)
    scale = WIDTH / (east - west)
    height = round((north - south) * scale)

    def xy(lon: float, lat: float) -> str:
        return f"{(lon - west) * scale:.1f},{(north - lat) * scale:.1f}"

    paths = []
    for ring in land():
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
            continue
        paths.append("M" + "L".join(xy(lon, lat) for lon, lat in ring) + "Z")
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="trip-map" role="img"'
            ' viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{t}</title>'
            '<rect width="{w}" height="{h}" fill="#dbe9f4"/>'
        ).format(w=WIDTH, h=height, t=title)
    ]
    if paths:
        parts.append(
            Markup('<path d="{}" fill="#f4f1e8" stroke="#9a9a8a" stroke-width="0.6"/>').format(
                "".join(paths)
            )
        )
    if len(points) > 1:
        route = " ".join(xy(p.lon, p.lat) for p in points)
        parts.append(
            Markup(
                '<polyline points="{}" fill="none" stroke="#8b2500" stroke-width="2"'
                ' stroke-dasharray="6 4"/>'
            ).format(route)
        )
    for n, p in enumerate(points, 1):
        x, y = (float(v) for v in xy(p.lon, p.lat).split(","))
        right = x > WIDTH * 0.6  # labels near the right edge run leftwards, so none is cut off
        parts.append(
            Markup(
                '<g class="place"><circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#0550ae"'
                ' stroke="#fff" stroke-width="2"/><text x="{tx:.1f}" y="{ty:.1f}" font-size="14"'
                ' text-anchor="{anchor}" fill="#1b1f24" stroke="#fff" stroke-width="3"'
                ' paint-order="stroke">{n}. {name}</text></g>'
            ).format(
                x=x,
                y=y,
                tx=x - 9 if right else x + 9,
                ty=max(y - 8, 14),
                anchor="end" if right else "start",
                n=n,
                name=p.name,
            )
        )
    parts.append(Markup("</svg>"))
    listing = Markup("").join(Markup("<li>{}</li>").format(p.name) for p in points)
    return Markup("").join(parts) + Markup('<ol class="visually-hidden">{}</ol>').format(listing)

"""Places and maps from the shipped gazetteer and Natural Earth land: no request leaves."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.site.geo import MIN_SPAN, MapPoint, fold, frame, gazetteer, land, locate, svg_map

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    """The map and its text list, as one XML tree (it fails on anything malformed)."""
    return ET.fromstring(f"<div>{markup}</div>")


def at(*names: str) -> list[MapPoint]:
    return [MapPoint(name, *locate(name)) for name in names]


def circles(tree: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in tree.iter(f"{SVG}circle")]


@pytest.mark.parametrize(
    "name, where",
    [
        ("Reykjavik", (64.15, -21.94)),
        ("REYKJAVÍK", (64.15, -21.94)),
        ("Reykjavík, Iceland", (64.15, -21.94)),
        ("  zagreb ", (45.81, 15.98)),
        ("Kiev", (50.45, 30.52)),  # an older spelling, kept as an alias
        ("Washington, D.C.", (38.9, -77.04)),  # an unknown hint falls back to the name
        ("Victoria, Seychelles", (-4.62, 55.45)),
        ("Victoria, Canada", (48.43, -123.37)),
        ("Sao Paulo", (-23.55, -46.63)),
    ],
)
def test_locate_finds_cities_whatever_the_accents_case_or_country(name, where):
    assert locate(name) == where


@pytest.mark.parametrize("name", ["Atlantis", "", " , ", "Iceland"])
def test_locate_says_none_for_what_it_does_not_know(name):
    assert locate(name) is None


def test_fold_ignores_accents_case_and_spacing():
    assert fold("  Chișinău ") == fold("CHISINAU") == "chisinau"


def test_the_gazetteer_has_a_few_hundred_sound_places():
    entries = json.loads(resources.files("communique").joinpath("data/places.json").read_text())
    assert len(entries) >= 300
    assert len({(e["name"], e["country"]) for e in entries}) == len(entries)
    for e in entries:
        assert -90 <= e["lat"] <= 90 and -180 <= e["lon"] <= 180, e
        assert e["name"].strip() and e["country"].strip(), e
    assert len(gazetteer()) >= len(entries) - 5  # names and aliases, folded


def test_land_rings_are_small_rounded_and_continuous():
    rings = land()
    assert len(rings) >= 100 and sum(map(len, rings)) < 10_000
    for ring in rings:
        assert len(ring) >= 3
        for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:], strict=False):
            # No edge jumps across the map, except along a pole that closes Antarctica.
            assert -90 <= lat1 <= 90 and (abs(lon2 - lon1) <= 180 or abs(lat1) == abs(lat2) == 90)
            assert round(lon1, 1) == lon1 and round(lat1, 1) == lat1


def test_a_trip_map_is_an_accessible_self_contained_svg():
    markup = str(svg_map(at("Reykjavik", "Zagreb", "Yerevan"), title="Iceland to Armenia"))
    tree = parse(markup)
    svg = tree.find(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Iceland to Armenia"
    labelled = svg.get("aria-labelledby").split()
    ids = {el.get("id") for el in svg.iter() if el.get("id")}
    assert set(labelled) <= ids
    assert "1. Reykjavik; 2. Zagreb; 3. Yerevan" in svg.find(f"{SVG}desc").text
    assert [li.text for li in tree.iter("li")] == ["Reykjavik", "Zagreb", "Yerevan"]
    assert svg.find(f"{SVG}path[@class='land']") is not None
    for el in tree.iter():
        assert "style" not in el.attrib and not el.tag.endswith(("script", "image", "use"))
        assert not any("href" in key for key in el.attrib)
    assert "http" not in markup.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_route_joins_the_places_in_visit_order():
    tree = parse(svg_map(at("Accra", "Dakar", "Abuja"), title="West Africa"))
    route = tree.find(f".//{SVG}polyline").get("points").split()
    assert [tuple(map(float, p.split(","))) for p in route] == circles(tree)
    x_accra, x_dakar, x_abuja = (x for x, _ in circles(tree))
    assert x_dakar < x_accra < x_abuja  # west to east as on any map


def test_one_place_has_no_route_but_a_sensible_extent():
    tree = parse(svg_map(at("Nuuk"), title="Nuuk"))
    assert tree.find(f".//{SVG}polyline") is None
    view = frame(at("Nuuk"))
    assert view.north - view.south >= MIN_SPAN
    assert view.west < -51.72 < view.east and view.south < 64.18 < view.north


@pytest.mark.parametrize(
    "names",
    [
        ["Reykjavik", "Zagreb", "Yerevan"],
        ["Oslo", "Cape Town"],  # tall
        ["Lisbon", "Tokyo"],  # wide
        ["Brussels", "Amsterdam", "Luxembourg"],  # close together
        ["Suva", "Apia", "Nuku'alofa"],  # across the antimeridian
        ["Anchorage", "Vladivostok"],
        ["Ushuaia", "Longyearbyen"],  # nearly pole to pole
    ],
)
def test_the_map_frames_every_point_with_room_to_spare(names):
    tree = parse(svg_map(at(*names), title="x"))
    _, _, width, height = map(float, tree.find(f"{SVG}svg").get("viewBox").split())
    assert 0.4 <= height / width <= 1.6
    for x, y in circles(tree):
        assert 6 <= x <= width - 6 and 6 <= y <= height - 6


def test_a_trip_across_the_antimeridian_stays_in_the_pacific():
    view = frame([MapPoint("Suva", -18.14, 178.44), MapPoint("Apia", -13.83, 188.24)])
    assert view.east - view.west < 60


def test_hostile_place_names_and_titles_are_text_not_markup():
    hostile = '<script>alert("x")</script> & <a href="javascript:x">'
    markup = str(svg_map([MapPoint(hostile, 64.1, -21.9)], title=f"Trip {hostile}"))
    tree = parse(markup)
    assert "<script" not in markup and "<a " not in markup
    assert tree.find(f"{SVG}svg/{SVG}title").text == f"Trip {hostile}"
    assert tree.find(".//li").text == hostile
    assert not list(tree.iter(f"{SVG}script")) and not list(tree.iter("a"))


def test_long_names_are_shortened_on_the_map_but_whole_in_the_list():
    name = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch Railway Station"
    tree = parse(svg_map([MapPoint(name, 53.22, -4.2)], title="Wales"))
    label = "".join(tree.find(f".//{SVG}text").itertext())
    assert label.endswith("…") and len(label) < len(name)
    assert tree.find(".//li").text == name


def test_points_that_cannot_be_drawn_are_left_out():
    assert svg_map([], title="Nothing") == ""
    assert svg_map([MapPoint("Nowhere", math.nan, 0.0)], title="x") == ""
    tree = parse(svg_map([MapPoint("Bad", 95.0, 0.0), *at("Zagreb")], title="x"))
    assert [li.text for li in tree.iter("li")] == ["Zagreb"]


def test_the_same_places_always_give_the_same_bytes():
    points = at("Reykjavik", "Zagreb", "Yerevan")
    assert svg_map(points, title="t") == svg_map(list(points), title="t")
    assert svg_map(points, title="t") != svg_map(points[::-1], title="t")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(
            MapPoint,
            st.text(max_size=30),
            st.floats(-80, 80),
            st.floats(-180, 180),
        ),
        min_size=1,
        max_size=6,
    ),
    st.text(max_size=40),
)
def test_any_places_give_well_formed_svg_framing_them(points, title):
    # XML 1.0 cannot carry most control characters, escaped or not: names come from posts,
    # which the normalizer has already stripped of them.
    clean = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
    points = [MapPoint(clean.sub("", p.name), p.lat, p.lon) for p in points]
    tree = parse(svg_map(points, title=clean.sub("", title)))
    _, _, width, height = map(float, tree.find(f"{SVG}svg").get("viewBox").split())
    assert len(circles(tree)) == len(points)
    for x, y in circles(tree):
        assert -0.5 <= x <= width + 0.5 and -0.5 <= y <= height + 0.5

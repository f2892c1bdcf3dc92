import xml.etree.ElementTree as ET

import pytest

from communique.geo import MapPoint, frame, locate, svg_map


@pytest.mark.parametrize("name", ["Reykjavik", "Reykjavík", "REYKJAVÍK, Iceland"])
def test_locate_ignores_accents_case_and_country(name):
    assert locate(name) == pytest.approx((64.15, -21.94), abs=0.1)


def test_unknown_places_are_none():
    assert locate("Atlantis") is None


def test_the_map_is_valid_svg_framing_its_points_with_hostile_names_escaped():
    points = [MapPoint("Reykjavík", 64.15, -21.94), MapPoint('<script>"x"</script>', 45.8, 15.98)]
    svg = str(svg_map(points, title="A <trip>"))
    root = ET.fromstring(svg.split('<ol class="visually-hidden">')[0])
    assert root.tag.endswith("svg") and "<script>" not in svg
    assert "&lt;script&gt;" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    west, south, east, north = frame(points)
    assert west < -21.94 < 15.98 < east and south < 45.8 < 64.15 < north


def test_a_single_place_still_shows_its_surroundings():
    west, south, east, north = frame([MapPoint("Nuuk", 64.18, -51.72)])
    assert east - west >= 12

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from communique.site.activity import calendar_svg

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = st.dictionaries(
    st.builds("{}-{:02d}".format, st.integers(2008, 2012), st.integers(1, 12)),
    st.integers(0, 5000),
    min_size=1,
)


def legend(tree: ET.Element) -> list[tuple[int, int, str]]:
    """The legend's ranges as a reader reads them: "none", "7" or "1–12", and each one's shade."""
    ranges = []
    for item in tree.iter("li"):
        said = "".join(item.itertext()).strip().replace(",", "")
        low, _, high = ("0" if said == "none" else said).partition("–")
        ranges.append((int(low), int(high or low), item.find(f"{SVG}svg/{SVG}rect").get("fill")))
    return ranges


@given(MONTHS)
def test_the_calendar_s_legend_says_what_every_shade_counts(counts):
    tree = ET.fromstring(f"<div>{calendar_svg(counts, '/envoy', 'envoy')}</div>")
    ranges = legend(tree)
    assert [low for low, _, _ in ranges[1:]] == [high + 1 for _, high, _ in ranges[:-1]]
    assert ranges[0][:2] == (0, 0) and ranges[-1][1] == max(counts.values())
    cells = [c for c in tree.find(f"{SVG}svg") if c.find(f"{SVG}rect") is not None]
    assert len(cells) % 12 == 0 and cells
    for cell in cells:  # a month: its count in its title, its shade on its square
        n = int(re.search(r": ([\d,]+) post", cell.find(f"{SVG}title").text)[1].replace(",", ""))
        fill = cell.find(f"{SVG}rect").get("fill")
        assert [shade for low, high, shade in ranges if low <= n <= high] == [fill]

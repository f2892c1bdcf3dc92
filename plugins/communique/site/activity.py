"""The posting calendar: a grid of years by months, so a reader sees when an account went quiet."""

from __future__ import annotations

from markupsafe import Markup

CELL = 22
MONTHS = "JFMAMJJASOND"
SHADES = ("#eef1f4", "#c6dbef", "#6baed6", "#2171b5", "#08306b")


def shade(count: int, peak: int) -> str:
    if count == 0:
        return SHADES[0]
    return SHADES[min(4, 1 + (4 * count - 1) // max(peak, 1))]


def shade_ranges(peak: int) -> list[tuple[int, int, str]]:
    """The counts each shade stands for, lowest first, as ``(low, high, shade)``: a shade
    that no count up to ``peak`` takes is left out."""
    ranges = [(0, 0, SHADES[0])]
    for n, colour in enumerate(SHADES[1:], 1):
        low = max(1, -(-((n - 1) * peak + 1) // 4))  # the least count with 4c - 1 >= (n-1) peak
        high = peak if n == 4 else n * peak // 4
        if low <= high:
            ranges.append((low, high, colour))
    return ranges


def legend(peak: int) -> Markup:
    """What each shade of the calendar means, in HTML beneath it: it wraps on a phone."""
    swatch = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" aria-hidden="true">'
        '<rect width="12" height="12" rx="2" fill="{}"/></svg>'
    )
    items = [
        Markup("<li>{} {}</li>").format(
            swatch.format(colour),
            "none" if high == 0 else f"{low:,}" if low == high else f"{low:,}–{high:,}",
        )
        for low, high, colour in shade_ranges(peak)
    ]
    return Markup('<p class="legend-title">Posts a month:</p><ul class="legend">{}</ul>').format(
        Markup("").join(items)
    )


def calendar_svg(counts: dict[str, int], base: str, account: str) -> Markup:
    """An SVG grid: a row a year, a cell a month, darker for more posts, linked to the month."""
    if not counts:
        return Markup("")
    years = range(int(min(counts)[:4]), int(max(counts)[:4]) + 1)
    peak = max(counts.values())
    width, height = 48 + 12 * CELL, 20 + len(years) * CELL
    label = f"Posts per month by @{account}, {years[0]} to {years[-1]}"
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="calendar"'
            ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="cal-{a}">'
            '<title id="cal-{a}">{label}</title>'
        ).format(w=width, h=height, a=account, label=label)
    ]
    for i, m in enumerate(MONTHS):
        x = 48 + i * CELL + CELL // 2
        parts.append(Markup('<text x="{}" y="12" text-anchor="middle">{}</text>').format(x, m))
    for row, year in enumerate(years):
        y = 20 + row * CELL
        parts.append(Markup('<text x="0" y="{}">{}</text>').format(y + 15, year))
        for col in range(12):
            month = f"{year}-{col + 1:02d}"
            n = counts.get(month, 0)
            label = f"{month}: {n:,} post{'s' if n != 1 else ''}"
            cell = Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>').format(
                48 + col * CELL, y, CELL - 3, CELL - 3, shade(n, peak)
            )
            if n:  # a month with posts links to its page, named by its title
                rect = Markup('<a href="{}/{}/{:02d}/"><title>{}</title>{}</a>').format(
                    base, year, col + 1, label, cell
                )
            else:
                rect = Markup("<g><title>{}</title>{}</g>").format(label, cell)
            parts.append(rect)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts) + legend(peak)

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
    return Markup("").join(parts)

"""The posting calendars: a timeline's grid of years by months, so a reader sees when an account
went quiet, and a month page's grid of its days, each linked to the day's posts."""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

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


def legend(peak: int, per: str = "month") -> Markup:
    """What each shade of a calendar means, in HTML beneath it: it wraps on a phone."""
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
    return Markup('<p class="legend-title">Posts a {}:</p><ul class="legend">{}</ul>').format(
        per, Markup("").join(items)
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


def month_svg(month: date, days: list[tuple[date, int, str]], title: str) -> Markup:
    """A month's days in weeks, Monday first, darker for more posts; each day with posts
    (``days``: its date, count and the address of its heading) a link to them. A day of another
    month (a UTC month's last hours are the next day in Tokyo) gets a week of its own."""
    if not days:
        return Markup("")
    start = min(month, days[0][0])
    start -= timedelta(days=start.weekday())
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    weeks = (max(days[-1][0], month_end) - start).days // 7 + 1
    peak = max(n for _, n, _ in days)
    posted = {day: (n, href) for day, n, href in days}
    width, height = 7 * CELL, 16 + weeks * CELL
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="calendar month-calendar"'
            ' viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="cal-{m}">'
            '<title id="cal-{m}">{t}</title>'
        ).format(w=width, h=height, m=month.isoformat()[:7], t=title)
    ]
    for i, d in enumerate("MTWTFSS"):
        x = i * CELL + CELL // 2
        parts.append(Markup('<text x="{}" y="11" text-anchor="middle">{}</text>').format(x, d))
    # A cell a day, of a page of every month of every build: f-strings, with the only text
    # not made here (the day's address) escaped, since Markup.format is many times slower.
    for k in range(weeks * 7):
        day = start + timedelta(days=k)
        n, href = posted.get(day, (0, None))
        if n == 0 and day.month != month.month:
            continue  # another month's day without posts: left blank
        colour = shade(n, peak)
        x, y = (k % 7) * CELL, 16 + (k // 7) * CELL
        ink = "#ffffff" if colour in SHADES[3:] else "#1b1f24"
        cell = (
            f'<rect x="{x}" y="{y}" width="{CELL - 3}" height="{CELL - 3}" rx="3" fill="{colour}"/>'
            f'<text x="{x + (CELL - 3) / 2}" y="{y + 14}" text-anchor="middle" fill="{ink}">'
            f"{day.day}</text>"
        )
        label = f"<title>{day.isoformat()}: {n:,} post{'s' if n != 1 else ''}</title>"
        if href:
            parts.append(Markup(f'<a href="{escape(href)}">{label}{cell}</a>'))
        else:
            parts.append(Markup(f"<g>{label}{cell}</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts) + legend(peak, "day")

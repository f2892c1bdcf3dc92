"""The paginated lists of posts: timelines, months, hashtags, threads and audiences.

A list is paginated from the start of the record (``paginate``), so new posts change only its
newest page: every other page keeps its URL and its bytes (permanent links, cheap builds).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache, partial

from markupsafe import Markup

from communique.files import digest
from communique.site import activity, times
from communique.site.layout import own
from communique.site.model import audience_filter
from communique.site.pages import Lazy, Pages, page_count, page_url
from communique.site.render import tag_href


def paginate(
    pages: Pages,
    rel_dir: str,
    posts: list[dict],
    template: str,
    landing: dict | None = None,
    by_day: tzinfo | None = None,
    **context,
) -> None:
    """A list (``posts`` oldest first) in pages of POSTS_PER_PAGE, newest first, numbered
    from the oldest: ``rel_dir/`` shows the newest page, ``rel_dir/page/1/`` the oldest posts.
    ``landing`` is context only the newest page shows. With ``by_day``, each page's posts
    are under a heading a day (in that zone), which a link can name: ``#day-2009-01-12``.
    """
    landing = landing or {}
    per_page = pages.settings.posts_per_page
    count = page_count(len(posts), per_page)
    keys = pages.keys
    # What every page of the list shows alike, keyed once for all of them (a value made only
    # for a page rendered, by what it is made from: one keyed by nothing would go stale).
    shown = {name: keyed(name, value) for name, value in context.items()}
    shared, newest = digest(sorted(shown.items())), digest(sorted(landing.items()))
    url = pages.url(rel_dir)  # "/" is kept as it is by quote: a page's URL is this and more

    for n in range(1, count + 1):
        chunk = posts[(n - 1) * per_page : n * per_page]
        nav = {  # no page count: a new page would change every page
            "number": n,
            "newer": page_url(url, n + 1, count) if n < count else None,
            "older": page_url(url, n - 1, count) if n > 1 else None,
        }
        total = len(posts) if n == count else None  # only the newest page says how many
        key = [[keys[p["id"]] for p in chunk], nav, total, shared, newest if n == count else None]
        cards = (pages.card(p) for p in reversed(chunk))  # rendered only if the page is
        lines = (pages.derive(p) for p in reversed(chunk))  # a line a post: the timelines
        days = None if by_day is None else Lazy(lambda c=chunk: day_groups(pages, c[::-1], by_day))
        extra = landing if n == count else {}
        where = rel_dir if n == count else f"{rel_dir}/page/{n}".lstrip("/")
        pages.page(where, template, key=key, anchor=chunk[-1] if chunk else None, cards=cards,
                   lines=lines, days=days, pager=nav, total=total, **context, **extra)  # fmt: skip


def keyed(name: str, value: object) -> object:
    if not isinstance(value, Lazy):
        return value
    if value.key is None:
        raise ValueError(f"{name}: a list's lazy value needs the key of what it is made from")
    return value.key


def account_pages(pages: Pages) -> None:
    """Each account's timeline, all its posts newest first, a line each (its time, linked to
    its page, and its title): the months show the same posts as cards, so the timeline is the
    index of them, not a second copy (at 100,000 posts, a card is three lines' bytes)."""
    archive, base = pages.archive, pages.base
    zone = pages.settings.timezone
    today = pages.now.astimezone(zone).date()
    for name, posts in archive.by_account.items():
        info = archive.accounts.get(name, {})
        counts = {m: len(archive.shown(ps)) for (a, m), ps in archive.months.items() if a == name}
        last = posts[-1]["created_at"] if posts else None
        quiet = (today - times.local(last, zone).date()).days if last else None
        paginate(
            pages,
            name,
            archive.shown(posts),
            "timeline.html",
            account=info | {"username": name},
            title=info.get("display_name") or f"@{name}",
            landing={
                "calendar": activity.calendar_svg(counts, f"{base}/{name}", name),
                "months": sorted(counts, reverse=True),
                "days_quiet": quiet,
                "last_post": last,
            },
            feeds=pages.feeds_for("account", name),
        )


def month_pages(pages: Pages) -> None:
    """A page a month, a UTC month as the store files them, whatever TIMEZONE is: a post
    does not move to another page when the setting changes. Its posts are under a heading a
    day, and every page of the month shows its calendar, each day linked to its heading."""
    zone = pages.settings.timezone
    for (account, month), posts in pages.archive.months.items():
        year, mm = month.split("-")
        first = datetime(int(year), int(mm), 1)
        shown = pages.archive.shown(posts)
        rel_dir = f"{account}/{year}/{mm}"
        title = f"Posts a day by @{account}, {first:%B %Y}"
        # Drawn only for a page made again (most months' pages are not, on most builds), from
        # the times of the month's posts: which day each is on and which page shows it. Once
        # for every page of the month that a worker renders.
        calendar = cache(partial(month_calendar, pages, rel_dir, shown, first.date(), title))
        paginate(
            pages,
            rel_dir,
            shown,
            "list.html",
            by_day=zone,
            title=f"@{account}, {first:%B %Y}",
            intro=month_note(first, zone),
            calendar=Lazy(calendar, ([p["created_at"] for p in shown], title)),
        )


def month_calendar(
    pages: Pages, rel_dir: str, posts: list[dict], month: date, title: str
) -> Markup:
    days = day_links(pages, rel_dir, posts, pages.settings.timezone)
    return activity.month_svg(month, days, title)


def day_groups(pages: Pages, posts: list[dict], zone: tzinfo) -> list[tuple[date, list]]:
    """``posts`` (in the order shown) under their days in ``zone``, each day's cards."""
    days: dict[str, list] = {}
    for post in posts:
        days.setdefault(times.day(post["created_at"], zone), []).append(pages.card(post))
    return [(date.fromisoformat(day), cards) for day, cards in days.items()]


def day_links(
    pages: Pages, rel_dir: str, posts: list[dict], zone: tzinfo
) -> list[tuple[date, int, str]]:
    """Each day of a month's list (``posts`` oldest first), its count of posts and the address
    of its heading, on the page that shows the day's newest posts (the top of the day)."""
    per_page = pages.settings.posts_per_page
    count = page_count(len(posts), per_page)
    url = pages.url(rel_dir)
    last: dict[str, int] = {}
    posted: dict[str, int] = {}
    for i, post in enumerate(posts):
        day = times.day(post["created_at"], zone)
        last[day] = i
        posted[day] = posted.get(day, 0) + 1
    links = []
    for day, i in sorted(last.items()):
        n = i // per_page + 1
        links.append((date.fromisoformat(day), posted[day], f"{page_url(url, n, count)}#day-{day}"))
    return links


def month_note(first: datetime, zone: tzinfo) -> str | None:
    """What a month page says of its month where its times are shown in another zone than
    UTC: the first and last posts of a UTC month may show another month's date."""
    if times.is_utc(zone):
        return None  # every time shown says UTC itself
    after = datetime(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        f"{first:%B %Y} in UTC: posts made from {first:%Y-%m-%d} 00:00 UTC to before"
        f" {after:%Y-%m-%d} 00:00 UTC. Times are shown in {zone}."
    )


def tag_pages(pages: Pages) -> None:
    archive = pages.archive
    lists = {slug: archive.once(posts) for slug, posts in archive.tags.items()}
    for slug, posts in lists.items():
        paginate(
            pages,
            own(f"tags/{slug}"),
            posts,
            "list.html",
            title=f"#{archive.tag_names[slug]}",
            intro=None,
            feeds=pages.feeds_for("tag", own(f"tags/{slug}")),
            as_lines=True,  # an index of the months' cards, as a timeline is
        )
    index = sorted(
        (
            {
                "name": archive.tag_names[s],
                "href": tag_href(pages.base, s),
                "count": len(p),
            }
            for s, p in lists.items()
        ),
        key=lambda t: (-t["count"], t["name"].casefold()),
    )
    pages.page(own("tags"), "tags.html", title="Hashtags", tags=index)


def thread_pages(pages: Pages) -> None:
    archive = pages.archive
    for cid, posts in archive.threads.items():
        if len(posts) < 2:
            continue
        support = cid in archive.support
        pages.page(
            own(f"threads/{cid}"),
            "thread.html",
            key=digest([pages.keys[p["id"]] for p in posts], support),
            anchor=posts[-1],
            title=Lazy(lambda first=posts[0]: f"Conversation: {pages.derive(first)['title']}"),
            cards=Lazy(lambda posts=posts: [pages.card(p) for p in posts]),
            depth=Lazy(lambda posts=posts: depths(posts)),
            posts=posts,
            support=support,
        )


MAX_DEPTH = 3  # indents a thread takes at most: a long exchange stays readable on a phone


def depths(posts: list[dict]) -> dict[str, int]:
    """How far each post of a thread (in reply order: a post after what it answers) is indented.

    A reply to one's own post continues at its level, so an account's thread of posts reads as
    one column; a reply to someone else is indented one more, to MAX_DEPTH.
    """
    by_id = {p["id"]: p for p in posts}
    level: dict[str, int] = {}
    for post in posts:
        parent = by_id.get((post.get("reply_to") or {}).get("id"))
        if parent is None or parent["id"] not in level:
            level[post["id"]] = 0
        elif parent["account"] == post["account"]:
            level[post["id"]] = level[parent["id"]]
        else:
            level[post["id"]] = min(level[parent["id"]] + 1, MAX_DEPTH)
    return level


def audience_pages(pages: Pages) -> dict[str, list[dict]]:
    """Each audience's timeline; returns its posts, for its feed."""
    audiences = {}
    for name, rules in pages.settings.audiences.items():
        posts = audiences[name] = audience_filter(pages.archive, rules)
        paginate(
            pages,
            own(f"audiences/{name}"),
            pages.archive.shown(posts),
            "list.html",
            title=rules.get("title", name),
            intro=rules.get("description"),
            feeds=pages.feeds_for("audience", own(f"audiences/{name}")),
            as_lines=True,  # a timeline, a line a post, as an account's is
        )
    return audiences

"""The pages that sum the archive up: home, trips, provenance, redactions, data and search."""

from __future__ import annotations

from urllib.parse import urlsplit

from communique.files import digest
from communique.signing import NAMESPACE, Signer
from communique.site import geo, search, trips
from communique.site.downloads import Download
from communique.site.layout import own
from communique.site.pages import Lazy, Pages
from communique.site.withheld import REASONS


def load_trips(pages: Pages) -> None:
    """Trips written by staff, each with the posts its rules pick; drafts are not published."""
    folder = pages.settings.trips_path
    published = [t for t in trips.load_trips(folder) if not t.draft] if folder.is_dir() else []
    archive = pages.archive
    shown = archive.shown([p for p in archive.posts if not p.get("withheld")])
    assigned = trips.assign(published, shown, pages.settings.timezone)
    pages.trips = [(t, assigned.get(t.slug, [])) for t in published]
    for trip, posts in pages.trips:
        for post in posts:
            pages.trips_of.setdefault(post["id"], []).append(trip)


def trip_pages(pages: Pages) -> None:
    cards, index_key = [], []
    for trip, posts in pages.trips:
        summary = trips.summarize(trip, posts, pages.settings.timezone)
        # Everything the page shows comes from the trip as written, its posts (their cards
        # and keys) and the places found for them: unchanged, the page is not rendered.
        key = digest(repr(trip), [pages.keys[p["id"]] for p in posts], repr(summary.places))
        pages.page(
            own(f"trips/{trip.slug}"),
            "trip.html",
            key=key,
            title=trip.title,
            trip=trip,
            summary=summary,
            days=Lazy(
                lambda summary=summary: [
                    (day, [pages.card(p) for p in day_posts]) for day, day_posts in summary.days
                ]
            ),
            map=Lazy(
                lambda trip=trip, summary=summary: (
                    geo.svg_map(summary.places, title=f"Places visited: {trip.title}")
                    if summary.places
                    else None
                )
            ),
            feeds=pages.feeds_for("trip", own(f"trips/{trip.slug}")),
        )
        cards.append({"trip": trip, "summary": summary})
        cover = summary.cover
        index_key.append(
            (
                repr(trip),
                summary.posts,
                repr(summary.places),
                cover and [cover.get(k) for k in ("src", "alt", "width", "height")],
            )
        )
    pages.page(own("trips"), "trips.html", key=digest(index_key), title="Trips and events",
               trips=cards)  # fmt: skip


def home_page(pages: Pages) -> None:
    archive = pages.archive
    latest = archive.newest(reversed(archive.posts), 20)
    accounts = [
        archive.accounts.get(n, {})
        | {"username": n, "count": len(archive.shown(p)), "last": p[-1]["created_at"]}
        for n, p in archive.by_account.items()
    ]
    pages.page(
        "",
        "home.html",
        title=pages.settings.sitename,
        cards=[pages.card(p) for p in latest],
        accounts=accounts,
        tags=len(archive.tags),
        threads=sum(len(t) > 1 for t in archive.threads.values()),  # those with a page
        feeds=pages.feeds_for("all", ""),
    )


def provenance_page(pages: Pages, signer: Signer | None) -> None:
    rows, older = [], pages.archive.older
    for name, posts in pages.archive.by_account.items():
        sources: dict[str, int] = {}
        deleted = edited = withheld = undated = 0
        captured = imported = ""
        for p in posts:  # one pass over the account's records for every count
            provenance = p["provenance"]
            kind = "API" if provenance["captured_by"].startswith("api:") else "archive export"
            sources[kind] = sources.get(kind, 0) + 1
            deleted += bool(p.get("deleted_at"))
            edited += len(p.get("edit_ids") or []) > 1 and p["id"] not in older  # once a post
            withheld += bool(p.get("withheld"))
            undated += not provenance["captured_at"]
            captured = max(captured, provenance["captured_at"] or "")
            imported = max(imported, provenance["imported_at"])
        rows.append(
            {
                "account": name,
                "posts": len(pages.archive.shown(posts)),  # as the home page and timeline
                "records": len(posts),
                "sources": sorted(sources.items()),
                "deleted": deleted,
                "edited": edited,
                "captured": captured,
                "undated": undated,
                "imported": imported,
                "withheld": withheld,
                "private": pages.archive.private[name],
            }
        )
    pages.page(
        own("provenance"), "provenance.html", title="Provenance", rows=rows,
        handles_hidden=len(pages.archive.handles_hidden),
        handle_label=pages.settings.other_handle_label,
        signing=signer and {
            "key": signer.public_line, "fingerprint": signer.fingerprint,
            "namespace": NAMESPACE,
            # Whom a reader's allowed_signers names: any word does, the site's host says most.
            "principal": urlsplit(pages.settings.siteurl).hostname or "archive",
        },
        timestamp_url=pages.settings.timestamp_url,
    )  # fmt: skip


def redactions_page(pages: Pages) -> None:
    """The redaction log: every withheld post, so a reader sees what is missing and why."""
    withheld = sorted(pages.archive.withheld, key=lambda p: int(p["id"]))
    pages.page(own("redactions"), "redactions.html", title="Withheld posts", posts=withheld,
               reasons=REASONS)  # fmt: skip


def data_page(pages: Pages, downloads: list[Download], signed: bool) -> None:
    """The downloads, and how to open each: a year's JSONL is the page's example, so that a
    reader can paste the commands as they are."""
    jsonl = next((d.name for d in downloads if d.name.endswith(".jsonl.gz")), None)
    pages.page(own("data"), "data.html", title="Data downloads", downloads=downloads,
               jsonl=jsonl, withheld=len(pages.archive.withheld),
               altered=bool(pages.archive.altered), signed=signed,
               dated=bool(pages.settings.timestamp_url))  # fmt: skip


def search_page(pages: Pages) -> None:
    """The one page that runs a script: Pagefind's search needs WebAssembly. A build without
    a search index (``--no-search``), or of a store with no posts yet, which Pagefind does not
    index, says so, and points at no index."""
    posts = len(pages.archive.posts)
    months = [month for month, posts in pages.archive.months.items()
              if not all(p.get("withheld") for p in posts)]  # fmt: skip
    bundles = (
        [f"{pages.base}/{search.bundle(name)}/" for name in sorted(search.shard_names(months))]
        if pages.settings.search
        else []
    )
    pages.page(own("search"), "search.html", title="Search", wasm=bool(bundles), bundles=bundles,
               empty=not posts, withheld=len(pages.archive.withheld))  # fmt: skip

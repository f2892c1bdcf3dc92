"""One build of the archive's pages: the order in which the page kinds are made.

Media first (pages show their sizes), then trips (posts show theirs), then every page that
shows posts is planned and rendered on every core, while this process makes the rest; the
data downloads are made meanwhile on another core, by a process forked before the load.
"""

from __future__ import annotations

from datetime import UTC, datetime

from communique.settings import Settings
from communique.signing import Signer
from communique.site import lists, media, overview, signed
from communique.site.downloads import page_sums, write_manifest
from communique.site.feeds import SiteFeeds
from communique.site.freshness import Digests, FeedTitles, Output
from communique.site.layout import own
from communique.site.ledger import Ledger
from communique.site.model import Archive
from communique.site.pages import BuildSummary, Pages
from communique.site.parallel import Worker, slices
from communique.site.templates import make_env, site_globals
from communique.store import Store


def build(
    archive: Archive,
    settings: Settings,
    output: Output,
    *,
    stamp: str,
    now: datetime,
    downloads: Worker,
    staff: tuple[str, ...] = (),
    signer: Signer | None,
) -> tuple[BuildSummary, list[str]]:
    """The site of ``archive`` written through ``output``; returns its summary and the files
    the downloads made (written by their own process, so not through ``output``). ``staff``:
    the folders of the pages Pelican makes, each given a page at its old address; ``signer``
    signs the sums."""
    env = make_env(
        settings.theme,
        site_globals(settings, now),
        settings.timezone,
        settings.cache_path / "templates",
    )
    pages = Pages(archive, settings, env, output, stamp, now)
    pages.summary.posts = len(archive.posts) - len(archive.older)  # as the timelines list them
    titles = FeedTitles(settings.cache_path / "feed-titles.json")
    digests = Digests(settings.cache_path / "media-digests.json")
    media.publish_all(pages, settings.archive_path, digests)
    digests.save()
    overview.load_trips(pages)
    downloads.start(**downloads_input(pages))
    # Plan the pages of posts and lists, then render those not fresh on every core, by the
    # place of a post they show: a worker renders a post's card once for all its pages.
    pages.post_pages()
    lists.account_pages(pages)
    lists.month_pages(pages)
    lists.tag_pages(pages)
    lists.thread_pages(pages)
    audiences = lists.audience_pages(pages)
    pages.jobs.sort(key=lambda job: job.place)
    with slices(pages.render_slice, len(pages.jobs)) as parts:
        overview.trip_pages(pages)
        overview.provenance_page(pages, signer)
        overview.redactions_page(pages)
        SiteFeeds(pages, titles).write_all(audiences)
        overview.search_page(pages)
        overview.home_page(pages)
        for rel_dir in staff:
            if (old := pages.old_address(rel_dir)) is not None:
                pages.moved(old, rel_dir)
    for part in parts:
        output.merge(part)
    # Rendered: their contexts hold closures over the pages, a cycle that only the cycle
    # collector would free, walking every post to do so.
    pages.jobs.clear()
    made = downloads.result()
    folder = output.output / own("data")
    manifest = write_manifest(folder, made, page_sums(output.rows()))
    overview.data_page(pages, made, signed=signer is not None)
    titles.save(pages.keys.values())
    files = [own(f"data/{name}") for name in [*(d.name for d in made), *manifest]]
    signed.publish(output, settings, signer, files)
    return pages.summary, files


def downloads_input(pages: Pages) -> dict:
    """What ``write_downloads`` needs of the build, sent to the process that makes them:
    the trips' posts, and of the archive only what it withholds or shows altered."""
    trips = [({"slug": t.slug, "title": t.title, "start": str(t.start), "end": str(t.end),
               "summary": t.summary}, [p["id"] for p in posts])
             for t, posts in pages.trips]  # fmt: skip
    altered, by_id = pages.archive.altered, pages.archive.by_id
    shown = Archive(posts=[], accounts=pages.archive.accounts, withheld=pages.archive.withheld,
                    altered=altered, by_id={i: by_id[i] for i in altered})  # fmt: skip
    settings = pages.settings
    ledger = Ledger(settings.ledger_path, pages.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    frozenset(pages.archive.never_public))  # fmt: skip
    return dict(store=Store(settings.archive_path), folder=pages.output.output / own("data"),
                siteurl=settings.siteurl.rstrip("/"), trips=trips, shown=shown, ledger=ledger,
                stamp=settings.cache_path / "downloads.json")  # fmt: skip

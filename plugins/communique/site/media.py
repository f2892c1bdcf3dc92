"""Published media: images re-encoded from their pixels, so no EXIF, GPS, XMP or comment
survives; videos remuxed without their container's metadata, and GIFs rewritten without their
comments and application blocks, neither changing a byte of the picture or the sound.

The store keeps originals as received (they are the record); what the site serves is a copy
made from pixels and streams only, an image scaled down to a size a page needs. A copy is made
again when its original or the code that makes it changed, or when the copy in ``output/`` is
not as written.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from communique.errors import CommuniqueError
from communique.files import digest, replacing, write_atomic
from communique.records import preview_of
from communique.site.freshness import Digests, Entry, Slice, code_stamp
from communique.site.model import media_folder, media_path
from communique.site.pages import Pages
from communique.site.parallel import slices

MAX_SIDE = 1600
MAX_PIXELS = 64_000_000  # four times what Twitter serves as a photo's original
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
GIF = (b"GIF87a", b"GIF89a")
# A GIF's loop count and nothing else: how often it plays, so kept.
GIF_LOOP = re.compile(rb"\x21\xff\x0b(?:NETSCAPE2\.0|ANIMEXTS1\.0)\x03\x01..\x00", re.S)
GIF_PICTURE = {"header", "control", "image", "loop", "trailer"}
POSTER = "-poster"  # what a video's poster adds to its name
# What a medium that cannot be read raises, from Pillow, the GIF reader or ffmpeg.
UNUSABLE = (UnidentifiedImageError, OSError, ValueError, subprocess.CalledProcessError)


class Refused(CommuniqueError):
    """A medium that must not be published as it is; the build names it and its post."""


def clean_image(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """Re-encoded bytes, their extension and size, from an image's bytes; metadata dropped.

    An image of more than MAX_PIXELS is refused from its header, before it is decoded: Pillow
    only warns of one up to twice its limit, and decodes it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise Refused(
                f"an image of more than {MAX_PIXELS:,} pixels, refused before decoding;"
                " replace it in the store with a smaller copy"
            ) from None
    with image:
        image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
        pixels = Image.new(image.mode, image.size)  # pixels only: no info, EXIF or comment
        pixels.paste(image)
    out = io.BytesIO()
    if has_alpha:
        pixels.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), ".png", pixels.size
    pixels.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), ".jpg", pixels.size


def gif_blocks(data: bytes) -> Iterator[tuple[str, bytes]]:
    """A GIF's blocks, in order, each with its kind: "header" (with the colour table),
    "control", "image", "loop" and "trailer" make the picture; "comment", "application",
    "text" (which browsers do not draw), "extension" and "after the end" do not.
    ValueError when the bytes are not a whole GIF."""

    def table(packed: int) -> int:
        return 3 << ((packed & 7) + 1) if packed & 0x80 else 0

    def past_sub_blocks(at: int) -> int:
        while at < len(data):
            size = data[at]
            at += 1 + size
            if size == 0:
                return at
        raise ValueError("the GIF ends in the middle of a block")

    if data[:6] not in GIF or len(data) < 13:
        raise ValueError("not a GIF")
    at = 13 + table(data[10])
    yield "header", data[:at]
    while at < len(data):
        start, introducer = at, data[at]
        if introducer == 0x3B:
            yield "trailer", data[at : at + 1]
            if len(data) > at + 1:
                yield "after the end", data[at + 1 :]
            return
        if introducer == 0x2C:  # an image: its descriptor, colour table and pixels
            if at + 11 > len(data):
                break
            at = past_sub_blocks(at + 10 + table(data[at + 9]) + 1)
            yield "image", data[start:at]
        elif introducer == 0x21 and at + 1 < len(data):
            at = past_sub_blocks(at + 2)
            block = data[start:at]
            kind = {0xF9: "control", 0xFE: "comment", 0xFF: "application", 0x01: "text"}
            yield "loop" if GIF_LOOP.fullmatch(block) else kind.get(block[1], "extension"), block
        else:
            raise ValueError(f"not a GIF block at byte {at:,}")
    raise ValueError("the GIF ends before its trailer")


def clean_gif(data: bytes) -> bytes:
    """The GIF with only the blocks that make its picture, each byte for byte as it was."""
    return b"".join(block for kind, block in gif_blocks(data) if kind in GIF_PICTURE)


def gif_metadata(data: bytes) -> list[str]:
    """What a GIF carries besides its picture."""
    return sorted({kind for kind, _ in gif_blocks(data)} - GIF_PICTURE)


def ffmpeg_stamp(ffmpeg: str) -> tuple[str, int, int]:
    """Part of a video's key: another ffmpeg (an upgrade replaces the file) may lay out the
    same streams otherwise. Not its ``-version``: starting it takes a third of a second."""
    st = os.stat(ffmpeg)
    return ffmpeg, st.st_size, st.st_mtime_ns


def find_ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise Refused(
            "a video: publishing it without its metadata (a phone's GPS position, make, dates)"
            " needs ffmpeg; install it (Debian: apt-get install ffmpeg) and build again"
        )
    return found


def remux(source: Path, target: Path) -> None:
    """The video's pictures and sound copied packet for packet into a new MP4 without the
    container's metadata: no tags (a phone's ``©xyz`` GPS atom, make, model, dates), no XMP,
    chapters, cover art or data tracks (a camera's GPS track). Read as MP4/QuickTime only:
    ffmpeg left to guess would follow a playlist hidden in a file to other files and hosts.
    CalledProcessError when ffmpeg cannot read it."""
    with replacing(target) as tmp:
        subprocess.run(
            [find_ffmpeg(), "-nostdin", "-v", "error", "-y", "-f", "mov", "-i", str(source),
             "-map", "0:V?", "-map", "0:a?", "-map_metadata", "-1", "-map_chapters", "-1",
             "-c", "copy", "-fflags", "+bitexact", "-movflags", "+faststart", "-f", "mp4",
             str(tmp)],
            capture_output=True, check=True,
        )  # fmt: skip


def first_frame(source: Path) -> bytes:
    """A video's first picture, as a PNG, read as MP4/QuickTime only (as ``remux`` reads it);
    a cover picture is not a frame of it. CalledProcessError when ffmpeg cannot read one."""
    done = subprocess.run(
        [find_ffmpeg(), "-nostdin", "-v", "error", "-f", "mov", "-i", str(source),
         "-map", "0:V:0", "-frames:v", "1", "-c:v", "png", "-f", "image2pipe", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout


def make_poster(
    source: Path, still: Path | None, target_stem: Path
) -> tuple[Path, tuple[int, int]] | None:
    """A video's poster beside it, so its box shows a picture rather than black: the still
    Twitter made of it (the export's thumbnail, the API's preview) when the store has one,
    else its first frame; re-encoded from pixels like every published image. None when
    neither can be read."""
    reads = [still.read_bytes] if still is not None else []
    for read in [*reads, functools.partial(first_frame, source)]:
        try:
            data, suffix, size = clean_image(read())
        except (Refused, *UNUSABLE):
            continue
        target = target_stem.with_name(f"{target_stem.name}{POSTER}{suffix}")
        write_atomic(target, data, sync=False)
        return target, size
    return None


def form(source: Path, kind: str) -> str:
    """How a medium is published: "image" (a photo), "gif" (a real GIF file) or "video"
    (a video, or an animated GIF as Twitter keeps one: an MP4)."""
    if kind == "photo":
        return "image"
    with open(source, "rb") as f:
        return "gif" if f.read(6) in GIF else "video"


def publish_media(source: Path, target_stem: Path, how: str) -> tuple[Path, tuple[int, int]] | None:
    """Publish one stored media file next to ``target_stem``, made as ``how`` (what ``form``
    says) asks; None when it is not usable."""
    try:
        if how == "video":
            target = target_stem.with_suffix(".mp4")
            remux(source, target)
            return target, (0, 0)
        if how == "gif":
            target = target_stem.with_suffix(".gif")
            write_atomic(target, clean_gif(source.read_bytes()), sync=False)
            return target, (0, 0)
        data, suffix, size = clean_image(source.read_bytes())
    except UNUSABLE:
        return None
    target = target_stem.with_suffix(suffix)
    write_atomic(target, data, sync=False)  # the store keeps the original
    return target, size


def names(stem: str, how: str) -> tuple[str, ...]:
    """Where a medium's copy may be: a photo becomes a JPEG, or a PNG when it has alpha."""
    return {"image": (f"{stem}.jpg", f"{stem}.png"), "gif": (f"{stem}.gif",)}.get(
        how, (f"{stem}.mp4",)
    )


def kept(pages: Pages, stem: str, how: str, key: str) -> list[tuple[str, Entry]] | None:
    """A medium's files as an earlier build made them from the same inputs (its copy, and a
    video's poster), or None when any is not."""
    shapes = [(stem, how), (stem + POSTER, "image")] if how == "video" else [(stem, how)]
    found = []
    for name, shape in shapes:
        entries = [(rel, pages.output.kept(rel)) for rel in names(name, shape)]
        match = [(rel, entry) for rel, entry in entries if entry is not None and entry.key == key]
        if not match:
            return None
        found.append(match[0])
    return found


def publish_all(pages: Pages, store_root: Path, digests: Digests) -> None:
    """Every post's media published into the site, on every core, a video with its poster;
    their URLs and sizes noted in the posts (their keys hold them). A copy kept from an
    earlier build is not opened, nor made again for a store checked out afresh: a medium's
    key holds its bytes' digest (``digests``), not its time.

    A medium that must not be published as it is (an image too large to decode, a video
    without ffmpeg to strip it) stops the build with one line naming it and its post."""
    output = pages.output
    # post, item, original, its still, stem, form, key
    todo: list[tuple[str, dict, Path, Path | None, str, str, str]] = []
    media_folder.cache_clear()
    for post in [p for p in pages.archive.posts if p.get("media")]:  # 5% of posts
        for item in post["media"]:
            item["src"] = None
            source = media_path(store_root, post, item)
            if source is None:
                continue
            stem = f"{post['account']}/media/{Path(item['file']).stem}"
            with naming(source, post["id"]):
                how = form(source, item.get("type", "photo"))
                tool = ffmpeg_stamp(find_ffmpeg()) if how == "video" else None
            still = None
            if how == "video":
                still = media_path(store_root, post, {"file": preview_of(item["file"])})
            inputs = [(p.name, digests.of(p)) for p in (source, still) if p]  # in its folder
            key = digest(code_stamp(), inputs, how, tool)
            files = kept(pages, stem, how, key)
            if files is None:
                todo.append((post["id"], item, source, still, stem, how, key))
                continue
            for rel, entry in files:
                output.keep(rel, entry)
            show(pages, item, files)

    def job(start: int, stop: int) -> tuple[list, Slice]:
        def publish() -> list[list[tuple[str, Entry]]]:
            done = []
            for post_id, _, source, still, stem, how, key in todo[start:stop]:
                with naming(source, post_id):
                    made = publish_media(source, output.output / stem, how)
                poster = None
                if made is not None and how == "video":
                    poster = make_poster(source, still, output.output / stem)
                    if poster is not None:  # the video's box takes its poster's size
                        made = (made[0], poster[1])
                files = []
                for path, (width, height) in [p for p in (made, poster) if p]:
                    rel = path.relative_to(output.output).as_posix()
                    output.note(rel, key, width, height)
                    files.append((rel, output.made.entries[rel]))
                done.append(files)
            return done

        return output.apart(publish)

    with slices(job, len(todo), least=100) as results:
        pass
    published = []
    for done, part in results:
        output.merge(part)
        published += done
    for (_, item, *_), files in zip(todo, published, strict=True):
        if files:
            show(pages, item, files)


@contextlib.contextmanager
def naming(source: Path, post_id: str) -> Iterator[None]:
    """A refused medium's line: the file and the post it belongs to."""
    try:
        yield
    except Refused as e:
        raise CommuniqueError(f"{source}: post {post_id}: {e}") from None


def show(pages: Pages, item: dict, files: list[tuple[str, Entry]]) -> None:
    """A medium's published files in its item: its copy, and a video's poster."""
    (rel, entry), *poster = files
    item["src"] = f"{pages.base}/{rel}"
    item["width"] = entry.width or item.get("width")
    item["height"] = entry.height or item.get("height")
    if poster:
        item["poster"] = f"{pages.base}/{poster[0][0]}"
    pages.summary.media += 1

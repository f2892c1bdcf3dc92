"""Published media: images re-encoded from their pixels, so no EXIF, GPS, XMP or comment
survives.

The store keeps originals as received (they are the record); what the site serves is a copy
made from pixels only, scaled down to a size a page needs. A copy is made again when its
original or the code that makes it changed, or when the copy in ``output/`` is not as written.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from communique.files import digest, write_atomic
from communique.site.freshness import Entry, Slice, code_stamp
from communique.site.model import media_folder, media_path
from communique.site.pages import Pages
from communique.site.parallel import slices

MAX_SIDE = 1600
Image.MAX_IMAGE_PIXELS = 64_000_000  # refuse decompression bombs


def clean_image(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """Re-encoded bytes, their extension and size, from an image's bytes; metadata dropped."""
    with Image.open(io.BytesIO(data)) as image:
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


def publish_media(
    source: Path, target_stem: Path, kind: str
) -> tuple[Path, tuple[int, int]] | None:
    """Publish one stored media file next to ``target_stem``; None when it is not usable."""
    if kind != "photo":
        target = target_stem.with_suffix(source.suffix.lower() or ".mp4")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target, (0, 0)
    try:
        data, suffix, size = clean_image(source.read_bytes())
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None
    target = target_stem.with_suffix(suffix)
    write_atomic(target, data, sync=False)  # the store keeps the original
    return target, size


def names(stem: str, kind: str, source: Path) -> tuple[str, ...]:
    """Where a medium's copy may be: a photo becomes a JPEG, or a PNG when it has alpha."""
    return (f"{stem}.jpg", f"{stem}.png") if kind == "photo" else (
        f"{stem}{source.suffix.lower() or '.mp4'}",
    )  # fmt: skip


def publish_all(pages: Pages, store_root: Path) -> None:
    """Every post's media published into the site, on every core; their URLs and sizes noted
    in the posts (their keys hold them). A copy kept from an earlier build is not opened."""
    output = pages.output
    todo: list[tuple[dict, Path, str, str]] = []  # media item, original, stem, key
    media_folder.cache_clear()
    for post in [p for p in pages.archive.posts if p.get("media")]:  # 5% of posts
        for item in post["media"]:
            item["src"] = None
            source = media_path(store_root, post, item)
            if source is None:
                continue
            kind = item.get("type", "photo")
            stem = f"{post['account']}/media/{Path(item['file']).stem}"
            st = source.stat()
            key = digest(code_stamp(), str(source), st.st_size, st.st_mtime_ns, kind)
            for rel in names(stem, kind, source):
                entry = output.kept(rel)
                if entry is not None and entry.key == key:
                    output.keep(rel, entry)
                    show(pages, item, rel, entry)
                    break
            else:
                todo.append((item, source, stem, key))

    def job(start: int, stop: int) -> tuple[list, Slice]:
        def publish() -> list[tuple[str, Entry] | None]:
            done = []
            for item, source, stem, key in todo[start:stop]:
                made = publish_media(source, output.output / stem, item.get("type", "photo"))
                if made is None:
                    done.append(None)
                    continue
                path, (width, height) = made
                rel = path.relative_to(output.output).as_posix()
                output.note(rel, key, width, height)
                done.append((rel, output.made.entries[rel]))
            return done

        return output.apart(publish)

    with slices(job, len(todo), least=100) as results:
        pass
    published = []
    for done, part in results:
        output.merge(part)
        published += done
    for (item, *_), made in zip(todo, published, strict=True):
        if made is not None:
            show(pages, item, *made)


def show(pages: Pages, item: dict, rel: str, entry: Entry) -> None:
    item["src"] = f"{pages.base}/{rel}"
    item["width"] = entry.width or item.get("width")
    item["height"] = entry.height or item.get("height")
    pages.summary.media += 1

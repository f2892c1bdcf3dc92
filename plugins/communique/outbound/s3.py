"""Publishing ``output/`` to S3-compatible object storage (AWS S3, Cloudflare R2, MinIO), for
an archive past what GitHub Pages holds.

Each object's key is its file's path in ``output/`` under the target's prefix, and its bytes
are the file's, unchanged: the bucket serves what the build made, which SHA256SUMS and a clean
build can vouch for.

What is up to date is told by a manifest object beside the site, ``.communique-publish.json.gz``
under the prefix: for each file, the sha256 of the bytes uploaded and the ETag the storage
answered. A listing (1,000 keys a request) gives every object's ETag but none of its metadata,
so a sha256 kept in each object's metadata would cost a request per object per publish; the
manifest costs one. An object is left alone only while the listing shows it with the ETag
recorded beside the file's sha256: one changed by hand or by another tool is uploaded again.
ETags are only compared, never taken for MD5s, which they are not for multipart or
KMS-encrypted objects. What is deleted is decided by the listing, never by the manifest, so an
object put by a publish that failed before recording it cannot stay behind.

Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile,
an instance role), never from the settings, and no message shows them.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import mimetypes
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from communique.errors import CommuniqueError

MANIFEST = ".communique-publish.json.gz"  # 2.2 million entries at 1,000,000 posts
WORKERS = 8  # uploads at once: each waits on the network, not on a core
CHUNK = 1000  # uploads handed to the workers at a time, and the most keys one delete takes
FAILURES = (BotoCoreError, ClientError)

# Content types by name, then by suffix; others by Python's own table (not the system's, which
# differs between machines), else application/octet-stream.
NAMES = {
    "atom.xml": "application/atom+xml",  # what the pages' <link rel="alternate"> announce
    "rss.xml": "application/rss+xml",
    "SHA256SUMS": "text/plain; charset=utf-8",
}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    ".db": "application/vnd.sqlite3",
    # Downloads kept compressed (.jsonl.gz, .csv.gz) are saved as they are: Content-Encoding
    # would have the browser unpack them.
    ".gz": "application/gzip",
    # Pagefind's index is gzip that its script unpacks itself (it takes it unpacked too), served
    # as GitHub Pages serves it: without Content-Encoding.
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}
# Kept compressed and read unpacked: served with Content-Encoding gzip.
GZIPPED = {".svgz": "image/svg+xml"}
PYTHON_TYPES = mimetypes.MimeTypes()


@dataclass
class Synced:
    target: str
    files: int
    uploaded: int
    deleted: int


def content_type(name: str) -> tuple[str, str | None]:
    """The Content-Type and Content-Encoding a browser needs to use the file ``name``: object
    storage serves what it was told at upload, and guesses nothing."""
    suffix = Path(name).suffix.lower()
    if suffix in GZIPPED:
        return GZIPPED[suffix], "gzip"
    if name in NAMES or suffix in TYPES:
        return NAMES.get(name) or TYPES[suffix], None
    kind, encoding = PYTHON_TYPES.guess_type(name)
    return (kind if kind and not encoding else "application/octet-stream"), None


def site_files(output: Path) -> dict[str, Path]:
    """Every file of the site by its path under ``output``. A symbolic link is refused: the
    build makes none, and one could publish a file from anywhere on this machine."""
    found = {}
    for folder, dirs, names in os.walk(output):
        for path in [Path(folder, name) for name in dirs + names]:
            if path.is_symlink():
                raise CommuniqueError(f"{path}: a symbolic link, which a build never makes")
        for path in [Path(folder, name) for name in names]:
            found[path.relative_to(output).as_posix()] = path
    return found


def sha256(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as e:
        raise CommuniqueError(f"{path}: cannot be read ({e.strerror})") from None


def connect(endpoint_url: str) -> Any:
    """An S3 client with boto3's own credentials, looked up afresh (boto3's default session
    keeps the first it found for the process). Checksums only where S3 requires them: the
    newer default ones are refused by some S3-compatible storage; a Content-MD5 with each upload
    has the storage check the bytes it got instead."""
    config = Config(
        request_checksum_calculation="when_required", response_checksum_validation="when_required"
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=config)


def listing(client: Any, bucket: str, prefix: str) -> dict[str, str]:
    """The ETag of every object under ``prefix``, by its name under it."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"].removeprefix(prefix)] = item["ETag"]
    return found


def recorded(client: Any, bucket: str, key: str) -> dict[str, list[str]]:
    """The manifest's entries; one unreadable is as none, and every file is uploaded again."""
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        entries = json.loads(gzip.decompress(body))
    except (OSError, EOFError, ValueError):  # not gzip, cut short, not JSON
        return {}
    if not isinstance(entries, dict):
        return {}
    return {
        name: entry
        for name, entry in entries.items()
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)
    }


def upload(client: Any, bucket: str, key: str, path: Path) -> list[str]:
    """Put one file, read as it is sent (a video may be 512 MB); return its manifest entry. A
    file changed between the two readings fails the storage's check of its Content-MD5."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    kind, encoding = content_type(path.name)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            md5.update(chunk)
            sha.update(chunk)
        f.seek(0)
        answer = client.put_object(
            Bucket=bucket,
            Key=key,
            Body=f,
            ContentType=kind,
            ContentMD5=base64.b64encode(md5.digest()).decode(),
            **({"ContentEncoding": encoding} if encoding else {}),
        )
    return [sha.hexdigest(), answer["ETag"]]


def reason(error: Exception) -> str:
    """What went wrong, in a few words; botocore's messages name no credential."""
    if isinstance(error, NoCredentialsError):
        return "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        said = {
            "NoSuchBucket": "no such bucket",
            "AccessDenied": "access denied: the credentials may not write there",
            "InvalidAccessKeyId": "the storage does not know AWS_ACCESS_KEY_ID",
            "SignatureDoesNotMatch": "AWS_SECRET_ACCESS_KEY is not the key of AWS_ACCESS_KEY_ID",
        }
        return said.get(code) or f"{code} {error.response['Error'].get('Message', '')}".strip()
    if isinstance(error, OSError):
        return f"cannot be read ({error.strerror})"
    return str(error)


def publish(output: Path, bucket: str, prefix: str = "", *, endpoint_url: str = "") -> Synced:
    """Make the objects under ``prefix`` the files of ``output``: upload those whose bytes
    changed (files before the pages that show them), then delete those the site no longer has.
    A failure stops it with nothing deleted; run again, it uploads what is left."""
    if not (output / "index.html").is_file():
        raise CommuniqueError(f"{output}: no built site to publish; run `invoke build` first")
    where = f"s3://{bucket}/{prefix}".rstrip("/") + (f" at {endpoint_url}" if endpoint_url else "")
    under = f"{prefix}/" if prefix else ""
    files = site_files(output)
    local = {name: sha256(path) for name, path in files.items()}
    client = connect(endpoint_url)
    try:
        remote = listing(client, bucket, under)
        entries = recorded(client, bucket, under + MANIFEST) if MANIFEST in remote else {}
    except FAILURES as e:
        raise CommuniqueError(f"publishing to {where} failed: {reason(e)}") from None
    remote.pop(MANIFEST, None)
    changed = sorted(
        (name for name, digest in local.items() if entries.get(name) != [digest, remote.get(name)]),
        key=lambda name: (name.endswith(".html"), name),
    )
    before = dict(entries)
    sent = 0
    failed: tuple[str, Exception] | None = None
    with ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(changed), CHUNK):
            names = changed[start : start + CHUNK]
            put = {pool.submit(upload, client, bucket, under + n, files[n]): n for n in names}
            for future in as_completed(put):
                try:
                    entries[put[future]] = future.result()
                    sent += 1
                except (*FAILURES, OSError) as e:
                    failed = failed or (put[future], e)
            if failed:
                break
    if failed:
        # What did get there is recorded, so the next run uploads only the rest; when even
        # that cannot be written, the next run uploads those again, which is all it costs.
        with contextlib.suppress(*FAILURES):
            save(client, bucket, under + MANIFEST, entries)
        name, error = failed
        raise CommuniqueError(
            f"publishing to {where} failed at {name}: {reason(error)}; {sent:,} of"
            f" {len(changed):,} files uploaded, nothing deleted: run it again to finish"
        )
    gone = sorted(remote.keys() - local.keys())
    entries = {name: entries[name] for name in local}
    try:
        for start in range(0, len(gone), CHUNK):
            keys = [{"Key": under + name} for name in gone[start : start + CHUNK]]
            answer = client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if answer.get("Errors"):
                error = answer["Errors"][0]
                raise CommuniqueError(
                    f"publishing to {where} failed: {error['Key']} could not be deleted"
                    f" ({error.get('Code', '')}); every file is uploaded: run it again to finish"
                )
        if entries != before:
            save(client, bucket, under + MANIFEST, entries)
    except FAILURES as e:
        raise CommuniqueError(
            f"publishing to {where} failed while deleting what the site no longer has:"
            f" {reason(e)}; every file is uploaded: run it again to finish"
        ) from None
    return Synced(where, len(local), len(changed), len(gone))


def save(client: Any, bucket: str, key: str, entries: dict[str, list[str]]) -> None:
    body = json.dumps(entries, sort_keys=True, separators=(",", ":")).encode()
    client.put_object(
        Bucket=bucket, Key=key, Body=gzip.compress(body, mtime=0), ContentType="application/gzip"
    )

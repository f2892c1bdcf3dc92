"""The signatures and timestamps of what vouches for the data: beside it, at /-/data/.

Both are made from the files' bytes alone: the signature by a deterministic key, the timestamp
by an authority asked once per file content and kept beside the store. So a clean build
publishes the same bytes as an incremental one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container

from communique import signing
from communique.errors import CommuniqueError
from communique.files import write_atomic
from communique.settings import Settings
from communique.signing import PUBLIC_KEY, SIGNED, Signer
from communique.site.freshness import Output
from communique.site.layout import own


def publish(
    output: Output, settings: Settings, signer: Signer | None, made: Container[str]
) -> None:
    """Sign and date each of ``SIGNED`` that this build's downloads made (``made``, paths in
    output/), and publish the public key that checks the signatures."""
    for name in SIGNED:
        rel = own(f"data/{name}")
        if rel not in made:
            continue
        data = (output.output / rel).read_bytes()
        if signer is not None:
            output.write(f"{rel}.sig", signer.sign(data))
        if settings.timestamp_url:
            output.write(f"{rel}.tsr", token(settings, data, name))
    if signer is not None:
        output.write(own(f"data/{PUBLIC_KEY}"), signer.public_line + "\n")


def token(settings: Settings, data: bytes, name: str) -> bytes:
    """The authority's token for ``data``: the one kept beside the store, or one asked for now
    and kept, so that a build never publishes a time it did not keep."""
    path = settings.timestamps_path / f"{hashlib.sha256(data).hexdigest()}.tsr"
    try:
        kept = path.read_bytes()
    except FileNotFoundError:
        answer = signing.timestamp(settings.timestamp_url, data, name)
        write_atomic(path, answer)
        return answer
    try:
        signing.check_timestamp(kept, data, str(path))
    except CommuniqueError as e:
        raise CommuniqueError(f"{e}; remove it to ask the authority again") from None
    return kept

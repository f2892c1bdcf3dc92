"""`invoke verify`: a published copy checked from what it publishes, a folder or a site."""

import functools
import gzip
import hashlib
import http.server
import json
import shutil
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.outbound.verify import verify
from communique.site.ledger import entry_hash
from communique.store import Store
from conftest import ROOT, build_project, ledger_site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture site, built once; each test changes a copy of it."""
    root = tmp_path_factory.mktemp("verify") / "p"
    build_project(ledger_site(root))
    return root


@pytest.fixture
def site(built, tmp_path):
    root = tmp_path / "p"
    shutil.copytree(built, root, symlinks=True)
    return root


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(site):
    """The copy's output/, served by a real HTTP server on 127.0.0.1."""
    handler = functools.partial(Quiet, directory=str(site / "output"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def run_verify(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "invoke", "-r", str(ROOT), "verify", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_invoke_verify_passes_on_a_built_copy_with_one_summary_line(site):
    done = run_verify(str(site / "output"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [done.stdout.strip()]
    assert done.stdout.startswith("verified: 7 files in SHA256SUMS, 4 records, 4 post pages")


def test_a_site_served_over_http_verifies_as_its_folder_does(site, served):
    assert verify(served).line() == verify(str(site / "output")).line()


def flip(path):
    """One byte of the file changed."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    path.write_bytes(bytes(data))


TAMPERED = [
    "-/data/envoy-2008.jsonl.gz",
    "-/data/posts.csv.gz",
    "-/data/archive.db.gz",
    "-/data/redactions.csv",
    "-/data/ledger.jsonl",
    "-/data/ledger-head.txt",
    "-/data/pages.sha256",
    "envoy/status/2/index.html",
]


@pytest.mark.parametrize("rel", TAMPERED)
def test_one_byte_changed_in_a_data_file_or_a_post_page_fails_naming_it(site, rel):
    flip(site / "output" / rel)
    done = run_verify(str(site / "output"))
    assert done.returncode == 1
    assert f"{rel}: changed (its SHA-256 is not the one " in done.stdout
    failures = len(done.stdout.splitlines())
    assert done.stderr == f"verify: {failures} failures in {site / 'output'}\n"


def test_one_byte_changed_in_the_sums_fails_naming_them(site):
    flip(site / "output" / "-" / "data" / "SHA256SUMS")
    failures = verify(str(site / "output")).failures
    assert failures and all("SHA256SUMS" in f for f in failures), failures


def test_a_missing_or_an_extra_data_file_fails_naming_it(site, served):
    data = site / "output" / "-" / "data"
    (data / "posts.csv.gz").unlink()
    (data / "extra.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    assert verify(str(site / "output")).failures == [
        "-/data/posts.csv.gz: missing (listed in SHA256SUMS)",
        "-/data/extra.jsonl.gz: not listed in SHA256SUMS",
    ]
    assert verify(served).failures[0] == "-/data/posts.csv.gz: missing (listed in SHA256SUMS)"


def resum(output) -> None:
    """SHA256SUMS made again for the files as they are now, as a forger would."""
    data = output / "-" / "data"
    names = [line.split("  ")[1] for line in (data / "SHA256SUMS").read_text().splitlines()]
    sums = [f"{hashlib.sha256((data / n).read_bytes()).hexdigest()}  {n}\n" for n in names]
    (data / "SHA256SUMS").write_text("".join(sums))


def test_a_raw_payload_unlike_its_provenance_fails_naming_the_post(site):
    path = site / "output" / "-" / "data" / "envoy-2008.jsonl.gz"
    text = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(text.replace(b'"full_text":"Second"', b'"full_text":"Altered"')))
    resum(site / "output")
    failures = verify(str(site / "output")).failures
    assert failures[0] == (
        "-/data/envoy-2008.jsonl.gz:2: post 2: its raw payload's SHA-256 is not its provenance's"
    )
    assert "-/data/ledger.jsonl:1: its count and root are not those of the published records" in (
        failures
    )


def test_a_post_page_without_its_record_and_a_record_without_its_page_fail(site, served):
    output = site / "output"
    shutil.rmtree(output / "envoy" / "status" / "3")
    shutil.copytree(output / "envoy" / "status" / "2", output / "envoy" / "status" / "9")
    gone = [
        "envoy/status/3/index.html: missing (listed in -/data/pages.sha256)",
        "post 3: no page at /envoy/status/3/ (-/data/envoy-2008.jsonl.gz:3)",
    ]
    assert verify(str(output)).failures == [
        gone[0],
        "envoy/status/9/index.html: a post page not listed in -/data/pages.sha256",
        gone[1],
        "envoy/status/9/index.html: a post page with no record in the downloads and none in"
        " redactions.csv",
    ]
    assert verify(served).failures == gone  # a site cannot be listed: page 9 goes unseen


def drop_post(root, post_id: str) -> None:
    (month,) = (root / "content" / "archive" / "envoy").glob("*/*.jsonl")
    lines = month.read_text().splitlines(keepends=True)
    month.write_text("".join(line for line in lines if f'"id":"{post_id}"' not in line))


def head_of(output) -> str:
    return (output / "-" / "data" / "ledger-head.txt").read_text().strip()


def test_a_post_removed_from_the_store_is_an_unexplained_removal_and_hiding_it_fails_since(site):
    output = site / "output"
    old = head_of(output)
    drop_post(site, "4")
    build_project(site / "pelican.conf.py")
    failures = verify(str(output), since=old).failures
    assert failures == [
        "post 4: an unexplained removal: it left the published set with no deletion mark and"
        " no redaction (-/data/ledger.jsonl:2)"
    ]
    # The ledger rewritten to hide it: its last entry made as if post 4 had never been there.
    ledger = output / "-" / "data" / "ledger.jsonl"
    entries = [json.loads(line) for line in ledger.read_text().splitlines()]
    forged = {**entries[1], "removed": [], "prev": None, "seq": 1}
    forged["hash"] = entry_hash(forged)
    ledger.write_text(json.dumps(forged, sort_keys=True, separators=(",", ":")) + "\n")
    (output / "-" / "data" / "ledger-head.txt").write_text(f"1 {forged['hash']}\n")
    resum(output)
    assert verify(str(output)).ok  # by itself, a whole copy
    assert verify(str(output), since=old).failures == [
        f"-/data/ledger.jsonl: does not hold the entry {old} it held before: the ledger was"
        " rewritten"
    ]
    assert not verify(str(output), since=old.split()[1]).ok  # the hash alone


def test_a_later_build_extends_the_head_of_an_earlier_one(site):
    output = site / "output"
    old = head_of(output)
    Store(site / "content" / "archive").mark_deleted("envoy", {"2": ("2024-01-01", "api")})
    (site / "content" / "redactions.md").write_text("- 3: error, 2024-01-02\n")
    build_project(site / "pelican.conf.py")
    assert head_of(output) != old
    verdict = verify(str(output), since=old)
    assert verdict.ok, verdict.failures
    assert verdict.entries == 2 and verdict.records == 3 and verdict.pages == 4


@pytest.mark.parametrize(
    "since", ["1", "abc", "1 xyz", "0 " + "g" * 64], ids=["seq", "word", "short", "not hex"]
)
def test_a_since_that_is_not_a_head_is_one_line(site, since):
    done = run_verify(str(site / "output"), "--since", since)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().startswith("error: --since:"), done.stderr


@pytest.mark.parametrize("where", ["nowhere", "ftp://example.org/"])
def test_a_place_that_is_no_copy_is_one_line(tmp_path, where):
    done = run_verify(str(tmp_path / where) if where == "nowhere" else where)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    "rel, text, failure",
    [
        ("-/data/ledger.jsonl", '{"seq": "1"}\n', "-/data/ledger.jsonl:1: not a ledger entry"),
        ("-/data/ledger.jsonl", "[]\n", "-/data/ledger.jsonl:1: not a ledger entry"),
        ("-/data/envoy-2008.jsonl.gz", '{"id": "../1", "account": "envoy", "provenance": {}}\n',
         "-/data/envoy-2008.jsonl.gz:1: not a record"),
        ("-/data/envoy-2008.jsonl.gz", '{"id": "1", "account": "../x"}\n',
         "-/data/envoy-2008.jsonl.gz:1: not a record"),
        ("-/data/envoy-2008.jsonl.gz", "not gzip", "-/data/envoy-2008.jsonl.gz: not a gzip file"),
        ("-/data/pages.sha256", f"{'0' * 64}  ../../etc/passwd\n",
         "-/data/pages.sha256:1: not a line of '<sha256>  <post page>'"),
    ],
    ids=["ledger-fields", "ledger-list", "record-id", "record-account", "not-gzip", "page-path"],
)  # fmt: skip
def test_a_hostile_copy_fails_in_lines_never_a_traceback(site, rel, text, failure):
    packed = rel.endswith(".jsonl.gz") and text != "not gzip"
    (site / "output" / rel).write_bytes(gzip.compress(text.encode()) if packed else text.encode())
    resum(site / "output")
    done = run_verify(str(site / "output"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert any(line.startswith(failure) for line in done.stdout.splitlines()), done.stdout


def covered(output) -> list[str]:
    """Every file a copy must keep as published: /-/data/ (but its page) and the post pages."""
    data = [p for p in (output / "-" / "data").iterdir() if p.name != "index.html"]
    return sorted(p.relative_to(output).as_posix() for p in [*data, *output.glob("*/status/*/*")])


@settings(max_examples=60)
@given(st.data())
def test_any_byte_changed_in_any_covered_file_fails_naming_it(built, data):
    output = built / "output"
    rel = data.draw(st.sampled_from(covered(output)), label="file")
    path = output / rel
    before = path.read_bytes()
    at = data.draw(st.integers(0, len(before) - 1), label="at")
    bit = data.draw(st.integers(0, 7), label="bit")
    changed = bytearray(before)
    changed[at] ^= 1 << bit
    path.write_bytes(bytes(changed))
    try:
        failures = verify(str(output)).failures
    finally:
        path.write_bytes(before)
    name = rel.removeprefix("-/data/")  # a data file is named as SHA256SUMS names it
    assert any(rel in f or name in f for f in failures), failures

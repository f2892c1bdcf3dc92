"""The build signs and dates the sums: checked with ssh-keygen and openssl, as a reader would."""

import hashlib
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_signing import make_key

from communique.errors import CommuniqueError
from communique.files import write_atomic
from communique.ingest.export import import_archive
from communique.outbound.verify import verify
from communique.settings import from_mapping
from communique.signing import PRIVATE_ARMOR, private_key
from communique.site import signed
from communique.site.freshness import Output, Scan
from communique.store import Store
from conftest import build_project, make_project, snapshot, tweet, write_export
from tsa import Authority

DATA = Path("-/data")


def project(folder: Path, **settings) -> Path:
    conf = make_project(folder, **settings)
    tweets = [tweet(str(i), f"Post {i}", f"Mon Nov 0{i} 09:15:00 +0000 2008") for i in (1, 2, 3)]
    import_archive(write_export(folder.parent / f"{folder.name}-export", tweets),
                   Store(folder / "content" / "archive"))  # fmt: skip
    return conf


def clean_copy(conf: Path, to: Path) -> Path:
    """The project without its output and cache: what a clean build starts from."""
    shutil.copytree(conf.parent, to, ignore=shutil.ignore_patterns("output", "cache"))
    return to / conf.name


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    return make_key(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    with Authority(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture
def signing_key(key, monkeypatch) -> Path:
    monkeypatch.setenv("COMMUNIQUE_SIGNING_KEY_FILE", str(key))
    return key


def commands(page: str) -> list[str]:
    """The commands the provenance page tells a reader to run, as they would copy them."""
    blocks = re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)
    (run,) = [html.unescape(block) for block in blocks if "ssh-keygen" in block]
    return run.splitlines()


def test_a_signed_build_is_checked_with_the_provenance_page_s_own_commands(signing_key, tmp_path):
    conf = project(tmp_path / "site")
    output = build_project(conf)
    data = output / DATA
    page = (output / "-" / "provenance" / "index.html").read_text()
    public = private_key(signing_key.read_text(), "key")
    assert (data / "signing-key.pub").read_text() == public.public_line + "\n"
    assert public.public_line in page and public.fingerprint in page
    assert "proves consistency, not identity" in page
    assert 'href="/-/data/SHA256SUMS.sig"' in (output / "-" / "data" / "index.html").read_text()
    run = commands(page)
    assert run[1].startswith("ssh-keygen -Y verify -f allowed_signers -I archive.example.org")
    checked = subprocess.run(" && ".join(run), shell=True, cwd=data, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    assert b'Good "communique" signature' in checked.stdout
    head = run[1].replace("SHA256SUMS", "ledger-head.txt")  # the ledger's head, signed alike
    assert subprocess.run(head, shell=True, cwd=data, capture_output=True).returncode == 0
    (data / "SHA256SUMS").write_bytes((data / "SHA256SUMS").read_bytes().replace(b"a", b"b", 1))
    assert subprocess.run(run[1], shell=True, cwd=data, capture_output=True).returncode != 0
    secret = signing_key.read_text().splitlines()[1:-1]
    comment = signing_key.with_suffix(".pub").read_text().split()[2]
    for path, content in snapshot(output).items():
        assert comment.encode() not in content, path
        assert not any(line.encode() in content for line in secret), path


def test_a_clean_build_signs_with_the_same_bytes_and_an_unsigned_one_drops_them(
    signing_key, tmp_path, monkeypatch
):
    conf = project(tmp_path / "site")
    build_project(conf)
    again = snapshot(build_project(conf))  # an incremental build of the same inputs
    assert snapshot(build_project(clean_copy(conf, tmp_path / "clean"))) == again
    monkeypatch.delenv("COMMUNIQUE_SIGNING_KEY_FILE")
    output = build_project(conf)
    assert sorted(p.name for p in (output / DATA).iterdir() if not p.suffix) == ["SHA256SUMS"]
    assert (
        not list((output / DATA).glob("*.sig")) and not (output / DATA / "signing-key.pub").exists()
    )
    assert "Signatures" not in (output / "-" / "provenance" / "index.html").read_text()
    assert "SHA256SUMS.sig" not in (output / "-" / "data" / "index.html").read_text()
    assert snapshot(output) == snapshot(build_project(clean_copy(conf, tmp_path / "unsigned")))


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("COMMUNIQUE_SIGNING_KEY", "\n".join([*PRIVATE_ARMOR[:1], "AAAA", PRIVATE_ARMOR[1]]),
         "error: COMMUNIQUE_SIGNING_KEY: cut short"),
        ("COMMUNIQUE_SIGNING_KEY", "not a key", "error: COMMUNIQUE_SIGNING_KEY: not an OpenSSH"),
        ("COMMUNIQUE_SIGNING_KEY_FILE", "{project}/signing-key",
         "error: COMMUNIQUE_SIGNING_KEY_FILE: {project}/signing-key is inside {project}"),
    ],
)  # fmt: skip
def test_a_bad_key_stops_the_build_with_one_line_before_it_writes(
    key, tmp_path, monkeypatch, variable, value, message
):
    conf = project(tmp_path / "site")
    build_project(conf)
    shutil.copy(key, tmp_path / "site" / "signing-key")
    before = snapshot(tmp_path / "site")
    monkeypatch.setenv(variable, value.format(project=tmp_path / "site"))
    with pytest.raises(SystemExit) as stopped:
        build_project(conf)
    assert str(stopped.value).startswith(message.format(project=tmp_path / "site"))
    assert "\n" not in str(stopped.value)
    assert snapshot(tmp_path / "site") == before


def test_the_ledger_head_is_signed_and_dated_beside_the_sums_when_the_build_made_it(
    key, authority, tmp_path
):
    output, signer = tmp_path / "output", private_key(key.read_text(), "key")
    written = Output(output, tmp_path / "cache" / "manifest.json", Scan(set(), [], []))
    head = b"7 " + b"c" * 64 + b"\n"
    for name, data in [("SHA256SUMS", b"0" * 64 + b"  posts.csv\n"), ("ledger-head.txt", head)]:
        write_atomic(output / DATA / name, data)
    settings = from_mapping({"TIMESTAMP_URL": authority.url}, tmp_path)
    signed.publish(written, settings, signer, {"-/data/SHA256SUMS"})
    assert not list((output / DATA).glob("ledger-head.txt.*"))  # a head this build did not make
    signed.publish(written, settings, signer, {"-/data/SHA256SUMS", "-/data/ledger-head.txt"})
    (tmp_path / "allowed_signers").write_text(f'a namespaces="communique" {signer.public_line}\n')
    checked = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed_signers"), "-I", "a", "-n",
         "communique", "-s", str(output / DATA / "ledger-head.txt.sig")],
        input=head, capture_output=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    dated = authority.verify(
        output / DATA / "ledger-head.txt", output / DATA / "ledger-head.txt.tsr"
    )
    assert dated.stdout == "Verification: OK\n"


def test_a_timestamp_is_asked_once_kept_beside_the_store_and_published(authority, tmp_path):
    conf = project(tmp_path / "site", TIMESTAMP_URL=authority.url)
    asked = len(authority.queries)
    output = build_project(conf)
    kept = tmp_path / "site" / "content" / "timestamps"
    dated = ["SHA256SUMS", "ledger-head.txt"]  # the sums and the ledger's head, each its token
    named = {kept / f"{hashlib.sha256((output / DATA / n).read_bytes()).hexdigest()}.tsr": n
             for n in dated}  # fmt: skip
    assert set(kept.iterdir()) == set(named)
    for token, name in named.items():
        assert (output / DATA / f"{name}.tsr").read_bytes() == token.read_bytes()
        verified = authority.verify(output / DATA / name, output / DATA / f"{name}.tsr")
        assert verified.stdout == "Verification: OK\n"
    assert "openssl ts -verify" in (output / "-" / "provenance" / "index.html").read_text()
    assert 'href="/-/data/SHA256SUMS.tsr"' in (output / "-" / "data" / "index.html").read_text()
    build_project(conf)
    clean = build_project(clean_copy(conf, tmp_path / "clean"))
    assert len(authority.queries) == asked + 2  # the tokens kept are those published since
    assert snapshot(clean) == snapshot(output)


@pytest.mark.parametrize(
    "fault, message", [("500", "answered 500"), ("garbage", "not an RFC 3161 timestamp")]
)
def test_an_authority_that_fails_stops_the_build_keeping_and_publishing_nothing(
    authority, tmp_path, fault, message
):
    conf = project(tmp_path / "site", TIMESTAMP_URL=authority.url)
    authority.faults = [fault]
    with pytest.raises(SystemExit, match=f"^error: TIMESTAMP_URL: {authority.url}: .*{message}"):
        build_project(conf)
    assert not (tmp_path / "site" / "content" / "timestamps").exists()
    assert not (tmp_path / "site" / "output" / DATA / "SHA256SUMS.tsr").exists()
    build_project(conf)  # the authority answers again: the build finishes the job
    assert (tmp_path / "site" / "output" / DATA / "SHA256SUMS.tsr").exists()


def test_a_kept_token_that_is_not_of_the_sums_is_named(authority, tmp_path):
    conf = project(tmp_path / "site", TIMESTAMP_URL=authority.url)
    output = build_project(conf)
    sums = (output / DATA / "SHA256SUMS").read_bytes()
    kept = tmp_path / "site" / "content" / "timestamps" / f"{hashlib.sha256(sums).hexdigest()}.tsr"
    kept.write_bytes(authority.reply(authority.query_of(sums + b"\n")))
    with pytest.raises(SystemExit, match=f"error: {kept}: the timestamp is of other data; remove"):
        build_project(conf)
    with pytest.raises(CommuniqueError):
        signed.token(from_mapping({"TIMESTAMP_URL": authority.url}, tmp_path / "site"), sums, "x")


def test_a_signed_and_dated_copy_passes_invoke_verify(signing_key, authority, tmp_path):
    """Its signatures, timestamps and key are not downloads the sums fail to list."""
    output = build_project(project(tmp_path / "site", TIMESTAMP_URL=authority.url))
    assert {p.name for p in (output / DATA).iterdir()} >= {"SHA256SUMS.sig", "SHA256SUMS.tsr"}
    verdict = verify(str(output))
    assert verdict.ok, verdict.failures


@pytest.fixture(scope="module")
def signed_copy(key, tmp_path_factory) -> Path:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COMMUNIQUE_SIGNING_KEY_FILE", str(key))
        return build_project(project(tmp_path_factory.mktemp("signed") / "site"))


def test_verify_with_the_publishers_key_checks_both_signatures(signed_copy, key):
    public = key.with_suffix(".pub")
    for given in (str(public), public.read_text().strip()):  # the .pub file, or its line
        verdict = verify(str(signed_copy), key=given)
        assert verdict.ok, verdict.failures


@pytest.mark.parametrize(
    ("change", "failure"),
    [
        ("other key", "-/data/SHA256SUMS.sig: made with another key"),
        ("sums", "-/data/SHA256SUMS.sig: does not match the file it signs"),
        ("head", "-/data/ledger-head.txt.sig: does not match the file it signs"),
        ("unsigned", "-/data/SHA256SUMS.sig: missing (the copy is not signed)"),
    ],
)
def test_verify_with_a_key_fails_a_copy_it_did_not_sign(
    signed_copy, key, tmp_path, change, failure
):
    """A copy rewritten and signed again by someone else, or not signed: the key the copy
    publishes beside its sums is not the one checked against."""
    copy = tmp_path / "copy"
    shutil.copytree(signed_copy, copy)
    data, public = copy / DATA, key.with_suffix(".pub").read_text()
    if change == "other key":
        public = make_key(tmp_path / "other").with_suffix(".pub").read_text()
    elif change == "unsigned":
        (data / "SHA256SUMS.sig").unlink()
    else:  # the file changed after it was signed, and its sums made again to match
        name = "SHA256SUMS" if change == "sums" else "ledger-head.txt"
        (data / name).write_bytes((data / name).read_bytes() + b"\n")
    verdict = verify(str(copy), key=public)
    assert any(line.startswith(failure) for line in verdict.failures), verdict.failures


@pytest.mark.parametrize("given", ["not a key", "ssh-ed25519 AAAAnot-base64", "/no/such/key.pub"])
def test_a_key_that_is_none_is_refused_in_one_line(signed_copy, given):
    with pytest.raises(CommuniqueError, match="key"):
        verify(str(signed_copy), key=given)

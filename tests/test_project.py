"""A fresh clone made one's own: the README's steps run as a new user runs them."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT, snapshot, tweet, write_export
from tools.project import account_settings, rewrite_settings


def fresh_clone(folder):
    """The repository as `git clone` gives it: what is committed, nothing of a local build."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
    return folder


def invoke(clone, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "invoke", *args]
    return subprocess.run(command, cwd=clone, capture_output=True, text=True, timeout=300)


def readme_steps() -> list[list[str]]:
    """The commands of the README's "Archive your own account", in order."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Archive your own account", 1)[1].split("\n## ", 1)[0]
    return [line.split()[1:] for line in re.findall(r"^ {7}\.venv/bin/invoke .+$", section, re.M)]


@pytest.fixture(scope="module")
def own_site(tmp_path_factory):
    """A fresh clone taken through the README's steps for @Jane_Doe, with what each printed."""
    tmp = tmp_path_factory.mktemp("own")
    clone = fresh_clone(tmp / "clone")
    export = write_export(tmp / "export", [tweet("1001", "Hello from Jane")], username="Jane_Doe")
    steps = readme_steps()
    assert [s[0] for s in steps] == ["init", "import-archive", "build"]
    printed = {}
    for name, *args in steps:
        args = {"init": ["Jane_Doe"], "import-archive": [str(export)]}.get(name, args)
        if name == "import-archive":
            # Before the import: the site of the account alone builds, empty, and says so.
            empty = invoke(clone, "build")
            assert empty.returncode == 0, empty.stdout + empty.stderr
            printed["empty"] = empty.stdout
            printed["empty home"] = (clone / "output" / "index.html").read_text()
            printed["empty search"] = (clone / "output" / "-/search/index.html").read_text()
        done = invoke(clone, name, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        printed[name] = done.stdout
    return clone, printed


def test_the_site_of_ones_own_has_none_of_the_demo(own_site):
    clone, _ = own_site
    output = clone / "output"
    assert (output / "jane_doe" / "status" / "1001" / "index.html").exists()
    assert not (output / "envoy_vale").exists()
    assert not list((clone / "content").rglob("*envoy*"))
    pages = [p.read_text() for p in output.rglob("*.html")]
    assert not [p for p in pages if "envoy" in p.casefold() or "Mara Vale" in p]
    assert "@jane_doe: the public record" in (output / "index.html").read_text()
    assert "@jane_doe" in (output / "-" / "about" / "index.html").read_text()


def test_before_the_import_the_site_builds_empty_and_says_what_to_import(own_site):
    _, printed = own_site
    assert printed["init"].endswith(
        "@jane_doe: import the account's export with `invoke import-archive PATH`, then"
        " `invoke build`\n"
    )
    assert "error" not in printed["empty"] and "pagefind" not in printed["empty"]
    assert "Nothing to search yet" in printed["empty search"]
    assert (
        "@jane_doe: no posts yet; import its export with `invoke import-archive PATH`"
        in (printed["empty"])
    )
    assert "envoy" not in printed["empty home"].casefold()
    assert "@jane_doe: no posts yet" not in printed["build"]


def test_the_demo_is_kept_where_invoke_demo_builds_it(own_site):
    clone, printed = own_site
    assert "moved the demo to demo/" in printed["init"]
    demo = clone / "demo"
    assert (demo / "content" / "archive" / "envoy_vale").is_dir()
    assert (demo / "content" / "trips" / "west-africa-2010.md").exists()
    shipped = snapshot(ROOT / "content" / "archive" / "envoy_vale")
    assert snapshot(demo / "content" / "archive" / "envoy_vale") == shipped
    done = invoke(clone, "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (demo / "output" / "envoy_vale" / "status" / "996952462" / "index.html").exists()
    assert snapshot(demo / "content" / "archive" / "envoy_vale") == shipped  # deterministic
    assert not (clone / "output" / "envoy_vale").exists()


def test_init_refuses_to_run_again_over_ones_own_site(own_site):
    clone, _ = own_site
    before = snapshot(clone / "content") | {"conf": (clone / "pelican.conf.py").read_bytes()}
    again = invoke(clone, "init", "someone_else")
    assert again.returncode == 1
    assert again.stderr.count("\n") + again.stdout.count("\n") == 1
    assert (again.stdout + again.stderr).startswith("error: ")
    assert "--force" in again.stdout + again.stderr
    assert snapshot(clone / "content") | {"conf": (clone / "pelican.conf.py").read_bytes()} == (
        before
    )


def test_init_with_force_keeps_every_file_the_user_wrote(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    assert invoke(clone, "init", "jane_doe").returncode == 0
    about = clone / "content" / "pages" / "about.md"
    about.write_text("Title: About\nSlug: about\n\nMine.\n")
    (clone / "content" / "trips" / "mine.md").write_text("Title: Mine\n")
    demo = snapshot(clone / "demo")
    done = invoke(clone, "init", "jane_doe2", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    assert about.read_text() == "Title: About\nSlug: about\n\nMine.\n"
    assert (clone / "content" / "trips" / "mine.md").read_text() == "Title: Mine\n"
    assert snapshot(clone / "demo") == demo
    assert 'ACCOUNTS = ["jane_doe2"]' in (clone / "pelican.conf.py").read_text()


@pytest.mark.parametrize("name", ["../x", "a" * 16, "jane doe", "", "jané", "Ｊane", "x\n"])
def test_init_refuses_a_name_that_is_no_handle(tmp_path, name):
    clone = fresh_clone(tmp_path / "clone")
    before = snapshot(clone)
    done = invoke(clone, "init", name)
    assert done.returncode == 1
    assert done.stderr == f"error: {name!r} is not a handle (1 to 15 of A-Z, a-z, 0-9, _)\n"
    assert snapshot(clone) == before


def test_the_settings_are_rewritten_in_place_with_their_comments():
    source = '# who\nAUTHOR = "x"\nAUDIENCES = {\n    "a": {"title": "A"},\n}\nPATH = "content"\n'
    text = rewrite_settings(source, account_settings("jane"), ROOT / "pelican.conf.py")
    namespace: dict = {}
    exec(text, namespace)
    assert text.startswith('# who\nAUTHOR = "@jane"\nAUDIENCES = {}\nPATH = "content"\n')
    assert namespace["ACCOUNTS"] == ["jane"] and namespace["SIGNATURES"] == {}


def test_an_init_stopped_midway_is_finished_by_the_next(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    shipped = snapshot(clone / "content")
    stopped = clone / "demo" / "content" / "trips"  # as a run killed after its first move
    stopped.mkdir(parents=True)
    (clone / "content" / "trips" / "west-africa-2010.md").rename(stopped / "west-africa-2010.md")
    done = invoke(clone, "init", "jane_doe")
    assert done.returncode == 0, done.stdout + done.stderr
    assert snapshot(clone / "demo" / "content") == shipped
    assert (clone / "demo" / "pelican.conf.py").exists()

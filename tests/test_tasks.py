"""Every task is part of the user-facing contract: it has help text and a line in the README."""

import inspect
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
from invoke import MockContext, Result

import tasks
from apiserver import TOKEN, APIServer
from communique.errors import CommuniqueError
from communique.ingest.normalize import from_v11
from communique.site.model import load
from communique.store import Store
from conftest import ROOT, full, make_project, tweet, write_export

TASKS = {
    name.replace("_", "-"): obj
    for name, obj in vars(tasks).items()
    if type(obj).__name__ == "Task" and obj.__module__ == "tasks"
}


def test_the_design_tasks_exist():
    design = {"import-archive", "build", "serve", "test"}
    assert design <= set(TASKS)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_help_for_itself_and_each_option(name):
    task = TASKS[name]
    assert (task.__doc__ or "").strip(), f"{name} has no docstring"
    options = [p for p in inspect.signature(task.body).parameters if p != "c"]
    missing = set(options) - set(task.help)
    assert not missing, f"{name}: options without help: {missing}"


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_a_readme_line(name):
    readme = (ROOT / "README.md").read_text()
    line = re.search(rf"^- `invoke {re.escape(name)}\b", readme, re.M)
    assert line, f"README lacks a line for `invoke {name}`"


def invoke(*args: str, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "invoke", "-r", str(ROOT), *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def one_error(process: subprocess.Popen) -> str:
    """The task's output, checked to be what a refusal prints: one line, exit status 1."""
    output = process.communicate(timeout=60)[0]
    assert process.returncode == 1, output
    assert output.startswith("error: ") and output.count("\n") == 1, output
    return output


def test_a_build_in_an_unknown_time_zone_is_refused_in_one_line(tmp_path):
    conf = make_project(tmp_path, TIMEZONE="Asia/Tokio")
    output = one_error(invoke("build", "--config", str(conf)))
    assert output.startswith("error: TIMEZONE: 'Asia/Tokio' is not a time zone")
    assert not (tmp_path / "output").exists()


def test_a_build_with_a_bad_signing_key_is_refused_in_one_line(tmp_path):
    conf = make_project(tmp_path)
    env = {**os.environ, "COMMUNIQUE_SIGNING_KEY": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"}
    output = one_error(invoke("build", "--config", str(conf), env=env))
    assert output.startswith("error: COMMUNIQUE_SIGNING_KEY: not an OpenSSH private key")
    assert not (tmp_path / "output").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("task", ["import-archive", "archive"])
@pytest.mark.parametrize("name", ["{outside}", "envoy/../../outside"])
def test_every_task_refuses_an_account_that_is_no_handle(tmp_path, task, name):
    conf = make_project(tmp_path / "p")
    name = name.format(outside=tmp_path / "outside")
    export = write_export(tmp_path / "export", [tweet("1", "one")])
    args = [task, str(export)] if task == "import-archive" else [task]
    output = one_error(invoke(*args, "--account", name, "--config", str(conf)))
    assert output == f"error: --account: {name!r} is not a handle (1 to 15 of A-Z, a-z, 0-9, _)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "p"]
    assert not (tmp_path / "p" / "content" / "archive").exists()


@pytest.mark.parametrize(
    "accounts, args, said",
    [
        (["envoy"], ["--account", "someone_else"],
         "the export is @envoy's, not @someone_else's; leave out --account"
         " (or pass --account envoy)"),
        (["twitter_2024"], [],
         'the export is @envoy\'s, not in ACCOUNTS ("twitter_2024"); write "envoy" in ACCOUNTS'
         " in the settings (in a fresh clone: `invoke init envoy`)"),
        (["envoy_vale"], ["--account", "Envoy"],
         'the export is @envoy\'s, not in ACCOUNTS ("envoy_vale"); write "envoy" in ACCOUNTS'
         " in the settings (in a fresh clone: `invoke init envoy`)"),
    ],
)  # fmt: skip
def test_an_import_of_another_account_than_named_stops_with_what_to_write(
    tmp_path, accounts, args, said
):
    conf = make_project(tmp_path / "p", ACCOUNTS=accounts)
    export = write_export(tmp_path / "export", [tweet("1", "one")], username="Envoy")
    output = one_error(invoke("import-archive", str(export), *args, "--config", str(conf)))
    assert output == f"error: {export}: {said}\n"
    assert not (tmp_path / "p" / "content" / "archive").exists()


def api_env(server: APIServer) -> dict:
    return {
        **os.environ,
        "COMMUNIQUE_API_BASE": server.base,
        "TWITTER_BEARER_TOKEN": TOKEN,
        "COMMUNIQUE_NOW": "2024-01-01T00:00:00",
    }


def test_an_account_spelled_in_mixed_case_is_one_account_with_one_folder(tmp_path):
    conf = make_project(tmp_path / "p", ACCOUNTS=["Envoy_Vale"])
    ids = [str(1_000_000 + i) for i in range(3)]
    export = write_export(
        tmp_path / "export", [tweet(i, f"post {i}") for i in ids], username="Envoy_Vale"
    )
    assert invoke("import-archive", str(export), "--config", str(conf)).wait(timeout=60) == 0
    with APIServer() as server:
        server.api.add_account("envoy_vale", "42")
        for i in ids:
            server.api.post("envoy_vale", int(i), f"post {i}")
        archive = invoke("archive", "--config", str(conf), env=api_env(server))
        output = archive.communicate(timeout=60)[0]
    assert archive.returncode == 0, output
    assert output.startswith("envoy_vale: 0 new"), output
    assert [p.name for p in (tmp_path / "p" / "content" / "archive").iterdir()] == ["envoy_vale"]


def test_a_second_archive_run_is_refused_while_the_first_writes(tmp_path):
    conf = make_project(tmp_path / "p", ACCOUNTS=["envoy"])
    with APIServer() as server:
        server.api.add_account("envoy", "42")
        for i in range(150):
            server.api.post("envoy", 1_000_000 + i, f"post {i}")
        server.api.gate = threading.Event()  # the first run's first page waits here
        first = invoke("archive", "--config", str(conf), env=api_env(server))
        while server.api.waiting < 1 and first.poll() is None:
            time.sleep(0.01)
        second = invoke("archive", "--config", str(conf), env=api_env(server))
        while second.poll() is None and server.api.waiting < 2:  # without a lock it goes on
            time.sleep(0.01)
        server.api.gate.set()
        output = first.communicate(timeout=60)[0]
        refused = one_error(second)
    lock = tmp_path / "p" / "content" / ".archive.lock"
    assert refused == (
        f"error: {lock}: another run (pid {first.pid}) is writing the store;"
        " run again when it has finished\n"
    )
    assert first.returncode == 0 and output.startswith("envoy: 150 new, 0 updated in 2 pages"), (
        output
    )


def test_serve_before_a_build_says_so_in_one_line(tmp_path):
    """A folder not there would be served as a 404 for every page, and no word of why."""
    conf = make_project(tmp_path)
    with socket.socket() as taken:  # were the folder not looked at first, this would say so
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        output = one_error(invoke("serve", "--port", port, "--config", str(conf)))
    assert output == (
        f"error: {tmp_path / 'output'}: nothing is built there yet; `invoke build` builds it\n"
    )


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path):
    conf = make_project(tmp_path)
    (tmp_path / "output").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        output = one_error(invoke("serve", "--port", str(port), "--config", str(conf)))
    assert output == f"error: port {port} is in use; try --port {port + 1}\n"


@pytest.mark.parametrize("port", ["abc", "70000", "-1", "0", "8000.5", ""])
def test_serve_on_a_port_that_is_none_says_so_in_one_line(tmp_path, port):
    conf = make_project(tmp_path)
    output = one_error(invoke("serve", f"--port={port}", "--config", str(conf)))
    assert output == f"error: --port: {port!r} is not a port (a number from 1 to 65535)\n"


def test_invoke_test_says_why_each_test_is_skipped(tmp_path):
    """Skips stand for what a machine lacks (Chromium, ffmpeg...): a count alone hides which."""
    context = MockContext(run=Result(), repeat=True)
    tasks.test(context, quick=True)
    (command,) = [c.args[0] for c in context.run.call_args_list if " -m pytest" in c.args[0]]
    lacking = tmp_path / "test_lacking.py"
    lacking.write_text(
        "import pytest\n\n\n@pytest.mark.skip(reason='frobnicator is not installed')\n"
        "def test_it():\n    pass\n"
    )
    done = subprocess.run(
        f"{command} -p no:cacheprovider {lacking}",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "SKIPPED [1] " in done.stdout, done.stdout
    assert "frobnicator is not installed" in done.stdout, done.stdout


def test_a_build_upgrades_a_store_of_the_old_shape_once_and_names_no_zip(tmp_path):
    conf = make_project(tmp_path / "p")
    store = Store(tmp_path / "p" / "content" / "archive")
    post = from_v11(tweet("1", "one"), account="envoy", provenance={})
    post["provenance"] = {  # as the version before capture times stored it
        "source": "jane-doe-backup.zip:data/tweets.js",
        "retrieved_at": "2024-01-01T00:00:00Z",
        "sha256": post["provenance"]["sha256"],
    }
    store.merge([post])
    with pytest.raises(CommuniqueError, match="post 1 is stored as before capture times"):
        load(store)  # what Pelican run on its own, without the task, would meet
    outputs = []
    for _ in range(2):
        build = invoke("build", "--no-search", "--config", str(conf))
        outputs.append(build.communicate(timeout=120)[0])
        assert build.returncode == 0, outputs[-1]
    assert outputs[0].startswith("store upgraded: the provenance of 1 post names"), outputs[0]
    assert "store upgraded" not in outputs[1]
    assert next(store.posts())["raw"] == post["raw"]
    built = [p for p in (tmp_path / "p").rglob("*") if p.is_file()]
    assert not [p for p in built if b"jane-doe" in p.read_bytes()]


def test_a_search_index_on_a_full_disk_is_one_line_naming_the_file(tmp_path, small_disk):
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    output = small_disk / "output"
    conf = make_project(tmp_path / "p", OUTPUT_PATH=str(output))
    export = write_export(tmp_path / "export", [tweet(str(n), f"post {n}") for n in range(1, 4)])
    assert invoke("import-archive", str(export), "--config", str(conf)).wait(timeout=60) == 0
    assert invoke("build", "--no-search", "--config", str(conf)).wait(timeout=120) == 0
    with full(small_disk, room=65536):  # room for the pages, not for the index
        build = invoke("build", "--config", str(conf))
        said = build.communicate(timeout=120)[0]
    assert build.returncode == 1, said
    *_, last = said.splitlines()
    assert re.fullmatch(f"error: {output}/-/pagefind/envoy-2008-11/.+: No space left on device",
                        last), said  # fmt: skip
    assert "Traceback" not in said
    build = invoke("build", "--config", str(conf))
    said = build.communicate(timeout=120)[0]
    assert build.returncode == 0 and "search: Indexed 3 pages in 1 of 1 shards" in said, said

"""Every task is part of the user-facing contract: it has help text and a line in the README."""

import inspect
import re

import pytest

import tasks
from conftest import ROOT

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

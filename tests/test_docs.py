"""The documentation's examples, checked, so that they cannot fall out of date.

Every fenced YAML block of docs/scenarios.md, docs/decisions.md and the README is checked,
following the conventions written down in docs/scenarios.md ("How the examples on this page
are checked"):

- a whole scenario (it has id, title, clock, teams, categories) loads and runs once (seed 1),
  once with each of its policies and once with every lever pulled at minute 0;
- a part of a scenario is put into the block marked `# base` (list items replace the item
  with the same id or are added, mappings are merged, the rest replaces), or, with
  `# fragment: PATH`, its keys are set on the part at PATH (`categories[call]`), or, with
  `# each: PATH`, each item of the list is put at PATH in turn; the result is checked as a
  whole scenario;
- `# decisions: SCENARIO`: a decisions file, loaded against SCENARIO and run;
- `# error`: a file that must be refused: `itsm validate my-scenario.yaml` (for a decisions
  file `itsm run SCENARIO --decisions my-decisions.yaml`) exits 2 and prints exactly the
  ```text block that follows;
- `# file: NAME`: the block is also written to NAME where the commands run.

Every line of a ```sh block that starts with `itsm ` is run as a real process, in a fresh
folder holding the `# file:` blocks, and must exit 0; a command that needs a file nobody
writes is skipped, and `EXPECTED_SKIPS` lists those, so that a new one is noticed. JSON
blocks must parse, and a replay file must be one `sim.replay` accepts.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sim import Simulation, resolve_scenario, scenario_from_data, scenario_from_text
from sim.decisions import Decision, DecisionPlan, load_decisions
from sim.replay import ReplayFile
from sim.yamlsafe import read_yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCENARIOS_DOC = ROOT / "docs" / "scenarios.md"
DECISIONS_DOC = ROOT / "docs" / "decisions.md"
DOCS = (SCENARIOS_DOC, DECISIONS_DOC, README)

WHOLE = ("id", "title", "clock", "teams", "categories")
#: commands that need a file nobody writes: the README's example of a bad file
EXPECTED_SKIPS = {"README.md: itsm validate my-scenario.yaml"}
#: options whose value is a file the command writes, not one it reads
OUTPUT_OPTIONS = ("--save-replay", "--events-csv")
INPUT_SUFFIXES = (".yaml", ".yml", ".json")

_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*$")
_FLAG = re.compile(r"#\s*(base|error)\s*")
_VALUE = re.compile(r"#\s*(file|fragment|each|decisions):\s*(\S.*?)\s*")


# ---------------------------------------------------------------------------------------------
# Reading the documents
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # the line of the opening fence
    lang: str
    text: str
    markers: tuple[tuple[str, str], ...]
    index: int  # position among the document's fenced blocks

    @property
    def where(self) -> str:
        return f"{self.doc.name}:{self.line}"

    def marker(self, name: str) -> str | None:
        return dict(self.markers).get(name)

    def has(self, name: str) -> bool:
        return name in dict(self.markers)


def _markers(text: str) -> tuple[tuple[str, str], ...]:
    """The markers in the comment lines a block starts with."""
    found = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _FLAG.fullmatch(line):
            found.append((m.group(1), ""))
        elif m := _VALUE.fullmatch(line):
            found.append((m.group(1), m.group(2)))
    return tuple(found)


def fenced_blocks(doc: Path) -> list[Block]:
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m:
            fence, lang = m.groups()
            start, body = i, []
            i += 1
            while i < len(lines) and lines[i].strip() != fence:
                body.append(lines[i])
                i += 1
            text = "\n".join(body) + "\n"
            blocks.append(Block(doc, start + 1, lang.lower(), text, _markers(text),
                                len(blocks)))
        i += 1
    return blocks


BLOCKS = {doc: fenced_blocks(doc) for doc in DOCS}
YAML_BLOCKS = [b for doc in DOCS for b in BLOCKS[doc] if b.lang in ("yaml", "yml")]
FILES = {b.marker("file"): b.text for b in YAML_BLOCKS if b.has("file")}


def _data(block: Block) -> Any:
    if block.has("each"):  # a list: read as the value of a key (the reader wants a mapping)
        data, _ = read_yaml("items:\n" + textwrap.indent(block.text, "  "),
                            source_name=block.where)
        return data["items"]
    data, _ = read_yaml(block.text, source_name=block.where)
    return data


def _is_whole(data: Any) -> bool:
    return isinstance(data, dict) and all(key in data for key in WHOLE)


def _base() -> dict:
    bases = [b for b in YAML_BLOCKS if b.has("base")]
    assert len(bases) == 1, f"expected one block marked '# base', found {len(bases)}"
    return _data(bases[0])


def _text_after(block: Block) -> str:
    """The ```text block that must follow an error example."""
    following = BLOCKS[block.doc][block.index + 1:]
    assert following and following[0].lang == "text", \
        f"{block.where}: an '# error' example must be followed by a ```text block"
    return following[0].text


# ---------------------------------------------------------------------------------------------
# Putting a part into the base scenario
# ---------------------------------------------------------------------------------------------


def _steps(path: str) -> list[str | tuple[str, str]]:
    """`categories[call].handle` -> ['categories', ('id', 'call'), 'handle']."""
    steps: list[str | tuple[str, str]] = []
    for part in path.split("."):
        m = re.fullmatch(r"([A-Za-z_][\w-]*)(?:\[([^\]]+)\])?", part)
        assert m, f"cannot read the path {path!r} at {part!r}"
        steps.append(m.group(1))
        if m.group(2):
            steps.append(("id", m.group(2)))
    return steps


def _child(node: Any, step: str | tuple[str, str], path: str) -> tuple[Any, Any]:
    """(container, key) of one step: a mapping key, or the list index of the item with an id."""
    if isinstance(step, tuple):
        assert isinstance(node, list), f"{path}: [{step[1]}] needs a list"
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("id") == step[1]:
                return node, i
        raise AssertionError(f"{path}: the base has no item with id {step[1]!r}")
    assert isinstance(node, dict), f"{path}: {step!r} needs a mapping"
    return node, step


def _locate(data: dict, path: str) -> tuple[Any, Any]:
    node: Any = data
    container, key = None, None
    for step in _steps(path):
        container, key = _child(node, step, path)
        node = container[key] if isinstance(container, list) else container.get(key)
    return container, key


def _merge_by_id(old: list, new: list) -> list:
    merged = list(old)
    for item in new:
        ident = item.get("id") if isinstance(item, dict) else None
        same = [i for i, o in enumerate(merged) if isinstance(o, dict) and o.get("id") == ident]
        if ident is not None and same:
            merged[same[0]] = item
        else:
            merged.append(item)
    return merged


def merged(base: dict, part: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in part.items():
        old = out.get(key)
        if isinstance(value, list) and isinstance(old, list):
            out[key] = _merge_by_id(old, value)
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = {**old, **value}
        else:
            out[key] = value
    return out


def scenarios_of(block: Block) -> list[tuple[str, Any]]:
    """The scenario data (label, data) a block stands for."""
    data = _data(block)
    if (path := block.marker("each")) is not None:
        assert isinstance(data, list) and data, f"{block.where}: '# each' needs a list"
        out = []
        for n, item in enumerate(data):
            scenario = copy.deepcopy(_base())
            container, key = _locate(scenario, path)
            container[key] = item
            out.append((f"{block.where} item {n + 1}", scenario))
        return out
    if (path := block.marker("fragment")) is not None and path:
        assert isinstance(data, dict), f"{block.where}: a fragment is a mapping"
        scenario = copy.deepcopy(_base())
        container, key = _locate(scenario, path)
        target = container[key]
        assert isinstance(target, dict), f"{block.where}: {path} is not a mapping in the base"
        target.update(data)
        return [(block.where, scenario)]
    if _is_whole(data):
        return [(block.where, data)]
    assert isinstance(data, dict), f"{block.where}: a part of a scenario is a mapping"
    return [(block.where, merged(_base(), data))]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def run_every_way(scenario) -> None:
    """One run with no decisions, one per policy, one with every lever at minute 0."""
    plans = [DecisionPlan()]
    plans += [DecisionPlan.from_policy(scenario, name) for name in scenario.policies]
    if scenario.levers:
        every = tuple(lever.id for lever in scenario.levers)
        plans.append(DecisionPlan([Decision(levers=every, at_min=0.0)]))
    for plan in plans:
        Simulation(scenario, seed=1, decisions=plan).run().kpis()


def _itsm() -> list[str]:
    script = Path(sys.executable).with_name("itsm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def itsm(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ITSM_SCENARIOS"}
    return subprocess.run([*_itsm(), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def _scenario_for(name: str):
    """A built-in scenario, or one of the pages' `# file:` scenarios."""
    if name in FILES:
        return scenario_from_text(FILES[name], source_name=name)
    return resolve_scenario(name)


def _write_files(folder: Path) -> None:
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# YAML examples
# ---------------------------------------------------------------------------------------------

CHECKED = [b for b in YAML_BLOCKS if not b.has("error") and not b.has("decisions")]
ERRORS = [b for b in YAML_BLOCKS if b.has("error")]
DECISIONS = [b for b in YAML_BLOCKS if b.has("decisions") and not b.has("error")]


def test_the_pages_have_examples_of_every_kind():
    assert len(ERRORS) >= 4 and DECISIONS and FILES
    assert any(b.has("each") for b in CHECKED) and any(b.marker("fragment") for b in CHECKED)
    assert {"small-office.yaml", "my-decisions.yaml"} <= set(FILES)


@pytest.mark.parametrize("block", CHECKED, ids=lambda b: b.where)
def test_yaml_example_loads_and_runs(block: Block):
    for label, data in scenarios_of(block):
        scenario = scenario_from_data(data, source_name=label)
        run_every_way(scenario)


@pytest.mark.parametrize("block", DECISIONS, ids=lambda b: b.where)
def test_decisions_example_loads_and_runs(block: Block):
    scenario = _scenario_for(block.marker("decisions"))
    plan = load_decisions(block.text, scenario, source_name=block.where)
    Simulation(scenario, seed=1, decisions=plan).run().kpis()


@pytest.mark.parametrize("block", ERRORS, ids=lambda b: b.where)
def test_error_example_prints_what_the_page_shows(block: Block, tmp_path: Path):
    expected = _text_after(block)
    if (scenario := block.marker("decisions")) is not None:
        _write_files(tmp_path)
        (tmp_path / "my-decisions.yaml").write_text(block.text, encoding="utf-8")
        result = itsm(["run", scenario, "--decisions", "my-decisions.yaml"], tmp_path)
    else:
        (tmp_path / "my-scenario.yaml").write_text(block.text, encoding="utf-8")
        result = itsm(["validate", "my-scenario.yaml"], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize("block", [b for doc in DOCS for b in BLOCKS[doc] if b.lang == "json"],
                         ids=lambda b: b.where)
def test_json_example_is_valid(block: Block):
    data = json.loads(block.text)
    if isinstance(data, dict) and data.get("format") == "moments-of-truth/replay":
        ReplayFile.model_validate(data)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    doc: Path
    line: int
    text: str
    runnable: bool

    @property
    def label(self) -> str:
        return f"{self.doc.name}: {self.text}"


def _files_used(args: list[str]) -> tuple[list[str], list[str]]:
    """(files the command reads, files it writes)."""
    reads, writes = [], []
    for previous, arg in zip(["", *args], args, strict=False):
        if previous in OUTPUT_OPTIONS:
            writes.append(arg)
            continue
        candidate = arg.rpartition("=")[2]  # --variant NAME=FILE
        if candidate.endswith(INPUT_SUFFIXES):
            reads.append(candidate)
    return reads, writes


def _shell_lines(text: str) -> list[tuple[int, str]]:
    """(index of its first line, command) for each command; a line ending in a backslash
    continues on the next."""
    out: list[tuple[int, str]] = []
    pending, first = "", 0
    for n, line in enumerate(text.splitlines()):
        if not pending:
            first = n
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((first, (pending + line).strip()))
        pending = ""
    return out


def commands(doc: Path) -> list[Command]:
    """The `itsm` commands of a page's sh blocks, in order, each marked runnable or not."""
    out = []
    written = set(FILES)
    for block in BLOCKS[doc]:
        if block.lang not in ("sh", "bash", "shell", "console"):
            continue
        for n, text in _shell_lines(block.text):
            if not text.startswith("itsm "):
                continue
            args = shlex.split(text, comments=True)
            text = shlex.join(args)
            reads, writes = _files_used(args[1:])
            # files the page writes, or example files kept in the repository
            runnable = all(name in written or (ROOT / name).is_file() for name in reads)
            if runnable:
                written.update(writes)
            out.append(Command(doc, block.line + 1 + n, text, runnable))
    return out


def test_only_the_expected_commands_are_skipped():
    skipped = {c.label for doc in DOCS for c in commands(doc) if not c.runnable}
    assert skipped == EXPECTED_SKIPS


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_commands_on_the_page_run(doc: Path, tmp_path: Path):
    _write_files(tmp_path)
    failures = []
    for command in commands(doc):
        if not command.runnable:
            continue
        for name in _files_used(shlex.split(command.text)[1:])[0]:
            kept = ROOT / name
            if kept.is_file() and not (tmp_path / name).exists():  # an example in the repo
                (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(kept, tmp_path / name)
        result = itsm(shlex.split(command.text)[1:], tmp_path)
        if result.returncode != 0:
            failures.append(f"{doc.name}:{command.line}: {command.text} -> exit "
                            f"{result.returncode}\n{result.stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)

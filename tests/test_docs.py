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
- `# file: NAME`: the block is also written to NAME where the commands run;
- `# scenario: ID`: a part put into the built-in scenario ID (as into the base).

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
_VALUE = re.compile(r"#\s*(file|fragment|each|decisions|scenario):\s*(\S.*?)\s*")


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
    if (name := block.marker("scenario")) is not None:
        return [(block.where, merged(_builtin_data(name), data))]
    return [(block.where, merged(_base(), data))]


def _builtin_data(name: str) -> dict:
    """A built-in scenario's file as data, for a `# scenario: ID` part to be put into."""
    data, _ = read_yaml(ROOT / "scenarios" / f"{name}.yaml", source_name=f"{name}.yaml")
    return data


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


def _asked(out: str, point: str) -> str:
    """What `itsm run -r N` says of one decision point: "asked in 1 of 10 runs; ..."."""
    line = next(line for line in out.splitlines() if line.startswith(f"  {point} "))
    return line.split(None, 1)[1]


def test_a_condition_that_never_holds_in_the_softphone_week_and_ones_that_do(tmp_path,
                                                                            capsys):
    """docs/scenarios.md, "Check that a condition can hold": in softphone-cutover a point on
    `phone_waiting above 4` is asked in 1 of 10 unprepared weeks; the page's point on the
    abandonment rate of the last hour in all 10, within half an hour of the cutover (and in
    all 10 prepared weeks); one on the backlog in all 10 unprepared weeks, on Monday
    morning, and in 1 of 10 prepared ones. Checked as the page says to, with
    `itsm run FILE --policy NAME -r 10`, and the page says what this finds."""
    import yaml

    from cli.decided import decided
    from cli.main import main
    from sim.replications import run_replications

    text = " ".join(SCENARIOS_DOC.read_text(encoding="utf-8").split())
    for claim in ("`itsm run SCENARIO --policy NAME -r 10` lists every decision point",
                  "`when: {metric: phone_waiting, above: 4}` looks like the alarm the cutover "
                  "needs, but it is asked in only 1 of 10 unprepared weeks",
                  "It is asked in all 10 unprepared weeks, within half an hour of the 08:00 "
                  "cutover", "it is asked in all 10 prepared weeks too",
                  "`{metric: backlog, above: 25}` is asked in 10 of 10 unprepared weeks, on "
                  "Monday morning, and in 1 of 10 prepared ones"):
        assert claim in text, claim
    (block,) = [b for b in CHECKED if b.marker("scenario") == "softphone-cutover"
                and "abandonment_rate_last_hour" in b.text]
    ((_, data),) = scenarios_of(block)
    (point,) = _data(block)["decision_points"]
    for other, condition in (("queue-alarm", {"metric": "phone_waiting", "above": 4}),
                             ("backlog-alarm", {"metric": "backlog", "above": 25})):
        data["decision_points"].append({**point, "id": other, "when": condition})
    path = tmp_path / "cutover-alarms.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    runs = {}
    for policy in ("unprepared", "prepared"):
        assert main(["run", str(path), "--policy", policy, "-r", "10", "--workers", "2"]) == 0
        runs[policy] = capsys.readouterr().out
    assert _asked(runs["unprepared"], "queue-alarm").startswith("asked in 1 of 10 runs;")
    assert _asked(runs["unprepared"], point["id"]).startswith("asked in 10 of 10 runs;")
    assert _asked(runs["prepared"], point["id"]).startswith("asked in 10 of 10 runs;")
    assert _asked(runs["unprepared"], "backlog-alarm").startswith("asked in 10 of 10 runs;")
    assert _asked(runs["prepared"], "backlog-alarm").startswith("asked in 1 of 10 runs;")
    # when: the first asking of each run
    scenario = scenario_from_data(data, source_name=str(path))
    kept = run_replications(scenario, seed=1, replications=10, workers=2, keep=decided,
                            decisions=DecisionPlan.from_policy(scenario, "unprepared")).kept
    cutover = 8 * 60  # mon 08:00
    assert all(cutover <= run.askings[point["id"]][0][0] <= cutover + 30 for run in kept)
    assert all(cutover <= run.askings["backlog-alarm"][0][0] < 12 * 60 for run in kept)


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


# ---------------------------------------------------------------------------------------------
# What the README says of the scenarios and their figures
# ---------------------------------------------------------------------------------------------


def _readme_section(heading: str) -> str:
    """A section of the README (from its `## heading` to the next), whitespace folded."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return " ".join(text[start:end if end > 0 else None].split())


def test_the_readme_lists_every_built_in_scenario_with_what_it_teaches():
    from sim import list_builtin

    library = _readme_section("The scenario library")
    listed = re.findall(r"- `([\w-]+)` — (.+?)(?= - `|$)", library)
    assert sorted(name for name, _ in listed) == sorted(s.id for s in list_builtin())
    assert all(len(words.split()) >= 12 for _, words in listed), listed


#: Numbers written as words in the README.
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def test_the_readme_figures_of_the_softphone_week_are_what_make_demo_prints(tmp_path):
    """Unprepared and prepared, rounded as the README writes them: what `make demo` (the
    Makefile's command) prints today, read from the same command with --json."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    demo = shlex.split(makefile.split("\ndemo:", 1)[1].splitlines()[1])[1:]
    assert demo[0] == "compare"
    library = _readme_section("The scenario library")
    quoted = re.search(r"Over the (\d+) runs of `make demo`, unprepared: (\d+)% of calls "
                       r"abandoned, CSAT \(.+?\) (\d+)%, satisfaction falling all week; "
                       r"prepared: a calm week, (\d+)% of calls abandoned, CSAT (\d+)%",
                       library)
    assert quoted, library
    result = itsm([*demo, "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["replications"] == int(quoted.group(1))
    figures = printed["variants"]

    def percent(variant: str, kpi: str) -> int:
        return round(100 * figures[variant][kpi]["mean"])

    assert [int(g) for g in quoted.groups()[1:]] == [
        percent("unprepared", "abandonment_rate"), percent("unprepared", "csat"),
        percent("prepared", "abandonment_rate"), percent("prepared", "csat")]
    # "falling all week": everybody's satisfaction ends below where the week began
    assert figures["unprepared"]["satisfaction"]["mean"] < figures["prepared"][
        "satisfaction"]["mean"]


def _run(policy: str, scenario: str = "softphone-cutover"):
    built = resolve_scenario(scenario)
    return Simulation(built, seed=1, decisions=DecisionPlan.from_policy(built, policy)).run()


def _quoted_in(quote: str, text: str) -> bool:
    """Is `quote` in `text`, with "…" standing for words left out?"""
    pattern = ".*?".join(re.escape(piece) for piece in quote.split("…"))
    return re.search(pattern, text) is not None


def test_the_readme_quotes_the_debrief_and_the_ledger_as_they_read_today():
    """The README's examples of the debrief's story are lines of the story of the `itsm
    report` command it shows (firefighting, seed 1), "…" marking words left out; its
    example of the ledger is a moment of the unprepared week."""
    from reports.narrative import story
    from sim.moments import ledger

    debriefs = _readme_section("Debriefs, history and experiments")
    quotes = re.findall(r'\("(.+?)"\)', debriefs.split("- **The run history**")[0])
    assert len(quotes) == 2, quotes
    assert "itsm report softphone-cutover --policy firefighting" in \
        README.read_text(encoding="utf-8")
    beats = [f"{b.when} {b.text}" for b in story(_run("firefighting"))]
    for quote in quotes:
        assert any(_quoted_in(quote, beat) for beat in beats), (quote, beats)
    moments = _readme_section("Moments of truth")
    (example,) = re.findall(r'\("(.+?)"\)', moments)
    assert "the unprepared softphone week (seed 1)" in moments
    assert example in ledger(_run("unprepared")).reasons


def test_the_readme_answer_to_how_many_agents_is_what_the_experiment_finds():
    """"five more, for Monday; without its `measure`, the week's average needs three": the
    smallest sweep point meeting the goal in the README's experiment, and in the same
    experiment over the whole week (from two agents less than that answer: the points
    below meet it still less)."""
    from sim.experiments import experiment_from_text, load_experiment, run_experiment

    debriefs = _readme_section("Debriefs, history and experiments")
    answer = re.search(r"the `itsm experiment` above answers (\w+) more, for Monday; without "
                       r"its `measure`, the week's average needs (\w+)\)", debriefs)
    assert answer, debriefs
    monday, week = (NUMBER_WORDS[word] for word in answer.groups())
    path = ROOT / "docs" / "examples" / "agents-on-cutover-day.yaml"
    assert "itsm experiment docs/examples/agents-on-cutover-day.yaml" in \
        README.read_text(encoding="utf-8")
    assert run_experiment(load_experiment(path), workers=2).smallest_meeting() == f"+{monday}"
    text = path.read_text(encoding="utf-8")
    assert "\nmeasure: " in text
    whole_week = re.sub(r"\nmeasure: .*", "", text).replace(
        "add: [0, 1, 2, 3, 4, 5, 6]", f"add: [{week - 1}, {week}]")
    assert "measure" not in whole_week.split("kpis")[1]
    found = run_experiment(experiment_from_text(whole_week, "week.yaml",
                                                base_dir=path.parent), workers=2)
    assert found.smallest_meeting() == f"+{week}"


def test_the_readme_speed_targets_are_the_benchmarks():
    speed = _readme_section("Speed")
    targets = re.search(r"targets of at most ([\d.]+)× the textbook SimPy model's and "
                        r"([\d.]+)× Ciw's", speed)
    assert targets, speed
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    assert results["engine"]["targets"] == {"engine_vs_simpy": float(targets.group(1)),
                                            "engine_vs_ciw": float(targets.group(2))}

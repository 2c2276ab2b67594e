"""The `itsm` command line (`cli/main.py`), as a trainer or process designer uses it.

Most checks call `cli.main.main(argv)` in this process and read what it printed; a few run
`python -m cli.main` as a real process to check exit statuses and that no traceback ever
reaches the terminal. What is checked:

- `itsm list` names the built-in scenarios with their titles;
- `itsm validate` accepts a good file (exit 0) and reports every problem of a bad one as a
  located `FILE:LINE: ...` line (exit 2), missing files included;
- `itsm run` prints one JSON object with the agreed keys (`--json`) or a readable table,
  gives the same figures for the same seed whatever the number of workers, different ones
  for another seed, writes the event log with `--events-csv`, and refuses bad input with
  exit 2 and a message (unknown scenario id, bad file, `--replications 0`), and says which
  decision points were asked, when and with which levers (over replications: in how many
  runs), and which never were;
- `itsm compare` shows each variant's mean ± 95% CI and the paired difference, within the
  terminal's width;
- `itsm replay --scenario PATH` refuses a changed scenario naming PATH and the line;
- `itsm play` without a display says so on stderr and shows the demo (make demo's
  comparison) or, for a scenario without policies, one headless run.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from sim import ENGINE_VERSION

ROOT = Path(__file__).resolve().parent.parent
NORMAL_WEEK = "scenarios/normal-week.yaml"
REQUIRED_KPIS = ("contacts", "abandonment_rate", "asa_min", "mean_wait_min", "p_wait", "fcr",
                 "utilisation_service-desk")

# A scenario file with a misspelt key on line 5 and a negative headcount on line 7.
BROKEN = """\
id: broken
title: A broken scenario
clock: {duration: 600}
teams:
  - {id: desk, staf: 2}
  - id: second-line
    staff: -3
categories:
  - id: call
    arrivals: {per_minute: 1}
    handle: {dist: exponential, mean: 5}
"""


@pytest.fixture(autouse=True)
def builtin_library(monkeypatch):
    """Run against the project's own scenarios/ folder, from the repository root."""
    monkeypatch.delenv("ITSM_SCENARIOS", raising=False)
    monkeypatch.chdir(ROOT)


@pytest.fixture
def broken_file(tmp_path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def itsm(*args: str, env_drop: tuple[str, ...] = (),
         env_set: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`itsm ARGS` as a separate process, from the repository root."""
    env = {k: v for k, v in os.environ.items() if k not in env_drop and k != "ITSM_SCENARIOS"}
    env.update(env_set or {})
    result = subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    # whatever happens, a user never sees a traceback
    assert "Traceback" not in result.stderr, result.stderr
    return result


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    out = capsys.readouterr().out
    # exactly one JSON object, on one line
    assert out.count("\n") == 1, out
    return json.loads(out)


# -- list and validate --------------------------------------------------------------------------


def test_list_shows_normal_week_and_its_title(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("normal-week "))
    assert "A normal week at the service desk" in line


def test_validate_accepts_the_normal_week(capsys):
    assert main(["validate", NORMAL_WEEK]) == 0
    captured = capsys.readouterr()
    assert f"{NORMAL_WEEK}: ok" in captured.out
    assert captured.err == ""


def test_validate_reports_each_problem_of_a_broken_file_with_its_line(capsys, broken_file):
    assert main(["validate", str(broken_file)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) >= 2
    located = [re.match(rf"{re.escape(str(broken_file))}:(\d+): (.+)", line) for line in lines]
    assert all(located), lines
    by_line = {int(m.group(1)): m.group(2) for m in located}
    assert "staf" in by_line[5]  # the misspelt key, where it is written
    assert "staff" in by_line[7] and "-3" in by_line[7]
    assert "ok" not in captured.out


def test_validate_reports_only_the_broken_one_of_several_files(capsys, broken_file):
    assert main(["validate", NORMAL_WEEK, str(broken_file)]) == 2
    err = capsys.readouterr().err
    assert str(broken_file) in err and NORMAL_WEEK not in err


def test_validate_a_missing_file_exits_2_and_names_it(capsys, tmp_path):
    missing = tmp_path / "nowhere.yaml"
    assert main(["validate", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_validate_as_a_process_exits_2_with_located_lines(broken_file):
    result = itsm("validate", str(broken_file))
    assert result.returncode == 2
    assert re.search(rf"^{re.escape(str(broken_file))}:5: ", result.stderr, re.MULTILINE)
    assert itsm("validate", NORMAL_WEEK).returncode == 0


# -- run -----------------------------------------------------------------------------------------


def test_run_json_has_the_agreed_shape(capsys):
    result = run_json(capsys, "normal-week", "--replications", "3", "--seed", "7")
    assert set(result) == {"scenario", "seed", "replications", "kpis"}
    assert result["scenario"] == "normal-week"
    assert result["seed"] == 7 and result["replications"] == 3
    for name in REQUIRED_KPIS:
        figure = result["kpis"][name]
        assert set(figure) == {"mean", "ci95"}, name
        assert isinstance(figure["mean"], float) and math.isfinite(figure["mean"]), name
        assert isinstance(figure["ci95"], float) and figure["ci95"] >= 0, name
    kpis = result["kpis"]
    assert kpis["contacts"]["mean"] > 50
    for share in ("abandonment_rate", "p_wait", "fcr", "utilisation_service-desk"):
        assert 0 <= kpis[share]["mean"] <= 1, share


def test_run_json_with_one_replication_has_no_confidence_interval(capsys):
    result = run_json(capsys, "normal-week", "--replications", "1")
    assert result["replications"] == 1
    for name in REQUIRED_KPIS:
        assert result["kpis"][name]["ci95"] is None
        assert result["kpis"][name]["mean"] is not None


def test_run_json_is_the_same_for_the_same_seed_and_differs_for_another(capsys):
    args = ("normal-week", "--replications", "3")
    first = run_json(capsys, *args, "--seed", "7")
    again = run_json(capsys, *args, "--seed", "7")
    other = run_json(capsys, *args, "--seed", "8")
    assert first == again
    assert first["kpis"] != other["kpis"]
    assert first["kpis"]["contacts"] != other["kpis"]["contacts"]


def test_run_gives_the_same_figures_on_one_worker_and_on_two(capsys):
    args = ("normal-week", "--replications", "4", "--seed", "3")
    one = run_json(capsys, *args, "--workers", "1")
    two = run_json(capsys, *args, "--workers", "2")
    assert one == two


def test_run_prints_a_readable_table(capsys):
    assert main(["run", "normal-week", "--replications", "2"]) == 0
    out = capsys.readouterr().out
    assert "A normal week at the service desk" in out
    assert re.search(r"First-contact resolution\s+\d{1,3}\.\d%", out), out
    assert re.search(r"Abandonment rate \(phone\)\s+\d{1,3}\.\d%", out)
    assert "±" in out  # two replications: confidence intervals are shown


def test_run_writes_the_event_log_as_csv(capsys, tmp_path):
    path = tmp_path / "week.csv"
    result = run_json(capsys, "normal-week", "--replications", "1", "--events-csv", str(path))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0])[:3] == ["number", "incident_state", "active"]
    # the CSV is the run the figures describe: one arrival row per contact counted
    arrivals = sum(row["event"] == "arrival" for row in rows)
    assert arrivals == result["kpis"]["contacts"]["mean"]


def test_run_events_csv_into_a_missing_folder_exits_2(capsys, tmp_path):
    target = tmp_path / "no-such-folder" / "week.csv"
    assert main(["run", "normal-week", "--events-csv", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.exists()


def test_run_events_csv_that_cannot_be_created_exits_2_without_a_traceback(tmp_path):
    target = tmp_path / ("x" * 300 + ".csv")  # longer than any file system allows a name
    result = subprocess.run([sys.executable, "-m", "cli.main", "run", "normal-week",
                             "--events-csv", str(target)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2


def test_run_an_unknown_scenario_id_exits_2_and_lists_the_builtin_ids(capsys):
    assert main(["run", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert "no-such-scenario" in err and "normal-week" in err


def test_run_a_broken_file_exits_2_with_located_messages(capsys, broken_file):
    assert main(["run", str(broken_file)]) == 2
    captured = capsys.readouterr()
    assert re.search(rf"^{re.escape(str(broken_file))}:5: ", captured.err, re.MULTILINE)
    assert re.search(rf"^{re.escape(str(broken_file))}:7: ", captured.err, re.MULTILINE)
    assert captured.out == ""


def test_run_a_scenario_file_by_path(capsys):
    result = run_json(capsys, NORMAL_WEEK, "--replications", "1")
    assert result["scenario"] == "normal-week"


@pytest.mark.parametrize("args", [
    ("run", "normal-week", "--replications", "0"),
    ("run", "normal-week", "--seed", "-1"),
    ("run", "normal-week", "--workers", "zero"),
    ("run", "no-such-scenario"),
    ("run", "missing-file.yaml"),
    ("frobnicate",),
], ids=["replications-0", "negative-seed", "workers-not-a-number", "unknown-id",
        "missing-file", "unknown-command"])
def test_bad_command_lines_exit_2_with_a_message(args):
    result = itsm(*args)
    assert result.returncode == 2
    assert result.stderr.strip()
    assert result.stdout == ""


def test_run_as_a_process_prints_one_json_object():
    result = itsm("run", "normal-week", "--replications", "3", "--seed", "7", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["replications"] == 3 and "fcr" in data["kpis"]


# -- play ----------------------------------------------------------------------------------------


def test_play_without_a_display_says_so_and_shows_the_demo(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    # a scenario without policies: one headless run, its key figures
    assert main(["play", "normal-week"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "itsm play: no display to open the game on (neither DISPLAY nor WAYLAND_DISPLAY is "
        "set).",
        "Instead, one headless run of normal-week (it has no policies to compare), with its "
        "key figures.",
        "To play the game, run itsm play where it can open a window (a desktop session, or "
        "ssh -X).",
        "itsm play: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the run above "
        "instead of the game; to play, run itsm play where it can open a window."]
    assert "A normal week at the service desk" in captured.out
    assert "First-contact resolution" in captured.out
    # with SDL's dummy driver (CI) there is nothing to see either: the story of make demo,
    # the cutover unprepared against prepared, as the same comparison
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    assert main(["play", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == "itsm play: no display to open the game on (SDL_VIDEODRIVER=dummy)."
    assert err[1].startswith('Instead, the demo (as make demo): "Monday morning: the desk '
                             'phones go dark" played unprepared and prepared, 20 runs each')
    assert err[2] == "  " + MAKE_DEMO
    assert err[3].endswith("without SDL_VIDEODRIVER=dummy.")
    monkeypatch.delenv("SDL_VIDEODRIVER")
    assert main(MAKE_DEMO.split()[1:]) == 0
    assert capsys.readouterr().out == captured.out  # exactly what make demo prints


def test_play_a_named_scenario_without_a_display_compares_its_policies(capsys, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("COLUMNS", "100")  # the wide table (pytest-xdist's workers say 80)
    story = str(ROOT / "tests" / "data" / "scenarios" / "story.yaml")
    assert main(["play", story]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[1:3] == [
        'Instead, the demo: "story" played prepared and none, 20 runs each with the same '
        "callers, side by side:",
        f"  itsm compare {story} --variant prepared=policy:prepared --variant none=policy:none "
        "--replications 20"]
    assert "none − prepared" in captured.out


def make_demo() -> str:
    """The command the Makefile's demo target runs, on one line."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = text.split("\ndemo:", 1)[1].splitlines()[1]
    return " ".join(recipe.split()).removeprefix("$(BIN)/")


MAKE_DEMO = make_demo()


def test_play_with_a_bad_scenario_reports_it_before_opening_anything(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: 5\n")
    assert main(["play", str(bad)]) == 2
    assert f"{bad}:" in capsys.readouterr().err


def test_play_as_a_process_without_a_display_exits_0():
    # the table's layout follows the terminal's width (pytest-xdist's workers say 80)
    result = itsm("play", env_drop=("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"),
                  env_set={"COLUMNS": "100"})
    assert result.returncode == 0
    assert "no display" in result.stderr and "the demo" in result.stderr
    assert "prepared − unprepared" in result.stdout
    assert "First-contact resolution" in result.stdout


def test_validate_takes_built_in_ids_and_reports_every_file(capsys, broken_file):
    assert main(["validate", "normal-week", str(broken_file)]) == 2
    captured = capsys.readouterr()
    assert "normal-week: ok" in captured.out
    assert str(broken_file) in captured.err


def test_events_csv_to_standard_output(capsys):
    assert main(["run", "normal-week", "--events-csv", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("number,incident_state,")
    assert len(out.splitlines()) > 100


def test_replications_are_capped(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "normal-week", "--replications", "20000"])
    assert caught.value.code == 2
    assert "at most 10,000" in capsys.readouterr().err


@pytest.mark.parametrize("args", [("run", "normal-week", "--events-csv", "-"),
                                  ("run", "normal-week")])
def test_output_cut_short_by_the_reader_ends_quietly_as_a_unix_tool_does(args):
    """`itsm run ... | head -1`: nothing on stderr, and the status of a tool stopped by
    SIGPIPE (141, as `seq 1000000 | head -1` gives), not 1 as if the run had failed."""
    process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if args[-1] == "-":
        process.stdout.readline()  # the reader takes a line of the event log, then stops
    process.stdout.close()  # (for the table: before a line of it is written)
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_events_csv_to_standard_output_is_not_mixed_with_json_or_replications(capsys):
    """The event log on standard output is instead of the figures: --json with it was
    dropped silently, and so were --replications."""
    for extra, message in [
        ("--json", "itsm: --json and --events-csv - both write to standard output (the event "
                   "log instead of the figures): give --events-csv a file name to have both, "
                   "or leave out one of the two\n"),
        ("-r3", "itsm: --events-csv - writes the event log of one run to standard output, "
                "instead of the figures: --replications 3 would not be used; give "
                "--events-csv a file name to have both\n")]:
        assert main(["run", "normal-week", extra, "--events-csv", "-"]) == 2
        assert capsys.readouterr() == ("", message)


def test_replay_writes_its_event_log_to_standard_output_and_keeps_the_replay(capsys,
                                                                            tmp_path):
    saved = tmp_path / "run.json"
    assert main(["run", "normal-week", "--events-csv", "-", "--save-replay", str(saved)]) == 0
    events = capsys.readouterr().out
    assert events.startswith("number,incident_state,") and saved.is_file()
    assert main(["replay", str(saved), "--events-csv", "-"]) == 0
    assert capsys.readouterr().out == events  # not a file named "-"
    assert not (ROOT / "-").exists()
    assert main(["replay", str(saved), "--json", "--events-csv", "-"]) == 2
    assert capsys.readouterr().err.startswith("itsm: --json and --events-csv - both write to "
                                              "standard output (the event log instead of "
                                              "the decisions and figures)")


# -- files named on the command line, and what they are ---------------------------------------


def test_a_missing_decisions_variant_or_twin_file_is_named_as_missing(capsys, tmp_path):
    """Not read as YAML text ("the top level is the text 'nofile.yaml'")."""
    missing = str(tmp_path / "nofile.yaml")
    for argv, said in [
        (["run", "softphone-cutover", "--decisions", missing], f"--decisions {missing}"),
        (["compare", "softphone-cutover", "--variant", f"a={missing}", "--variant", "b=none"],
         f"--variant a={missing}"),
        (["report", "softphone-cutover", "--twin", missing, "--out",
          str(tmp_path / "d.html")], f"--twin {missing}"),
        (["report", "softphone-cutover", "--twin", missing.replace(".yaml", ".json"),
          "--out", str(tmp_path / "d.html")], f"--twin {missing.replace('.yaml', '.json')}"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err == f"itsm: {said}: no such file\n", err
    assert not (tmp_path / "d.html").exists()


def test_an_unknown_policy_names_its_option_and_the_policies_there_are(capsys, tmp_path):
    known = "unprepared, prepared, brief-only, firefighting, postponed"
    for argv, said in [
        (["report", "softphone-cutover", "--twin", "policy:nope", "--out",
          str(tmp_path / "d.html")], "--twin policy:nope"),
        (["run", "softphone-cutover", "--policy", "nope"], "--policy nope"),
        (["compare", "softphone-cutover", "--variant", "a=policy:nope", "--variant", "b=none"],
         "--variant a=policy:nope"),
    ]:
        assert main(argv) == 2, argv
        assert capsys.readouterr().err == (f"itsm: {said}: no policy 'nope' in scenario "
                                           f"softphone-cutover (it has: {known})\n")


def test_a_scenario_or_experiment_given_as_decisions_is_named_for_what_it_is(capsys, tmp_path):
    scenario = tmp_path / "cutover-monday.yaml"
    scenario.write_text((ROOT / "scenarios" / "softphone-cutover.yaml").read_text())
    experiment = tmp_path / "agents.yaml"
    experiment.write_text("scenario: softphone-cutover\nvariants: {a: {}, b: {}}\n")
    takes = ("--twin takes policy:NAME (one of the scenario's policies), a decisions file "
             "(YAML: policy, decisions) or a replay file (.json) of the same scenario")
    assert main(["report", "softphone-cutover", "--twin", str(scenario),
                 "--out", str(tmp_path / "d.html")]) == 2
    assert capsys.readouterr().err == (
        f"itsm: --twin {scenario}: this is a scenario file (it has id, clock, teams, "
        f"categories), not decisions: {takes}\n")
    assert main(["report", "softphone-cutover", "--twin", str(experiment),
                 "--out", str(tmp_path / "d.html")]) == 2
    assert "this is an experiment file (it names a scenario and says what to compare), not " \
           "decisions" in capsys.readouterr().err
    assert main(["run", "softphone-cutover", "--decisions", str(scenario)]) == 2
    assert capsys.readouterr().err == (
        f"{scenario}: this is a scenario file (it has id, clock, teams, categories), not a "
        "decisions file: expected a decisions file (a mapping with policy and/or decisions)\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert main(["run", "softphone-cutover", "--decisions", str(empty)]) == 2
    assert capsys.readouterr().err == (f"{empty}:1: the file is empty: expected a decisions "
                                       "file (a mapping with policy and/or decisions)\n")


def test_itsm_experiment_on_a_scenario_file_says_so(capsys, tmp_path):
    scenario = tmp_path / "cutover-monday.yaml"
    scenario.write_text((ROOT / "scenarios" / "softphone-cutover.yaml").read_text())
    assert main(["experiment", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"{scenario}: this is a scenario file (it has id, clock, teams, "
                          "categories), not an experiment file")


def test_validate_checks_an_experiment_file_as_an_experiment(capsys, tmp_path):
    good = tmp_path / "agents.yaml"
    good.write_text("scenario: softphone-cutover\nreplications: 10\nsweep:\n  parameters:\n"
                    "    - {target: teams.service-desk.staff, add: [0, 1, 2]}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: softphone-cutover\nkpis: [abandonment_rate, abandonment_rate]\n"
                   "sweep:\n  parameters:\n"
                   "    - {target: teams.service-desk.staff, add: [0, 1]}\n"
                   "goals: {abandonment_rate: {at_most: 8}}\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    decisions = tmp_path / "mine.yaml"
    decisions.write_text("policy: prepared\n")
    assert main(["validate", str(good), "softphone-cutover"]) == 0
    out = capsys.readouterr().out
    assert out == (f"{good}: ok (an experiment: 3 sweep points × 10 replications of "
                   "softphone-cutover)\nsoftphone-cutover: ok (scenario softphone-cutover)\n")
    assert main(["validate", str(bad), str(empty), str(decisions)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{bad}:2: kpis[1]: abandonment_rate is listed twice (first as kpis[0]): list each "
        "key figure once",
        f"{bad}:6: goals.abandonment_rate.at_most: abandonment_rate is a share: expected a "
        "share between 0 and 1, e.g. 0.08 for 8%, got 8",
        f"{empty}:1: the file is empty: expected a scenario or an experiment (a mapping: a "
        "scenario has id, title, clock, teams, categories; an experiment has scenario, and "
        "variants or sweep)",
        f"itsm: {decisions}: this is a decisions file (policy, decisions): itsm validate "
        "checks scenario and experiment files; a decisions file is checked against its "
        "scenario by itsm run SCENARIO --decisions FILE"]


# -- help, version, progress --------------------------------------------------------------------


@pytest.mark.parametrize("command", ["experiment", "compare", "validate", "replay", "run",
                                     "report", "history"])
def test_every_designer_command_has_a_description_in_its_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    # usage, then a description paragraph before the arguments
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 3 and not paragraphs[1].lstrip().startswith(
        ("positional", "options")), text
    assert "%" not in text.replace("95%", "").replace("%)", ""), text


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"itsm \S+ \(Moments of Truth\), engine \S+, Python \S+\n",
                        capsys.readouterr().out)


def test_run_team_help_says_what_the_name_is_kept_for(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--record (history, leaderboard) and --save-replay" in text


PROGRESS_CHILD = """\
import sys, time
from cli.main import _Progress
with _Progress() as progress:
    for i in range(15):
        time.sleep(0.1)
        progress.update(i + 1, 15)
"""


def test_the_progress_bar_shows_on_a_terminal_even_one_that_reports_no_size():
    """A pseudo-terminal opened without a size (0 x 0, as `script` and CI runners give) is
    still a terminal: the bar shows there after a second, and not on a pipe."""
    import pty

    main_fd, child_fd = pty.openpty()  # no size set: 0 columns, 0 rows
    assert os.get_terminal_size(child_fd) == (0, 0)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    child = subprocess.Popen([sys.executable, "-c", PROGRESS_CHILD], cwd=ROOT, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=child_fd)
    os.close(child_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    child.wait(timeout=60)
    os.close(main_fd)
    text = seen.decode("utf-8", "replace")
    assert "elapsed" in text and "to go" in text and "%|" in text, text
    piped = subprocess.run([sys.executable, "-c", PROGRESS_CHILD], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stderr == ""


# -- replications are numbered alike everywhere ----------------------------------------------------


def test_history_show_numbers_the_replication_as_the_export_does(capsys, tmp_path):
    db = str(tmp_path / "history.sqlite3")
    assert main(["run", "normal-week", "--team", "Blue", "--record", "--db", db]) == 0
    assert "kept the first replication (replication 0)" in capsys.readouterr().err
    assert main(["history", "--show", "1", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert re.search(r"seed 1, replication (\d+), by Blue", shown).group(1) == "0"
    assert main(["history", "--export-csv", str(tmp_path / "runs.csv"), "--db", db]) == 0
    with open(tmp_path / "runs.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["replication"] == "0"


def test_validate_refuses_a_scenario_goal_on_a_share_written_in_percent(capsys, tmp_path):
    text = (ROOT / "scenarios" / "softphone-cutover.yaml").read_text()
    assert "abandonment_rate: {at_most: 0.10}" in text
    path = tmp_path / "percent.yaml"
    path.write_text(text.replace("abandonment_rate: {at_most: 0.10}",
                                 "abandonment_rate: {at_most: 10}"))
    line = text[:text.index("abandonment_rate: {at_most: 0.10}")].count("\n") + 1
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"{path}:{line}: goals.abandonment_rate.at_most: abandonment_rate is a share: expected "
        "a share between 0 and 1, e.g. 0.1 for 10%, got 10\n")


# -- replay --------------------------------------------------------------------------------------


def test_replay_with_a_changed_scenario_file_names_that_file_and_the_line(capsys, tmp_path):
    saved = tmp_path / "run.json"
    assert main(["run", "softphone-cutover", "--save-replay", str(saved)]) == 0
    changed = tmp_path / "cutover-monday.yaml"
    changed.write_text((ROOT / "scenarios" / "softphone-cutover.yaml").read_text()
                       .replace("\ntitle: \"", "\ntitle: \"Changed: ", 1))
    capsys.readouterr()
    assert main(["replay", str(saved), "--scenario", str(changed)]) == 2
    sha_line = next(i for i, line in enumerate(saved.read_text().splitlines(), 1)
                    if '"sha256"' in line)
    assert capsys.readouterr().err == (
        f"{saved}:{sha_line}: scenario.sha256: the scenario {changed} has changed since this "
        "replay was saved (its content hash differs), so replaying it would not reproduce "
        "the run; replay it with the scenario as it was\n")
    # another scenario altogether is named for what it is
    assert main(["replay", str(saved), "--scenario", "normal-week"]) == 2
    assert capsys.readouterr().err.endswith(
        "scenario.id: this replay is a run of scenario 'softphone-cutover', but normal-week is "
        "scenario 'normal-week': replay it with the file of 'softphone-cutover' as it was\n")
    # the scenario as it was replays exactly
    assert main(["replay", str(saved)]) == 0
    assert "reproduced exactly" in capsys.readouterr().out


def test_a_replay_saved_by_another_engine_says_so_when_its_log_differs(capsys, tmp_path):
    """An old replay whose event log no longer comes out the same: exit 1, and the two
    engine versions named, which is why (a replay from this engine reproduces exactly)."""
    saved = tmp_path / "run.json"
    assert main(["run", "normal-week", "--save-replay", str(saved)]) == 0
    data = json.loads(saved.read_text())
    data["engine_version"], data["event_log_sha256"] = "0.1.0", "0" * 64
    saved.write_text(json.dumps(data, indent=2))
    capsys.readouterr()
    assert main(["replay", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "NOT the same event log as when it was saved" in out
    assert f"(saved by engine 0.1.0, replayed by engine {ENGINE_VERSION}" in out


# -- compare -------------------------------------------------------------------------------------

STORY = str(ROOT / "tests" / "data" / "scenarios" / "story.yaml")


def compare_out(capsys, *variants: str, json_output: bool = False) -> str:
    args = ["compare", STORY, *(f"--variant={v}" for v in variants), "-r", "3",
            "--workers", "1"] + (["--json"] if json_output else [])
    assert main(args) == 0
    return capsys.readouterr().out


def test_compare_shows_each_variant_with_its_interval_and_the_paired_difference(capsys,
                                                                               monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    text = compare_out(capsys, "none=policy:none", "prepared=policy:prepared")
    numbers = json.loads(compare_out(capsys, "none=policy:none", "prepared=policy:prepared",
                                     json_output=True))
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    header = next(line for line in lines if line.startswith("figure"))
    assert header.split() == ["figure", "unit", "none", "prepared", "prepared", "−", "none"]
    row = next(line for line in lines if line.startswith("Abandonment rate (phone)"))
    # each variant's mean ± CI (as --json has them, in %), then the paired difference
    for variant in ("none", "prepared"):
        e = numbers["variants"][variant]["abandonment_rate"]
        assert f"{100 * e['mean']:.1f} ± {100 * e['ci95']:.1f}" in row, (variant, row)
    d = numbers["differences"]["prepared"]["abandonment_rate"]
    assert row.split()[-3:] == [f"{100 * d['mean']:+.1f}", "±", f"{100 * d['ci95']:.1f}"]
    assert row.count("±") == 3
    words = " ".join(text.split())  # the introduction wraps to the terminal
    assert "mean ± 95% confidence interval" in words and "in percentage points" in words


def test_compare_of_many_variants_puts_a_variant_on_each_row_to_fit(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    text = compare_out(capsys, "none=policy:none", "prepared=policy:prepared",
                       "again=policy:prepared",
                       "nothing=none")
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert next(line for line in lines if line.startswith("figure")).split() == [
        "figure", "unit", "variant", "mean", "±", "95%", "CI", "−", "none"]
    at = next(i for i, line in enumerate(lines) if line.startswith("Abandonment rate (phone)"))
    block = lines[at:at + 4]
    assert [line.split()[4 if i == 0 else 0] for i, line in enumerate(block)] == [
        "none", "prepared", "again", "nothing"]
    assert all(line.count("±") == (1 if i == 0 else 2) for i, line in enumerate(block))


# -- which decision points a run asked -----------------------------------------------------------


@pytest.fixture
def quiet_point(tmp_path) -> str:
    """story.yaml with one more decision point, whose condition never holds."""
    path = tmp_path / "story.yaml"
    path.write_text(Path(STORY).read_text().replace(
        "decision_points:\n",
        "decision_points:\n"
        "  - {id: quiet, prompt: Quiet, when: {metric: phone_waiting, above: 500}, "
        "levers: [temps]}\n"))
    return str(path)


def test_run_says_which_decision_points_were_asked_and_which_never(capsys, quiet_point):
    assert main(["run", quiet_point, "--policy", "prepared"]) == 0
    out = capsys.readouterr().out
    decisions = out[out.index("\nDecision points"):].splitlines()[1:]
    assert decisions[0] == "Decision points (answered by policy prepared)"
    assert decisions[1:4] == [
        "  quiet  never asked (when phone_waiting is above 500)",
        "  prep   mon 00:00: brief, train",
        "  busy   wed 10:15: temps"]
    # the same moments as the run's own record of its decisions (its replay file)
    from sim import Simulation, load_scenario
    from sim.decisions import DecisionPlan

    scenario = load_scenario(quiet_point)
    outcome = Simulation(scenario, seed=1,
                         decisions=DecisionPlan.from_policy(scenario, "prepared")).run()
    assert [(d.point, d.at_min, d.levers) for d in outcome.decisions] == [
        ("prep", 0.0, ("brief", "train")), ("busy", 2 * 1440 + 615.0, ("temps",))]


def test_run_lists_the_first_askings_of_a_point_and_counts_the_rest(capsys, tmp_path):
    """A point asked at every check lists its first five askings, then how many more there
    were and when the last one was, as the run's own decisions say."""
    from sim import Simulation, load_scenario
    from sim.decisions import DecisionPlan
    from sim.experiments import moment_words

    path = tmp_path / "story.yaml"
    path.write_text(Path(STORY).read_text().replace(
        "decision_points:\n",
        "decision_points:\n  - {id: always, prompt: Again, when: {metric: phone_waiting, "
        "above: -1}, once: false, levers: [temps]}\n").replace(
        "    name: Temporary staff\n", "    name: Temporary staff\n    repeatable: true\n"))
    assert main(["run", str(path), "--policy", "none"]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("\nDecision points"):].splitlines()[2:8]
    assert lines[:5] == ["  always  mon 00:00: no lever", "          mon 00:05: no lever",
                         "          mon 00:10: no lever", "          mon 00:15: no lever",
                         "          mon 00:20: no lever"]
    scenario = load_scenario(str(path))
    outcome = Simulation(scenario, seed=1,
                         decisions=DecisionPlan.from_policy(scenario, "none")).run()
    asked = [d.at_min for d in outcome.decisions if d.point == "always"]
    assert lines[5] == (f"          … and {len(asked) - 5} more times, the last "
                        f"{moment_words(scenario, asked[-1])}")
    assert "the last sat 00:00" in lines[5]


def test_run_over_replications_says_in_how_many_runs_each_point_was_asked(capsys,
                                                                          quiet_point):
    from sim import load_scenario, run_replications
    from sim.decisions import DecisionPlan

    args = ["run", quiet_point, "--policy", "prepared", "-r", "4", "--workers", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Decision points, over the 4 runs (answered by policy prepared)" in out
    assert "  quiet  never asked (when phone_waiting is above 500)" in out
    assert "  prep   asked in 4 of 4 runs; levers pulled: brief (4 runs), train (4 runs)" in out
    busy = re.search(r"  busy   asked in (\d) of 4 runs; levers pulled: temps \((\d) runs?\)",
                     out)
    assert busy and busy.group(1) == busy.group(2), out
    # --json: a key of its own, and the same key figures as sim.run_replications
    result = run_json(capsys, *args[1:])
    assert result["decision_points"]["quiet"] == {"runs_asked": 0, "times_asked": 0,
                                                  "levers": {"temps": 0}}
    assert result["decision_points"]["busy"]["runs_asked"] == int(busy.group(1))
    scenario = load_scenario(quiet_point)
    expected = run_replications(scenario, seed=1, replications=4, workers=1,
                                decisions=DecisionPlan.from_policy(scenario, "prepared"))
    assert {k: v["mean"] for k, v in result["kpis"].items()} == pytest.approx(
        {k: e.mean for k, e in expected.summary().items()}, nan_ok=True)


def test_compare_says_in_how_many_runs_of_each_variant_each_point_was_asked(capsys,
                                                                            quiet_point):
    """As `itsm run -r N` does for one plan: under the table, each decision point with, per
    variant, the runs that asked it and the runs that pulled each lever there."""
    from sim import load_scenario, run_replications
    from sim.decisions import DecisionPlan
    from sim.replications import compare_variants

    args = ["compare", quiet_point, "--variant", "none=policy:none",
            "--variant", "prepared=policy:prepared", "-r", "4", "--workers", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    block = out[out.index("\nDecision points:"):].strip("\n").splitlines()
    assert " ".join(" ".join(block[:2]).split()).startswith(
        "Decision points: in how many of each variant's 4 runs each point was asked, and "
        "each lever under it pulled there")
    at = next(i for i, line in enumerate(block) if line.split() == ["none", "prepared"])
    table = [line.split() for line in block[at + 1:-1]]
    # what the runs of each variant decided, counted here from their decisions themselves
    scenario = load_scenario(quiet_point)
    kept = {name: run_replications(scenario, seed=1, replications=4, workers=1,
                                   decisions=DecisionPlan.from_policy(scenario, name),
                                   keep=decisions_of).kept for name in ("none", "prepared")}

    def runs(name: str, point: str, lever: str | None = None) -> str:
        """In how many of the variant's runs `point` was asked (and `lever` pulled there)."""
        return str(sum(any(d.point == point and (lever is None or lever in d.levers)
                           for d in decisions) for decisions in kept[name]))

    assert table[0] == ["prep", runs("none", "prep"), runs("prepared", "prep")] == \
        ["prep", "4", "4"]
    assert table[1] == ["brief", "0", "4"] and table[2] == ["train", "0", "4"]
    busy = next(row for row in table if row[0] == "busy")
    assert busy == ["busy", runs("none", "busy"), runs("prepared", "busy")]
    temps = table[table.index(busy) + 1]
    assert temps == ["temps", "0", runs("prepared", "busy", "temps")]
    assert block[-1] == ("  never asked in any run: quiet (when phone_waiting is above "
                         "500)")
    # --json: the same counts, under a key of its own
    assert main([*args, "--json"]) == 0
    points = json.loads(capsys.readouterr().out)["decision_points"]
    assert points["prepared"]["prep"] == {"runs_asked": 4, "times_asked": 4,
                                          "levers": {"brief": 4, "train": 4}}
    assert points["none"]["quiet"]["runs_asked"] == 0
    # sim.replications.compare_variants passes `keep` on to every variant's replications
    plans = {name: DecisionPlan.from_policy(scenario, name) for name in ("none", "prepared")}
    comparison = compare_variants(scenario, plans, seed=1, replications=4, workers=1,
                                  keep=decisions_of)
    assert {v: r.kept for v, r in comparison.variants.items()} == kept
    assert compare_variants(scenario, plans, seed=1, replications=2,
                            workers=1).variants["none"].kept is None


def decisions_of(outcome) -> list:
    """What a run decided, as the run itself keeps it (`Outcome.decisions`)."""
    return list(outcome.decisions)


def figure_cells(text: str, label: str) -> list[str]:
    """The `mean ± half-width` texts on a table's row of one figure, units left out."""
    row = next(line for line in text.splitlines() if line.strip().startswith(label + "  "))
    rest = row.strip()[len(label):]
    bare = " ".join(re.sub(r"%|\bpts\b|\bmin\b|\bEUR\b|/ ?100|\bh\b", " ", rest).split())
    return re.findall(r"[-+]?[\d,.<]+ ± [\d,.<]+", bare)


def test_run_and_compare_write_a_figure_and_its_interval_the_same_way(capsys, monkeypatch):
    """`itsm run -r 3 --policy prepared` and the `prepared` variant of `itsm compare -r 3`
    are the same runs: each figure reads the same in both, digit for digit (a count's
    interval to one decimal, as its mean: "395 ± 11.3", not "395 ± 11.28")."""
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", STORY, "--policy", "prepared", "-r", "3", "--workers", "1"]) == 0
    ran = capsys.readouterr().out
    compared = compare_out(capsys, "none=policy:none", "prepared=policy:prepared")
    for label in ("Contacts", "Answered", "Abandonment rate (phone)",
                  "Average speed of answer (phone)", "First-contact resolution",
                  "Satisfaction at the end (0-100)", "Total cost (IT and lost business time)",
                  "Open contacts and tickets, average"):
        (in_run,) = figure_cells(ran, label)
        assert in_run == figure_cells(compared, label)[1], (label, in_run)
    contacts = figure_cells(ran, "Contacts")[0]
    assert re.fullmatch(r"[\d,]+(\.\d)? ± [\d,]+\.\d", contacts), contacts


def test_one_formatter_writes_every_figure_with_its_interval():
    from cli.main import _estimate_text
    from sim.replications import Estimate

    assert _estimate_text(Estimate(395.0, 11.283, 20), "count") == "395 ± 11.3"
    assert _estimate_text(Estimate(0.0823, 0.0141, 20), "share") == "8.2% ± 1.4 pts"
    assert _estimate_text(Estimate(0.0823, 0.0141, 20), "share", units=False) == "8.2 ± 1.4"
    assert _estimate_text(Estimate(-0.468, 0.022, 20), "share", difference=True) == \
        "-46.8 pts ± 2.2 pts"
    assert _estimate_text(Estimate(1267.04, 139.8, 20), "min") == "1,267.04 min ± 139.80 min"
    assert _estimate_text(Estimate(9875.0, 0.0, 20), "money", "EUR") == "9,875 EUR ± 0"
    assert _estimate_text(Estimate(74.8, 0.04, 20), "points") == "74.8 / 100 ± 0.0"
    assert _estimate_text(Estimate(0.8, 0.05, 20), "points", difference=True) == "+0.80 ± 0.05"
    assert _estimate_text(Estimate(None, None, 0), "min") == "—"


def test_tables_name_departments_teams_and_suppliers_as_the_debrief_does(capsys,
                                                                         monkeypatch):
    """softphone-cutover's departments, teams and suppliers by their names, in `itsm run`
    and `itsm compare`; a label too long for its column wraps at a space, never inside
    "softphone-vendor" or any other word."""
    assert main(["run", "softphone-cutover", "--policy", "prepared"]) == 0
    out = capsys.readouterr().out
    for named in ("Satisfaction — HR and Administration", "Satisfaction — Customer Service",
                  "Utilisation — Softphone vendor", "Mean wait in queue — Service desk",
                  "Utilisation — Infrastructure and telephony"):
        assert f"  {named}  " in out, named
    for raw in ("— hr", "— customer-service", "— softphone-vendor", "— service-desk"):
        assert raw not in out, raw
    satisfaction = [line.split("—")[1].split("  ")[0].strip() for line in out.splitlines()
                    if line.startswith("  Satisfaction — ")]
    assert satisfaction == sorted(satisfaction)  # by name, as they read
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["compare", "softphone-cutover", "--variant", "u=policy:unprepared",
                 "--variant", "p=policy:prepared", "-r", "2", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "— hr " not in out and "— softphone-vendor" not in out
    table = out[out.index("\nfigure "):out.index("\nDecision points")].splitlines()[3:]
    first_column = [line.split("  ")[0] if not line.startswith("  ") else
                    line[:2] + line[2:].split("  ")[0] for line in table]
    # a label's second line starts with two spaces; the first ends on a whole word
    broken = [a for a, b in zip(first_column, first_column[1:], strict=False)
              if b.startswith("  ") and b.strip() and not a.startswith("  ")]
    assert broken, "expected some labels to wrap at 100 columns"
    assert not [a for a in broken if a.endswith("-")], broken
    joined = " ".join(" ".join(first_column).split())
    assert "Mean wait in queue — Softphone vendor" in joined
    assert "Utilisation — Softphone vendor" in joined
    assert "Satisfaction — HR and Administration" in joined


def test_replay_says_when_each_decision_was_taken_as_itsm_run_does(capsys, tmp_path):
    """Not "at minute 3420": the weekday and time, as `itsm run` and a decisions file write
    them, with the minute for designers."""
    saved, _ = saved_story_run(capsys, tmp_path, "decisions:\n  - {point: prep, levers: "
                               "[brief, train]}\n  - {at: \"thu 09:30\", levers: [temps]}\n")
    assert main(["replay", str(saved)]) == 0
    out = capsys.readouterr().out
    shown = out.splitlines()[1:out.splitlines().index("")]
    recorded = json.loads(saved.read_text())["decisions"]
    assert len(shown) == len(recorded) >= 2
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for line, d in zip(shown, recorded, strict=True):
        day, minute = divmod(int(d["at_min"]), 1440)
        when = f"{days[day]} {minute // 60:02d}:{minute % 60:02d} (minute {d['at_min']:g})"
        what = d.get("point") or "free decision"
        assert line == f"  {what} at {when}: {', '.join(d['levers']) or 'no lever'}", line
    assert "  prep at mon 00:00 (minute 0): brief, train" in shown
    assert "  free decision at thu 09:30 (minute 4890): temps" in shown
    assert "at minute" not in out


def test_an_unknown_option_is_reported_with_the_commands_own_usage():
    result = itsm("leaderboard", "softphone-cutover", "--bye", "x")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage: itsm leaderboard ")
    assert result.stderr.rstrip().endswith(
        "itsm leaderboard: error: unrecognized arguments: --bye x (did you mean --by?)")


def test_the_printed_figures_given_as_a_replay_or_to_validate_are_named_for_what_they_are(
        capsys, tmp_path):
    """`itsm run --json > r.json` then `itsm replay r.json`: one sentence saying what the
    file is and how to make a replay, not sixty fields listed as wrong."""
    figures = tmp_path / "r.json"
    assert main(["run", "normal-week", "-r", "2", "--json"]) == 0
    figures.write_text(capsys.readouterr().out)
    assert main(["replay", str(figures)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{figures}:1: this is the key figures of a run, as `itsm run --json` "
                   "prints them (scenario, seed, replications, kpis), not a replay file: "
                   "expected a replay file (a JSON object with the scenario, the seed and the "
                   "decisions: itsm run --save-replay FILE writes one)"]
    assert main(["validate", str(figures)]) == 2
    assert "this is the key figures of a run" in capsys.readouterr().err


# -- replay files checked as strictly as decisions files --------------------------------------


def saved_story_run(capsys, tmp_path, decided: str = "decisions:\n  - {point: prep, levers: "
                    "[brief]}\n  - {at: \"tue 10:00\", levers: [temps]}\n") -> tuple[Path, dict]:
    """A replay of story.yaml and its content, with the decisions file `decided` (by
    default: prep answered with brief, temps pulled freely on Tuesday)."""
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(decided)
    saved = tmp_path / "run.json"
    assert main(["run", STORY, "--decisions", str(decisions), "--save-replay",
                 str(saved)]) == 0
    capsys.readouterr()
    return saved, json.loads(saved.read_text())


def replay_refused(capsys, path: Path, data: dict | None = None) -> list[str]:
    """What `itsm replay FILE` prints about a replay file it refuses (exit 2, nothing on
    stdout, no traceback), line by line; `data` is written to FILE first, as JSON."""
    if data is not None:
        path.write_text(json.dumps(data, indent=2) + "\n")
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err.splitlines()


def line_with(path: Path, text: str, last: bool = False) -> int:
    """The number of the first (or the `last`) line of `path` that contains `text`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return found[-1 if last else 0]


def test_a_replay_pulling_an_unknown_lever_or_a_spent_one_is_refused_at_its_line(capsys,
                                                                                 tmp_path):
    """Not the engine's KeyError or ValueError half-way through the run: the checks of a
    decisions file, located in the JSON file."""
    saved, data = saved_story_run(capsys, tmp_path)
    free = next(i for i, d in enumerate(data["decisions"]) if d.get("point") is None)
    data["decisions"][0]["levers"] = ["brief", "nope"]
    data["decisions"].append({"levers": ["temps"], "at_min": 5000.0})
    last = len(data["decisions"]) - 1
    saved.write_text(json.dumps(data, indent=2) + "\n")
    nope, again = line_with(saved, '"nope"'), line_with(saved, '"temps"', last=True)
    assert replay_refused(capsys, saved) == [
        f"{saved}:{nope}: decisions[0].levers[1]: no lever 'nope' in scenario story (it has: "
        "brief, train, temps)",
        f"{saved}:{again}: "
        f"decisions[{last}].levers[0]: temps can be pulled only once in a run, and "
        f"decisions[{free}] pulls it already: take it out of one of the two, or make the "
        "lever repeatable: true in scenario story"]


def test_a_replay_file_is_checked_field_by_field(capsys, tmp_path):
    saved, data = saved_story_run(capsys, tmp_path)
    free = next(i for i, d in enumerate(data["decisions"]) if d.get("point") is None)
    wrong = json.loads(json.dumps(data))
    wrong["version"] = 99
    wrong["decisions"][free]["at_min"] = -5
    wrong["decisions"][0]["point"] = "nope"
    saved.write_text(json.dumps(wrong, indent=2) + "\n")
    version = line_with(saved, '"version"')
    assert replay_refused(capsys, saved) == [
        f"{saved}:{version}: version: this replay file is of version "
        "99, and this itsm reads version 1 only (was it saved by another version of itsm?)",
        f"{saved}:{line_with(saved, '-5')}: decisions[{free}].at_min: expected a number >= 0, "
        "got -5"]
    # once it reads, its decisions are checked against the scenario: an answer to a point
    # the scenario does not have is not ignored
    wrong["version"], wrong["decisions"][free]["at_min"] = 1, 2040.0
    assert replay_refused(capsys, saved, wrong) == [
        f"{saved}:{line_with(saved, 'nope')}: decisions[0].point: no decision point "
        "'nope' in scenario story (it has: prep, busy)"]
    del wrong["decisions"]
    assert replay_refused(capsys, saved, wrong) == [
        f"{saved}:1: decisions: missing required field"]
    # a file cut short is told as JSON, not as YAML
    text = json.dumps(data, indent=2)
    saved.write_text(text[:text.index("\"event_log_sha256\"") + 30])
    (refused,) = replay_refused(capsys, saved)
    assert refused.startswith(f"{saved}:{len(saved.read_text().splitlines())}: JSON syntax "
                              "error: unterminated string starting at column ")
    assert refused.endswith("The file ends before the JSON is complete: was it cut short "
                            "(copied in part, or saved while it was being written)?")
    assert "YAML" not in refused


def test_a_replay_finds_its_scenario_next_to_it_or_says_how_to_name_it(capsys, tmp_path,
                                                                      monkeypatch):
    """A replay keeps the scenario's path as typed (`story.yaml`): from another folder it
    is looked for next to the replay file; when it is not there, the message says where it
    looked and how to name the file."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "story.yaml").write_text(Path(STORY).read_text())
    monkeypatch.chdir(tmp_path / "mine")
    assert main(["run", "story.yaml", "--save-replay", "run.json"]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["replay", "mine/run.json"]) == 0
    assert "reproduced exactly" in capsys.readouterr().out
    (tmp_path / "elsewhere").mkdir()
    moved = tmp_path / "elsewhere" / "run.json"
    (tmp_path / "mine" / "run.json").rename(moved)
    source = line_with(moved, '"source"')
    assert replay_refused(capsys, Path("elsewhere/run.json")) == [
        f"elsewhere/run.json:{source}: scenario.source: no scenario "
        f"file story.yaml (looked for {tmp_path}/elsewhere/story.yaml and "
        f"{tmp_path}/story.yaml); this replay is a run of scenario 'story': name its file "
        "with itsm replay elsewhere/run.json --scenario PATH"]
    assert main(["replay", "elsewhere/run.json", "--scenario", "mine/story.yaml"]) == 0


def test_every_problem_of_a_decisions_or_experiment_file_is_printed_with_exit_2(capsys,
                                                                               tmp_path):
    decisions = tmp_path / "bad.yaml"
    decisions.write_text("policy: nope\ndecisions:\n  - {point: prep, levers: [trian]}\n"
                         "  - {at: 100, levers: [temps]}\n  - {at: 200, levers: [temps]}\n"
                         "  - {at: 300, levers: [temps]}\n")
    assert main(["run", STORY, "--decisions", str(decisions)]) == 2
    assert capsys.readouterr() == ("", "".join(f"{decisions}:{line}\n" for line in [
        "1: policy: no policy 'nope' in scenario story (did you mean 'none'?)",
        "3: decisions[0].levers[0]: no lever 'trian' in scenario story (did you mean "
        "'train'?)",
        "5: decisions[2].levers[0]: temps can be pulled only once in a run, and decisions[1] "
        "pulls it already: take it out of one of the two, or make the lever repeatable: true "
        "in scenario story"]))
    experiment = tmp_path / "exp.yaml"
    experiment.write_text("scenario: softphone-cutover\nvariants:\n  base: {}\n"
                          "  mixed: {decisions: {preparation: [temp-staff], monday: []}}\n"
                          "  hyper: {decisions: {preparation: [hyper-care]}}\n")
    assert main(["validate", str(experiment)]) == 2
    assert capsys.readouterr() == ("", "".join(f"{experiment}:{line}\n" for line in [
        "4: variants.mixed.decisions.preparation[0]: decision point preparation does not "
        "offer temp-staff (it offers: brief-help-desk, train-users, clear-communication, "
        "pilot-group, floor-walkers, hypercare, keep-wired-lines, postpone)",
        "4: variants.mixed.decisions.monday: no decision point 'monday' in scenario "
        "softphone-cutover (it has: preparation, queue-building, tuesday-morning)",
        "5: variants.hyper.decisions.preparation[0]: no lever 'hyper-care' in scenario "
        "softphone-cutover (did you mean 'hypercare'?)"]))

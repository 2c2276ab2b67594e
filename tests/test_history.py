"""The run history (`sim.history`) and its commands (`itsm history`, `itsm leaderboard`).

Every test works on a database in its own temporary folder (`ITSM_HISTORY` and
`XDG_DATA_HOME` point there), never on the user's real data folder. What is checked:

- a saved run reads back whole: scenario, hash, title, seed, team, decisions, every key
  figure, the headline columns, engine version, time saved; and its replay, run again,
  gives the same event log, byte for byte;
- `runs` lists newest first and filters; `leaderboard` ranks best first, higher or lower
  by the figure's meaning, ties to the run saved first, and refuses figures that have no
  better direction; `export_csv` writes the agreed columns, one row per run;
- the schema: a new file is at the current version, in WAL mode, marked as ours; a
  version-1 file built by hand is migrated (and its old runs kept); a file from a newer
  version, a damaged file, a file that is not SQLite and someone else's SQLite file are
  refused with a message that names the file, never altered;
- a locked file gives a clear error;
- the commands, in this process and once as a real process (exit 2, no traceback);
- a crash: a writer saving runs in a loop is killed with SIGKILL at random moments; after
  each kill the file passes `PRAGMA integrity_check` and every run the writer reported as
  saved is there, complete.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import random
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from sim import Simulation, load_builtin, scenario_from_text
from sim.decisions import DecisionPlan
from sim.engine import ENGINE_VERSION
from sim.history import (
    APPLICATION_ID,
    CSV_COLUMNS,
    HEADLINE_KPIS,
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    HistoryError,
    RunNotFound,
    check_history,
    default_path,
    history_path,
    kpi_direction,
    save_outcome,
)
from sim.replay import ReplayFile, load_replay, replay, scenario_for, scenario_hash

ROOT = Path(__file__).resolve().parent.parent
CUTOVER = "softphone-cutover"

#: A scenario small enough to run in a few milliseconds (no departments: no score).
TINY = """\
id: tiny-desk
title: Two agents, one queue
clock: {duration: 300}
teams:
  - {id: desk, staff: 2}
categories:
  - id: call
    arrivals: {per_minute: 0.3}
    channel: phone
    handle: {dist: exponential, mean: 5}
    patience: {dist: exponential, mean: 3}
    team: desk
"""


@pytest.fixture(autouse=True)
def private_history(tmp_path, monkeypatch) -> Path:
    """Each test's own history file; the user's data folder is never touched."""
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv("ITSM_HISTORY", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ITSM_SCENARIOS", raising=False)
    return path


@pytest.fixture(scope="module")
def cutover():
    return load_builtin(CUTOVER)


@pytest.fixture(scope="module")
def outcomes(cutover) -> dict:
    """The cutover week, seed 1, under three of its policies."""
    return {policy: Simulation(cutover, seed=1, decisions=DecisionPlan.from_policy(
        cutover, policy)).run() for policy in ("prepared", "unprepared", "brief-only")}


@pytest.fixture(scope="module")
def tiny():
    return Simulation(scenario_from_text(TINY), seed=1).run()


def with_kpis(outcome, **kpis):
    """The same run, with some key figures set by hand (to test the ranking exactly)."""
    return dataclasses.replace(outcome, _kpis={**outcome.kpis(), **kpis})


# -- save and read back --------------------------------------------------------------------------


def test_a_saved_run_reads_back_whole(outcomes, cutover, private_history):
    outcome = outcomes["prepared"]
    before = datetime.now(UTC)
    with History() as history:
        assert history.path == private_history
        run_id = history.save(outcome, CUTOVER, team="Blue table")
        record = history.get(run_id)
    assert record.id == run_id
    assert record.scenario_id == CUTOVER and record.scenario_title == cutover.title
    assert record.scenario_sha256 == scenario_hash(cutover)
    assert record.scenario_source == CUTOVER and record.currency == cutover.currency
    assert (record.seed, record.replication, record.team) == (1, 0, "Blue table")
    assert record.decisions == [d.as_dict() for d in outcome.decisions]
    assert record.decisions[0]["levers"][0] == "brief-help-desk"
    assert record.decisions_text.startswith("preparation: brief-help-desk, train-users")
    assert record.kpis == outcome.kpis()
    for name in HEADLINE_KPIS:
        assert getattr(record, name) == outcome.kpis()[name]
    assert record.score is not None
    assert record.engine_version == ENGINE_VERSION
    assert record.event_log_sha256 == outcome.log.digest()
    assert before <= record.saved_at <= datetime.now(UTC)


def test_the_replay_kept_in_the_history_reproduces_the_run(outcomes, tmp_path):
    outcome = outcomes["brief-only"]
    run_id = save_outcome(outcome, CUTOVER, team="Green")
    with History() as history:
        text = history.replay_json(run_id)
        assert history.replay(run_id) == ReplayFile.model_validate_json(text)
    path = tmp_path / "run.json"
    path.write_text(text, encoding="utf-8")
    saved = load_replay(path)
    assert (saved.team, saved.seed) == ("Green", 1)
    again = replay(saved, scenario_for(saved, str(path)))
    assert again.log.digest() == saved.event_log_sha256 == outcome.log.digest()


def test_runs_are_listed_newest_first_and_filtered(outcomes, tiny):
    with History() as history:
        first = history.save(outcomes["prepared"], CUTOVER, team="Blue")
        second = history.save(tiny, "tiny.yaml", team="Red")
        third = history.save(outcomes["unprepared"], CUTOVER, team="Red")
        assert [r.id for r in history.runs()] == [third, second, first]
        assert [r.id for r in history.runs(scenario_id=CUTOVER)] == [third, first]
        assert [r.id for r in history.runs(team="Red")] == [third, second]
        assert [r.id for r in history.runs(CUTOVER, "Red")] == [third]
        assert [r.id for r in history.runs(limit=2)] == [third, second]
        assert history.runs(scenario_id="nothing-like-it") == []
        assert history.count() == 3 and history.count(team="Blue") == 1
        # a scenario without departments has no score: kept as missing, not as zero
        assert history.get(second).score is None
        assert history.get(second).abandonment_rate == tiny.kpis()["abandonment_rate"]


def test_an_unknown_run_is_none_and_its_replay_a_clear_error():
    with History() as history:
        assert history.get(42) is None
        with pytest.raises(RunNotFound, match="no run 42"):
            history.replay_json(42)


def test_save_outcome_and_check_history_use_the_environments_file(tiny, private_history):
    assert check_history() == private_history
    run_id = save_outcome(tiny, "tiny.yaml", "solo")
    other = private_history.with_name("other.sqlite3")
    assert save_outcome(tiny, "tiny.yaml", db=other) == 1
    with History() as history:
        assert [r.id for r in history.runs()] == [run_id]
    with History(other) as history:
        assert history.get(1).team == ""


# -- where the file is ---------------------------------------------------------------------------


def test_the_file_is_found_by_argument_then_environment_then_xdg(tmp_path, monkeypatch):
    assert history_path(tmp_path / "given.sqlite3") == tmp_path / "given.sqlite3"
    assert history_path() == tmp_path / "history.sqlite3"  # ITSM_HISTORY
    monkeypatch.delenv("ITSM_HISTORY")
    expected = tmp_path / "xdg" / "moments-of-truth" / "history.sqlite3"
    assert history_path() == default_path() == expected
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unusable in ("", "relative/path"):  # the XDG spec: ignore a relative path
        monkeypatch.setenv("XDG_DATA_HOME", unusable)
        assert history_path() == (tmp_path / "home" / ".local" / "share" /
                                  "moments-of-truth" / "history.sqlite3")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with History() as history:  # the folders are created on first use
        assert history.path == expected and expected.is_file()


# -- leaderboard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kpi", "better"), [
    ("score", "higher"), ("satisfaction", "higher"), ("satisfaction_sales", "higher"),
    ("fcr", "higher"), ("moments_good", "higher"), ("csat", "higher"), ("cost_total", "lower"),
    ("cost_lost_business", "lower"), ("abandonment_rate", "lower"), ("asa_min", "lower"),
    ("mean_wait_min_phone", "lower"), ("mttr_min_p3", "lower"), ("sla_breach_rate", "lower"),
    ("backlog_end", "lower"), ("lost_work_hours", "lower"), ("moments_bad", "lower"),
])
def test_which_way_is_better_follows_the_figures_meaning(kpi, better):
    assert kpi_direction(kpi) == better


@pytest.mark.parametrize(("kpi", "why"), [
    ("contacts", "demand"), ("utilisation_service-desk", "idle staff"),
    ("handle_min", "rushed"), ("scroe", "unknown key figure"),
])
def test_a_leaderboard_by_a_figure_without_a_better_direction_is_refused(kpi, why):
    with pytest.raises(HistoryError, match=why):
        kpi_direction(kpi)
    with History() as history, pytest.raises(HistoryError, match=why):
        history.leaderboard(CUTOVER, kpi)


def test_the_leaderboard_ranks_best_first_ties_to_the_first_saved(outcomes, tiny):
    base = outcomes["prepared"]
    with History() as history:
        ids = {}
        for team, score, cost in (("A", 60.0, 900.0), ("B", 75.0, 500.0), ("C", 60.0, 100.0),
                                  ("D", 75.0, 700.0), ("B", 50.0, 50.0)):
            run = with_kpis(base, score=score, cost_total=cost)
            ids.setdefault(team, []).append(history.save(run, CUTOVER, team=team))
        history.save(with_kpis(base, score=None), CUTOVER, team="no score")
        history.save(tiny, "tiny.yaml", team="other scenario")

        board = history.leaderboard(CUTOVER)
        # 75 (B, then D saved later), 60 (A, then C), 50; the run without a score is left out
        assert [(r.team, r.score) for r in board] == [("B", 75.0), ("D", 75.0), ("A", 60.0),
                                                      ("C", 60.0), ("B", 50.0)]
        assert [r.team for r in history.leaderboard(CUTOVER, limit=2)] == ["B", "D"]
        assert [r.team for r in history.leaderboard(CUTOVER, per_team=True)] == [
            "B", "D", "A", "C"]
        # cost: lower is better
        assert [r.cost_total for r in history.leaderboard(CUTOVER, "cost_total", limit=3)] == [
            50.0, 100.0, 500.0]
        assert [r.team for r in history.leaderboard(CUTOVER, "cost_total", per_team=True)] == [
            "B", "C", "D", "A", "no score"]
        assert history.leaderboard("tiny-desk") == []  # no score in that scenario
        assert [r.team for r in history.leaderboard("tiny-desk", "abandonment_rate")] == [
            "other scenario"]


def test_the_leaderboard_ranks_by_figures_kept_only_in_the_json(outcomes):
    with History() as history:
        for policy, run in outcomes.items():
            history.save(run, CUTOVER, team=policy)
        board = history.leaderboard(CUTOVER, "mean_wait_min_phone")
        waits = [r.kpis["mean_wait_min_phone"] for r in board]
        assert waits == sorted(waits) and board[0].team == "prepared"
        by_sales = history.leaderboard(CUTOVER, "satisfaction_sales")
        assert [r.kpis["satisfaction_sales"] for r in by_sales] == sorted(
            (r.kpis["satisfaction_sales"] for r in by_sales), reverse=True)


def test_the_leaderboard_keeps_one_seed_or_one_version_of_the_scenario(cutover, outcomes):
    other_seed = Simulation(cutover, seed=2).run()
    with History() as history:
        history.save(outcomes["prepared"], CUTOVER, team="seed 1")
        history.save(other_seed, CUTOVER, team="seed 2")
        assert [r.team for r in history.leaderboard(CUTOVER, seed=2)] == ["seed 2"]
        prefix = scenario_hash(cutover)[:10]
        assert len(history.leaderboard(CUTOVER, scenario_sha256=prefix)) == 2
        assert history.leaderboard(CUTOVER, scenario_sha256="0" * 64) == []
        with pytest.raises(HistoryError, match="hex digits"):
            history.leaderboard(CUTOVER, scenario_sha256="not-a-hash")


# -- CSV -----------------------------------------------------------------------------------------


def test_export_csv_has_one_row_per_run_with_the_agreed_columns(outcomes, tiny, tmp_path):
    with History() as history:
        a = history.save(outcomes["prepared"], CUTOVER, team="Blue table")
        b = history.save(tiny, "tiny.yaml", team="=HYPERLINK(\"http://x\")")
        path = tmp_path / "runs.csv"
        assert history.export_csv(path) == 2
        stream = io.StringIO()
        assert history.export_csv(stream, scenario_id=CUTOVER) == 1
    assert not path.with_name("runs.csv.partial").exists()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[:9] == ("id", "saved_at", "scenario_id", "scenario_title",
                               "scenario_sha256", "seed", "replication", "team", "decisions")
    assert set(HEADLINE_KPIS) <= set(CSV_COLUMNS)
    first, second = rows  # oldest first
    assert (int(first["id"]), int(second["id"])) == (a, b)
    assert first["scenario_id"] == CUTOVER and first["team"] == "Blue table"
    assert first["seed"] == "1" and first["engine_version"] == ENGINE_VERSION
    assert first["decisions"].startswith("preparation: brief-help-desk")
    for name in HEADLINE_KPIS:
        assert float(first[name]) == outcomes["prepared"].kpis()[name]
    assert datetime.fromisoformat(first["saved_at"]).tzinfo is not None
    assert second["score"] == ""  # no score: an empty cell, not 0
    assert second["team"].startswith("'=")  # a spreadsheet will not run it as a formula
    only = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [int(r["id"]) for r in only] == [a]


# -- schema versions -----------------------------------------------------------------------------

#: Version 1 of the schema as it was written (kept here by hand: the test must not use
#: the code it checks to build the old file).
V1_SCHEMA = """
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    saved_at         TEXT    NOT NULL,
    scenario_id      TEXT    NOT NULL,
    scenario_sha256  TEXT    NOT NULL,
    scenario_title   TEXT    NOT NULL,
    scenario_source  TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    seed             INTEGER NOT NULL,
    replication      INTEGER NOT NULL,
    team             TEXT    NOT NULL DEFAULT '',
    decisions_json   TEXT    NOT NULL,
    kpis_json        TEXT    NOT NULL,
    score            REAL,
    satisfaction     REAL,
    abandonment_rate REAL,
    asa_min          REAL,
    fcr              REAL,
    cost_total       REAL,
    replay_json      TEXT    NOT NULL,
    engine_version   TEXT    NOT NULL
);
CREATE INDEX runs_by_scenario ON runs (scenario_id, saved_at);
"""


def build_v1(path: Path, outcome) -> None:
    """A version-1 history with one run in it, written without sim.history."""
    from sim.replay import replay_of

    saved = replay_of(outcome, CUTOVER, team="from v1")
    kpis = outcome.kpis()
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    db.execute(
        "INSERT INTO runs (saved_at, scenario_id, scenario_sha256, scenario_title, "
        "scenario_source, currency, seed, replication, team, decisions_json, kpis_json, "
        "score, satisfaction, abandonment_rate, asa_min, fcr, cost_total, replay_json, "
        "engine_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("2024-01-02T03:04:05.000006+00:00", CUTOVER, saved.scenario.sha256,
         outcome.scenario.title, CUTOVER, "EUR", 1, 0, "from v1",
         json.dumps([d.as_dict() for d in outcome.decisions]), json.dumps(kpis),
         *(kpis[k] for k in HEADLINE_KPIS), saved.model_dump_json(), "0.0.9"))
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def pragma(path: Path, name: str):
    db = sqlite3.connect(path)
    try:
        return db.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        db.close()


def test_a_new_history_is_at_the_current_version_in_wal_mode(private_history):
    assert SCHEMA_VERSION == len(MIGRATIONS) == 2
    with History() as history:
        assert history.schema_version == SCHEMA_VERSION
    assert pragma(private_history, "user_version") == SCHEMA_VERSION
    assert pragma(private_history, "application_id") == APPLICATION_ID
    assert pragma(private_history, "journal_mode") == "wal"  # it stays in the file


def test_a_version_1_history_is_migrated_and_keeps_its_runs(outcomes, tiny, private_history):
    build_v1(private_history, outcomes["unprepared"])
    with History() as history:
        assert history.schema_version == 2
        (old,) = history.runs()
        assert (old.id, old.team, old.engine_version) == (1, "from v1", "0.0.9")
        assert old.saved_at == datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
        # the v2 column was filled in from the old run's replay
        assert old.event_log_sha256 == outcomes["unprepared"].log.digest()
        assert old.kpis == outcomes["unprepared"].kpis()
        new = history.save(tiny, "tiny.yaml", team="after the upgrade")
        assert new == 2 and [r.id for r in history.runs()] == [2, 1]
        assert history.leaderboard(CUTOVER)[0].id == 1
    db = sqlite3.connect(private_history)
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"runs_by_scenario", "runs_by_team", "runs_by_score"} <= indexes
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()
    with History() as history:  # opening again migrates nothing more
        assert history.schema_version == 2 and history.count() == 2


def test_a_history_from_a_newer_version_is_refused_and_left_alone(tiny, private_history):
    save_outcome(tiny, "tiny.yaml")
    db = sqlite3.connect(private_history)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(HistoryError) as caught:
        History()
    message = str(caught.value)
    assert str(private_history) in message and "newer version" in message
    assert f"v{SCHEMA_VERSION + 1}" in message
    assert pragma(private_history, "user_version") == SCHEMA_VERSION + 1


def test_a_file_that_is_not_sqlite_is_refused_with_a_clear_message(private_history):
    garbage = b"these are not the runs you are looking for\n" * 200
    private_history.write_bytes(garbage)
    with pytest.raises(HistoryError) as caught:
        History()
    message = str(caught.value)
    assert str(private_history) in message and "damaged" in message
    assert private_history.read_bytes() == garbage  # never "repaired" into something else


def test_a_damaged_history_is_refused_with_a_clear_message(outcomes, private_history):
    with History() as history:
        for run in outcomes.values():
            history.save(run, CUTOVER)
    size = private_history.stat().st_size
    assert size > 3 * 4096
    with open(private_history, "r+b") as handle:  # overwrite pages 2 and 3 (the tables)
        handle.seek(4096)
        handle.write(bytes(range(256)) * 32)
    with pytest.raises(HistoryError, match="damaged"):
        with History() as history:
            history.runs()


def test_another_programs_sqlite_file_is_refused(private_history):
    db = sqlite3.connect(private_history)
    db.execute("CREATE TABLE bookmarks (url TEXT)")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="not a Moments of Truth run history"):
        History()
    db = sqlite3.connect(private_history)
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["bookmarks"]
    db.close()


def test_a_locked_history_gives_a_clear_error_and_keeps_earlier_runs(tiny, private_history):
    first = save_outcome(tiny, "tiny.yaml")
    holder = sqlite3.connect(private_history, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program is writing, and takes its time
    try:
        with History(timeout=0.2) as history:
            with pytest.raises(HistoryError, match="in use by another program"):
                history.save(tiny, "tiny.yaml")
            assert [r.id for r in history.runs()] == [first]  # readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert save_outcome(tiny, "tiny.yaml") == first + 1


def test_a_folder_given_as_the_history_is_refused(tmp_path):
    with pytest.raises(HistoryError, match="is a folder"):
        History(tmp_path)


# -- the commands --------------------------------------------------------------------------------


@pytest.fixture
def filled(outcomes, tiny) -> dict[str, int]:
    """A history with three cutover runs (one per team) and one run of another scenario."""
    with History() as history:
        return {
            "Blue": history.save(outcomes["prepared"], CUTOVER, team="Blue"),
            "Red": history.save(outcomes["unprepared"], CUTOVER, team="Red"),
            "tiny": history.save(tiny, "tiny.yaml", team="solo"),
            "Green": history.save(outcomes["brief-only"], CUTOVER, team="Green"),
        }


def test_itsm_history_lists_runs_newest_first(capsys, filled, private_history):
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert str(private_history) in lines[0] and "4 runs" in lines[0]
    assert lines[1].split()[:5] == ["run", "saved", "scenario", "seed", "team"]
    body = [line.split() for line in lines[2:]]
    assert [row[0] for row in body] == ["4", "3", "2", "1"]
    assert body[3][3:6] == [CUTOVER, "1", "Blue"]
    assert "70.9 / 100" in lines[-1] and "EUR" in lines[-1]  # prepared, seed 1
    assert main(["history", "--scenario", CUTOVER, "--team", "Red"]) == 0
    out = capsys.readouterr().out
    assert "1 run (scenario softphone-cutover, team Red)" in out
    assert main(["history", "--limit", "1"]) == 0
    assert "the 1 newest of 4" in capsys.readouterr().out


def test_itsm_history_json_and_show(capsys, filled, outcomes):
    assert main(["history", "--json", "--team", "Blue"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    (run,) = json.loads(out)["runs"]
    assert run["id"] == filled["Blue"] and run["kpis"] == outcomes["prepared"].kpis()
    assert run["decisions"][0]["point"] == "preparation"
    assert main(["history", "--show", str(filled["Blue"])]) == 0
    out = capsys.readouterr().out
    assert "by Blue" in out and "preparation at mon 00:00 (minute 0): brief-help-desk" in out
    assert "Balanced score (0-100)" in out and "Satisfaction — Sales" in out


def test_itsm_history_show_says_when_each_decision_was_taken(capsys, filled, outcomes):
    """Each decision with the weekday and time it was taken (as `itsm run` and decisions
    files write them) and the minute, never "at minute 560" alone."""
    assert main(["history", "--show", str(filled["Red"])]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    shown = lines[lines.index("Decisions") + 1:lines.index("")]
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    expected = []
    for d in outcomes["unprepared"].decisions:
        day, minute = divmod(int(d.at_min), 1440)
        expected.append(f"  {d.point} at {days[day]} {minute // 60:02d}:{minute % 60:02d} "
                        f"(minute {d.at_min:g}): {', '.join(d.levers) or 'no lever'}")
    assert shown == expected and len(shown) >= 2
    assert "  preparation at mon 00:00 (minute 0): no lever" in shown
    assert "at minute" not in out


def test_itsm_history_show_of_a_scenario_whose_file_is_gone_keeps_minutes_and_ids(
        capsys, outcomes, tmp_path):
    gone = tmp_path / "gone.yaml"
    with History() as history:
        run_id = history.save(outcomes["unprepared"], str(gone), team="Red")
    assert main(["history", "--show", str(run_id)]) == 0
    out = capsys.readouterr().out
    assert "  preparation at minute 0: no lever" in out
    assert "Satisfaction — sales" in out


def test_itsm_report_debriefs_a_kept_run_beside_another_team_s(capsys, filled, outcomes,
                                                                tmp_path):
    """`itsm report run:ID --twin run:ID`: run:ID works for the twin as for the run, and
    the twin is named by its team, as the run is (not "the twin (run 1)")."""
    page = tmp_path / "red-and-blue.html"
    argv = ["report", f"run:{filled['Red']}", "--twin", f"run:{filled['Blue']}"]
    assert main([*argv, "--out", str(page)]) == 0, capsys.readouterr().err
    text = page.read_text()
    assert "<th>Figure</th><th>Red</th><th>Blue</th><th>Difference</th>" in text
    assert "the twin (" not in text
    # the twin is Blue's run: its figures are Blue's
    twin = text[text.index('<section id="twin">'):]
    row = re.search(r"<tr><td>Abandonment rate \(phone\)</td>(.*?)</tr>", twin)[1]
    shown = [f"{100 * outcomes[p].kpis()['abandonment_rate']:.1f}%"
             for p in ("unprepared", "prepared")]
    assert re.findall(r"\d+\.\d%", row)[:2] == shown
    # Blue's replay file as the twin: named by its team too, not by the file's name
    replay_file = tmp_path / "blue.json"
    assert main(["history", "--replay", str(filled["Blue"]), "--out", str(replay_file)]) == 0
    assert main(["report", f"run:{filled['Red']}", "--twin", str(replay_file),
                 "--out", str(page)]) == 0
    assert "<th>Figure</th><th>Red</th><th>Blue</th>" in page.read_text()
    # a run of another scenario cannot be the twin: one line, exit 2
    assert main(["report", f"run:{filled['Red']}", "--twin", f"run:{filled['tiny']}",
                 "--out", str(page)]) == 2
    err = capsys.readouterr().err
    assert f"--twin run:{filled['tiny']}" in err and "tiny-desk" in err
    assert "Traceback" not in err
    assert main(["report", f"run:{filled['Red']}", "--twin", "run:99"]) == 2
    assert "no run 99" in capsys.readouterr().err


def test_the_hint_itsm_run_record_prints_shows_the_run_it_kept(capsys, tmp_path):
    """`itsm run ... --record --db PATH` ends with a hint to see the run again; typed as
    printed, it shows that run, from that file (a folder with a space in its name
    included), not from the usual history."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY)
    db = tmp_path / "work shop" / "runs.sqlite3"
    db.parent.mkdir()
    assert main(["run", str(scenario), "--team", "solo", "--record", "--db", str(db)]) == 0
    hint = re.search(r"\((itsm history --show .*)\)$", capsys.readouterr().err.strip())[1]
    argv = shlex.split(hint)
    assert argv[:3] == ["itsm", "history", "--show"]
    assert main(argv[1:]) == 0
    assert "by solo" in capsys.readouterr().out


def test_itsm_history_export_csv(capsys, filled, tmp_path):
    target = tmp_path / "all.csv"
    assert main(["history", "--export-csv", str(target)]) == 0
    assert "wrote 4 runs" in capsys.readouterr().err
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert len(rows) == 4 and tuple(rows[0]) == CSV_COLUMNS
    assert main(["history", "--export-csv", "-", "--scenario", "tiny-desk"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["team"] for r in rows] == ["solo"]


def test_itsm_history_replay_writes_a_file_that_itsm_replay_runs(capsys, filled, tmp_path):
    target = tmp_path / "green.json"
    assert main(["history", "--replay", str(filled["Green"]), "--out", str(target)]) == 0
    assert f"itsm replay {target}" in capsys.readouterr().err
    assert main(["replay", str(target)]) == 0
    out = capsys.readouterr().out
    assert "by Green: reproduced exactly" in out


def test_itsm_leaderboard(capsys, filled):
    assert main(["leaderboard", CUTOVER]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "higher is better" in lines[0]
    assert [line.split()[1] for line in lines[2:5]] == ["Blue", "Green", "Red"]
    assert main(["leaderboard", CUTOVER, "--kpi", "cost_total", "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "lower is better" in lines[0] and len(lines) == 3 and "Blue" in lines[2]
    assert main(["leaderboard", CUTOVER, "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    assert [p["team"] for p in board["places"]] == ["Blue", "Green", "Red"]
    assert [p["rank"] for p in board["places"]] == [1, 2, 3] and board["better"] == "higher"
    assert main(["leaderboard", "scenarios/softphone-cutover.yaml"]) == 0  # a file: its id
    assert "Blue" in capsys.readouterr().out
    assert main(["leaderboard", "no-such-scenario"]) == 0
    assert "the history has runs of: softphone-cutover, tiny-desk" in capsys.readouterr().out


def test_itsm_leaderboard_by_a_figure_heads_its_column_with_the_figures_label(capsys, filled):
    assert main(["leaderboard", CUTOVER, "--by", "abandonment_rate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("by Abandonment rate (phone), lower is better")
    assert lines[1].split() == ["#", "team", "abandonment", "rate", "seed", "run", "saved"]
    assert [line.split()[1] for line in lines[2:5]] == ["Blue", "Green", "Red"]
    assert main(["leaderboard", CUTOVER, "--by", "satisfaction_hr"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "by Satisfaction — HR and Administration, higher is better" in lines[0]
    assert " satisfaction — HR and Administration " in lines[1]
    assert main(["leaderboard", CUTOVER, "--by", "csat"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[2] == "CSAT"


def test_itsm_leaderboard_by_an_unknown_figure_names_those_it_can_sort_by(capsys, filled):
    """Not argparse's top-level usage: one message, exit 2, with the figures a leaderboard
    sorts by, which way is better for each, and the one meant when it is close."""
    assert main(["leaderboard", CUTOVER, "--by", "x"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "usage:" not in captured.err
    first, higher, lower = captured.err.splitlines()
    assert first == "itsm: --by x: 'x' is not a key figure a leaderboard can sort by. It " \
                    "sorts by:"
    assert higher.startswith("  higher is better: score, satisfaction, csat, fcr")
    assert "satisfaction_<department> (sales, customer-service, finance, hr, management)" \
        in higher
    assert lower.startswith("  lower is better: abandonment_rate, asa_min, mean_wait_min, "
                            "cost_total")
    assert "handle_min" not in captured.err and "contacts," not in captured.err
    named = re.sub(r" \([^)]*\)", "", f"{higher.split(': ', 1)[1]}, {lower.split(': ', 1)[1]}")
    for name in named.split(", "):
        if "<" not in name:  # every figure named is one it sorts by
            assert main(["leaderboard", CUTOVER, "--by", name]) == 0, name
            capsys.readouterr()
    assert main(["leaderboard", CUTOVER, "--by", "satisfction"]) == 2
    assert "(did you mean satisfaction?)" in capsys.readouterr().err
    assert main(["leaderboard", CUTOVER, "--kpi", "handle_min"]) == 2  # known: says why
    assert "would mean nothing" in capsys.readouterr().err


def test_the_commands_on_a_missing_history_create_nothing(capsys, private_history):
    assert main(["history"]) == 0
    assert "No runs kept yet" in capsys.readouterr().out
    assert main(["leaderboard", CUTOVER]) == 0
    assert "No runs of 'softphone-cutover'" in capsys.readouterr().out
    assert main(["history", "--replay", "1"]) == 2
    assert "no run 1" in capsys.readouterr().err
    assert not private_history.exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["history", "--show", "99"], "no run 99"),
    (["history", "--replay", "99", "--out", "x.json"], "no run 99"),
    (["history", "--out", "x.json"], "--out goes with --replay"),
    (["leaderboard", CUTOVER, "--kpi", "contacts"], "would mean nothing"),
    (["leaderboard", CUTOVER, "--kpi", "nonsense"],
     "--by nonsense: 'nonsense' is not a key figure a leaderboard can sort by"),
])
def test_the_commands_refuse_bad_requests_with_exit_2(capsys, filled, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_the_commands_report_a_damaged_or_locked_history_with_exit_2(
        capsys, tiny, tmp_path, monkeypatch):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 100)
    for argv in (["history"], ["leaderboard", CUTOVER], ["history", "--export-csv", "-"]):
        assert main([*argv, "--db", str(bad)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"itsm: {bad}: ") and "damaged" in err
    locked = tmp_path / "locked.sqlite3"
    save_outcome(tiny, "tiny.yaml", db=locked)
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM runs WHERE id = -1")
    holder.execute("COMMIT")  # the exclusive lock is kept until the connection closes
    monkeypatch.setattr("sim.history.BUSY_TIMEOUT_S", 0.2)
    try:
        assert main(["history", "--db", str(locked)]) == 2
        assert "in use by another program" in capsys.readouterr().err
    finally:
        holder.close()
    assert main(["history", "--db", str(locked)]) == 0


def test_the_commands_as_a_process_exit_2_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all\n" * 100)
    env = {**os.environ, "ITSM_HISTORY": str(bad)}
    env.pop("ITSM_SCENARIOS", None)
    for argv in (["history"], ["leaderboard", CUTOVER], ["history", "--replay", "1"]):
        result = subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert str(bad) in result.stderr and "damaged" in result.stderr


# -- a crash at any moment -----------------------------------------------------------------------

#: The writer: saves the same small run again and again, each in its own transaction, and
#: prints each run id once `save` has returned (that is, once it is committed).
WRITER = f"""
import sys
from sim import Simulation, scenario_from_text
from sim.history import History
outcome = Simulation(scenario_from_text({TINY!r}), seed=1).run()
outcome.kpis()
with History(sys.argv[1]) as history:
    print("ready", flush=True)
    i = 0
    while True:
        run_id = history.save(outcome, "tiny.yaml", team=f"writer {{sys.argv[2]}} run {{i}}")
        print(run_id, flush=True)
        i += 1
"""
KILLS = 5


def _kill_a_writer(db: Path, number: int, delay_s: float) -> list[int]:
    """Start a writer, kill it `delay_s` after it reported its first run; the run ids it
    reported."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(number)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: list[bytes] = []
    ready = threading.Event()  # the writer has saved its first run

    def read() -> None:
        for chunk in iter(lambda: child.stdout.read1(65536), b""):
            chunks.append(chunk)
            if not ready.is_set() and b"".join(chunks).count(b"\n") >= 2:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "the writer did not start"
        time.sleep(delay_s)
        assert child.poll() is None, child.stderr.read().decode()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(30)
        reader.join(30)
    assert child.returncode == -signal.SIGKILL
    lines = b"".join(chunks).decode().split("\n")
    assert lines[0] == "ready"
    # a last line without its newline was cut by the kill: not a reported run
    return [int(line) for line in lines[1:-1]]


def test_a_writer_killed_at_any_moment_loses_at_most_the_run_in_progress(tiny, tmp_path):
    db = tmp_path / "crash.sqlite3"
    seed = random.SystemRandom().randrange(2**32)
    delays = [random.Random(seed + k).uniform(0.0, 0.6) for k in range(KILLS)]
    expected_kpis = tiny.kpis()
    digest = tiny.log.digest()
    reported: dict[int, str] = {}  # run id -> team
    unreported = 0  # runs committed by a writer that was killed before it could say so
    for number, delay in enumerate(delays):
        ids = _kill_a_writer(db, number, delay)
        assert ids, seed
        reported.update({run_id: f"writer {number} run {i}" for i, run_id in enumerate(ids)})
        raw = sqlite3.connect(db)  # as any SQLite tool would open it after the crash
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)], seed
        raw.close()
        with History(db) as history:
            records = {r.id: r for r in history.runs()}
            # every reported run is there; at most one more (committed, not yet printed)
            assert set(reported) <= set(records), seed
            assert len(records) - len(reported) <= number + 1, seed
            unreported = len(records) - len(reported)
            for run_id, record in records.items():  # and every run kept is complete
                if run_id in reported:
                    assert record.team == reported[run_id], (seed, run_id)
                assert record.kpis == expected_kpis, (seed, run_id)
                assert record.abandonment_rate == expected_kpis["abandonment_rate"]
                assert record.event_log_sha256 == digest
                assert json.loads(history.replay_json(run_id))["event_log_sha256"] == digest
    print(f"\ncrash test: {KILLS} kills (random seed {seed}, delays "
          f"{', '.join(f'{d:.2f}' for d in delays)} s), {len(reported)} reported runs checked, {unreported} more kept "
          f"that were committed just before a kill")


def test_a_kept_run_whose_scenario_is_gone_is_named_as_run_id(capsys, filled, tmp_path,
                                                             monkeypatch):
    """A problem with a run kept in the history is said of "run:ID", as the trainer typed
    it, never of a temporary file the command made."""
    monkeypatch.chdir(tmp_path)  # tiny.yaml, the kept run's scenario, is not here
    assert main(["report", f"run:{filled['tiny']}", "--out", str(tmp_path / "t.html")]) == 2
    err = capsys.readouterr().err
    assert f"run:{filled['tiny']}" in err and "tiny.yaml" in err, err
    assert "/tmp" not in err.replace(str(tmp_path), "") and "Traceback" not in err

"""The run history: every finished run that a player, a team or a trainer chose to keep.

A run is kept with what it is a function of and what it came to: the scenario (id, title,
content hash, where it came from), the seed and replication, the player's or team's name,
the decisions, every key figure (as JSON, and the headline ones — score, satisfaction,
abandonment rate, ASA, FCR, total cost — in columns of their own, for fast leaderboards),
its replay file (JSON, so `itsm replay` can run it again exactly), the engine version and
the moment it was saved. `itsm history` and `itsm leaderboard` read it.

Where: one SQLite file, found in this order:

1. the `path` given to `History(path)` (`--db PATH` on the command line);
2. the environment variable `ITSM_HISTORY`;
3. `$XDG_DATA_HOME/moments-of-truth/history.sqlite3`, and when `XDG_DATA_HOME` is not set
   (or not an absolute path, as the XDG spec says), `~/.local/share/moments-of-truth/...`.

Durability. Each run is written in ONE transaction (one INSERT between `BEGIN IMMEDIATE` and
`COMMIT`), with write-ahead logging (`journal_mode=WAL`) and `synchronous=FULL`: SQLite
syncs the log to disk at every commit, so a run that `save` has returned is kept even if
the process is killed or the machine loses power the next moment, and a crash at any moment
loses at most the run being written — the earlier ones, and the file, stay intact (SQLite's
atomic commit; `tests/test_history.py` kills a writer with SIGKILL to check it).
`synchronous=NORMAL` would be just as safe against a killed *process*, and keep the file
consistent after a power cut, but could forget the last runs committed before the cut; one
sync per saved run costs milliseconds against a run of a fraction of a second to minutes,
so FULL it is. WAL also lets a trainer's leaderboard read while teams write. A writer
waits up to `BUSY_TIMEOUT_S` for another one; after that, or on a file that is not a history
or is damaged, `HistoryError` says so in plain words (the command line: exit 2).
SQLite's WAL needs a local file system (not a network share).

Schema versions (`PRAGMA user_version`; `PRAGMA application_id` marks the file as ours):

- v1: the `runs` table, indexed by scenario and time saved;
- v2: the digest of the run's event log as a column (filled in for older runs from their
  replay JSON), and indexes for per-team listings and score leaderboards.

`MIGRATIONS[i]` is the list of SQL statements that brings a file from version i to i + 1;
opening an older file applies the missing steps, all in one transaction, and a file written
by a newer version is refused (never altered).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

#: Marks a SQLite file as a Moments of Truth run history ("MoTH").
APPLICATION_ID = 0x4D6F5448
#: How long a writer waits for another one to finish before giving up, in seconds.
BUSY_TIMEOUT_S = 10.0
ENV_VAR = "ITSM_HISTORY"
FILE_NAME = "history.sqlite3"
APP_DIR = "moments-of-truth"

#: The key figures kept in columns of their own (the rest are in the KPI JSON only).
HEADLINE_KPIS = ("score", "satisfaction", "abandonment_rate", "asa_min", "fcr", "cost_total")

#: The schema, as the SQL steps from each version to the next (index i: version i -> i + 1).
MIGRATIONS: list[tuple[str, ...]] = [
    # v0 -> v1: the runs
    (
        """CREATE TABLE runs (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            saved_at         TEXT    NOT NULL,  -- ISO 8601, UTC, microseconds
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
        )""",
        "CREATE INDEX runs_by_scenario ON runs (scenario_id, saved_at)",
    ),
    # v1 -> v2: the event log's digest in a column (older runs: from their replay), and
    # indexes for one team's runs and for score leaderboards
    (
        "ALTER TABLE runs ADD COLUMN event_log_sha256 TEXT NOT NULL DEFAULT ''",
        "UPDATE runs SET event_log_sha256 = "
        "coalesce(json_extract(replay_json, '$.event_log_sha256'), '')",
        "CREATE INDEX runs_by_team ON runs (team, saved_at)",
        "CREATE INDEX runs_by_score ON runs (scenario_id, score)",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)

#: Key figures where more is better; every other rankable one is better lower.
_HIGHER_IS_BETTER = re.compile(r"score|satisfaction(_.+)?|csat|fcr|moments_good")
_LOWER_IS_BETTER = re.compile(
    r"abandoned|abandonment_rate|still_waiting|asa_min|mean_wait_min(_.+)?|p_wait|declined"
    r"|decline_rate|mttr_min(_.+)?|sla_breach_rate(_.+)?|sla_respond_breach_rate(_.+)?"
    r"|backlog_mean|backlog_end|cost_.+|lost_work_hours|moments_bad")
#: Key figures with no better direction, and why (a leaderboard by them is refused).
_NOT_RANKED = {
    "contacts": "it counts the demand, not how well it was handled",
    "answered": "it counts the demand as much as the service (rank by abandonment_rate)",
    "handle_min": "a shorter handle time is not better in itself (it can mean rushed calls)",
    "utilisation": "too high means queues, too low idle staff",
}
_KPI_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class HistoryError(Exception):
    """The run history cannot be used: a file that is locked, damaged, not a history, from a
    newer version, or a run that is not there. The message says which file and what to do."""


class RunNotFound(HistoryError):
    """No run with this id in the history."""


@dataclass(frozen=True)
class RunRecord:
    """One saved run (its replay JSON is read with `History.replay_json`)."""

    id: int
    saved_at: datetime            # aware, UTC
    scenario_id: str
    scenario_sha256: str
    scenario_title: str
    scenario_source: str          # the built-in id or path the run was started with
    currency: str
    seed: int
    replication: int
    team: str
    decisions: list[dict[str, Any]]
    kpis: dict[str, float | None]
    score: float | None
    satisfaction: float | None
    abandonment_rate: float | None
    asa_min: float | None
    fcr: float | None
    cost_total: float | None
    engine_version: str
    event_log_sha256: str

    @property
    def decisions_text(self) -> str:
        return decisions_text(self.decisions)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready values (`saved_at` in ISO 8601)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["saved_at"] = self.saved_at.isoformat()
        return out


# -- where ---------------------------------------------------------------------------------------


def default_path() -> Path:
    """The history file in the user's data folder (XDG base directories)."""
    data_home = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data_home) if os.path.isabs(data_home) else Path.home() / ".local" / "share"
    return base / APP_DIR / FILE_NAME


def history_path(path: str | os.PathLike | None = None) -> Path:
    """Where the history is: `path` if given, else $ITSM_HISTORY, else `default_path()`."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    override = os.environ.get(ENV_VAR, "")
    if override:
        return Path(override).expanduser()
    return default_path()


# -- which way is better -------------------------------------------------------------------------


def kpi_direction(kpi: str) -> str:
    """'higher' or 'lower': which values of a key figure rank first on a leaderboard.

    Higher is better for the score, satisfaction (overall and per department), CSAT,
    first-contact resolution and good moments of truth; lower for costs, waits,
    abandonment, SLA breaches, backlog, time to resolve, lost working time and bad moments.
    Counts of demand, handle time and utilisation have no better direction and raise
    `HistoryError`."""
    if _HIGHER_IS_BETTER.fullmatch(kpi):
        return "higher"
    if _LOWER_IS_BETTER.fullmatch(kpi):
        return "lower"
    reason = _NOT_RANKED.get(kpi.split("_")[0] if kpi.startswith("utilisation") else kpi)
    if reason:
        raise HistoryError(f"a leaderboard by {kpi!r} would mean nothing: {reason}")
    raise HistoryError(f"unknown key figure {kpi!r} for a leaderboard (try score, "
                       f"satisfaction, abandonment_rate, asa_min, fcr or cost_total)")


# -- the history ---------------------------------------------------------------------------------


class History:
    """The run history in one SQLite file: `with History() as history: history.save(...)`.

    Opening creates the file (and its folder) when missing, and migrates an older schema;
    any problem with the file raises `HistoryError`."""

    def __init__(self, path: str | os.PathLike | None = None, *,
                 timeout: float | None = None):
        """`timeout`: how long to wait for another writer (default `BUSY_TIMEOUT_S`)."""
        self.path = history_path(path)
        self.timeout = BUSY_TIMEOUT_S if timeout is None else timeout
        self._conn: sqlite3.Connection | None = None
        if self.path.is_dir():
            raise HistoryError(f"{self.path}: is a folder; the run history is a file "
                               f"(give a file name with --db or {ENV_VAR})")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(f"{self.path}: cannot create the folder {self.path.parent} "
                               f"({error.strerror or error})") from None
        with self._errors("open"):
            self._conn = sqlite3.connect(
                self.path, timeout=self.timeout,
                isolation_level=None)  # autocommit: we say BEGIN and COMMIT ourselves
            try:
                self._conn.row_factory = sqlite3.Row
                # the first statement reads the file's header: a file that is not SQLite
                # fails here, before anything is written to it
                self._conn.execute("PRAGMA journal_mode=WAL").fetchone()
                self._conn.execute("PRAGMA synchronous=FULL")
                self._migrate()
            except BaseException:
                self._conn.close()
                self._conn = None
                raise

    # context manager and closing

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def schema_version(self) -> int:
        with self._errors("read"):
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    # writing

    def save(self, outcome, source: str, team: str = "") -> int:
        """Keep a finished run (`source`: the built-in id or path of its scenario, as the
        replay file records it); returns its run id. One transaction: the run is kept whole
        or not at all."""
        from sim.replay import replay_of

        replay = replay_of(outcome, str(source), team=team)
        kpis = {name: _finite(value) for name, value in outcome.kpis().items()}
        scenario = outcome.scenario
        row = {
            "saved_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "scenario_id": scenario.id,
            "scenario_sha256": replay.scenario.sha256,
            "scenario_title": scenario.title,
            "scenario_source": str(source),
            "currency": scenario.currency,
            "seed": outcome.seed,
            "replication": outcome.replication,
            "team": team,
            "decisions_json": json.dumps([d.model_dump(exclude_none=True)
                                          for d in replay.decisions]),
            "kpis_json": json.dumps(kpis, allow_nan=False),
            **{name: kpis.get(name) for name in HEADLINE_KPIS},
            "replay_json": replay.model_dump_json(),
            "engine_version": replay.engine_version,
            "event_log_sha256": replay.event_log_sha256,
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        with self._errors("write to"), self._transaction() as db:
            cursor = db.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", row)
            return int(cursor.lastrowid)

    # reading

    def runs(self, scenario_id: str | None = None, team: str | None = None,
             limit: int | None = None, *, seed: int | None = None) -> list[RunRecord]:
        """The runs kept, newest first, optionally of one scenario, team or seed only."""
        where, params = _filters(scenario_id, team, seed)
        sql = f"SELECT * FROM runs {where} ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        with self._errors("read"):
            return [self._record(row) for row in self._db.execute(sql, params)]

    def count(self, scenario_id: str | None = None, team: str | None = None,
              *, seed: int | None = None) -> int:
        """How many runs `runs()` would list without a limit."""
        where, params = _filters(scenario_id, team, seed)
        with self._errors("read"):
            return self._db.execute(f"SELECT count(*) FROM runs {where}", params).fetchone()[0]

    def get(self, run_id: int) -> RunRecord | None:
        """One run by its id (None when there is no such run)."""
        with self._errors("read"):
            row = self._db.execute("SELECT * FROM runs WHERE id = ?", (int(run_id),)).fetchone()
        return None if row is None else self._record(row)

    def replay_json(self, run_id: int) -> str:
        """The run's replay file, as JSON text (write it to a file for `itsm replay`)."""
        with self._errors("read"):
            row = self._db.execute("SELECT replay_json FROM runs WHERE id = ?",
                                   (int(run_id),)).fetchone()
        if row is None:
            raise RunNotFound(f"no run {run_id} in the run history {self.path}")
        try:
            return json.dumps(json.loads(row[0]), indent=2) + "\n"
        except ValueError as error:
            raise HistoryError(f"{self.path}: run {run_id} is damaged (its replay is not "
                               f"JSON: {error})") from None

    def replay(self, run_id: int):
        """The run's replay file, as a `sim.replay.ReplayFile`."""
        from sim.replay import ReplayFile

        return ReplayFile.model_validate_json(self.replay_json(run_id))

    def leaderboard(self, scenario_id: str, kpi: str = "score", limit: int | None = 10, *,
                    seed: int | None = None, scenario_sha256: str | None = None,
                    per_team: bool = False) -> list[RunRecord]:
        """The best runs of a scenario by one key figure, best first (see `kpi_direction`
        for which way is better); runs without that figure are left out; ties go to the run
        saved first. `per_team`: each team's best run only. `seed`, `scenario_sha256`
        (a prefix is enough): only runs with that luck, or that version of the scenario."""
        order = "DESC" if kpi_direction(kpi) == "higher" else "ASC"
        if not _KPI_NAME.fullmatch(kpi):
            raise HistoryError(f"unknown key figure {kpi!r} for a leaderboard")
        if kpi in HEADLINE_KPIS:
            value, value_params = kpi, []
        else:
            value, value_params = "json_extract(kpis_json, ?)", [f'$."{kpi}"']
        where, params = _filters(scenario_id, None, seed)
        if scenario_sha256:
            if not re.fullmatch(r"[0-9a-fA-F]{1,64}", scenario_sha256):
                raise HistoryError(f"expected a scenario content hash (hex digits), got "
                                   f"{scenario_sha256!r}")
            where += " AND substr(scenario_sha256, 1, ?) = ?"
            params += [len(scenario_sha256), scenario_sha256.lower()]
        sql = (f"SELECT *, {value} AS ranked FROM runs {where} AND {value} IS NOT NULL "
               f"ORDER BY ranked {order}, saved_at ASC, id ASC")
        params = value_params + params + value_params
        if limit is not None and not per_team:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        best: list[RunRecord] = []
        teams: set[str] = set()
        with self._errors("read"):
            for row in self._db.execute(sql, params):
                if per_team:
                    if row["team"] in teams:
                        continue
                    teams.add(row["team"])
                best.append(self._record(row))
                if limit is not None and len(best) >= limit:
                    break
        return best

    def export_csv(self, path_or_stream: str | os.PathLike | TextIO,
                   scenario_id: str | None = None, *, team: str | None = None,
                   seed: int | None = None) -> int:
        """Write one CSV row per run, oldest first (columns: `CSV_COLUMNS`); returns the
        number of runs. A file is written in full or not at all."""
        where, params = _filters(scenario_id, team, seed)
        if isinstance(path_or_stream, (str, os.PathLike)):
            target = Path(path_or_stream)
            partial = target.with_name(target.name + ".partial")
            try:
                with open(partial, "w", newline="", encoding="utf-8") as handle:
                    rows = self.export_csv(handle, scenario_id, team=team, seed=seed)
                os.replace(partial, target)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise HistoryError(f"{target}: cannot write the CSV file "
                                   f"({error.strerror or error})") from None
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            return rows
        writer = csv.writer(path_or_stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        rows = 0
        with self._errors("read"):
            for row in self._db.execute(f"SELECT * FROM runs {where} ORDER BY id ASC", params):
                writer.writerow(_csv_row(self._record(row)))
                rows += 1
        return rows

    # inside

    def _record(self, row: sqlite3.Row) -> RunRecord:
        try:
            return _record(row)
        except (ValueError, TypeError, IndexError) as error:
            raise HistoryError(f"{self.path}: run {row['id']} is damaged ({error})") from None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError(f"the run history {self.path} is closed")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with suppress(sqlite3.Error):  # the first error is the one to report
                    db.execute("ROLLBACK")
            raise

    def _migrate(self) -> None:
        db = self._db
        if self._check_version(db) == SCHEMA_VERSION:
            return
        with self._transaction():
            version = self._check_version(db)  # again: another process may have migrated
            for step in MIGRATIONS[version:]:
                for statement in step:
                    db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_version(self, db: sqlite3.Connection) -> int:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        application = db.execute("PRAGMA application_id").fetchone()[0]
        not_ours = (f"{self.path}: this SQLite file is not a Moments of Truth run history; "
                    f"give another file name with --db or {ENV_VAR}")
        if application not in (0, APPLICATION_ID):
            raise HistoryError(not_ours)
        if version == 0 and db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]:
            raise HistoryError(not_ours)
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: this run history was written by a newer version of Moments of "
                f"Truth (history format v{version}; this version reads up to "
                f"v{SCHEMA_VERSION}); update Moments of Truth, or give another file with "
                f"--db or {ENV_VAR}")
        return version

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """SQLite's errors, as a HistoryError that names the file and says what to do."""
        try:
            yield
        except sqlite3.Error as error:
            raise HistoryError(_explain(self.path, doing, error, self.timeout)) from None


# -- one call for the command line ---------------------------------------------------------------


def save_outcome(outcome, source: str, team: str = "",
                 db: str | os.PathLike | None = None) -> int:
    """Open the history (`db`, else $ITSM_HISTORY, else the user's data folder), keep the run
    and close it; returns the run id."""
    with History(db) as history:
        return history.save(outcome, source, team)


def check_history(db: str | os.PathLike | None = None) -> Path:
    """Open the history once (creating or migrating it) and close it: a command can call this
    before a long run, so a locked or damaged file is reported before, not after. Returns
    the file's path."""
    with History(db) as history:
        return history.path


# -- rows and text -------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "saved_at", "scenario_id", "scenario_title", "scenario_sha256", "seed",
               "replication", "team", "decisions", *HEADLINE_KPIS, "currency",
               "engine_version")


def decisions_text(decisions: list[dict[str, Any]]) -> str:
    """The decisions of a run in words, one after the other:
    'preparation: brief-help-desk, train-users; at minute 612.5: temp-staff'."""
    parts = []
    for d in decisions:
        if d.get("point"):
            when = d["point"]
            if d.get("occurrence") and d["occurrence"] > 1:
                when += f" (time {d['occurrence']})"
        elif d.get("at_min") is not None:
            when = f"at minute {d['at_min']:g}"
        else:
            when = "decision"
        parts.append(f"{when}: {', '.join(d.get('levers') or []) or 'no lever'}")
    return "; ".join(parts)


def _csv_row(record: RunRecord) -> list[Any]:
    values = record.as_dict()
    values["decisions"] = record.decisions_text
    out = []
    for column in CSV_COLUMNS:
        value = values[column]
        if value is None:
            value = ""
        elif isinstance(value, float):
            value = repr(value)
        elif column in ("team", "scenario_title", "decisions"):
            value = _spreadsheet_safe(value)
        out.append(value)
    return out


def _spreadsheet_safe(text: str) -> str:
    """A name typed by a player, made inert for spreadsheets: a cell starting with = + - @
    would be read as a formula by Excel and LibreOffice."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _filters(scenario_id: str | None, team: str | None,
             seed: int | None) -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    for column, value in (("scenario_id", scenario_id), ("team", team), ("seed", seed)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    return "WHERE " + " AND ".join(clauses), params


def _record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        saved_at=datetime.fromisoformat(row["saved_at"]),
        scenario_id=row["scenario_id"], scenario_sha256=row["scenario_sha256"],
        scenario_title=row["scenario_title"], scenario_source=row["scenario_source"],
        currency=row["currency"], seed=row["seed"], replication=row["replication"],
        team=row["team"], decisions=json.loads(row["decisions_json"]),
        kpis=json.loads(row["kpis_json"]),
        **{name: row[name] for name in HEADLINE_KPIS},
        engine_version=row["engine_version"], event_log_sha256=row["event_log_sha256"],
    )


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _explain(path: Path, doing: str, error: sqlite3.Error, timeout: float) -> str:
    text = str(error)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return (f"{path}: the run history is in use by another program (locked for more "
                f"than {timeout:g} s); try again when it has finished")
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (f"{path}: this file is not a run history, or it is damaged (SQLite: "
                f"{text}); move it away (a new history is started in its place) or give "
                f"another file with --db or {ENV_VAR}")
    if "readonly" in lowered or "read-only" in lowered:
        return f"{path}: cannot write to the run history (the file is read-only)"
    if "unable to open" in lowered:
        return f"{path}: cannot open the run history (SQLite: {text})"
    return f"{path}: cannot {doing} the run history (SQLite: {text})"

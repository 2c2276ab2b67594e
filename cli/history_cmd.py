"""`itsm history` and `itsm leaderboard`: the runs kept in the run history (`sim.history`).

    itsm history [--scenario ID] [--team NAME] [--seed N] [--limit N] [--db PATH] [--json]
    itsm history --show RUN_ID                 one run: its decisions and every key figure
    itsm history --export-csv FILE             one row per run, for a spreadsheet
    itsm history --replay RUN_ID --out FILE    the run's replay file, for `itsm replay FILE`
    itsm leaderboard SCENARIO [--by NAME] [--limit N] [--per-team] [--seed N]
                     [--version HASH] [--db PATH] [--json]

The history is the file `--db PATH`, else $ITSM_HISTORY, else
$XDG_DATA_HOME/moments-of-truth/history.sqlite3 (~/.local/share/... by default). A locked,
damaged or foreign file is reported in one line with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import wraps

EXIT_OK, EXIT_BAD_INPUT = 0, 2
#: Runs the `itsm history` table shows when no --limit is given.
DEFAULT_TABLE_LIMIT = 20
#: The columns of the `itsm history` table: key figure, heading.
TABLE_KPIS = (("score", "score"), ("satisfaction", "satisfaction"),
              ("abandonment_rate", "abandoned"), ("asa_min", "ASA"), ("cost_total", "total cost"))


class _Usage(Exception):
    """A problem with the command line of these commands (exit 2, one line)."""


def register(subparsers) -> None:
    """Add `history` and `leaderboard` to the `itsm` parser."""
    history = subparsers.add_parser(
        "history", help="the runs kept in the run history: list, show, export, replay",
        description="List the runs kept in the run history (newest first), show one, export "
                    "them as CSV or write one's replay file.")
    history.add_argument("--scenario", metavar="ID", help="only the runs of this scenario id")
    history.add_argument("--team", metavar="NAME", help="only the runs of this player or team")
    history.add_argument("--seed", type=_non_negative_int, metavar="N",
                         help="only the runs with this seed")
    history.add_argument("--limit", type=_positive_int, metavar="N",
                         help=f"at most N runs, newest first (default: {DEFAULT_TABLE_LIMIT} "
                              f"in the table, all with --json and --export-csv)")
    history.add_argument("--json", action="store_true", help="print one JSON object")
    what = history.add_mutually_exclusive_group()
    what.add_argument("--show", type=_positive_int, metavar="RUN_ID",
                      help="one run in full: its decisions and every key figure")
    what.add_argument("--export-csv", metavar="FILE",
                      help="write one row per run, oldest first, as CSV ('-': standard output)")
    what.add_argument("--replay", type=_positive_int, metavar="RUN_ID",
                      help="write the run's replay file (see --out), for `itsm replay FILE`")
    history.add_argument("--out", metavar="FILE",
                         help="with --replay: where to write it (default: standard output)")
    _db_option(history)
    history.set_defaults(action=cmd_history)

    board = subparsers.add_parser(
        "leaderboard", help="the best runs of a scenario, by its score or another key figure",
        description="The best runs of a scenario, best first. Higher is better for score, "
                    "satisfaction and fcr; lower for costs, waits, abandonment, SLA breaches "
                    "and backlog. Ties go to the run saved first.")
    board.add_argument("scenario", metavar="SCENARIO",
                       help="a scenario id (or the scenario's YAML file)")
    board.add_argument("--kpi", "--by", dest="kpi", default="score", metavar="NAME",
                       help="the key figure to rank by (default: score), e.g. "
                            "satisfaction, csat, abandonment_rate, asa_min, cost_total")
    board.add_argument("--limit", type=_positive_int, default=10, metavar="N",
                       help="how many places (default 10)")
    board.add_argument("--per-team", action="store_true",
                       help="each team's best run only")
    board.add_argument("--seed", type=_non_negative_int, metavar="N",
                       help="only the runs with this seed (the same luck for everyone)")
    board.add_argument("--version", metavar="HASH",
                       help="only the runs of this version of the scenario (its content hash, "
                            "or the start of it)")
    board.add_argument("--json", action="store_true", help="print one JSON object")
    _db_option(board)
    board.set_defaults(action=cmd_leaderboard)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH",
                        help="the run history file (default: $ITSM_HISTORY, else "
                             "~/.local/share/moments-of-truth/history.sqlite3)")


def _reported(command):
    """Problems with the history or the command line: one line on stderr, exit 2."""

    @wraps(command)
    def run(args: argparse.Namespace) -> int:
        from sim.history import HistoryError

        try:
            return command(args)
        except (HistoryError, _Usage) as error:
            print(f"itsm: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT

    return run


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _open_existing(db: str | None):
    """The history if its file exists (None if not: reading never creates one)."""
    from sim.history import History, history_path

    path = history_path(db)
    if not path.exists():
        return None
    return History(path)


# -- itsm history --------------------------------------------------------------------------------


@_reported
def cmd_history(args: argparse.Namespace) -> int:
    from sim.history import CSV_COLUMNS, history_path

    if args.out is not None and args.replay is None:
        raise _Usage("--out goes with --replay RUN_ID")
    path = history_path(args.db)
    history = _open_existing(args.db)
    if history is None:
        if args.replay is not None or args.show is not None:
            raise _Usage(f"no run {args.replay or args.show}: there is no run history at "
                         f"{path} yet")
        if args.export_csv:
            _write_text(args.export_csv, ",".join(CSV_COLUMNS) + "\n", "--export-csv")
        elif args.json:
            print(json.dumps({"db": str(path), "runs": []}))
        else:
            print(f"No runs kept yet (the run history will be {path}).")
        return EXIT_OK
    with history:
        if args.replay is not None:
            return _write_replay(history, args.replay, args.out)
        if args.show is not None:
            return _show(history, args.show)
        if args.export_csv:
            return _export(history, args)
        return _list(history, args)


def _list(history, args: argparse.Namespace) -> int:
    limit = args.limit if args.limit or args.json else DEFAULT_TABLE_LIMIT
    records = history.runs(args.scenario, args.team, limit, seed=args.seed)
    if args.json:
        print(json.dumps({"db": str(history.path), "runs": [r.as_dict() for r in records]}))
        return EXIT_OK
    total = history.count(args.scenario, args.team, seed=args.seed)
    filters = ", ".join(f"{name} {value}" for name, value in (
        ("scenario", args.scenario), ("team", args.team), ("seed", args.seed))
        if value is not None)
    print(f"Run history {history.path}: {total} run{'' if total == 1 else 's'}"
          + (f" ({filters})" if filters else ""))
    if not records:
        return EXIT_OK
    header = ["run", "saved", "scenario", "seed", "team", *(h for _, h in TABLE_KPIS)]
    rows = [[str(r.id), _when(r.saved_at), r.scenario_id, str(r.seed), r.team or "—",
             *(_figure(getattr(r, kpi), kpi, r.currency) for kpi, _ in TABLE_KPIS)]
            for r in records]
    _print_rows(header, rows, right={0, 3, *range(5, len(header))})
    if len(records) < total:
        print(f"(the {len(records)} newest of {total}; --limit N shows more)")
    return EXIT_OK


def _show(history, run_id: int) -> int:
    from cli.main import _print_figures, _Single
    from sim.history import RunNotFound

    record = history.get(run_id)
    if record is None:
        raise RunNotFound(f"no run {run_id} in the run history {history.path}")
    who = f", by {record.team}" if record.team else ""
    print(f"Run {record.id}: {record.scenario_title} ({record.scenario_id}), seed "
          f"{record.seed}, replication {record.replication}{who}")
    print(f"  saved {_when(record.saved_at)}; engine {record.engine_version}; scenario "
          f"version {record.scenario_sha256[:12]} (from {record.scenario_source})")
    from cli.decided import decision_line

    # the scenario the run was played on, for its clock and its names (None when its file
    # is gone: minutes and ids instead)
    scenario = _scenario_quietly(record.scenario_source)
    if scenario is not None and scenario.id != record.scenario_id:
        scenario = None
    print("Decisions")
    if not record.decisions:
        print("  none")
    for d in record.decisions:
        print("  " + decision_line(scenario, d.get("point"), d.get("occurrence"),
                                   d.get("at_min"), d.get("levers") or ()))
    _print_figures({k: _Single(v) for k, v in record.kpis.items()}, record.currency, scenario)
    return EXIT_OK


def _export(history, args: argparse.Namespace) -> int:
    if args.export_csv == "-":
        history.export_csv(sys.stdout, args.scenario, team=args.team, seed=args.seed)
        return EXIT_OK
    _check_output(args.export_csv, "--export-csv")
    rows = history.export_csv(args.export_csv, args.scenario, team=args.team,
                              seed=args.seed)
    print(f"itsm: wrote {rows} run{'' if rows == 1 else 's'} to {args.export_csv}",
          file=sys.stderr)
    return EXIT_OK


def _write_replay(history, run_id: int, out: str | None) -> int:
    text = history.replay_json(run_id)
    if out in (None, "-"):
        sys.stdout.write(text)
        return EXIT_OK
    _write_text(out, text, "--out")
    print(f"itsm: wrote the replay of run {run_id} to {out}; run it again with: "
          f"itsm replay {out}", file=sys.stderr)
    return EXIT_OK


# -- itsm leaderboard ----------------------------------------------------------------------------


@_reported
def cmd_leaderboard(args: argparse.Namespace) -> int:
    from cli.experiment_cmd import _in_sentence
    from sim.history import history_path
    from sim.kpis import kpi_label
    from sim.names import short_name

    scenario_id = _scenario_id(args.scenario)
    scenario = _scenario_quietly(args.scenario)
    better = _direction(args.kpi, scenario)  # refused before anything else: exit 2
    label, unit = kpi_label(args.kpi, scenario)
    history = _open_existing(args.db)
    if history is None:
        records, played = [], []
    else:
        with history:
            records = history.leaderboard(scenario_id, args.kpi, args.limit, seed=args.seed,
                                          scenario_sha256=args.version,
                                          per_team=args.per_team)
            played = sorted({r.scenario_id for r in history.runs()})
    if args.json:
        print(json.dumps({
            "db": str(history_path(args.db)), "scenario": scenario_id, "kpi": args.kpi,
            "better": better,
            "places": [{"rank": rank, "value": r.kpis.get(args.kpi), **r.as_dict()}
                       for rank, r in enumerate(records, 1)],
        }))
        return EXIT_OK
    if not records:
        others = [s for s in played if s != scenario_id]
        if scenario_id not in played:
            print(f"No runs of {scenario_id!r} kept yet"
                  + (f" (the history has runs of: {', '.join(others)})" if others else "")
                  + ".")
        else:
            print(f"No runs of {scenario_id!r} with a figure {args.kpi!r} (a scenario without "
                  f"departments has no score) match.")
        return EXIT_OK
    first = records[0]
    print(f"Leaderboard: {first.scenario_title} ({scenario_id}), by {label}, "
          f"{better} is better" + (", each team's best run" if args.per_team else ""))
    # the label as a column heading: the words before a bracket ("abandonment rate", "CSAT")
    header = ["#", "team", _in_sentence(short_name(label, label)), "seed", "run", "saved"]
    rows = [[str(rank), r.team or "—", _figure(r.kpis.get(args.kpi), args.kpi, r.currency,
                                               unit), str(r.seed), str(r.id), _when(r.saved_at)]
            for rank, r in enumerate(records, 1)]
    _print_rows(header, rows, right={0, 2, 3, 4})
    versions = sorted({r.scenario_sha256 for r in records})
    if len(versions) > 1:
        print(f"Note: these runs were played on {len(versions)} versions of the scenario "
              f"({', '.join(v[:12] for v in versions)}); --version HASH keeps one.")
    if len({r.seed for r in records}) > 1:
        print("Note: these runs had different seeds, so different luck; --seed N compares "
              "like with like.")
    return EXIT_OK


def _direction(kpi: str, scenario) -> str:
    """'higher' or 'lower' is better for `kpi` (`sim.history.kpi_direction`). A figure
    with no better direction is refused with the reason; one that is not a key figure at
    all with the figures a leaderboard can sort by."""
    from sim.history import HistoryError, kpi_direction
    from sim.kpis import kpi_label

    try:
        return kpi_direction(kpi)
    except HistoryError:
        if kpi_label(kpi)[0] != kpi:  # a key figure, with no better direction: say why
            raise
    import difflib

    higher, lower = _rankable(scenario)
    close = difflib.get_close_matches(kpi, [n for n in higher + lower if "<" not in n], 1)
    raise _Usage(f"--by {kpi}: {kpi!r} is not a key figure a leaderboard can sort by"
                 + (f" (did you mean {close[0]}?)" if close else "") + ". It sorts by:\n"
                 f"  higher is better: {', '.join(higher)}\n"
                 f"  lower is better: {', '.join(lower)}")


#: The figures a leaderboard is most often sorted by, first in the list of them.
_FIRST = ("score", "satisfaction", "csat", "fcr", "abandonment_rate", "asa_min",
          "mean_wait_min", "cost_total")


def _rankable(scenario) -> tuple[list[str], list[str]]:
    """The figures a leaderboard can sort by, (higher is better, lower is better): those
    of the scenario when it is known, and the per-department, -channel, -priority and
    -team families as patterns ("satisfaction_<department>: sales, hr")."""
    from sim.history import HistoryError, kpi_direction
    from sim.kpis import KPI_LABELS, kpi_names

    known = kpi_names(scenario) if scenario is not None else set(KPI_LABELS)
    names = [n for n in _FIRST if n in known] + [n for n in KPI_LABELS
                                                 if n in known and n not in _FIRST]
    higher, lower = [], []
    for name in names:
        try:
            (higher if kpi_direction(name) == "higher" else lower).append(name)
        except HistoryError:  # no better direction (handle time, contacts)
            continue
    departments = [d.id for d in scenario.departments] if scenario is not None else []
    if scenario is None or departments:
        higher.append("satisfaction_<department>"
                      + (f" ({', '.join(departments)})" if departments else ""))
    lower += ["mean_wait_min_<channel/team/p1-p5>", "mttr_min_p<1-5>",
              "sla_breach_rate_p<1-5>"]
    return higher, lower


def _scenario_quietly(name: str):
    """The scenario a leaderboard is about, to name its departments and teams; None when
    it cannot be found (a scenario kept only in the history)."""
    from sim import resolve_scenario
    from sim.loader import ScenarioError

    try:
        return resolve_scenario(name)
    except (ScenarioError, OSError):
        return None


def _scenario_id(name: str) -> str:
    """A scenario id as given, or the id inside a scenario file."""
    if name.endswith((".yaml", ".yml")) or os.sep in name or os.path.isfile(name):
        from sim import resolve_scenario

        return resolve_scenario(name).id
    return name


# -- output --------------------------------------------------------------------------------------


def _when(moment) -> str:
    """A moment saved in UTC, in the local time of whoever reads it."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _figure(value: float | None, kpi: str, currency: str, unit: str | None = None) -> str:
    from cli.main import _format
    from sim.kpis import kpi_label

    return _format(value, unit or kpi_label(kpi)[1], currency)


def _print_rows(header: list[str], rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  " + "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
              .rstrip())


def _check_output(path: str, option: str) -> None:
    if os.path.isdir(path):
        raise _Usage(f"{option} {path}: is a folder, expected a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise _Usage(f"{option} {path}: folder {folder} does not exist")


def _write_text(path: str, text: str, option: str) -> None:
    """Write a file in full or not at all ('-': standard output)."""
    if path == "-":
        sys.stdout.write(text)
        return
    _check_output(path, option)
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(partial, path)
    except OSError as error:
        if os.path.exists(partial):
            os.remove(partial)
        raise _Usage(f"{option} {path}: cannot write there ({error.strerror or error})") from None

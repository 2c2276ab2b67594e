"""`itsm report`: the debrief of a run, as one HTML file (and a PDF on request).

    itsm report run.json                         a saved replay
    itsm report run:12                           a run from the run history
    itsm report softphone-cutover --policy unprepared --seed 3
    itsm report run.json --twin policy:prepared  ... with its twin, side by side
    itsm report run:2 --twin run:1               ... two teams' runs of the same scenario
    itsm report run.json --pdf --out debrief.html
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add `itsm report` to the `itsm` parser."""
    from cli.main import _non_negative_int

    report = subparsers.add_parser(
        "report", help="write the debrief of a run (HTML, and PDF with --pdf)",
        description="The debrief of a run: what happened, the charts, the figures against the "
                    "goals, the decisions and their cost, three people's experience, the twin "
                    "run, and questions for the group.")
    report.add_argument("source", metavar="SOURCE",
                        help="a replay file, run:ID from the run history, or a scenario "
                             "(built-in id or file) to run now")
    decided = report.add_mutually_exclusive_group()
    decided.add_argument("--policy", metavar="NAME", help="(a scenario) answer with a policy")
    decided.add_argument("--decisions", metavar="FILE", help="(a scenario) a decisions file")
    report.add_argument("--seed", type=_non_negative_int, default=1,
                        help="(a scenario) the seed, default 1")
    report.add_argument("--team", default=None, help="the player's or team's name")
    report.add_argument("--twin", metavar="DECISIONS",
                        help="compare with the same run under other decisions: policy:NAME, "
                             "run:ID from the run history, a decisions file, or a replay "
                             "file of the same scenario")
    report.add_argument("--out", metavar="FILE", help="the HTML file, replaced if it exists "
                        "(default: SCENARIO-seedN-TEAM-DECISIONS-debrief.html here, "
                        "never replacing another debrief: -2, -3, ... is added instead)")
    report.add_argument("--pdf", action="store_true", help="also write the PDF next to it")
    report.add_argument("--db", metavar="PATH", help="the run history (for run:ID)")
    report.set_defaults(action=cmd_report)


def _outcome_and_source(args: argparse.Namespace):
    """The run to debrief, its team as saved ("" for a scenario run now), its scenario, and
    what decided it in a word or two, for the debrief's file name ("firefighting", a
    decisions file's or a replay file's name, "run 12")."""
    from cli.main import _plan
    from sim import resolve_scenario
    from sim.engine import Simulation
    from sim.replay import load_replay, replay, scenario_for

    source = args.source
    if source.startswith("run:"):
        saved, run_id = _kept_run(source, args.db)
        scenario = scenario_for(saved, source)
        return replay(saved, scenario), saved.team, scenario, f"run {run_id}"
    if source.endswith(".json") and Path(source).is_file():
        saved = load_replay(source)
        scenario = scenario_for(saved, source)
        return replay(saved, scenario), saved.team, scenario, Path(source).stem
    scenario = resolve_scenario(source)
    plan = _plan(scenario, args.policy, args.decisions)
    decided = args.policy or (Path(args.decisions).stem if args.decisions else "")
    return Simulation(scenario, seed=args.seed, decisions=plan).run(), "", scenario, decided


def _kept_run(spec: str, db: str | None):
    """The replay of a run kept in the run history, named run:ID; and its id."""
    from cli.main import UsageError
    from sim.history import History
    from sim.replay import load_replay

    try:
        run_id = int(spec[len("run:"):])
    except ValueError:
        raise UsageError(f"{spec}: expected run:NUMBER, e.g. run:12") from None
    with History(db) as history:
        saved_json = history.replay_json(run_id)
    # read as it is kept, so that a problem is located in "run:12", not in a temporary file
    return load_replay(f"run:{run_id}", text=saved_json), run_id


def _twin(args: argparse.Namespace, outcome, scenario):
    """The twin run, the team of the saved run it was made from ("" when none, or when
    that run had other luck: then the twin is its decisions, not it), and what decided it
    in a word or two ("prepared", "run 1", a file's name)."""
    from cli.main import UsageError, _plan, input_file
    from sim.engine import Simulation
    from sim.replay import load_replay, scenario_for

    spec = args.twin
    said = f"--twin {spec}"
    # (run:ID is taken too, and said in --help; tests/test_cli.py pins these words)
    takes = ("--twin takes policy:NAME (one of the scenario's policies), a decisions file "
             "(YAML: policy, decisions) or a replay file (.json) of the same scenario")
    team = ""
    if spec.startswith("policy:"):
        plan, label = _plan(scenario, spec[len("policy:"):], None, said), spec[len("policy:"):]
    elif spec.startswith("run:"):
        saved, run_id = _kept_run(spec, args.db)
        scenario_for(saved, said, scenario)  # refused when it is another scenario's run
        plan, label, team = saved.plan(), f"run {run_id}", _same_luck(saved, outcome)
    else:
        input_file(spec, said)
        kind = _kind_of(spec)
        if kind in ("scenario", "experiment"):
            from sim.yamlsafe import KIND_WORDS

            raise UsageError(f"{said}: this is {KIND_WORDS[kind]}, not decisions: {takes}")
        if spec.endswith(".json") or kind == "replay":
            saved = load_replay(spec)
            scenario_for(saved, said, scenario)
            plan, label, team = saved.plan(), Path(spec).stem, _same_luck(saved, outcome)
        else:
            plan, label = _plan(scenario, None, spec, said), Path(spec).stem
    twin = Simulation(scenario, seed=outcome.seed, replication=outcome.replication,
                      decisions=plan).run()
    return twin, team, label


def _same_luck(saved, outcome) -> str:
    """A saved run's team, when the twin made from its decisions is that run (the same seed
    and replication as the run debriefed); "" when it had other luck."""
    same = (saved.seed, saved.replication) == (outcome.seed, outcome.replication)
    return saved.team if same else ""


def twin_label(own: str, team: str, decided: str) -> str:
    """How the debrief names the twin: by its team, as it names the run by its own
    ("Blue table"), unless that is the run's name too; else "the twin (prepared)"."""
    return team if team and team != own else f"the twin ({decided})"


def _kind_of(path: str) -> str | None:
    """What kind of the project's files `path` holds (sim.yamlsafe.file_kind); None when it
    cannot be read (reading it for real then says why)."""
    from sim.loader import ScenarioError
    from sim.yamlsafe import file_kind, read_yaml

    try:
        data, _ = read_yaml(Path(path), source_name=path, collect=[])
    except ScenarioError:
        return None
    return file_kind(data)


def _slug(text: str) -> str:
    """Words as a piece of a file name: "Red table" -> "red-table", "run 12" -> "run-12"."""
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-_")[:40].strip("-_")


def default_debrief_path(scenario_id: str, seed: int, team: str, decided: str,
                         with_pdf: bool, folder: Path = Path()) -> tuple[Path, Path | None]:
    """Where a debrief goes when no --out says: named after what tells this run apart from
    the other teams' (its team and what decided it: a policy, a decisions file, a saved run),
    "softphone-cutover-seed1-red-table-firefighting-debrief.html". A workshop debriefs
    several teams in one folder, and a trainer who reruns a debrief must not lose the one
    before: a name already taken (the HTML, or its PDF when one is asked for) gets -2, -3,
    ... rather than replacing that file. Returns the path, and the first choice when it was
    taken (None when it was not)."""
    parts = [scenario_id, f"seed{seed}", *(_slug(p) for p in (team, decided) if _slug(p))]
    stem = "-".join(dict.fromkeys(parts))  # a team named after its policy: said once
    first = html = folder / f"{stem}-debrief.html"
    n = 1
    while html.exists() or (with_pdf and html.with_suffix(".pdf").exists()):
        n += 1
        html = folder / f"{stem}-debrief-{n}.html"
    return html, (first if n > 1 else None)


def cmd_report(args: argparse.Namespace) -> int:
    from cli.main import _OutputFile
    from reports import debrief

    outcome, team, scenario, decided = _outcome_and_source(args)
    team = args.team if args.team is not None else team
    out, taken = args.out, None
    if out is None:
        path, taken = default_debrief_path(scenario.id, outcome.seed, team, decided, args.pdf)
        out = str(path)
    # a run without a team is told by its policy at the top of the debrief
    team = team or (f"policy {args.policy}" if args.policy else "")
    html_file = _OutputFile(out, "--out")  # claim it now: a bad path fails before the work
    pdf_file = _OutputFile(str(Path(out).with_suffix(".pdf")), "--pdf") if args.pdf else None
    try:
        twin, twin_team, decided = (_twin(args, outcome, scenario) if args.twin
                                    else (None, "", ""))
        labels = (team or "your run", twin_label(team or "your run", twin_team, decided))
        made = debrief.build(outcome, team=team or "", twin=twin, labels=labels)
        html_file.handle.write(debrief.to_html(made))
        html_file.commit()
        print(f"itsm: wrote the debrief to {out}"
              + (f" ({taken} is an earlier debrief: kept as it was)" if taken else ""),
              file=sys.stderr)
        if pdf_file is not None:
            pdf_file.handle.close()
            Path(pdf_file.partial).write_bytes(debrief.to_pdf(made))
            import os

            os.replace(pdf_file.partial, pdf_file.path)
            print(f"itsm: wrote the printable debrief to {pdf_file.path} "
                  f"({len(made.pages)} pages)", file=sys.stderr)
    finally:
        html_file.discard()
        if pdf_file is not None:
            pdf_file.discard()
    return 0

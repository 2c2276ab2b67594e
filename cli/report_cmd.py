"""`itsm report`: the debrief of a run, as one HTML file (and a PDF on request).

    itsm report run.json                         a saved replay
    itsm report run:12                           a run from the run history
    itsm report softphone-cutover --policy unprepared --seed 3
    itsm report run.json --twin policy:prepared  ... with its twin, side by side
    itsm report run.json --pdf --out debrief.html
"""

from __future__ import annotations

import argparse
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
                             "a decisions file, or a replay file of the same scenario")
    report.add_argument("--out", metavar="FILE", help="the HTML file (default: "
                        "SCENARIO-seedN-debrief.html here)")
    report.add_argument("--pdf", action="store_true", help="also write the PDF next to it")
    report.add_argument("--db", metavar="PATH", help="the run history (for run:ID)")
    report.set_defaults(action=cmd_report)


def _outcome_and_source(args: argparse.Namespace):
    """The run to debrief, and where it came from (for the twin)."""
    from cli.main import UsageError, _plan
    from sim import resolve_scenario
    from sim.engine import Simulation
    from sim.replay import load_replay, replay, scenario_for

    source = args.source
    if source.startswith("run:"):
        from sim.history import History

        try:
            run_id = int(source[4:])
        except ValueError:
            raise UsageError(f"{source}: expected run:NUMBER, e.g. run:12") from None
        with History(args.db) as history:
            saved_json = history.replay_json(run_id)
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(saved_json)
        saved = load_replay(handle.name)
        Path(handle.name).unlink()
        scenario = scenario_for(saved, source)
        return replay(saved, scenario), saved.team, scenario
    if source.endswith(".json") and Path(source).is_file():
        saved = load_replay(source)
        scenario = scenario_for(saved, source)
        return replay(saved, scenario), saved.team, scenario
    scenario = resolve_scenario(source)
    plan = _plan(scenario, args.policy, args.decisions)
    label = f"policy {args.policy}" if args.policy else ""
    return Simulation(scenario, seed=args.seed, decisions=plan).run(), label, scenario


def _twin(args: argparse.Namespace, outcome, scenario):
    from cli.main import UsageError, _plan, input_file
    from sim.engine import Simulation
    from sim.replay import load_replay

    spec = args.twin
    said = f"--twin {spec}"
    takes = ("--twin takes policy:NAME (one of the scenario's policies), a decisions file "
             "(YAML: policy, decisions) or a replay file (.json) of the same scenario")
    if spec.startswith("policy:"):
        plan, label = _plan(scenario, spec[len("policy:"):], None, said), spec[len("policy:"):]
    else:
        input_file(spec, said)
        kind = _kind_of(spec)
        if kind in ("scenario", "experiment"):
            from sim.yamlsafe import KIND_WORDS

            raise UsageError(f"{said}: this is {KIND_WORDS[kind]}, not decisions: {takes}")
        if spec.endswith(".json") or kind == "replay":
            plan, label = load_replay(spec).plan(), Path(spec).stem
        else:
            plan, label = _plan(scenario, None, spec, said), Path(spec).stem
    twin = Simulation(scenario, seed=outcome.seed, replication=outcome.replication,
                      decisions=plan).run()
    return twin, label


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


def cmd_report(args: argparse.Namespace) -> int:
    from cli.main import _OutputFile
    from reports import debrief

    outcome, team, scenario = _outcome_and_source(args)
    team = args.team if args.team is not None else team
    out = args.out or f"{scenario.id}-seed{outcome.seed}-debrief.html"
    html_file = _OutputFile(out, "--out")  # claim it now: a bad path fails before the work
    pdf_file = _OutputFile(str(Path(out).with_suffix(".pdf")), "--pdf") if args.pdf else None
    try:
        twin, label = (_twin(args, outcome, scenario) if args.twin else (None, ""))
        labels = (team or "your run", f"the twin ({label})" if label else "the twin")
        made = debrief.build(outcome, team=team or "", twin=twin, labels=labels)
        html_file.handle.write(debrief.to_html(made))
        html_file.commit()
        print(f"itsm: wrote the debrief to {out}", file=sys.stderr)
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

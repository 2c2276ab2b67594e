"""`itsm`: the command line of Moments of Truth.

    itsm validate FILE...                 check scenario and experiment files (exit 2 on any
                                          problem)
    itsm run SCENARIO [--seed N] [--replications R] [--policy NAME | --decisions FILE]
             [--json] [--events-csv FILE] [--save-replay FILE]
    itsm replay FILE                      run a saved replay again, exactly
    itsm compare SCENARIO --variant NAME=DECISIONS ... [--replications R]
    itsm list                             the built-in scenarios
    itsm play [SCENARIO] [--seed N] [--team NAME] [--windowed | --fullscreen]
                                          the game (the headless demo without a display)
    itsm --version                        the version of itsm and of its engine

The designer's and trainer's commands (experiment, report, history, leaderboard) live in
cli/<name>_cmd.py. SCENARIO is a path to a YAML file or the id of a built-in scenario. Bad
input is reported as `FILE:LINE: field.path: what was expected`, with exit status 2 and no
traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT = 0, 2
#: The reader of our output stopped early: the status of a Unix tool killed by SIGPIPE.
EXIT_BROKEN_PIPE = 128 + 13
#: More would not make a confidence interval meaningfully narrower, only fill the memory.
MAX_REPLICATIONS = 10_000

#: The order of figures within a section of the readable table; the rest follow by name.
HEADLINE = ("contacts", "answered", "abandoned", "abandonment_rate", "asa_min",
            "mean_wait_min", "p_wait", "fcr", "handle_min", "mttr_min", "sla_breach_rate",
            "sla_respond_breach_rate", "backlog_mean", "backlog_end", "cost_staff",
            "cost_suppliers", "cost_total")


class UsageError(Exception):
    """A problem with the command line itself (reported like a bad file: exit 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # in the words of the command's own usage, not the top level's
        _command_parser(parser, args.command).error(_unrecognized(
            unknown, _command_parser(parser, args.command)))
    from sim.history import HistoryError
    from sim.loader import ScenarioError

    try:
        return args.action(args)
    except ScenarioError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (UsageError, HistoryError) as error:
        print(f"itsm: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("itsm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # whoever read our output stopped early (`itsm run ... | head`): say nothing more,
        # and end as a Unix tool stopped by SIGPIPE does (128 + 13: what the shell shows
        # for `seq 1000000 | head -1`); point stdout at /dev/null so the interpreter's
        # final flush cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itsm", description="Moments of Truth: an ITSM simulation and training game.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the version of itsm and of its engine, and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser(
        "validate", help="check scenario and experiment files (paths or built-in ids)",
        description="Check scenario files and experiment files without running them. Each "
        "FILE is told apart by its top-level keys: an experiment file (scenario, variants "
        "or sweep, ...) is checked as an experiment, together with its scenario and "
        "decisions files; anything else as a scenario. A built-in id checks that scenario. "
        "Every problem is printed as FILE:LINE: field: what was expected; the exit status "
        "is 2 when any file has a problem, else 0.")
    validate.add_argument("files", nargs="+", metavar="FILE",
                          help="a scenario or experiment file, or a built-in scenario id")
    validate.set_defaults(action=cmd_validate)

    run = sub.add_parser(
        "run", help="run a scenario headless and print its key figures",
        description="Run a scenario without a screen and print its key figures: one run, or "
        "the mean ± 95% confidence interval of several replications (in parallel). The "
        "decision points are answered by a policy or a decisions file (without either, "
        "with no lever). Optionally write the event log as CSV, save a replay file or keep "
        "the run in the run history.")
    run.add_argument("scenario", metavar="SCENARIO", help="a YAML file or a built-in id")
    run.add_argument("--seed", type=_non_negative_int, default=1,
                     help="the seed (default 1); replication r uses seed N's r-th stream")
    run.add_argument("--replications", "-r", type=_replications, default=1,
                     help="independent replications, run in parallel (default 1)")
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="processes to use (default: all cores)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--events-csv", metavar="FILE",
                     help="write the event log of the first replication as CSV ('-': to "
                          "standard output, instead of the figures)")
    decided = run.add_mutually_exclusive_group()
    decided.add_argument("--policy", metavar="NAME",
                         help="answer the decision points with one of the scenario's policies")
    decided.add_argument("--decisions", metavar="FILE",
                         help="a decisions file (YAML or JSON): policy, answers, free decisions")
    run.add_argument("--save-replay", metavar="FILE",
                     help="save the first replication as a replay file (JSON)")
    run.add_argument("--team", default="", help="the player's or team's name, kept with the "
                     "run by --record (history, leaderboard) and --save-replay")
    run.add_argument("--record", action="store_true",
                     help="keep the first replication in the run history (with --team)")
    run.add_argument("--db", metavar="PATH",
                     help="the run history file for --record (default: $ITSM_HISTORY, else "
                          "~/.local/share/moments-of-truth/history.sqlite3)")
    run.set_defaults(action=cmd_run)

    replay = sub.add_parser(
        "replay", help="run a saved replay file again and check it matches",
        description="Run a saved replay file (from run --save-replay, the game or itsm "
        "history --replay) again: the same scenario, seed and decisions. Prints whether the "
        "event log is the same as when it was saved, the decisions and the key figures. "
        "Exit status 0 when reproduced exactly, 1 when the event log differs (the scenario "
        "or the engine changed since), 2 for a file that cannot be read.")
    replay.add_argument("file", metavar="FILE", help="a replay file (JSON)")
    replay.add_argument("--scenario", metavar="PATH",
                        help="the scenario file, when it is not where the replay says")
    replay.add_argument("--json", action="store_true", help="print one JSON object")
    replay.add_argument("--events-csv", metavar="FILE",
                        help="write its event log as CSV ('-': to standard output, instead "
                             "of the decisions and figures)")
    replay.set_defaults(action=cmd_replay)

    compare = sub.add_parser(
        "compare", help="compare decision variants of a scenario over paired replications",
        description="Run a scenario under two or more sets of decisions, every variant on "
        "the same replications (common random numbers), and print each variant's key "
        "figures and its paired difference to the first variant, with 95% confidence "
        "intervals, then in how many runs of each variant each decision point was asked "
        "and each of its levers pulled. For sweeps, overrides, goals, charts and CSV, write an experiment file "
        "(itsm experiment, docs/experiments.md).")
    compare.add_argument("scenario", metavar="SCENARIO", help="a YAML file or a built-in id")
    compare.add_argument("--variant", action="append", required=True, metavar="NAME=DECISIONS",
                         help="a variant: NAME=FILE (a decisions file), NAME=policy:POLICY or "
                              "NAME=none; the first is the baseline")
    compare.add_argument("--seed", type=_non_negative_int, default=1, help="the seed (default 1)")
    compare.add_argument("--replications", "-r", type=_replications, default=20,
                         help="replications of each variant (default 20)")
    compare.add_argument("--workers", type=_positive_int, default=None,
                         help="processes to use (default: all cores)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.set_defaults(action=cmd_compare)

    listing = sub.add_parser("list", help="the built-in scenarios")
    listing.set_defaults(action=cmd_list)

    # commands that live in modules of their own (cli/<name>_cmd.py)
    from cli import experiment_cmd, history_cmd, report_cmd

    for module in (report_cmd, history_cmd, experiment_cmd):
        module.register(sub)

    play = sub.add_parser(
        "play", help="the game: run the service desk through a week and see what your "
        "decisions did (without a display: the headless demo instead)",
        description="Open the game. With SCENARIO, go straight to its briefing; without, "
        "start at the title screen and pick one. Keys: F11 full screen, F10 colours for a "
        "projector, F12 screenshot, Ctrl+Q quit. With no display (no DISPLAY or "
        "WAYLAND_DISPLAY, or SDL_VIDEODRIVER=dummy) it says so and shows the demo instead, "
        "as make demo does: the softphone cutover unprepared against prepared over 20 "
        "paired replications (itsm compare); with SCENARIO, that scenario's policies side by "
        "side (one run when it has none).")
    play.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                      help="a YAML file or a built-in id (default: choose in the game)")
    play.add_argument("--seed", type=_non_negative_int, default=1,
                      help="the luck: the same seed gives every team the same callers at "
                      "the same moments (default 1)")
    play.add_argument("--team", default="", help="the player's or team's name, for the run "
                      "history and the leaderboard")
    window = play.add_mutually_exclusive_group()
    window.add_argument("--windowed", action="store_true",
                        help="open in a window (the default; F11 switches)")
    window.add_argument("--fullscreen", action="store_true", help="open full screen")
    play.add_argument("--db", metavar="PATH", help="the run history file (default: "
                      "$ITSM_HISTORY, else the user's data folder)")
    play.add_argument("--export-dir", metavar="DIR", help="where exported debriefs, replays "
                      "and screenshots go (default: ./itsm-exports)")
    play.add_argument("--projector", action="store_true",
                      help="black on white, for a projector (F10 switches)")
    play.add_argument("--sound", action="store_true", help="sound on (off by default)")
    play.set_defaults(action=cmd_play)
    return parser


def _command_parser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of one command (`itsm leaderboard`), for its own usage and messages."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(command, parser)
    return parser


def _unrecognized(unknown: list[str], parser: argparse.ArgumentParser) -> str:
    """"unrecognized arguments: --by x", with the option meant when one is close."""
    import difflib

    text = f"unrecognized arguments: {' '.join(unknown)}"
    options = [o for action in parser._actions for o in action.option_strings
               if o.startswith("--")]
    given = [arg.split("=")[0] for arg in unknown if arg.startswith("--")]
    close = [match for arg in given for match in difflib.get_close_matches(arg, options, 1)]
    return text + (f" (did you mean {', '.join(close)}?)" if close else "")


class _Version(argparse.Action):
    """`itsm --version`: the package's version and the engine's (replays record the latter)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        from sim.engine import ENGINE_VERSION

        try:
            package = version("moments-of-truth")
        except PackageNotFoundError:  # run from a checkout that was never installed
            package = "(not installed)"
        print(f"itsm {package} (Moments of Truth), engine {ENGINE_VERSION}, "
              f"Python {sys.version.split()[0]}")
        parser.exit()


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _non_negative_int(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _replications(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_REPLICATIONS:,} replications, got {text!r}")
    return value


# -- commands ------------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.loader import ScenarioError

    failed = False
    for name in args.files:
        try:
            what = _validate_one(name)
        except ScenarioError as error:
            failed = True
            for problem in error.problems:
                print(problem, file=sys.stderr)
        except UsageError as error:
            failed = True
            print(f"itsm: {error}", file=sys.stderr)
        else:
            print(f"{name}: ok ({what})")
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _validate_one(name: str) -> str:
    """Check one file (an experiment or a scenario, told apart by its top-level keys) or a
    built-in id; return what it is, in words. Problems raise ScenarioError."""
    from sim import resolve_scenario
    from sim.yamlsafe import KIND_WORDS, file_kind, read_yaml

    if os.path.isfile(name):
        data, _ = read_yaml(Path(name), source_name=name, collect=[],
                            expected="a scenario or an experiment (a mapping: a scenario has "
                                     "id, title, clock, teams, categories; an experiment has "
                                     "scenario, and variants or sweep)")
        kind = file_kind(data)
        if kind == "experiment":
            from sim.experiments import load_experiment

            experiment = load_experiment(name)
            runs = len(experiment.runs)
            return (f"an experiment: {runs} {'variants' if experiment.kind == 'variants' else 'sweep points'}"
                    f" × {experiment.replications} replications of {experiment.base_scenario.id}")
        if kind == "figures":
            raise UsageError(f"{name}: this is {KIND_WORDS[kind]}: nothing to check; "
                             "itsm validate checks scenario and experiment files")
        if kind in ("decisions", "replay"):
            raise UsageError(f"{name}: this is {KIND_WORDS[kind]}: itsm validate checks "
                             f"scenario and experiment files; a {kind} file is checked "
                             f"against its scenario by "
                             + ("itsm run SCENARIO --decisions FILE" if kind == "decisions"
                                else "itsm replay FILE"))
    scenario = resolve_scenario(name)
    return f"scenario {scenario.id}"


def cmd_list(args: argparse.Namespace) -> int:
    from sim import list_builtin

    scenarios = list_builtin()
    width = max((len(s.id) for s in scenarios), default=0)
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.title}")
    return EXIT_OK


def _plan(scenario, policy: str | None, decisions_file: str | None, said: str | None = None):
    """The decisions a command line asks for: one of the scenario's policies, a decisions
    file, or none. `said` is how the command line put it (`--twin policy:nope`), for the
    message when the policy or the file is not there."""
    from sim.decisions import DecisionPlan, load_decisions

    if policy:
        if policy not in scenario.policies:
            raise UsageError(f"{said or '--policy ' + policy}: no policy {policy!r} in "
                             f"scenario {scenario.id} (it has: "
                             f"{', '.join(scenario.policies) or 'none'})")
        return DecisionPlan.from_policy(scenario, policy)
    if decisions_file:
        input_file(decisions_file, said or f"--decisions {decisions_file}")
        return load_decisions(Path(decisions_file), scenario, source_name=decisions_file)
    return DecisionPlan()


def input_file(path: str, said: str) -> None:
    """Refuse, naming the option, a file given on the command line that is not there (rather
    than reading its name as the text of a file)."""
    if not os.path.exists(path):
        raise UsageError(f"{said}: {path}: no such file" if not said.endswith(path)
                         else f"{said}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{said}: {path} is a folder, expected a file")


def cmd_run(args: argparse.Namespace) -> int:
    from cli.decided import decided, decisions_json, print_decisions
    from sim import resolve_scenario
    from sim.engine import Simulation
    from sim.replications import run_replications

    to_stdout = _events_to_stdout(args, "the figures")
    scenario = resolve_scenario(args.scenario)
    plan = _plan(scenario, getattr(args, "policy", None), getattr(args, "decisions", None))

    def first_run():
        return Simulation(scenario, seed=args.seed, decisions=plan).run()

    record = getattr(args, "record", False)
    if record:  # a locked or damaged history fails now, not after the run
        from sim.history import check_history

        check_history(args.db)
    replay_file = (_OutputFile(args.save_replay, "--save-replay")
                   if getattr(args, "save_replay", None) else None)
    # claim the output file before the run, so a bad name fails at once, not after it
    events_file = (_OutputFile(args.events_csv, "--events-csv")
                   if args.events_csv and not to_stdout else None)
    try:
        if not to_stdout:  # the event log on standard output is instead of the figures
            with _Progress() as progress:
                result = run_replications(scenario, args.seed, args.replications,
                                          workers=args.workers, progress=progress.update,
                                          decisions=plan, keep=decided)
        outcome = (first_run() if (to_stdout or events_file or replay_file or record)
                   else None)
        if to_stdout or events_file:
            from sim.export import write_events_csv

            rows = write_events_csv(outcome, sys.stdout if to_stdout else events_file.handle)
        if events_file:
            events_file.commit()
            print(f"itsm: wrote {rows:,} events of the first replication (replication 0) "
                  f"to {args.events_csv}",
                  file=sys.stderr)
        if replay_file:
            from sim.replay import replay_of

            saved = replay_of(outcome, args.scenario, team=getattr(args, "team", ""))
            replay_file.handle.write(saved.model_dump_json(indent=2) + "\n")
            replay_file.commit()
            print(f"itsm: saved the replay of the first replication (replication 0) to "
                  f"{args.save_replay}",
                  file=sys.stderr)
        if record:
            _record(outcome, args)
    finally:
        for output in (events_file, replay_file):
            if output:
                output.discard()
    if to_stdout:
        return EXIT_OK
    summary = result.summary()
    if args.json:
        found = {
            "scenario": scenario.id,
            "seed": args.seed,
            "replications": args.replications,
            "kpis": {name: {"mean": _json_number(e.mean), "ci95": _json_number(e.ci95)}
                     for name, e in summary.items()},
        }
        if scenario.decision_points:  # a key of its own: the four above stay as they are
            found["decision_points"] = decisions_json(scenario, result.kept)
        print(json.dumps(found, indent=None))
    else:
        _print_table(scenario, args, summary)
        print_decisions(scenario, _answered_by(args), result.kept)
    return EXIT_OK


def _events_to_stdout(args: argparse.Namespace, instead_of: str) -> bool:
    """`--events-csv -`: the event log goes to standard output, instead of `instead_of`;
    refused with what else would be asked of standard output (--json) or would not be
    used (several replications: the event log is the first one's)."""
    if args.events_csv != "-":
        return False
    if args.json:
        raise UsageError(f"--json and --events-csv - both write to standard output (the "
                         f"event log instead of {instead_of}): give --events-csv a file "
                         "name to have both, or leave out one of the two")
    if getattr(args, "replications", 1) > 1:
        raise UsageError(f"--events-csv - writes the event log of one run to standard "
                         f"output, instead of {instead_of}: --replications "
                         f"{args.replications} would not be used; give --events-csv a file "
                         "name to have both")
    return True


def _answered_by(args: argparse.Namespace) -> str:
    """Who answered the decision points of a run, in words."""
    if getattr(args, "policy", None):
        return f"policy {args.policy}"
    if getattr(args, "decisions", None):
        return f"decisions file {args.decisions}"
    return "nobody: no lever; --policy or --decisions answers them"


def _record(outcome, args: argparse.Namespace) -> None:
    """Keep a run in the run history, naming its scenario so it can be found again from
    anywhere (a file by its absolute path, a built-in by its id)."""
    from sim.history import save_outcome

    source = args.scenario
    if source.endswith((".yaml", ".yml")) or os.sep in source or os.path.exists(source):
        source = os.path.abspath(source)
    run_id = save_outcome(outcome, source, getattr(args, "team", ""), db=args.db)
    import shlex  # the hint must run as printed: in the history the run went to

    where = f" --db {shlex.quote(args.db)}" if args.db else ""
    print(f"itsm: kept the first replication (replication 0) in the run history as run {run_id} "
          f"(itsm history --show {run_id}{where})", file=sys.stderr)


def cmd_replay(args: argparse.Namespace) -> int:
    from sim import ENGINE_VERSION, resolve_scenario
    from sim.replay import load_replay, replay, scenario_for

    to_stdout = _events_to_stdout(args, "the decisions and figures")
    saved = load_replay(args.file)
    scenario = resolve_scenario(args.scenario) if args.scenario else None
    scenario = scenario_for(saved, args.file, scenario, given_as=args.scenario,
                            how_to_point=f"name its file with itsm replay {args.file} "
                                         "--scenario PATH")
    outcome = replay(saved, scenario)
    exact = outcome.log.digest() == saved.event_log_sha256
    if args.events_csv:
        from sim.export import write_events_csv

        output = None if to_stdout else _OutputFile(args.events_csv, "--events-csv")
        try:
            write_events_csv(outcome, sys.stdout if to_stdout else output.handle)
            if output:
                output.commit()
        finally:
            if output:
                output.discard()
    if to_stdout:
        if not exact:
            print(f"itsm: {args.file}: NOT the same event log as when it was saved",
                  file=sys.stderr)
    elif args.json:
        print(json.dumps({"scenario": scenario.id, "seed": saved.seed, "team": saved.team,
                          "reproduced_exactly": exact,
                          "kpis": {k: _json_number(v) for k, v in outcome.kpis().items()}}))
    else:
        who = f" by {saved.team}" if saved.team else ""
        print(f"Replay of {scenario.title} ({scenario.id}), seed {saved.seed}{who}: "
              + ("reproduced exactly (same event log)" if exact else
                 "NOT the same event log as when it was saved"))
        if not exact and saved.engine_version != ENGINE_VERSION:
            # the usual reason: the engine's behaviour changed between the two versions
            print(f"  (saved by engine {saved.engine_version}, replayed by engine "
                  f"{ENGINE_VERSION}: the engine's rules changed between the two)")
        from cli.decided import decision_line

        for decision in saved.decisions:
            print("  " + decision_line(scenario, decision.point, decision.occurrence,
                                       decision.at_min, decision.levers))
        _print_figures({k: _Single(v) for k, v in outcome.kpis().items()}, scenario.currency,
                       scenario)
    return EXIT_OK if exact else 1


def cmd_compare(args: argparse.Namespace) -> int:
    from cli.decided import decided, decisions_json, print_variant_decisions
    from sim import resolve_scenario
    from sim.replications import compare_variants

    scenario = resolve_scenario(args.scenario)
    variants = {}
    for spec in args.variant:
        name, sep, what = spec.partition("=")
        if not sep or not name:
            raise UsageError(f"--variant {spec}: expected NAME=DECISIONS (a file, policy:NAME "
                             f"or none)")
        if name in variants:
            raise UsageError(f"--variant {name}: given twice")
        if what == "none":
            variants[name] = _plan(scenario, None, None)
        elif what.startswith("policy:"):
            variants[name] = _plan(scenario, what[len("policy:"):], None, f"--variant {spec}")
        else:
            variants[name] = _plan(scenario, None, what, f"--variant {spec}")
    with _Progress() as progress:
        result = compare_variants(scenario, variants, seed=args.seed,
                                  replications=args.replications, workers=args.workers,
                                  progress=progress.update, keep=decided)
    names = result.variants[result.baseline].kpi_names()
    kept = {v: r.kept for v, r in result.variants.items()}
    if args.json:
        print(json.dumps({
            "scenario": scenario.id, "seed": args.seed, "replications": args.replications,
            "baseline": result.baseline,
            "variants": {v: {k: r.summary()[k].as_dict() for k in names}
                         for v, r in result.variants.items()},
            "differences": {v: {k: result.difference(v, k).as_dict() for k in names}
                            for v in list(result.variants)[1:]},
            **({"decision_points": {v: decisions_json(scenario, runs)
                                    for v, runs in kept.items()}}
               if scenario.decision_points else {}),
        }))
        return EXIT_OK
    _print_comparison(scenario, result, names)
    print_variant_decisions(scenario, kept)
    return EXIT_OK


def cmd_play(args: argparse.Namespace) -> int:
    from sim import resolve_scenario

    if args.scenario is not None:
        resolve_scenario(args.scenario)  # a bad file: its located problems, exit 2
    from game.app import display_available

    if display_available():
        from game.app import NO_DISPLAY, Options
        from game.app import main as play_main

        options = Options(scenario=args.scenario, seed=args.seed, team=args.team,
                          fullscreen=args.fullscreen, db=args.db, export_dir=args.export_dir,
                          palette="projector" if args.projector else None, sound=args.sound)
        status = play_main(options)
        if status != NO_DISPLAY:
            return status
    return _play_headless(args)


#: What `itsm play` shows without a display: the story of `make demo`, the softphone
#: cutover played unprepared and prepared.
DEMO_SCENARIO, DEMO_POLICIES, DEMO_REPLICATIONS = "softphone-cutover", ("unprepared", "prepared"), 20


def _play_headless(args: argparse.Namespace) -> int:
    """No display: the scenario's story told by its policies side by side (the softphone
    cutover unprepared and prepared, as `make demo`, unless another scenario is named), or
    one run of a scenario without policies; and how to play the game instead."""
    from sim import resolve_scenario

    name = args.scenario or DEMO_SCENARIO
    scenario = resolve_scenario(name)
    policies = list(scenario.policies)
    if args.scenario is None and set(DEMO_POLICIES) <= set(policies):
        policies = list(DEMO_POLICIES)
    why = f"itsm play: no display to open the game on ({_why_no_display()})."
    how_to_play = ("To play the game, run itsm play where it can open a window (a desktop "
                   "session, or ssh -X)" + (", without SDL_VIDEODRIVER=dummy"
                                           if os.environ.get("SDL_VIDEODRIVER") else "") + ".")
    # the table scrolls the first words away: one line at the end says it again
    reminder = (f"itsm play: no display ({_why_no_display()}), so the "
                + ("run" if len(policies) < 2 else "demo")
                + " above instead of the game; to play, run itsm play where it can open a "
                  "window.")
    if len(policies) < 2:
        print(f"{why}\nInstead, one headless run of {name} (it has no policies to compare), "
              f"with its key figures.\n{how_to_play}", file=sys.stderr)
        status = cmd_run(argparse.Namespace(scenario=name, seed=args.seed, replications=1,
                                            workers=1, json=False, events_csv=None))
        sys.stdout.flush()  # (the table first, where both go to one terminal or pipe)
        print(reminder, file=sys.stderr)
        return status
    variants = [f"{policy}=policy:{policy}" for policy in policies]
    command = (f"itsm compare {name} " + " ".join(f"--variant {v}" for v in variants)
               + f" --replications {DEMO_REPLICATIONS}"
               + (f" --seed {args.seed}" if args.seed != 1 else ""))
    played = (" and ".join(policies) if len(policies) == 2
              else f"by each of its {len(policies)} policies")
    print(f"{why}\nInstead, the demo{' (as make demo)' if command == _MAKE_DEMO else ''}: "
          f"\"{scenario.title}\" played {played}, {DEMO_REPLICATIONS} runs each with the same "
          f"callers, side by side:\n  {command}\n{how_to_play}", file=sys.stderr)
    status = cmd_compare(argparse.Namespace(scenario=name, variant=variants, seed=args.seed,
                                            replications=DEMO_REPLICATIONS, workers=None,
                                            json=False))
    sys.stdout.flush()
    print(reminder, file=sys.stderr)
    return status


_MAKE_DEMO = (f"itsm compare {DEMO_SCENARIO} --variant unprepared=policy:unprepared "
              f"--variant prepared=policy:prepared --replications {DEMO_REPLICATIONS}")


def _why_no_display() -> str:
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver:
        return f"SDL_VIDEODRIVER={driver}"
    return "neither DISPLAY nor WAYLAND_DISPLAY is set"


# -- output --------------------------------------------------------------------------------------


def _json_number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


class _OutputFile:
    """A file written in full or not at all: the output goes to FILE.partial, which replaces
    FILE only when everything is written, so an existing FILE is never left half-written."""

    def __init__(self, path: str, option: str):
        self.path = path
        self.partial = f"{path}.partial"
        if os.path.isdir(path):
            raise UsageError(f"{option} {path}: is a folder, expected a file name")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{option} {path}: folder {folder} does not exist")
        try:
            self.handle = open(self.partial, "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise UsageError(f"{option} {path}: cannot write there ({error.strerror})") from None

    def commit(self) -> None:
        self.handle.close()
        os.replace(self.partial, self.path)

    def discard(self) -> None:
        """Remove what is left of an unfinished file (nothing, after a commit)."""
        if not self.handle.closed:
            self.handle.close()
        if os.path.exists(self.partial):
            os.remove(self.partial)


def _format(value: float | None, unit: str, currency: str = "", units: bool = True,
            difference: bool = False) -> str:
    """A figure's value in its unit: "8.2%", "2.67 min", "9,875 EUR", "74.8 / 100",
    "211.6 h", "395" or "264.8". Without `units`, the bare number, for a table whose unit
    column says it. A `difference` of two figures is signed, a share's in percentage
    points ("-10.2 pts") and one of satisfaction to two decimals (paired differences of it
    are often small). "—" when there is no value."""
    if value is None:
        return "—"
    sign = "+" if difference and value > 0 else ""
    if unit == "share":
        number = "<0.1" if 0 < abs(value) < 0.0005 else f"{100 * value:.1f}"
        suffix = " pts" if difference else "%"
    elif unit == "min":
        number, suffix = f"{value:,.2f}", " min"
    elif unit == "money":
        number, suffix = f"{value:,.0f}", f" {currency}" if currency else ""
    elif unit == "points":
        number = f"{value:.2f}" if difference else f"{value:.1f}"
        suffix = "" if difference else " / 100"
    elif unit == "hours":
        number, suffix = f"{value:,.1f}", " h"
    else:
        number, suffix = (f"{value:,.1f}" if value != round(value) else f"{value:,.0f}"), ""
    return sign + number + (suffix if units else "")


def _format_ci(value: float | None, unit: str, units: bool = True,
               difference: bool = False) -> str:
    """The half-width of a 95% interval, "± ..." in the figure's unit as `_format` writes
    it (a share's in percentage points); "" when there is none."""
    if value is None:
        return ""
    if unit == "share":
        number, suffix = ("<0.1" if 0 < value < 0.0005 else f"{100 * value:.1f}"), " pts"
    elif unit == "min":
        number, suffix = f"{value:,.2f}", " min"
    elif unit == "money":
        number, suffix = f"{value:,.0f}", ""
    elif unit == "points":
        number, suffix = (f"{value:.2f}" if difference else f"{value:.1f}"), ""
    elif unit == "hours":
        number, suffix = f"{value:,.1f}", " h"
    else:
        number, suffix = f"{value:,.1f}", ""
    return f"± {number}" + (suffix if units else "")


def _estimate_text(estimate, unit: str, currency: str = "", units: bool = True,
                   difference: bool = False) -> str:
    """`mean ± half-width` of an estimate (a figure over replications, or a paired
    difference), as `_format` and `_format_ci` write them: the one way every command
    prints a figure with its interval. "—" when it could not be computed."""
    if estimate is None or estimate.mean is None:
        return "—"
    return (f"{_format(estimate.mean, unit, currency, units, difference)} "
            f"{_format_ci(estimate.ci95, unit, units, difference)}").rstrip()


@dataclass
class _Single:
    """One run's figure, shaped like an estimate (no interval)."""

    mean: float | None
    ci95: None = None


def _ordered(names, scenario=None) -> list[str]:
    """Figures in the order of a table: by section, the headline figures first, the rest
    by id; with the `scenario`, the figures of departments, teams and suppliers by the
    names the table shows ("Satisfaction — Customer Service" before "— Finance")."""
    from sim.kpis import KPI_SECTIONS, kpi_label, kpi_section

    order = {name: i for i, name in enumerate(HEADLINE)}

    def by(name: str) -> str:
        plain, named = kpi_label(name)[0], kpi_label(name, scenario)[0]
        if plain == named or " — " not in plain:
            return name
        group = plain.rsplit(" — ", 1)[1]  # the id the label ends with
        return name[:-len(group)] + named.rsplit(" — ", 1)[1].lower()

    return sorted(names, key=lambda n: (KPI_SECTIONS.index(kpi_section(n)),
                                        order.get(n, len(order)), by(n), n))


def _print_figures(summary: dict, currency: str, scenario=None) -> None:
    """Every figure of a run (or its mean and interval over replications) by section; with
    the `scenario`, departments, teams and suppliers by their names."""
    from sim.kpis import kpi_label, kpi_section

    rows = []
    for name in _ordered(summary, scenario):
        label, unit = kpi_label(name, scenario)
        estimate = summary[name]
        rows.append((kpi_section(name), label, _format(estimate.mean, unit, currency),
                     _format_ci(estimate.ci95, unit)))
    width = max(len(r[1]) for r in rows)
    value_width = max(len(r[2]) for r in rows)
    section = None
    for row_section, label, value, ci in rows:
        if row_section != section:
            section = row_section
            print(f"\n{section}")
        print(f"  {label:<{width}}  {value:>{value_width}}  {ci}".rstrip())


def _print_table(scenario, args: argparse.Namespace, summary: dict) -> None:
    reps = args.replications
    print(f"{scenario.title} ({scenario.id}), seed {args.seed}, "
          f"{reps} replication{'s' if reps > 1 else ''}"
          + (" — mean ± 95% confidence interval" if reps > 1 else ""))
    _print_figures(summary, scenario.currency, scenario)


#: The unit of a figure in a table's unit column (the cells then hold bare numbers).
UNIT_WORDS = {"share": "%", "min": "min", "points": "/100", "hours": "h", "count": ""}


def _print_comparison(scenario, result, names: list[str]) -> None:
    """Every figure of every variant as mean ± 95% CI, and its paired difference to the
    first variant: one row a figure when that fits the terminal, else a row a variant."""
    from sim.kpis import kpi_label

    variants = list(result.variants)
    base = result.baseline
    reps = result.variants[base].replications
    columns = terminal_size(sys.stdout, (100, 24))[0]
    intro = (f"{scenario.title} ({scenario.id}), seed {result.seed}, {reps} paired "
             f"replications. Each variant: mean ± 95% confidence interval; − {base}: the "
             f"difference to {base!r}, paired replication by replication (for a percentage, "
             f"in percentage points).")
    for line in textwrap.wrap(intro, max(columns - 1, 40)):
        print(line)
    print()
    summaries = {v: result.variants[v].summary() for v in variants}
    wide, stacked = [], []
    for name in _ordered(names, scenario):
        label, unit = kpi_label(name, scenario)
        unit_text = scenario.currency if unit == "money" else UNIT_WORDS.get(unit, "")
        cells = [_estimate_text(summaries[v][name], unit, units=False) for v in variants]
        differences = [_estimate_text(result.difference(v, name), unit, units=False,
                                      difference=True) for v in variants[1:]]
        wide.append([[label, unit_text, *cells, *differences]])
        stacked.append([[label if i == 0 else "", unit_text if i == 0 else "", v, cells[i],
                         differences[i - 1] if i else ""] for i, v in enumerate(variants)])
    wide_header = ["figure", "unit", *variants, *(f"{v} − {base}" for v in variants[1:])]
    if not _print_table_fitting(wide_header, wide, columns, left=(0, 1)):
        _print_table_fitting(["figure", "unit", "variant", "mean ± 95% CI", f"− {base}"],
                             stacked, columns, left=(0, 1, 2), force=True)


def _print_table_fitting(header: list[str], groups: list[list[list[str]]], columns: int,
                         left: tuple[int, ...], force: bool = False) -> bool:
    """Print a table, its rows in groups (a figure: one row, or one per variant), whose
    first column wraps within its group so that the table fits `columns`. False (and
    nothing printed) when even a narrow first column would not fit, unless `force`."""
    rows = [row for group in groups for row in group]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    others = sum(widths[1:]) + 2 * (len(widths) - 1)
    first = min(widths[0], columns - 1 - others)
    if first < MIN_LABEL_WIDTH:
        if not force:
            return False
        first = max(first, MIN_LABEL_WIDTH)
    widths[0] = first

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) if j in left else cell.rjust(w)
                         for j, (cell, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for n, group in enumerate(groups):
        if n and len(group) > 1:
            print()  # a figure of several rows stands apart from the next
        # at spaces only: "Utilisation — Softphone vendor", never "softphone-" / "vendor"
        label = textwrap.wrap(group[0][0], first, subsequent_indent="  ",
                              break_on_hyphens=False, break_long_words=False) or [""]
        blank = [""] * len(header)
        for i in range(max(len(group), len(label))):
            row = group[i] if i < len(group) else blank
            print(line([label[i] if i < len(label) else "", *row[1:]]))
    return True


#: The narrowest the figure column of a table gets before the table is laid out otherwise.
MIN_LABEL_WIDTH = 24


class _Progress:
    """A progress bar on stderr, shown when stderr is a terminal and the work takes longer
    than a second; silent when stderr goes to a file or a pipe (redirected output stays
    clean).

    The bar's size is decided here, not by tqdm: a terminal that does not report its size
    (0 x 0: a pseudo-terminal opened by `script`, `docker exec -t`, some CI runners and
    editors' shells) made tqdm compute -1 rows and show nothing at all."""

    def __init__(self):
        self._bar = None

    def __enter__(self) -> _Progress:
        from tqdm import tqdm

        columns, rows = terminal_size(sys.stderr)
        # one column short of the width, as tqdm does: a full line would wrap on some terminals
        self._bar = tqdm(total=100, unit="%", file=sys.stderr, delay=1.0, leave=False,
                         ncols=max(columns - 1, 20), nrows=rows, disable=not _is_terminal(sys.stderr),
                         bar_format="{l_bar}{bar}| {elapsed} elapsed, {remaining} to go")
        return self

    def update(self, done: float, total: float) -> None:
        """`done` of `total` replications (fractions allowed: a run in progress)."""
        self._bar.update(100 * done / total - self._bar.n)

    def __exit__(self, *exc) -> None:
        self._bar.close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def terminal_size(stream, fallback: tuple[int, int] = (80, 24)) -> tuple[int, int]:
    """(columns, rows) of the terminal `stream` writes to; what the terminal does not report
    (0), or everything when it is not a terminal, from $COLUMNS and $LINES or the fallback."""
    try:
        columns, rows = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        columns = rows = 0
    return (_reported_or(columns, "COLUMNS", fallback[0]),
            _reported_or(rows, "LINES", fallback[1]))


def _reported_or(value: int, variable: str, default: int) -> int:
    if value > 0:
        return value
    text = os.environ.get(variable, "")
    return int(text) if text.isdigit() and int(text) > 0 else default


if __name__ == "__main__":  # pragma: no cover
    # run the imported module, not this __main__ copy: the command modules import cli.main,
    # and two copies would have two UsageError classes
    from cli.main import main as _main

    sys.exit(_main())

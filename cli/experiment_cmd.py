"""`itsm experiment FILE`: run an experiment file (variants or a sweep, paired replications).

    itsm experiment FILE [-r N] [--seed N] [--workers N | --dask SCHEDULER_ADDRESS] [--json]

Prints each variant's or sweep point's key figures (mean ± 95% CI) and their paired
differences to the baseline (the first variant or point), says which meet the file's goals,
and writes results.csv, results.json and PNG charts to the experiment's output folder. The
replications run in a process pool on this machine, or on a dask.distributed cluster with
`--dask` (the optional extra: pip install -e '.[distributed]'). See docs/experiments.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def register(subparsers) -> None:
    """Add `itsm experiment` to the `itsm` parser."""
    from cli.main import _non_negative_int, _positive_int

    parser = subparsers.add_parser(
        "experiment", help="run an experiment file: variants or a sweep over paired "
                           "replications, with CSV, JSON and charts",
        description="Run an experiment file: named variants of a scenario, or a sweep over "
        "one or two of its parameters, every one on the same replications (common random "
        "numbers). Prints each variant's or point's key figures (mean ± 95% confidence "
        "interval, over the whole run or the file's `measure` window), the paired "
        "differences to the first, and which meet the file's goals (by the mean, with 95% "
        "confidence, and the share of runs that met them); writes results.csv, results.json "
        "and PNG charts to the output folder. Exit status 2 for a bad file (every problem "
        "located as FILE:LINE: field: what was expected), 1 when the charts could not be "
        "drawn. See docs/experiments.md.")
    parser.add_argument("file", metavar="FILE", help="an experiment file (YAML)")
    parser.add_argument("--replications", "-r", type=_replications, default=None,
                        metavar="N", help="replications of each variant or point, instead "
                        "of the file's (2 to 10,000): fewer for a quick look, more for "
                        "narrower intervals")
    parser.add_argument("--seed", type=_non_negative_int, default=None, metavar="N",
                        help="the seed, instead of the file's")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, default=None,
                       help="processes on this machine (default: all cores)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run on a dask.distributed cluster: its scheduler's address, "
                            "e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the content of results.json)")
    parser.set_defaults(action=cmd_experiment)


def _replications(text: str) -> int:
    """-r N: as many as a file may ask for, and at least two (an interval needs two)."""
    from cli.main import _whole_number
    from sim.experiments import MAX_REPLICATIONS

    value = _whole_number(text)
    if not 2 <= value <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 2 to {MAX_REPLICATIONS:,} (a confidence interval "
            f"needs at least two replications), got {text!r}")
    return value


def _too_many(experiment, replications: int | None) -> str | None:
    """Why `-r N` would make the experiment too big for one run, if it would."""
    from sim.experiments import MAX_RUNS

    runs = len(experiment.runs)
    if replications is None or runs * replications <= MAX_RUNS:
        return None
    return (f"--replications {replications:,}: {runs * replications:,} runs in all "
            f"({replications:,} replications x {runs} variants or points) is more than "
            f"{MAX_RUNS:,}: at most {MAX_RUNS // runs:,} replications for this experiment")


def with_command_line(experiment, replications: int | None, seed: int | None):
    """The experiment with the command line's -r/--seed in place of the file's. The spec
    (results.json's `experiment`) holds what was run, and `command_line` in it says what
    the command line changed: {"replications": {"given": 5, "in_the_file": 40}}."""
    import dataclasses

    changes = {name: value for name, value in (("replications", replications), ("seed", seed))
               if value is not None and value != getattr(experiment, name)}
    if not changes:
        return experiment
    spec = {**experiment.spec, **changes, "command_line": {
        name: {"given": value, "in_the_file": getattr(experiment, name)}
        for name, value in changes.items()}}
    return dataclasses.replace(experiment, spec=spec, **changes)


def _command_line_words(experiment) -> str:
    """What the command line changed, for the header: " (from the command line: -r 5; the
    file says 40 replications)"; "" when nothing."""
    changed = experiment.spec.get("command_line", {})
    if not changed:
        return ""
    given = ", ".join(f"{'-r' if name == 'replications' else '--seed'} {value['given']}"
                      for name, value in changed.items())
    in_file = ", ".join(f"{value['in_the_file']} replications" if name == "replications"
                        else f"seed {value['in_the_file']}" for name, value in changed.items())
    return f" (from the command line: {given}; the file says {in_file})"


def _refuse(message: str) -> int:
    # reported here rather than raised as cli.main.UsageError: under `python -m cli.main`
    # this module's cli.main is a second copy, whose exception class main() does not catch
    print(f"itsm: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_experiment(args: argparse.Namespace) -> int:
    from cli.main import _Progress
    from sim.experiments import load_experiment, run_experiment

    path = Path(args.file)
    if not path.is_file():
        return _refuse(f"{args.file}: no such file" if not path.exists()
                       else f"{args.file}: not a file")
    experiment = load_experiment(path)
    problem = _too_many(experiment, args.replications)
    if problem:
        return _refuse(problem)
    experiment = with_command_line(experiment, args.replications, args.seed)
    output = experiment.output
    if output.exists() and not output.is_dir():
        return _refuse(f"{output}: the output folder is a file")
    client = None
    executor, workers = None, args.workers
    if args.dask:
        client, problem = _dask_client(args.dask)
        if problem:
            return _refuse(problem)
        executor = client.get_executor(pure=False)
        workers = sum(client.nthreads().values())
    try:
        with _Progress() as progress:
            result = run_experiment(experiment, workers=workers, executor=executor,
                                    progress=progress.update)
    except ModuleNotFoundError as error:
        if client is None:
            raise
        return _refuse(f"--dask {args.dask}: the workers cannot import the project "
                       f"({error}); install it where every worker runs: pip install -e .")
    finally:
        if client is not None:
            client.close()

    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return _refuse(f"{output}: cannot create the output folder ({error.strerror})")
    result.write_csv(output / "results.csv")
    result.write_json(output / "results.json")
    written = ["results.csv", "results.json"]
    chart_problem = None
    try:
        written += write_charts(result, output)
    except ImportError as error:
        chart_problem = f"the charts were not drawn: {error}"

    if args.json:
        print(json.dumps(result.as_json()))
    else:
        print_result(result)
    print(f"itsm: wrote {', '.join(written)} to {output}", file=sys.stderr)
    if chart_problem:
        print(f"itsm: {chart_problem}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _dask_client(address: str):
    """(a connected distributed.Client, None) or (None, what went wrong)."""
    try:
        from distributed import Client
    except ImportError:
        return None, ("--dask needs dask.distributed, which is not installed: "
                      "pip install -e '.[distributed]'")
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        return None, f"--dask {address}: cannot reach a dask scheduler there ({error})"
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=10)
        except (TimeoutError, OSError):
            client.close()
            return None, (f"--dask {address}: the scheduler has no workers; start some with "
                          f"`dask worker {address}`")
    return client, None


# -- charts -------------------------------------------------------------------------------------


def write_charts(result, folder: Path) -> list[str]:
    """Draw the experiment's charts as PNG files in `folder`; returns their names.

    Variants: one chart of every key figure (reports.charts.variants_chart). A sweep: its key
    figures along the (first) parameter (reports.charts.sweep_chart), one chart for each
    value of a second parameter."""
    from reports.charts import sweep_chart, variants_chart
    from reports.render import png_bytes

    experiment = result.experiment
    # both charts take goals as sim.scenario.Goal and the currency of money figures
    goals = dict(experiment.goals) or None
    currency = experiment.base_scenario.currency
    measured = measured_span(experiment) + " only" if experiment.window is not None else None
    written = []
    if experiment.kind == "variants":
        figure = variants_chart(result.comparison, experiment.kpis, goals=goals,
                                currency=currency, measured=measured,
                                scenario=experiment.base_scenario)
        (folder / "variants.png").write_bytes(png_bytes(figure))
        return ["variants.png"]
    for title, names in result.sweep_slices():
        values = [experiment.runs[name].coordinates[0] for name in names]
        estimates = {kpi: [result.estimate(name, kpi) for name in names]
                     for kpi in experiment.kpis}
        figure = sweep_chart(values, chart_parameter_words(experiment, experiment.runs[names[0]]),
                             estimates, goals, currency=currency, measured=measured,
                             scenario=experiment.base_scenario)
        name = "sweep.png"
        if title:  # one chart per value of the second parameter
            second = experiment.axes[1]
            value = experiment.runs[names[0]].coordinates[1]
            words = f"{second.short}-{second.value_label(value)}".replace("×", "x")
            name = "sweep-" + re.sub(r"[^A-Za-z0-9.=+-]+", "_", words) + ".png"
        (folder / name).write_bytes(png_bytes(figure))
        written.append(name)
    return written


# -- the table ----------------------------------------------------------------------------------


def _difference_text(d, unit: str, currency: str) -> str:
    """A paired difference as `itsm compare` writes it (a share's in percentage points);
    blank for the baseline's own row."""
    from cli.main import _estimate_text

    if d is None or d.mean is None:
        return ""
    return _estimate_text(d, unit, currency, difference=True)


def _in_sentence(label: str) -> str:
    """A figure's label inside a sentence: its first letter small, unless it starts an
    abbreviation ("CSAT", "SLA breaches"); names in it keep their capitals ("satisfaction
    — HR and Administration")."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _goal_value(goal, unit: str, currency: str) -> str:
    from cli.main import _format

    if goal.at_most is not None:
        return f"at most {_format(goal.at_most, unit, currency)}"
    return f"at least {_format(goal.at_least, unit, currency)}"


def _decided_words(decided: dict, overrides: list) -> str:
    """What a variant decides and changes, in one line."""
    words = []
    if "policy" in decided:
        words.append(f"policy {decided['policy']}")
    for point, levers in decided.get("decisions", {}).items():
        words.append(f"{point}: {', '.join(levers) or 'nothing'}")
    if "decisions_file" in decided:
        words.append(f"decisions file {decided['decisions_file']}")
    for effect in overrides:
        value = f"{effect.value:g}" if isinstance(effect.value, float) else effect.value
        words.append(f"{effect.target} {effect.operation} {value}")
    return "; ".join(words)


def measured_span(experiment) -> str:
    """The part of the runs the key figures cover: "mon 00:00 to tue 00:00 (minutes 0 to
    1440)", or "minutes 0 to 600" for a scenario without a calendar."""
    from sim.experiments import moment_words

    scenario = experiment.base_scenario
    window = experiment.measured
    span = f"minutes {window.from_min:g} to {window.until_min:g}"
    if scenario.calendar is not None:
        span = (f"{moment_words(scenario, window.from_min)} to "
                f"{moment_words(scenario, window.until_min)} ({span})")
    return span


def measured_words(experiment) -> str:
    """What the key figures cover: the measured window, or the whole run."""
    window = experiment.measured
    span = measured_span(experiment)
    if experiment.window is None:
        return (f"Measured: the whole run, {span}" + (" after the warm-up"
                                                       if window.from_min > 0 else "") + ".")
    return (f"Measured: {span} only: each run stops at its end, and only contacts arriving "
            f"in it count.")


def _axis_words(axis, scenario) -> str:
    """A swept parameter in words, with the path a designer wrote: "extra agents on the
    service desk (teams.service-desk.staff, add)"."""
    from sim.names import parameter_words

    return f"{parameter_words(axis.target, axis.operation, scenario)} ({axis.target}, " \
           f"{axis.operation})"


def chart_parameter_words(experiment, run) -> str:
    """What a sweep's chart says it swept, inside a sentence: the first parameter in words
    ("extra agents on the service desk", `sim.names.parameter_words`) and, in a sweep of two,
    the value of the second that the chart's points share (those of `run`, one of them), as
    `sim.names.effect_sentence` says it: ", with handle time of “Password reset” 25%
    shorter"."""
    from sim.names import effect_sentence, parameter_words
    from sim.scenario import Effect

    scenario = experiment.base_scenario
    first = experiment.axes[0]
    words = parameter_words(first.target, first.operation, scenario)
    if len(experiment.axes) > 1:
        second = experiment.axes[1]
        effect = Effect(target=second.target, **{second.operation: run.coordinates[1]})
        words += f", with {effect_sentence(effect, scenario)}"
    return words


def print_result(result) -> None:
    from cli.main import _estimate_text
    from sim.kpis import kpi_label

    experiment = result.experiment
    scenario = experiment.base_scenario
    currency = scenario.currency
    reps = experiment.replications
    print(experiment.title)
    print(f"Scenario: {scenario.title} ({scenario.id})")
    if experiment.kind == "sweep":
        who = "point"
        run = next(iter(experiment.runs.values()))
        decided = _decided_words(run.decided, [])
        print("Sweep of " + " × ".join(_axis_words(a, scenario) for a in experiment.axes)
              + (f"; every point: {decided}" if decided else ""))
    else:
        who = "variant"
        print("Variants (the first is the baseline):")
        width = max(len(name) for name in experiment.runs)
        for name, run in experiment.runs.items():
            print(f"  {name:<{width}}  {_decided_words(run.decided, run.overrides) or 'no decisions'}")
    print(measured_words(experiment))
    changed = _command_line_words(experiment)
    print(f"Seed {experiment.seed}, {reps} replications each{changed}, the same for every {who} "
          f"(common random numbers). Mean ± 95% confidence interval; differences are to "
          f"{result.baseline!r}, paired replication by replication.")
    for kpi in experiment.kpis:
        label, unit = kpi_label(kpi, scenario)
        goal = experiment.goals.get(kpi)
        heading = label + (f"  (goal: {_goal_value(goal, unit, currency)})" if goal else "")
        header = [who, "mean ± 95% CI", f"− {result.baseline} (paired)"]
        if goal:
            header += ["goal met", "runs meeting it"]
        table = [header]
        for name in result.names:
            e = result.estimate(name, kpi)
            row = [name, _estimate_text(e, unit, currency),
                   _difference_text(result.difference(name, kpi), unit, currency)]
            if goal:
                met = result.goals_met(name).get(kpi)
                sure = result.goals_met(name, confident=True).get(kpi)
                share = result.share_meeting(name, kpi)
                row.append("—" if met is None else
                           ("yes (95%)" if sure else "yes") if met else "no")
                row.append("—" if share is None else f"{100 * share:.0f}%")
            table.append(row)
        print(f"\n{heading}")
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        for i, row in enumerate(table):
            cells = [cell.ljust(w) if j == 0 else cell.rjust(w)
                     for j, (cell, w) in enumerate(zip(row, widths, strict=True))]
            print("  " + "  ".join(cells).rstrip())
            if i == 0:
                print("  " + "  ".join("-" * w for w in widths))
    if experiment.goals:
        _print_goals(result)


def _print_goals(result) -> None:
    from cli.main import _estimate_text
    from sim.kpis import kpi_label

    experiment = result.experiment
    scenario = experiment.base_scenario
    currency = scenario.currency
    who = "points" if experiment.kind == "sweep" else "variants"
    goals = ", ".join(f"{_in_sentence(kpi_label(k, scenario)[0])} "
                      f"{_goal_value(g, kpi_label(k)[1], currency)}"
                      for k, g in experiment.goals.items())
    met = result.meeting_every_goal()
    sure = result.meeting_every_goal(confident=True)
    print(f"\nGoals: {goals}")
    print("  'goal met' is about the mean over the replications: yes = the mean meets the "
          "goal;\n  yes (95%) = its whole 95% confidence interval does. Single runs scatter "
          "around the\n  mean: 'runs meeting it' is the share of replications that met the "
          "goal on their own.")
    print(f"  {who} meeting every goal (by the mean): {', '.join(met) or 'none'}")
    print(f"  ... with 95% confidence (the whole interval): {', '.join(sure) or 'none'}")
    if experiment.kind == "sweep" and len(experiment.axes) == 1:
        axis = experiment.axes[0]
        smallest = result.smallest_meeting()
        if smallest is None:
            print(f"  No value of {_axis_words(axis, scenario)} tried meets every goal.")
            return
        figures = []
        for kpi in experiment.goals:
            label, unit = kpi_label(kpi, scenario)
            e = result.estimate(smallest, kpi)
            figures.append(f"{_in_sentence(label)} {_estimate_text(e, unit, currency)}")
        share = result.share_meeting_every_goal(smallest)
        if share is not None:
            figures.append(f"{100 * share:.0f}% of the runs met every goal")
        line = (f"  The smallest value of {_axis_words(axis, scenario)} that meets every goal: "
                f"{smallest} "
                f"({'; '.join(figures)})")
        confident = result.smallest_meeting(confident=True)
        if confident != smallest:
            line += (f"; with 95% confidence: {confident}" if confident
                     else "; none with 95% confidence")
        print(line)

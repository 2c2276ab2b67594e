"""What `itsm run` tells about the decisions: which decision points were asked, when, and
which levers were pulled — and which points were never asked.

A designer whose `phone_waiting > 5` point never fired should read it under the key
figures, not find it out from a replay file. For one run each asking is listed with its
moment; over replications, in how many runs each point was asked and each lever pulled.

The key figures come from the same runs: `sim.run_replications(..., keep=decided)` keeps,
per run, what was decided (a few lines per run, never the event log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: Askings of one point listed for a single run; the rest are counted ("and 37 more").
SHOWN_ASKINGS = 5


@dataclass
class Decided:
    """What one run decided: each decision point's askings (the first few, with the
    moment and the levers pulled) and how often it was asked; the free decisions."""

    askings: dict[str, list[tuple[float, tuple[str, ...]]]] = field(default_factory=dict)
    times: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, set[str]] = field(default_factory=dict)  # point -> levers, any asking
    last_asked_min: dict[str, float] = field(default_factory=dict)  # point -> its last asking
    free: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)


def decided(outcome) -> Decided:
    """What a finished run decided, from its decisions (answers and free decisions)."""
    found = Decided()
    for d in outcome.decisions:
        if d.point is None:
            found.free.append((d.at_min, d.levers))
            continue
        found.times[d.point] = found.times.get(d.point, 0) + 1
        found.pulled.setdefault(d.point, set()).update(d.levers)
        found.last_asked_min[d.point] = d.at_min
        shown = found.askings.setdefault(d.point, [])
        if len(shown) < SHOWN_ASKINGS:
            shown.append((d.at_min, d.levers))
    return found


# -- words --------------------------------------------------------------------------------------


def _when(scenario, point) -> str:
    from sim.experiments import moment_words

    if point.at is not None:
        return f"at {moment_words(scenario, point.at)}"
    condition = point.when
    side, value = ("above", condition.above) if condition.above is not None \
        else ("below", condition.below)
    return f"when {condition.metric} is {side} {value:g}"


def _levers(levers) -> str:
    return ", ".join(levers) or "no lever"


def moment_text(scenario, at_min: float) -> str:
    """A decision's moment for `itsm replay` and `itsm history --show`: as the decisions
    file and `itsm run` write it, with the minute for designers: "wed 09:00 (minute
    3420)"; "minute 90" alone without a calendar (or without the scenario)."""
    from sim.experiments import moment_words

    if scenario is None:
        return f"minute {at_min:g}"
    words = moment_words(scenario, float(math.floor(at_min)))
    return words if words.startswith("minute") else f"{words} (minute {at_min:g})"


def decision_line(scenario, point: str | None, occurrence: int | None,
                  at_min: float | None, levers) -> str:
    """One decision of a run in words: "preparation at mon 00:00 (minute 0):
    brief-help-desk, train-users", "queue-building (time 2) at ...", "free decision at
    wed 09:00 (minute 3420): temp-staff"."""
    what = point or "free decision"
    if point and occurrence and occurrence > 1:
        what += f" (time {occurrence})"
    when = f" at {moment_text(scenario, at_min)}" if at_min is not None else ""
    return f"{what}{when}: {_levers(levers)}"


def print_decisions(scenario, answered_by: str, runs: list[Decided]) -> None:
    """The decision points of the run (or runs), after the key figures."""
    from sim.experiments import moment_words

    free = [decision for run in runs[:1] for decision in run.free]
    if not scenario.decision_points and not free:
        return
    width = max((len(p.id) for p in scenario.decision_points), default=0)
    many = len(runs) > 1
    print(f"\nDecision points{f', over the {len(runs)} runs' if many else ''} "
          f"(answered by {answered_by})")
    for point in scenario.decision_points:
        asked_in = [run for run in runs if run.times.get(point.id)]
        name = f"  {point.id:<{width}}  "
        if not asked_in:
            print(f"{name}never asked ({_when(scenario, point)})")
        elif many:
            times = sum(run.times[point.id] for run in asked_in)
            pulled = {lever: sum(lever in run.pulled[point.id] for run in asked_in)
                      for lever in point.levers}
            levers = ", ".join(f"{lever} ({n} run{'s' if n > 1 else ''})"
                               for lever, n in pulled.items() if n)
            print(f"{name}asked in {len(asked_in)} of {len(runs)} runs"
                  + (f" ({times} times in all)" if times > len(asked_in) else "")
                  + f"; levers pulled: {levers or 'none'}")
        else:
            run = asked_in[0]
            for i, (at_min, levers) in enumerate(run.askings[point.id]):
                lead = name if i == 0 else " " * len(name)
                print(f"{lead}{moment_words(scenario, at_min)}: {_levers(levers)}")
            more = run.times[point.id] - len(run.askings[point.id])
            if more:
                print(f"{' ' * len(name)}… and {more} more time{'s' if more > 1 else ''}, "
                      f"the last {moment_words(scenario, run.last_asked_min[point.id])}")
    if free:
        print("Free decisions")
        for at_min, levers in free:
            print(f"  {moment_words(scenario, at_min)}: {_levers(levers)}")


def decisions_json(scenario, runs: list[Decided]) -> dict:
    """The same for --json: for each point, in how many runs it was asked, how many times
    in all, and in how many runs each lever was pulled there."""
    out = {}
    for point in scenario.decision_points:
        asked_in = [run for run in runs if run.times.get(point.id)]
        entry = {"runs_asked": len(asked_in),
                 "times_asked": sum(run.times[point.id] for run in asked_in),
                 "levers": {lever: sum(lever in run.pulled[point.id] for run in asked_in)
                            for lever in point.levers}}
        if len(runs) == 1 and asked_in:
            entry["first_asked_at_min"] = asked_in[0].askings[point.id][0][0]
        out[point.id] = entry
    return out


def print_variant_decisions(scenario, kept: dict[str, list[Decided]]) -> None:
    """After `itsm compare`'s table: for each decision point, in how many runs of each
    variant it was asked, and under it each lever pulled there in how many runs (the
    levers no variant pulled are left out); a point asked more than once a run says how
    often in all ("18 (25×)"). Nothing for a scenario without decision points."""
    points = scenario.decision_points
    if not points or not kept:
        return
    variants = list(kept)
    runs = len(next(iter(kept.values())))
    rows: list[list[str]] = []
    never = []
    for point in points:
        asked = {v: [run for run in kept[v] if run.times.get(point.id)] for v in variants}
        if not any(asked.values()):
            never.append(f"{point.id} ({_when(scenario, point)})")
            continue
        cells = []
        for v in variants:
            times = sum(run.times[point.id] for run in asked[v])
            cells.append(f"{len(asked[v])}" + (f" ({times}×)" if times > len(asked[v]) else ""))
        rows.append([f"  {point.id}", *cells])
        for lever in point.levers:
            pulled = [sum(lever in run.pulled[point.id] for run in asked[v]) for v in variants]
            if any(pulled):
                rows.append([f"    {lever}", *(str(n) for n in pulled)])
    import sys
    import textwrap

    from cli.main import terminal_size

    heading = (f"Decision points: in how many of each variant's {runs} runs each point was "
               f"asked, and each lever under it pulled there")
    print()
    for line in textwrap.wrap(heading, max(terminal_size(sys.stdout, (100, 24))[0] - 1, 40)):
        print(line)
    if rows:
        header = ["", *variants]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join([row[0].ljust(widths[0]),
                             *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:],
                                                                 strict=True))]).rstrip())
    if never:
        print(f"  never asked in any run: {'; '.join(never)}")

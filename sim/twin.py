"""Twin runs: "what if I had briefed the help desk?" answered honestly.

A twin run is the same scenario with the same seed and a different set of decisions. Every
random draw a decision does not cause is shared (see `sim.sources`): the same people call at
the same moments with the same luck, so whatever differs between the twins was caused by the
decisions. `compare` says by how much each key figure moved and which contacts turned out
differently — matched by who they are (the source that made them, their number in it, the
attempt), not by their position in the log, which shifts when one twin has more contacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.decisions import DecisionPlan
from sim.engine import Outcome, Simulation
from sim.eventlog import DECLINED
from sim.scenario import Scenario


@dataclass(frozen=True)
class ContactStory:
    """What one contact lived through, in a form two runs can be compared on (said in words
    by `reports.debrief.story_words`)."""

    arrived_min: float
    channel: str
    waited_min: float | None
    gave_up: bool
    declined: bool
    resolved_first_time: bool
    handoffs: int
    resolved_min: float | None


def contact_stories(outcome: Outcome) -> dict[tuple[str, int, int], ContactStory]:
    """Every contact of a run, by identity (source, number in it, attempt)."""
    from sim.kpis import LogView

    v = LogView(outcome)
    names = outcome.log.names
    contacts = outcome.log.contact_columns()
    declined = v.first_time(DECLINED)
    stories = {}
    for c in range(v.n_contacts):
        answered, abandoned = v.answered[c], v.abandoned[c]
        waited = (answered if not np.isnan(answered) else abandoned) - v.arrived[c]
        resolved = None if np.isnan(v.resolved[c]) else float(v.resolved[c])
        key = (names.sources[int(contacts["source"][c])], int(contacts["seq"][c]),
               int(contacts["attempt"][c]))
        stories[key] = ContactStory(
            arrived_min=float(v.arrived[c]),
            channel=names.channels[int(v.contact_channel[c])],
            waited_min=None if np.isnan(waited) else float(waited),
            gave_up=not np.isnan(abandoned),
            declined=not np.isnan(declined[c]),
            resolved_first_time=resolved is not None and int(v.escalations[c]) == 0,
            handoffs=int(v.escalations[c]),
            resolved_min=resolved,
        )
    return stories


@dataclass
class Comparison:
    """Two runs side by side: key figures and contacts."""

    first: Outcome
    second: Outcome
    kpi_deltas: dict[str, tuple[float | None, float | None, float | None]]
    only_in_first: list[tuple] = field(default_factory=list)   # contacts the second avoided
    only_in_second: list[tuple] = field(default_factory=list)  # contacts only it had
    turned_out_differently: list[tuple] = field(default_factory=list)
    same: int = 0


def compare(first: Outcome, second: Outcome) -> Comparison:
    a_kpis, b_kpis = first.kpis(), second.kpis()
    deltas = {}
    for name in dict.fromkeys([*a_kpis, *b_kpis]):
        a, b = a_kpis.get(name), b_kpis.get(name)
        deltas[name] = (a, b, None if a is None or b is None else b - a)
    a_stories, b_stories = contact_stories(first), contact_stories(second)
    result = Comparison(first, second, deltas)
    for key, story in a_stories.items():
        other = b_stories.get(key)
        if other is None:
            result.only_in_first.append(key)
        elif other == story:
            result.same += 1
        else:
            result.turned_out_differently.append((key, story, other))
    result.only_in_second = [key for key in b_stories if key not in a_stories]
    return result


def twin_run(scenario: Scenario, seed: int, first: DecisionPlan, second: DecisionPlan,
             replication: int = 0) -> Comparison:
    """Run the scenario twice with the same seed and two sets of decisions; compare."""
    outcomes = [Simulation(scenario, seed=seed, replication=replication, decisions=plan).run()
                for plan in (first, second)]
    return compare(*outcomes)

"""Names people read: a scenario's teams, suppliers, kinds of contact, changes, services and
departments in the fewest words their names allow.

A scenario names things at length, with the detail in brackets or after a semicolon
("Softphone does not work (no audio, cannot log in, headset not found)", "Desk phones
switched off; softphones on every laptop"). Lines that must stay short — the ticker, the
ledger, lever cards — use the part before the bracket or the semicolon, and the id only
when the scenario gives no name. The engine (moment reasons) and the game (lever cards)
use these same words, so a trainee reads one name for one thing everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario import Scenario


def short_name(name: str | None, fallback: str) -> str:
    """The part of `name` before a bracket or a semicolon ("Softphone does not work");
    `fallback` (the id) when there is no name, or nothing is left of it."""
    text = (name or "").split(" (")[0].split("(")[0].split(";")[0].strip()
    return text or fallback


def short_names(scenario: Scenario) -> dict[str, str]:
    """Teams, categories, changes, services, suppliers and departments by id, each in its
    short name. Ids are unique within a kind, not across kinds: where two kinds share an
    id, the later kind in this order wins (use `short_name` on the thing itself when it
    matters)."""
    out = {}
    for things in (scenario.teams, scenario.categories, scenario.changes, scenario.services,
                   scenario.suppliers, scenario.departments):
        for thing in things:
            out[thing.id] = short_name(getattr(thing, "name", None), thing.id)
    return out

"""Lever targets: the paths into a scenario that levers, injects and decisions may change.

A lever says what it changes as a path and an operation — `{target: teams.service-desk.staff,
add: 2}`, `{target: categories.softphone-howto.handle.mean, multiply: 0.6}` — never as an
expression, so a shared scenario file cannot run code. This module is the grammar of those
paths: which ones exist, what kind of value sits there and which operations make sense on
it. The loader checks every target against it (an unknown path is a located error); the
engine uses the same grammar to find the live parameter to change.

A path is `<collection>.<id>.<field>[.<more>]`:

    teams.<team>.staff | empathy | announces_wait
    suppliers.<supplier>.capacity | response.<p> | resolve.<p>
    categories.<category>.fcr | arrivals | handle.<p> | resolve.<p> | patience.<p>
        | escalate_to | route | reassign.share | reassign.to | pending.share | declined
    departments.<department>.patience.<p> | walk_in_patience.<p> | retry.share
    changes.<change>.at | active | warned | demand | demand.<category> | failure.chance
    injects.<inject>.active | duration_min | demand | demand.<category>

where `<p>` is a parameter of the distribution found there (`mean`, `sd`, `min`, `mode`,
`max`, `value`). On `teams.<team>.staff`, `add` puts agents on top of the team's schedule
(negative: staff off sick), `multiply` scales the schedule and `set` fixes a level, all only
while the team is on duty. Costs are not lever targets: a lever's own `cost` is what it
costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Kinds of value a target holds, and the operations each allows.
NUMBER = "number"      # add, multiply, set (a number)
COUNT = "count"        # a whole number: add, multiply (rounded), set
SHARE = "share"        # a number kept within 0..1: add, multiply, set
FACTOR = "factor"      # a demand or arrival volume: multiply only (it thins the arrivals)
FLAG = "flag"          # set true / false
GROUP = "group"        # set to a team or supplier id
ROUTE = "route"        # set to a list of team or supplier ids
TIME = "time"          # a moment: add minutes, set a time
OPERATIONS = {
    NUMBER: ("set", "add", "multiply"),
    COUNT: ("set", "add", "multiply"),
    SHARE: ("set", "add", "multiply"),
    FACTOR: ("multiply",),
    FLAG: ("set",),
    GROUP: ("set",),
    ROUTE: ("set",),
    TIME: ("set", "add"),
}
DIST = "distribution"

#: collection -> field -> kind (DIST: a distribution; one more path element names its parameter)
GRAMMAR: dict[str, dict[str, str]] = {
    "teams": {"staff": COUNT, "empathy": NUMBER, "announces_wait": FLAG},
    "suppliers": {"capacity": COUNT, "response": DIST, "resolve": DIST},
    "categories": {"fcr": SHARE, "arrivals": FACTOR, "handle": DIST, "resolve": DIST,
                   "patience": DIST, "escalate_to": GROUP, "route": ROUTE,
                   "reassign.share": SHARE, "reassign.to": GROUP, "pending.share": SHARE,
                   "declined": SHARE},
    "departments": {"patience": DIST, "walk_in_patience": DIST, "retry.share": SHARE},
    "changes": {"at": TIME, "active": FLAG, "warned": FLAG, "demand": FACTOR,
                "failure.chance": SHARE},
    "injects": {"active": FLAG, "duration_min": NUMBER, "demand": FACTOR},
}
#: parameters of each distribution kind that a lever may change
DIST_PARAMETERS = {
    "exponential": ("mean",), "lognormal": ("mean", "sd"), "gamma": ("mean", "sd"),
    "triangular": ("min", "mode", "max"), "uniform": ("min", "max"),
    "deterministic": ("value",), "empirical": (),
}


@dataclass(frozen=True)
class Target:
    """A checked path: the collection, the item's id, the field path and its kind."""

    collection: str
    item: str
    field: str           # e.g. "staff", "handle", "reassign.share", "demand"
    kind: str
    parameter: str = ""  # a distribution's parameter, or the category of changes.X.demand.Y

    def __str__(self) -> str:
        tail = f".{self.parameter}" if self.parameter else ""
        return f"{self.collection}.{self.item}.{self.field}{tail}"


class TargetError(ValueError):
    """A path that names nothing a lever can change; the message says what would."""


def parse_target(path: str, data: dict[str, Any]) -> Target:
    """Check `path` against the grammar and the scenario's raw data; return what it names."""
    parts = path.split(".") if isinstance(path, str) else []
    if len(parts) < 3:
        raise TargetError(f"expected a path like teams.<id>.staff, got {path!r}")
    collection, item, rest = parts[0], parts[1], parts[2:]
    if collection not in GRAMMAR:
        raise TargetError(f"{collection!r} is not something a lever can change; expected one "
                          f"of: {', '.join(GRAMMAR)}")
    entry = _find_item(data, collection, item)
    fields = GRAMMAR[collection]
    # the longest field name that matches the start of the rest of the path
    for size in (2, 1):
        field = ".".join(rest[:size])
        if len(rest) >= size and field in fields:
            kind, more = fields[field], rest[size:]
            break
    else:
        raise TargetError(f"{collection}.{item} has no field {'.'.join(rest)!r} a lever can "
                          f"change; expected one of: {', '.join(fields)}")
    if kind == DIST:
        return Target(collection, item, field, DIST, _distribution_parameter(entry, field, more))
    if collection in ("changes", "injects") and field == "demand" and more:
        category = ".".join(more)
        demands = entry.get("demand") if isinstance(entry, dict) else None
        named = {d.get("category") for d in demands or [] if isinstance(d, dict)}
        if category not in named:
            raise TargetError(f"{collection[:-1]} {item} has no demand for category {category!r} "
                              f"(it has: {', '.join(sorted(map(str, named))) or 'none'})")
        return Target(collection, item, field, FACTOR, category)
    if more:
        raise TargetError(f"{collection}.{item}.{field} has no part {'.'.join(more)!r}")
    _check_present(entry, collection, item, field)
    return Target(collection, item, field, kind)


#: fields that change something the item must have: (the part that must be given, words)
_NEEDS = {
    ("categories", "arrivals"): ("arrivals", "arrivals of its own"),
    ("categories", "escalate_to"): (None, ""),
    ("categories", "reassign.share"): ("reassign", "a reassign"),
    ("categories", "reassign.to"): ("reassign", "a reassign"),
    ("categories", "pending.share"): ("pending", "a pending"),
    ("departments", "retry.share"): ("retry", "a retry"),
    ("changes", "failure.chance"): ("failure", "a failure"),
}


def _check_present(entry: dict[str, Any], collection: str, item: str, field: str) -> None:
    """A lever may only change what is there: a reassign share of a category without
    reassign would do nothing, and it is better said when the file loads."""
    part, words = _NEEDS.get((collection, field), (None, ""))
    if part is not None and not isinstance(entry.get(part), dict):
        raise TargetError(f"{collection}.{item} has no {part}: add {words} to it before a lever "
                          f"can change {field}")


def find_item(data: dict[str, Any], collection: str, item: str) -> dict[str, Any]:
    """The raw entry with this id in a collection (TargetError when there is none)."""
    return _find_item(data, collection, item)


def _find_item(data: dict[str, Any], collection: str, item: str) -> dict[str, Any]:
    items = data.get(collection) if isinstance(data, dict) else None
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict) and entry.get("id") == item:
            return entry
    ids = [e.get("id") for e in items or [] if isinstance(e, dict)]
    singular = collection[:-1]
    raise TargetError(f"no {singular} with id {item!r} (declared: "
                      f"{', '.join(map(str, ids)) or 'none'})")


def _distribution_parameter(entry: dict[str, Any], field: str, more: list[str]) -> str:
    dist = entry.get(field) if isinstance(entry, dict) else None
    if not isinstance(dist, dict):
        raise TargetError(f"{field} is not given for {entry.get('id')!r}, so a lever cannot "
                          f"change it")
    kind = dist.get("dist")
    allowed = DIST_PARAMETERS.get(kind, ())
    if len(more) != 1 or more[0] not in allowed:
        wanted = ", ".join(f"{field}.{p}" for p in allowed) or "nothing (its values are data)"
        raise TargetError(f"{field} is {kind}: a lever can change {wanted}")
    return more[0]


def check_operation(target: Target, operation: str, value: Any) -> None:
    """Is `operation` with `value` meaningful on this target? Raises TargetError if not."""
    kind = target.kind if target.kind != DIST else NUMBER
    if operation not in OPERATIONS[kind]:
        raise TargetError(f"{target} can be changed by {' or '.join(OPERATIONS[kind])}, "
                          f"not {operation}")
    if kind == FLAG:
        if not isinstance(value, bool):
            raise TargetError(f"{target} is true or false, got {_shown(value)}")
    elif kind == GROUP:
        if not isinstance(value, str):
            raise TargetError(f"{target} takes a team or supplier id, got {_shown(value)}")
    elif kind == ROUTE:
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) for v in value)):
            raise TargetError(f"{target} takes a list of team or supplier ids, got "
                              f"{_shown(value)}")
    elif kind == TIME and operation == "set":
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise TargetError(f"{target} takes a time such as \"tue 08:00\" or minutes")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TargetError(f"{target} is a number, got {_shown(value)}")
    elif operation == "multiply" and value < 0:
        raise TargetError(f"multiplying {target} by a negative number makes no sense")
    elif kind == SHARE and operation == "set" and not 0 <= value <= 1:
        raise TargetError(f"{target} is a share between 0 and 1, got {_shown(value)}")


def _shown(value: Any) -> str:
    """A value as the file writes it (true, not Python's True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)

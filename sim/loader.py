"""Load a scenario file: read it safely, validate it, and report every problem at once.

A trainer who shares a broken scenario file should get one clear line per problem —
`FILE:LINE: field.path: what was expected, got what` — never a traceback and never a
half-loaded scenario. This module turns the two sources of problems into such lines:

- reading (`sim.yamlsafe`): syntax, unsafe tags, duplicate keys, alias bombs, deep nesting,
  encoding, size;
- validating (`sim.scenario`): pydantic's errors are located by walking their location
  through the data to the line the value came from, and reworded in plain words.

Every function here raises `ScenarioError` (defined in `sim.errors`, re-exported here) for
bad input, and nothing else.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.errors import Problem, ScenarioError, field_path, number_text, shown, sort_problems
from sim.scenario import DISTRIBUTION_KINDS, ID_PATTERN, Scenario, validate_scenario
from sim.yamlsafe import read_yaml

__all__ = [
    "Problem",
    "ScenarioError",
    "load_scenario",
    "located_problems",
    "problems_at",
    "scenario_from_data",
    "scenario_from_text",
    "validate_files",
]


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate the scenario file at `path`."""
    return _load(Path(path), str(path))


def scenario_from_text(text: str, source_name: str = "<text>") -> Scenario:
    """Read and validate a scenario given as YAML text; `source_name` names it in messages."""
    return _load(text, source_name)


def scenario_from_data(data: Any, source_name: str = "<data>", marks: Any = None) -> Scenario:
    """Validate scenario data that has been read already (or built in code).

    `marks` maps paths to lines, as `sim.yamlsafe.read_yaml` returns them; without it the
    problems carry no line.
    """
    return _validated(data, source_name, marks, [])


def validate_files(paths: Iterable[str | os.PathLike]) -> list[Problem]:
    """Every problem in every file, file by file; an empty list when all of them load."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


def _load(source: str | os.PathLike, source_name: str) -> Scenario:
    problems: list[Problem] = []
    with _no_crash(source_name):
        data, marks = read_yaml(source, source_name=source_name, collect=problems)
    return _validated(data, source_name, marks, problems)


def _validated(data: Any, source_name: str, marks: Any, problems: list[Problem]) -> Scenario:
    with _no_crash(source_name):
        problems = problems + _duplicate_ids(data, source_name, marks)
        problems += _goal_names(data, source_name, marks)
        problems += _category_rules(data, source_name, marks)
        scenario, found = _validation(data, source_name, marks)
        problems += found
        # a goal on a figure the scenario does not have: that, not also its bound
        wrong = {p.path for p in problems}
        problems += [p for p in _percent_goals(data, source_name, marks)
                     if p.path.rsplit(".", 1)[0] not in wrong]
    if problems or scenario is None:
        raise ScenarioError(sort_problems(problems))
    return scenario


@contextlib.contextmanager
def _no_crash(source_name: str) -> Iterator[None]:
    """The last line of defence: the limits in `sim.yamlsafe` should make these impossible,
    but a trainer must still get a message rather than a traceback."""
    try:
        yield
    except RecursionError:
        raise ScenarioError([Problem(source_name, None, "",
                                     "the file is nested too deeply to read")]) from None
    except MemoryError:
        raise ScenarioError([Problem(source_name, None, "",
                                     "the file is too large to read into memory")]) from None


# ---------------------------------------------------------------------------------------------
# Ids: unique within each list, and between teams and suppliers
# ---------------------------------------------------------------------------------------------

_ID_LISTS = {
    "teams": "team",
    "suppliers": "supplier",
    "services": "service",
    "departments": "department",
    "categories": "category",
    "levers": "lever",
    "decision_points": "decision point",
    "changes": "change",
    "injects": "inject",
}


def _duplicate_ids(data: Any, source_name: str, marks: Any) -> list[Problem]:
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []
    first: dict[str, dict[str, tuple]] = {}
    for kind, what in _ID_LISTS.items():
        first[kind] = {}
        for index, ident in _ids_in(data.get(kind)):
            path = (kind, index, "id")
            if ident in first[kind]:
                earlier = _line(marks, first[kind][ident])
                problems.append(Problem(
                    source_name, _line(marks, path), field_path(path, data),
                    f"duplicate id '{ident}': another {what} has it already{_at(earlier)}; "
                    "ids must be unique",
                ))
            else:
                first[kind][ident] = path
    # escalate_to and reassign.to may name a team or a supplier: one id must not mean both.
    for ident, path in first["suppliers"].items():
        if ident in first["teams"]:
            team_line = _line(marks, first["teams"][ident])
            problems.append(Problem(
                source_name, _line(marks, path), field_path(path, data),
                f"id '{ident}' is used by a team{_at(team_line)} and by a supplier; "
                "escalation targets name either, so their ids must differ",
            ))
    return problems


def _category_rules(data: Any, source_name: str, marks: Any) -> list[Problem]:
    """The rules between a category's fields, told from the file as read: pydantic checks
    them only once every field of the category is right, and `channel: fax` would hide
    that `fcr: 0.5` has nowhere to go. (When the category is right, its own check says the
    same, and the two are one line.)"""
    from sim.scenario import category_rule_errors, declared_ids

    categories = data.get("categories") if isinstance(data, dict) else None
    teams = declared_ids(data).get("teams")
    return [Problem(source_name, _line(marks, ("categories", i)),
                    field_path(("categories", i), data), error.message())
            for i, category in enumerate(categories if isinstance(categories, list) else [])
            if isinstance(category, dict)
            for error in category_rule_errors(category, teams)]


def _goal_names(data: Any, source_name: str, marks: Any) -> list[Problem]:
    """Goals on names that are no key figure of any scenario (`happiness`), told from the
    file as read, so that they are reported with every other problem (the scenario's own
    check, which knows its figures, says the same in the same words)."""
    from sim.scenario import goal_name_problem

    goals = data.get("goals") if isinstance(data, dict) else None
    if not isinstance(goals, dict):
        return []
    departments = bool(data.get("departments"))
    return [Problem(source_name, _line(marks, ("goals", name)),
                    field_path(("goals", name), data), wrong)
            for name in goals
            if isinstance(name, str) and (wrong := goal_name_problem(name, None, departments))]


def _percent_goals(data: Any, source_name: str, marks: Any) -> list[Problem]:
    """Goals on shares written in percent (`abandonment_rate: {at_most: 8}`), which every
    run would meet silently."""
    from sim.kpis import percent_goals

    goals = data.get("goals") if isinstance(data, dict) else None
    return [Problem(source_name, _line(marks, ("goals", kpi, bound)),
                    field_path(("goals", kpi, bound), data), message)
            for kpi, bound, message in percent_goals(goals)]


def _ids_in(items: Any) -> Iterator[tuple[int, str]]:
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                yield index, item["id"]


def _at(line: int | None) -> str:
    return f" (line {line})" if line is not None else ""


def _line(marks: Any, path: tuple, *, key: bool = False) -> int | None:
    """The line of `path` (of its key, when asked and known), or of its nearest parent."""
    if not marks:
        return None
    key_lines = getattr(marks, "key_lines", {})
    if key and path in key_lines:
        return key_lines[path]
    for end in range(len(path), -1, -1):
        line = marks.get(path[:end])
        if line is not None:
            return line
    return None


# ---------------------------------------------------------------------------------------------
# pydantic's errors, located
# ---------------------------------------------------------------------------------------------


@dataclass
class _Spot:
    """One pydantic error, with where it points in the data and in the models."""

    error: dict
    path: tuple  # through the data: keys and indices that exist there
    types: list  # candidate (type, constraints) at the error
    parent_types: list  # the same, one step up: the mapping that holds the field
    branch_at: int | None  # index in loc of the first union branch name, if any
    on_key: bool  # the error is about a mapping key, not its value

    @property
    def kind(self) -> str:
        return self.error["type"]

    @property
    def loc(self) -> tuple:
        return self.error["loc"]

    @property
    def branch_group(self) -> tuple | None:
        return None if self.branch_at is None else self.loc[: self.branch_at]

    @property
    def at_branch_root(self) -> bool:
        return self.branch_at is not None and len(self.loc) == self.branch_at + 1


def _validation(data: Any, source_name: str, marks: Any) -> tuple[Scenario | None, list]:
    try:
        return validate_scenario(data), []
    except ValidationError as exc:
        return None, located_problems(exc, data, source_name, marks)


def located_problems(error: ValidationError, data: Any, source_name: str, marks: Any,
                     root: type = Scenario) -> list[Problem]:
    """Turn pydantic's errors about `data` (validated as `root`, a scenario unless said
    otherwise: decisions and experiment files use this too) into located problems."""
    errors = error.errors(include_url=False)
    spots = _without_losing_branches([_spot(e, data, root) for e in errors])
    return _problems(spots, data, source_name, marks)


def problems_at(details: list, data: Any, source_name: str, marks: Any,
                root: type = Scenario) -> list[Problem]:
    """Problems found by a check of our own (`sim.scenario.located` ones, each at its path
    through `data`, validated as `root`), located like pydantic's."""
    if not details:
        return []
    error = ValidationError.from_exception_data(root.__name__, details)
    return located_problems(error, data, source_name, marks, root)


def _spot(error: dict, data: Any, root: type = Scenario) -> _Spot:
    """Walk an error's location through the data and the model classes side by side.

    A location element that is not a key or index of the data at that level is either the
    name of a union branch (a distribution kind, `list[...]`) or a missing field: it is
    skipped in the data path, so that the path only ever names what the file says.
    """
    loc = error["loc"]
    node, path = data, ()
    types, parent_types = _expand(root), []
    branch_at, on_key = None, False
    for i, element in enumerate(loc):
        if element == "[key]":
            on_key = True
            continue
        parent_types = types
        found, child = _child(node, element)
        if found:
            key_next = i + 1 < len(loc) and loc[i + 1] == "[key]"
            types = _key_types(types) if key_next else _step_types(types, element)
            node, path = child, (*path, element)
            continue
        branch = _branch_types(types, element)
        if branch:
            types = branch
        else:
            types = _step_types(types, element) or types
        missing_field = i == len(loc) - 1 and error["type"] == "missing"
        if branch_at is None and not missing_field:
            branch_at = i
    return _Spot(error, path, types, parent_types, branch_at, on_key)


def _child(node: Any, element: Any) -> tuple[bool, Any]:
    if isinstance(node, dict) and element in node:
        return True, node[element]
    is_index = isinstance(element, int) and not isinstance(element, bool)
    if isinstance(node, list) and is_index and 0 <= element < len(node):
        return True, node[element]
    return False, None


# -- the model classes along the way ----------------------------------------------------------


def _expand(annotation: Any, constraints: tuple = ()) -> list[tuple[Any, tuple]]:
    """The concrete types an annotation allows, each with the constraints on it
    (Annotated, Optional and unions unwrapped)."""
    out: list[tuple[Any, tuple]] = []
    todo = [(annotation, constraints)]
    while todo:
        tp, found = todo.pop()
        origin = get_origin(tp)
        if origin is Annotated:
            base, *extra = get_args(tp)
            todo.append((base, found + tuple(_constraints(extra))))
        elif origin in (Union, UnionType):
            todo.extend((arg, found) for arg in reversed(get_args(tp)) if arg is not type(None))
        else:
            out.append((tp, found))
    return out


def _constraints(extra: Iterable[Any]) -> Iterator[Any]:
    for item in extra:
        if isinstance(item, FieldInfo):
            yield from item.metadata
        else:
            yield item


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _step_types(types: list, element: Any) -> list:
    out: list = []
    for tp, _ in types:
        args = get_args(tp)
        if _is_model(tp):
            field = tp.model_fields.get(element) if isinstance(element, str) else None
            if field is not None:
                out += _expand(field.annotation, tuple(field.metadata))
        elif get_origin(tp) is list and args and isinstance(element, int):
            out += _expand(args[0])
        elif get_origin(tp) is dict and len(args) == 2:
            out += _expand(args[1])
    return out


def _key_types(types: list) -> list:
    out: list = []
    for tp, _ in types:
        args = get_args(tp)
        if get_origin(tp) is dict and len(args) == 2:
            out += _expand(args[0])
    return out


def _branch_types(types: list, element: Any) -> list:
    """The union members that a branch name in a location (`exponential`, `list[...]`,
    a model's class name) stands for; empty when the element is not a branch name."""
    if not isinstance(element, str) or len(types) < 2:
        return []
    out = []
    for tp, found in types:
        origin = get_origin(tp)
        if _is_model(tp):
            tags = _literal_values(tp.model_fields.get("dist"))
            if tp.__name__ == element or element in tags:
                out.append((tp, found))
        elif origin is not None and element.startswith(f"{origin.__name__}["):
            out.append((tp, found))
    return out


def _literal_values(field: FieldInfo | None) -> tuple:
    if field is None or get_origin(field.annotation) is not Literal:
        return ()
    return get_args(field.annotation)


# -- unions: report the branch the value was meant for ----------------------------------------

# A value of plainly the wrong type for a branch: these are what a union branch reports when
# the value was meant for another branch.
_EXPECTED = {
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping (key: value pairs)",
    "model_type": "a mapping (key: value pairs)",
    "model_attributes_type": "a mapping (key: value pairs)",
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date like 2026-03-02",
    "date_parsing": "a date like 2026-03-02",
    "date_from_datetime_parsing": "a date like 2026-03-02",
    "date_from_datetime_inexact": "a date like 2026-03-02 (without a time)",
}


def _without_losing_branches(spots: list[_Spot]) -> list[_Spot]:
    """Drop union branches the value plainly was not meant for.

    `hourly` may be a list of 24 or a mapping; for a list with one negative weight pydantic
    also reports "not a mapping", which would only confuse. When some branch found a real
    problem, the branches that only say "wrong type" are left out.
    """
    real: set[tuple] = {
        s.branch_group for s in spots
        if s.branch_group is not None and not (s.at_branch_root and s.kind in _EXPECTED)
    }
    return [
        s for s in spots
        if not (s.branch_group in real and s.at_branch_root and s.kind in _EXPECTED)
    ]


# -- problems ---------------------------------------------------------------------------------


def _problems(spots: list[_Spot], data: Any, source_name: str, marks: Any) -> list[Problem]:
    problems: list[Problem] = []
    wrong_type: dict[tuple, list[_Spot]] = {}
    for spot in spots:
        if spot.at_branch_root and spot.kind in _EXPECTED:
            wrong_type.setdefault(spot.branch_group, []).append(spot)
        else:
            problems.append(_problem(spot, _message(spot), data, source_name, marks))
    # A value that fits no branch at all: one line saying every type that would do.
    for group in wrong_type.values():
        expected = " or ".join(dict.fromkeys(_EXPECTED[s.kind] for s in group))
        value = group[0].error["input"]
        hint = _number_as_text(value, "float_type" if any(s.kind.startswith("float")
                                                          for s in group) else "int_type")
        message = f"expected {expected}, got {shown(value)}{hint}"
        problems.append(_problem(group[0], message, data, source_name, marks))
    return problems


def _problem(spot: _Spot, message: str, data: Any, source_name: str, marks: Any) -> Problem:
    path = spot.path
    if spot.kind == "union_tag_invalid":
        path = _with_discriminator(spot, path, data)
    about_key = spot.on_key or spot.kind == "extra_forbidden"
    line = _line(marks, path, key=about_key)
    shown_path = path[:-1] if about_key and path else path
    if spot.kind in _MISSING_KINDS:
        # a field that is not there: on the line of the mapping that lacks it, named in the
        # path (`clock: missing required field`)
        shown_path = (*path, _missing_name(spot))
    return Problem(source_name, line, field_path(shown_path, data), message)


def _with_discriminator(spot: _Spot, path: tuple, data: Any) -> tuple:
    # Point at `dist: expo` itself rather than at the mapping that holds it.
    name = str(spot.error.get("ctx", {}).get("discriminator", "")).strip("'")
    found, node = True, data
    for key in path:
        found, node = _child(node, key)
    return (*path, name) if isinstance(node, dict) and name in node else path


def _message(spot: _Spot) -> str:
    error, kind = spot.error, spot.kind
    value = error.get("input")
    special = _SPECIAL_MESSAGES.get(kind)
    if special is not None:
        message = special(spot)
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {shown(value)}{_number_as_text(value, kind)}"
    elif error["msg"].startswith("Input should be "):
        message = f"expected {error['msg'].removeprefix('Input should be ')}, got {shown(value)}"
    else:
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if spot.on_key:
        key = spot.path[-1] if spot.path else value
        return f"key {shown(key)}: {message}"
    return message


def _number_as_text(value: Any, kind: str) -> str:
    """A number in a form YAML 1.1 reads as text (`1e1`, `5e-3`, `1E5`: its exponents need
    a dot and a sign), said with how to write it; "" for anything else."""
    if not isinstance(value, str) or not kind.startswith(("float", "int")):
        return ""
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return ""
    if not math.isfinite(number) or not any(c in value for c in "eE"):
        return ""
    plain = number_text(number)
    if kind.startswith("int"):
        whole = number.is_integer() and "e" not in plain
        return f" (YAML reads {value} as text, not as a number: write {plain})" if whole else ""
    mantissa, exponent = f"{number:.15e}".split("e")
    mantissa = mantissa.rstrip("0") + ("0" if mantissa.rstrip("0").endswith(".") else "")
    exponent_form = f"{mantissa}e{int(exponent):+d}"  # 1.0e+1: what YAML 1.1 reads
    written = exponent_form if "e" in plain else f"{plain}, or {exponent_form}"
    return (f" (YAML reads {value} as text, not as a number: write {written} with a dot and "
            "a signed exponent)")


#: Errors about a field that is not in the file at all.
_MISSING_KINDS = ("missing", "union_tag_not_found")


def _missing_name(spot: _Spot) -> str:
    if spot.kind == "union_tag_not_found":
        return str(spot.error.get("ctx", {}).get("discriminator", "dist")).strip("'")
    return str(spot.loc[-1])


def _missing(spot: _Spot) -> str:
    return "missing required field"


def _unknown_field(spot: _Spot) -> str:
    name = spot.loc[-1]
    allowed = list(dict.fromkeys(
        field for tp, _ in spot.parent_types if _is_model(tp) for field in tp.model_fields
    ))
    close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field {shown(name)} (did you mean '{close[0]}'?)"
    if allowed:
        return f"unknown field {shown(name)} (allowed: {', '.join(allowed)})"
    return f"unknown field {shown(name)}"


def _out_of_range(spot: _Spot) -> str:
    ctx = spot.error.get("ctx", {})
    bounds = {
        name: getattr(c, name)
        for _, found in spot.types for c in found
        for name in ("ge", "gt", "le", "lt")
        if isinstance(c, getattr(annotated_types, name.capitalize()))
    }
    if bounds.get("ge") == 0 and bounds.get("le") == 1:
        wanted = "between 0 and 1"  # a share: say both ends, whichever was crossed
    else:
        name, limit = next(iter(ctx.items()), ("", None))
        symbol = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}.get(name, name)
        wanted = f"{symbol} {number_text(limit)}"
    return f"expected {_number_kind(spot, ctx)} {wanted}, got {shown(spot.error['input'])}"


def _number_kind(spot: _Spot, ctx: dict) -> str:
    bases = {tp for tp, _ in spot.types}
    if bases and bases <= {int}:
        return "a whole number"
    if not bases and all(isinstance(v, int) for v in ctx.values()):
        return "a whole number"
    return "a number"


def _not_finite(spot: _Spot) -> str:
    return f"expected a finite number, got {shown(spot.error['input'])}"


def _pattern(spot: _Spot) -> str:
    got = shown(spot.error["input"])
    if spot.error.get("ctx", {}).get("pattern") == ID_PATTERN:
        return ("expected an id: a letter or digit, then letters, digits, '-' or '_' "
                f"(no dots or spaces, at most 64 characters), got {got}")
    return f"expected text of the form {spot.error['ctx']['pattern']}, got {got}"


def _length(spot: _Spot) -> str:
    ctx = spot.error.get("ctx", {})
    thing = "character" if spot.kind.startswith("string") else "item"
    if "min_length" in ctx:
        limit, side = ctx["min_length"], "at least"
    else:
        limit, side = ctx.get("max_length"), "at most"
    actual = ctx.get("actual_length")
    if actual is None and isinstance(spot.error.get("input"), (str, list, dict)):
        actual = len(spot.error["input"])
    return f"expected {side} {limit} {thing}{'' if limit == 1 else 's'}, got {actual}"


def _literal(spot: _Spot) -> str:
    value = spot.error["input"]
    expected = spot.error.get("ctx", {}).get("expected", "")
    message = f"expected {expected}, got {shown(value)}"
    choices = [str(v) for tp, _ in spot.types if get_origin(tp) is Literal for v in get_args(tp)]
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return message + (f" (did you mean '{close[0]}'?)" if close else "")


def _unknown_kind(spot: _Spot) -> str:
    ctx = spot.error.get("ctx", {})
    tag = ctx.get("tag", "")
    kinds = [k.strip().strip("'") for k in str(ctx.get("expected_tags", "")).split(",")]
    # Authors abbreviate ("expo", "det"): a prefix is as good a hint as a near spelling.
    close = [k for k in kinds if tag and k.startswith(str(tag).lower())]
    close = close or difflib.get_close_matches(str(tag), kinds, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if len(close) == 1 else ""
    return f"unknown distribution {shown(tag)}{hint}; expected one of: {', '.join(kinds)}"


def _no_kind(spot: _Spot) -> str:
    return f"missing required field: which distribution, one of: {', '.join(DISTRIBUTION_KINDS)}"


_SPECIAL_MESSAGES = {
    "missing": _missing,
    "extra_forbidden": _unknown_field,
    "greater_than": _out_of_range,
    "greater_than_equal": _out_of_range,
    "less_than": _out_of_range,
    "less_than_equal": _out_of_range,
    "finite_number": _not_finite,
    "string_pattern_mismatch": _pattern,
    "string_too_short": _length,
    "string_too_long": _length,
    "too_short": _length,
    "too_long": _length,
    "literal_error": _literal,
    "union_tag_invalid": _unknown_kind,
    "union_tag_not_found": _no_kind,
}

"""What goes wrong when a scenario file is read: located problems, and the one exception that
carries them.

Every problem names the file, the line, the field path and what was expected, so that a
trainer can fix a scenario without reading a traceback. `sim.yamlsafe` (reading YAML) and
`sim.loader` (validating a scenario) both report through these two classes; `sim.loader`
re-exports them, which is where the rest of the project should import them from.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, and where it is."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario file could not be loaded; `problems` says every reason found, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in file order (file-level ones first), each reported once."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, -1 if p.line is None else p.line))


def shown(value: Any) -> str:
    """A value as a trainer would recognise it from the YAML file, short."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a number with too many digits"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return f"a {type(value).__name__}"


def field_path(path: tuple, data: Any) -> str:
    """A path through the data as a trainer reads it: `teams[desk].staff`."""
    text = ""
    node = data
    for key in path:
        if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
            text += item_label(key, node)
        elif isinstance(key, int) and not isinstance(node, dict):
            node = None  # an item of a list still being read
            text += f"[{key}]"
        else:
            node = node.get(key) if isinstance(node, dict) else None
            text = key_label(text, key)
    return text


def item_label(index: int, item: Any) -> str:
    """A list item by its id when it has one (ids are what the author wrote, and what levers
    use), else by its position counted from 0."""
    ident = item.get("id") if isinstance(item, dict) else None
    return f"[{ident}]" if isinstance(ident, str) and ident.strip() else f"[{index}]"


def key_label(text: str, key: Any) -> str:
    return f"{text}.{key}" if text else str(key)


def number_text(value: float) -> str:
    """A bound or a limit without a needless '.0' (1.0 -> '1', 527040.0 -> '527040')."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return shown(value)


def _float_text(value: float) -> str:
    # YAML spells the special values .nan and .inf; show them the way the file says them.
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)

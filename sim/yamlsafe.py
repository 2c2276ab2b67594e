"""Read a YAML scenario file safely, and remember the line every value came from.

Scenario files are shared between trainers, so reading one must never run code, exhaust
memory or crash with a traceback. PyYAML's `yaml.load` family cannot promise that: the
composer is recursive (deep nesting raises RecursionError), aliases are expanded without a
limit (the "billion laughs" bomb), duplicate keys silently keep the last value, and line
numbers are thrown away once the data is built.

So the data is built here from `yaml.parse()` events with an explicit stack. Only PyYAML's
safe pieces are used: its resolver decides the implicit type of a plain scalar (`5` is an
int, `8:30` is the base-60 int 510, `.nan` is a float) and `SafeConstructor` turns the
scalar's text into a value. Anything other than the standard YAML tags is refused before
any value is made from it.

`read_yaml` returns the data and its `Marks`: the 1-based line of every value and of every
mapping key, by path (`('teams', 0, 'staff')`). Problems are raised as `ScenarioError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from sim.errors import Problem, ScenarioError, item_label, key_label, shown

MAX_FILE_BYTES = 5 * 1024 * 1024
#: Values after expanding aliases. A large scenario (an empirical distribution of 100,000
#: observed times) stays well below; an alias bomb is stopped long before it costs memory.
MAX_NODES = 500_000
#: Lists and mappings inside one another. A scenario needs about eight.
MAX_DEPTH = 64

SCENARIO_SHAPE = "a scenario (a mapping with id, title, clock, teams, categories)"

_STANDARD = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(
    _STANDARD + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_SEQ_TAG = _STANDARD + "seq"
_MAP_TAG = _STANDARD + "map"
_MERGE_TAG = _STANDARD + "merge"
_ALLOWED_TAGS = _SCALAR_TAGS | {_SEQ_TAG, _MAP_TAG, _MERGE_TAG}

# libyaml's parser is some fifty times faster; both emit the same events and the same lines.
_PARSER = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class Marks(dict):
    """Line (1-based) of each value, keyed by its path through the data.

    `key_lines` holds the line of each mapping key under the same path (the path of the value
    the key introduces), so that an unknown or duplicate key is reported where the key is.
    """

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[tuple, int] = {}

    def line_of(self, path: tuple, *, key: bool = False) -> int | None:
        """The line of `path`, or of the nearest enclosing value that has one."""
        if key and path in self.key_lines:
            return self.key_lines[path]
        for end in range(len(path), -1, -1):
            line = self.get(path[:end])
            if line is not None:
                return line
        return None


def read_yaml(
    source: str | bytes | os.PathLike,
    *,
    source_name: str,
    collect: list[Problem] | None = None,
    expected: str = SCENARIO_SHAPE,
) -> tuple[dict, Marks]:
    """Read one YAML document holding a mapping; return it with the line of every value.

    `source` is a path (`os.PathLike`, e.g. `pathlib.Path`), the raw bytes of a file, or its
    text (a `str` is always text, never a file name). Raises `ScenarioError` for anything
    that is not a readable mapping. Duplicate keys are errors too; when `collect` is given
    they are appended to it instead (the first value is kept), so that the caller can report
    them together with its own problems. `expected` says, when the file is empty or not a
    mapping, what it should have held (a scenario unless told otherwise).
    """
    text = _text_of(source, source_name)
    builder = _Builder(source_name, expected)
    data = builder.build(text)
    if collect is None and builder.problems:
        raise ScenarioError(builder.problems)
    if collect is not None:
        collect.extend(builder.problems)
    return data, builder.marks


def read_json(
    source: str | bytes | os.PathLike, *, source_name: str, expected: str
) -> tuple[dict, Marks]:
    """Read a JSON file (a replay file) as `read_yaml` reads YAML: its syntax checked as
    JSON, so that a file cut short is told as such, in JSON's words; then read by the YAML
    reader (JSON is YAML), for the same limits and the line of every value."""
    text = _text_of(source, source_name)
    if text.strip():  # an empty file: read_yaml says what it should have held
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise _fail(source_name, error.lineno, _json_error_words(error, text)) from None
        except RecursionError:
            pass  # nested deeper than json reads: the YAML reader says how deep is allowed
    return read_yaml(text, source_name=source_name, expected=expected)


def _json_error_words(error: json.JSONDecodeError, text: str) -> str:
    # "unterminated string starting at column 12", "expecting ',' delimiter at column 5"
    message = (f"JSON syntax error: {error.msg[0].lower()}{error.msg[1:].removesuffix(' at')} "
               f"at column {error.colno}")
    if error.msg.startswith("Unterminated string") or error.pos >= len(text.rstrip()):
        return (message + ". The file ends before the JSON is complete: was it cut short "
                "(copied in part, or saved while it was being written)?")
    return message


def file_kind(data: Any) -> str | None:
    """Which of the project's files a mapping read from YAML is, by its top-level keys:
    "replay", "scenario", "experiment", "decisions", or None when the keys do not say.

    Used to tell a trainer "this is a scenario file, not an experiment" instead of listing
    every key of one kind of file as unknown to another."""
    if not isinstance(data, dict) or not data:
        return None
    keys = set(data)
    if keys & {"engine_version", "event_log_sha256"}:
        return "replay"
    kpis = data.get("kpis")
    if "replications" in keys and isinstance(kpis, dict) and kpis \
            and all(isinstance(v, dict) and "mean" in v for v in kpis.values()):
        return "figures"  # what `itsm run --json` prints: figures, not a file to run
    if keys & {"clock", "teams", "categories"} or ("id" in keys and "scenario" not in keys):
        return "scenario"
    if keys & {"scenario", "variants", "sweep", "replications", "kpis", "measure"}:
        return "experiment"
    if keys <= {"policy", "decisions"}:
        return "decisions"
    return None


#: Each kind of file in words, with the keys that tell it (see `file_kind`).
KIND_WORDS = {
    "replay": "a replay file (a saved run: engine_version, scenario, seed, decisions)",
    "scenario": "a scenario file (it has id, clock, teams, categories)",
    "experiment": "an experiment file (it names a scenario and says what to compare)",
    "decisions": "a decisions file (policy, decisions)",
    "figures": "the key figures of a run, as `itsm run --json` prints them (scenario, "
               "seed, replications, kpis)",
}


# ---------------------------------------------------------------------------------------------
# Bytes to text
# ---------------------------------------------------------------------------------------------


def _fail(source_name: str, line: int | None, message: str, path: str = "") -> ScenarioError:
    return ScenarioError([Problem(source_name, line, path, message)])


def _text_of(source: str | bytes | os.PathLike, source_name: str) -> str:
    if isinstance(source, os.PathLike):
        source = _read_file(source, source_name)
    if isinstance(source, (bytes, bytearray)):
        _check_size(len(source), source_name)
        text = _decode(bytes(source), source_name)
    elif isinstance(source, str):
        # A str may hold characters that UTF-8 cannot encode (lone surrogates): those are
        # caught by the printable check below, so count generously here.
        if len(source) > MAX_FILE_BYTES:
            _check_size(len(source), source_name)
        _check_size(len(source.encode("utf-8", "surrogatepass")), source_name)
        text = source.removeprefix("\ufeff")
    else:
        raise TypeError(f"read_yaml expects a path, bytes or text, not {type(source).__name__}")
    _check_printable(text, source_name)
    return text


def _read_file(path: os.PathLike, source_name: str) -> bytes:
    try:
        with open(path, "rb") as f:
            # Read one byte past the limit: enough to know the file is too large, no more.
            return f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _fail(source_name, None, f"cannot read the file: {reason}") from None


def _check_size(size: int, source_name: str) -> None:
    if size > MAX_FILE_BYTES:
        raise _fail(
            source_name, None,
            f"the file is too large (over {MAX_FILE_BYTES // (1024 * 1024)} MB): "
            "a scenario file is usually a few kilobytes",
        )


def _decode(raw: bytes, source_name: str) -> str:
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark, as some editors write
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _fail(
            source_name, line,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line} "
            "(save the file as UTF-8)",
        ) from None


def _check_printable(text: str, source_name: str) -> None:
    # The same characters YAML refuses, found here so that the error can say the line.
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise _fail(
            source_name, line,
            f"character U+{ord(bad.group()):04X} is not allowed in a YAML file "
            "(control characters and the like)",
        )


# ---------------------------------------------------------------------------------------------
# Events to data
# ---------------------------------------------------------------------------------------------


class _MergeKey:
    """The `<<` key of a YAML merge, kept apart from any real key."""

    def __repr__(self) -> str:
        return "'<<'"


MERGE = _MergeKey()
_NO_KEY = object()


@dataclass
class _Collection:
    """A list or mapping being built: one entry of the builder's stack."""

    value: list | dict
    path: tuple
    line: int
    anchor: str | None
    nodes_before: int
    height: int = 1
    key: Any = _NO_KEY
    key_lines: dict = field(default_factory=dict)
    merges: list = field(default_factory=list)


@dataclass
class _Anchor:
    value: Any
    nodes: int
    height: int
    line: int


class _Builder:
    """Turns parser events into plain data, one event at a time, with an explicit stack."""

    def __init__(self, source_name: str, expected: str = SCENARIO_SHAPE):
        self.source_name = source_name
        self.expected = expected
        self.marks = Marks()
        self.problems: list[Problem] = []
        self._stack: list[_Collection] = []
        self._anchors: dict[str, _Anchor] = {}
        self._nodes = 0
        self._documents = 0
        self._root: Any = None
        self._root_line: int | None = None
        self._root_is_empty = False
        # The resolver and the safe constructor, used for scalars only (never to compose).
        self._safe = yaml.SafeLoader("")
        self.text_lines: list[str] = []

    # -- driving --------------------------------------------------------------------------

    def build(self, text: str) -> dict:
        self.text_lines = text.splitlines()
        try:
            for event in yaml.parse(text, Loader=_PARSER):
                self._on(event)
        except yaml.MarkedYAMLError as exc:
            raise self._syntax_error(exc) from None
        except yaml.YAMLError as exc:
            raise _fail(self.source_name, None, f"YAML error: {exc}") from None
        return self._checked_root()

    def _on(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        elif isinstance(event, yaml.SequenceStartEvent):
            self._start(event, [], _SEQ_TAG, "a list")
        elif isinstance(event, yaml.MappingStartEvent):
            self._start(event, {}, _MAP_TAG, "a mapping")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            self._end()
        elif isinstance(event, yaml.DocumentStartEvent):
            self._documents += 1
            if self._documents > 1:
                self._refuse(event, "a scenario file holds one YAML document, but a second "
                                    "one starts here (---)")

    def _syntax_error(self, exc: yaml.MarkedYAMLError) -> ScenarioError:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if "maximum nesting depth" in str(exc.problem):
            # libyaml (PyYAML 6.0.4 and newer) stops very deep input before our own check
            # sees it: the same limit, in the same words, whichever of the two caught it
            return _fail(self.source_name, line,
                         f"values are nested deeper than {MAX_DEPTH} levels")
        message = f"YAML syntax error: {exc.problem or exc.context or 'unreadable'}"
        if exc.context and exc.problem and exc.context_mark:
            message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        hint = _syntax_hint(exc, self.text_lines, line)
        return _fail(self.source_name, line, f"{message}. {hint}" if hint else message)

    def _refuse(self, event: yaml.Event, message: str, *, with_path: bool = True) -> NoReturn:
        where = self._where() if with_path else ""
        raise _fail(self.source_name, _line(event), message, where)

    def _where(self) -> str:
        """The field path of the collection being read (its items are not attached yet, so
        the path is read off the stack rather than off the data)."""
        text = ""
        for parent, child in zip(self._stack, self._stack[1:], strict=False):
            key = child.path[-1]
            if isinstance(parent.value, list):
                text += item_label(key, child.value)
            else:
                text = key_label(text, key)
        return text

    # -- nodes ----------------------------------------------------------------------------

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self._safe.resolve(yaml.ScalarNode, event.value, event.implicit)
        self._check_tag(event, tag, _SCALAR_TAGS | {_MERGE_TAG}, "a single value")
        if tag == _MERGE_TAG:
            # `<<` merges only as a mapping key; anywhere else it is just the text "<<".
            value = MERGE if self._next_path() is None else event.value
        else:
            value = self._construct(event, tag)
        self._count(1, event)
        if not self._stack:
            # `---` with nothing after it reads as an empty plain scalar: an empty file.
            self._root_is_empty = event.value == "" and event.tag is None and event.implicit[0]
        self._place(event, value, height=0)
        if event.anchor is not None:
            self._remember(event, event.anchor, _Anchor(value, 1, 0, _line(event)))

    def _construct(self, event: yaml.ScalarEvent, tag: str) -> Any:
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        make = yaml.SafeLoader.yaml_constructors[tag]
        try:
            return make(self._safe, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            if event.tag is None:
                # Only looked like a date or a number (2026-02-30, an integer of 5,000
                # digits): keep the text, and validation says what was expected there.
                return event.value
            kind = tag.removeprefix(_STANDARD)
            self._refuse(event, f"cannot read {shown(event.value)} as {kind}")

    def _alias(self, event: yaml.AliasEvent) -> None:
        name = event.anchor
        anchor = self._anchors.get(name)
        if anchor is None:
            if any(c.anchor == name for c in self._stack):
                self._refuse(event, f"alias *{name} is inside the node &{name} it refers to "
                                    "(a value cannot contain itself)")
            self._refuse(event, f"alias *{name} refers to no anchor &{name} defined before it")
        if len(self._stack) + anchor.height > MAX_DEPTH:
            self._refuse(event, f"alias *{name} nests values deeper than {MAX_DEPTH} levels",
                         with_path=False)
        self._count(anchor.nodes, event)
        # The value is shared, not copied: memory stays what the file says, and the count
        # above keeps everything that later walks the data bounded.
        self._place(event, anchor.value, height=anchor.height)

    def _start(self, event: yaml.Event, empty: list | dict, own_tag: str, what: str) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = own_tag
        self._check_tag(event, tag, {own_tag}, what)
        if len(self._stack) >= MAX_DEPTH:
            self._refuse(event, f"values are nested deeper than {MAX_DEPTH} levels",
                         with_path=False)
        path = self._next_path()
        if path is None:
            self._refuse(event, f"a mapping key must be a single value (text or a number), "
                                f"not {what}")
        self._count(1, event)
        self.marks[path] = _line(event)
        self._stack.append(
            _Collection(empty, path, _line(event), event.anchor, self._nodes - 1)
        )

    def _end(self) -> None:
        done = self._stack.pop()
        if isinstance(done.value, dict):
            self._apply_merges(done)
        if done.anchor is not None:
            size = self._nodes - done.nodes_before
            self._remember_at(done.line, done.anchor, _Anchor(done.value, size, done.height,
                                                              done.line))
        self._attach(done.value, done.line, done.height)

    # -- putting a finished node in its place ---------------------------------------------

    def _next_path(self) -> tuple | None:
        """The path of the node about to be read; None when it is a mapping key."""
        if not self._stack:
            return ()
        parent = self._stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        if parent.key is _NO_KEY:
            return None
        return (*parent.path, parent.key)

    def _place(self, event: yaml.Event, value: Any, height: int) -> None:
        """Record the line of a scalar or alias, then attach it."""
        path = self._next_path()
        if path is not None:
            self.marks[path] = _line(event)
        self._attach(value, _line(event), height)

    def _attach(self, value: Any, line: int, height: int) -> None:
        if not self._stack:
            self._root, self._root_line = value, line
            return
        parent = self._stack[-1]
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.value, list):
            parent.value.append(value)
        elif parent.key is _NO_KEY:
            self._take_key(parent, value, line)
        else:
            self._take_value(parent, value, line)

    def _take_key(self, mapping: _Collection, key: Any, line: int) -> None:
        try:
            hash(key)
        except TypeError:
            raise _fail(self.source_name, line,
                        f"a mapping key must be a single value (text or a number), "
                        f"not {shown(key)}", self._where()) from None
        if key in mapping.key_lines:
            self._duplicate_key(mapping, key, line)
            key = _Duplicate()  # read on, so that every duplicate is reported
        else:
            mapping.key_lines[key] = line
            self.marks.key_lines[(*mapping.path, key)] = line
        mapping.key = key

    def _duplicate_key(self, mapping: _Collection, key: Any, line: int) -> None:
        first = mapping.key_lines[key]
        # the path names the key itself: `title: duplicate key`, `teams[desk].staff: ...`
        self.problems.append(Problem(
            self.source_name, line, key_label(self._where(), "<<" if key is MERGE else key),
            f"duplicate key: given already at line {first} (YAML would silently keep only "
            "the last one)",
        ))

    def _take_value(self, mapping: _Collection, value: Any, line: int) -> None:
        key, mapping.key = mapping.key, _NO_KEY
        if isinstance(key, _Duplicate):
            return
        if key is MERGE:
            mapping.merges.append((self._merge_sources(value, line), line))
        else:
            mapping.value[key] = value

    def _merge_sources(self, value: Any, line: int) -> list[dict]:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(s, dict) for s in sources):
            raise _fail(self.source_name, line,
                        "a merge (<<) takes a mapping or a list of mappings, "
                        f"got {shown(value)}", self._where())
        return sources

    def _apply_merges(self, mapping: _Collection) -> None:
        # YAML merge rules: keys written in the mapping win; among merged mappings, the
        # first one that has a key wins.
        for sources, line in mapping.merges:
            for source in sources:
                for key, value in source.items():
                    if key not in mapping.value:
                        mapping.value[key] = value
                        self.marks[(*mapping.path, key)] = line
                        self.marks.key_lines[(*mapping.path, key)] = line

    # -- limits and checks ----------------------------------------------------------------

    def _check_tag(self, event: yaml.Event, tag: str, fitting: set | frozenset, what: str):
        if tag not in _ALLOWED_TAGS:
            self._refuse(event, f"tag {_short(tag)} is not allowed: scenario files are data "
                                "(only the standard YAML types are read)")
        if tag not in fitting:
            self._refuse(event, f"tag {_short(tag)} cannot be used on {what}")

    def _count(self, nodes: int, event: yaml.Event) -> None:
        self._nodes += nodes
        if self._nodes <= MAX_NODES:
            return
        if self._anchors:
            self._refuse(event, f"too many values: more than {MAX_NODES:,} once aliases (*name) "
                                "are expanded; aliases that repeat aliases multiply quickly")
        self._refuse(event, f"too many values: more than {MAX_NODES:,} in one file")

    def _remember(self, event: yaml.Event, name: str, anchor: _Anchor) -> None:
        self._remember_at(_line(event), name, anchor)

    def _remember_at(self, line: int, name: str, anchor: _Anchor) -> None:
        if name in self._anchors:
            raise _fail(self.source_name, line,
                        f"anchor &{name} is defined twice (first at line "
                        f"{self._anchors[name].line})", self._where())
        self._anchors[name] = anchor

    def _checked_root(self) -> dict:
        if self._documents == 0 or self._root_is_empty:
            # line 1: where the missing content should start (every problem has a line)
            raise _fail(self.source_name, 1, f"the file is empty: expected {self.expected}")
        if not isinstance(self._root, dict):
            raise _fail(self.source_name, self._root_line,
                        f"the top level is {_described(self._root)}: expected {self.expected}")
        return self._root


class _Duplicate:
    """Stands in for a duplicate key while its value is read and dropped."""


#: Plain words for PyYAML's commonest complaints (the parser's own text stays in front).
_SYNTAX_HINTS = (
    ("mapping values are not allowed", "Often a line indented differently from the lines "
     "around it, or a value containing ': ' that needs quotes"),
    ("did not find expected '-' indicator", "A list item is indented differently from the "
     "items before it"),
    ("did not find expected key", "A line is indented differently from the keys around it"),
    ("could not find expected ':'", "A key needs a ':' after it, or a text needs quotes"),
    ("found undefined alias", "An *alias needs an &anchor of the same name earlier in the file"),
)


def _syntax_hint(exc: yaml.MarkedYAMLError, lines: list[str], line: int | None) -> str:
    """What the user most likely has to change, in plain words."""
    if line is not None and 0 < line <= len(lines) and "\t" in lines[line - 1]:
        return "This line contains a tab: YAML is indented with spaces only"
    problem = f"{exc.problem or ''} {exc.context or ''}"
    for words, hint in _SYNTAX_HINTS:
        if words in problem:
            return hint
    return ""


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_STANDARD) if tag.startswith(_STANDARD) else tag


def _described(value: Any) -> str:
    if value is None or isinstance(value, (list, dict)):
        return shown(value)
    if isinstance(value, str):
        return f"the text {shown(value)}"
    return f"the single value {shown(value)}"

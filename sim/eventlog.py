"""The event log: the single source of truth of a run.

Everything a run produced — every key figure, chart, debrief line and dashboard number — is
computed from this log. It is append-only. Rows arrive from the engine as plain tuples (the
cheapest thing Python can append) and are packed every `CHUNK` rows into compact numpy
columns, so that a simulated year stays small in memory.

It is stored as two tables, because what never changes about a contact need not be repeated
on each of its rows:

- events:   time_min  event  contact  group  agent  value
- contacts: category  channel  priority  department  user  source  seq  attempt  issue
            (row k = contact k, written once when the contact arrives)

`columns()` joins them into the one wide log people expect:

    time_min  event  contact  category  channel  group  agent  priority  department  value

- `event`: one of `EVENTS` below;
- `contact`: the contact (ticket) number, -1 for rows that are not about a contact;
- `category`, `channel`, `group`, `department`: indexes into the name lists the log keeps
  (`group` is a team or a supplier, -1 = none; on an `arrival` it is the team the contact
  reaches first, on an `escalated` the group it is handed to);
- `agent`: the agent's number within its group (-1 = none); on the story's rows (decision
  points, levers, settings, changes, injects, outages: `STORY_EVENTS`) it holds the *item*
  the row is about, an index into the matching name list (`names.levers`, ...);
- `priority`: ITIL priority 1..5 (0 = none);
- `value`: a number whose meaning depends on the event (the new headcount for `staff`).

The log's canonical bytes (`to_bytes`) are what "the same event log, byte for byte" means.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

#: Event names in code order. Codes are stored; names are what people read.
EVENTS: tuple[str, ...] = (
    "arrival",     # a contact reaches IT (a call rings, an e-mail lands, someone walks in)
    "answered",    # a first-contact agent picks it up (the wait ends)
    "abandoned",   # the caller hung up (or the walk-in left) before being answered
    "handled",     # an agent or supplier finished working on it (one work episode ends)
    "escalated",   # handed to another group (`group` = where it goes)
    "assigned",    # a resolver group's agent or a supplier starts on it
    "resolved",    # fixed / fulfilled
    "closed",      # the record is closed
    "staff",       # a group's on-duty headcount changed (`value` = new headcount)
    "pending",     # the ticket waits on the user or a part; nobody works on it meanwhile
    # -- the story: rows about the organisation, not one contact (`item` says which) -------
    "decision_point",  # the game stops to ask (`item`: the decision point)
    "lever",           # a lever is pulled (`item`: the lever, `value`: its cost)
    "setting",         # a live parameter took a new value (`item`: the setting's path)
    "change_live",     # a change goes live (`item`: the change)
    "change_failed",   # ... and failed
    "change_fixed",    # a failed change is fixed
    "change_rolled_back",
    "inject_start",    # (`item`: the inject)
    "inject_end",
    "outage_start",    # a service is down for its users (`item`: the outage, `value`: share
    "outage_end",      # of their work that stops)
    "declined",        # the desk said no: a request for something IT does not offer
    "overtime",        # an agent whose shift had ended went home once their work was done
                       # (`value`: minutes worked past the end of the shift)
)
EVENT_CODE: dict[str, int] = {name: code for code, name in enumerate(EVENTS)}
(ARRIVAL, ANSWERED, ABANDONED, HANDLED, ESCALATED, ASSIGNED, RESOLVED, CLOSED, STAFF,
 PENDING, DECISION_POINT, LEVER, SETTING, CHANGE_LIVE, CHANGE_FAILED, CHANGE_FIXED,
 CHANGE_ROLLED_BACK, INJECT_START, INJECT_END, OUTAGE_START, OUTAGE_END, DECLINED,
 OVERTIME) = range(23)
#: rows about the organisation rather than a contact; their `agent` column holds `item`
STORY_EVENTS = frozenset(range(DECISION_POINT, OUTAGE_END + 1))

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("time_min", "<f8"),
    ("event", "u1"),
    ("contact", "<i4"),
    ("group", "<i2"),
    ("agent", "<i4"),
    ("value", "<f8"),
)
CONTACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("category", "<i2"),
    ("channel", "i1"),
    ("priority", "i1"),
    ("department", "<i2"),
    ("user", "<i4"),      # the person, numbered within the department
    ("source", "<i2"),    # what made the contact: `names.sources`
    ("seq", "<i4"),       # its number within that source (the same in twin runs)
    ("attempt", "i1"),    # 0 the first contact about an issue, 1.. trying again
    ("issue", "<i4"),     # the contact that first raised the issue
)
#: The joined, wide view (the contact's category, channel, priority and department on every
#: row of it).
COLUMNS: tuple[tuple[str, str], ...] = (
    EVENT_COLUMNS[:3] + CONTACT_COLUMNS[:2] + EVENT_COLUMNS[3:5] + CONTACT_COLUMNS[2:4]
    + EVENT_COLUMNS[5:]
)
WIDE_CONTACT_COLUMNS = ("category", "channel", "priority", "department")
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
CHUNK = 65_536


class _Table:
    """Rows appended as tuples, packed into numpy columns every CHUNK rows (or whenever a
    reader asks).

    The packed rows live in one array per column with room to spare, grown by half again
    when full: packing copies only the new rows (amortised), and reading is a view of the
    rows packed so far. A reader that follows a run as it goes (decision points checking a
    condition every few minutes, the game's dashboard) therefore costs what it reads, not
    the whole log each time, which made a long run with conditions quadratic in its
    length. Views handed out stay valid: rows are only ever added past their end, and a
    grown array is a new one (the old views keep the old)."""

    def __init__(self, columns: tuple[tuple[str, str], ...]):
        self.spec = columns
        self.dtype = np.dtype(list(columns))
        #: Rows not yet packed; the engine appends tuples here directly (hot path).
        self.pending: list[tuple] = []
        self._store: dict[str, np.ndarray] = {name: np.zeros(0, dtype=dtype)
                                              for name, dtype in columns}
        self._packed = 0

    def __len__(self) -> int:
        return self._packed + len(self.pending)

    def pack(self) -> None:
        if not self.pending:
            return
        n_new = len(self.pending)
        # one C pass over the tuples into a record array, then into the columns
        records = np.fromiter(self.pending, dtype=self.dtype, count=n_new)
        need = self._packed + n_new
        room = len(self._store[self.spec[0][0]])
        if need > room:
            grown = max(need, room + room // 2, 1024)
            for name, dtype in self.spec:
                column = np.empty(grown, dtype=dtype)
                column[:self._packed] = self._store[name][:self._packed]
                self._store[name] = column
        for name, _ in self.spec:
            self._store[name][self._packed:need] = records[name]
        self._packed = need
        # cleared in place: the engine holds this list's bound `append`
        self.pending.clear()

    def columns(self, start: int = 0) -> dict[str, np.ndarray]:
        """The rows from `start` on (all by default), as read-only views."""
        self.pack()
        out = {}
        for name, _ in self.spec:
            view = self._store[name][start:self._packed]
            view.flags.writeable = False  # a reader must not change the log under others
            out[name] = view
        return out

    def nbytes(self) -> int:
        """The bytes the rows take (the spare room kept for growth not counted)."""
        return self._packed * self.dtype.itemsize


@dataclass
class Names:
    """What the integer codes in the log stand for."""

    categories: list[str]
    channels: list[str]
    groups: list[str]
    departments: list[str]
    group_kinds: list[str] = field(default_factory=list)  # "team" or "supplier" per group
    #: what made contacts: "category:<id>" (its usual arrivals), "change:<id>:<category>",
    #: "change-failure:<id>:<category>", "inject:<id>:<category>"
    sources: list[str] = field(default_factory=list)
    decision_points: list[str] = field(default_factory=list)
    levers: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)  # target paths, as levers name them
    changes: list[str] = field(default_factory=list)
    injects: list[str] = field(default_factory=list)
    outages: list[str] = field(default_factory=list)   # "change:<id>" or "inject:<id>"

    def as_dict(self) -> dict[str, list[str]]:
        return {name: getattr(self, name) for name in (
            "categories", "channels", "groups", "departments", "group_kinds", "sources",
            "decision_points", "levers", "settings", "changes", "injects", "outages")}


class EventLog:
    """Append-only, column-wise storage of a run's events."""

    def __init__(self, names: Names):
        self.names = names
        self.events = _Table(EVENT_COLUMNS)
        self.contacts = _Table(CONTACT_COLUMNS)
        self._wide: dict[str, np.ndarray] | None = None
        self._wide_rows = -1

    # -- writing ---------------------------------------------------------------------------------

    def add_contact(self, category: int, channel: int, priority: int, department: int,
                    user: int = 0, source: int = 0, seq: int = -1, attempt: int = 0,
                    issue: int = -1) -> int:
        """Register a new contact; returns its number (readable form of the engine's path)."""
        number = len(self.contacts)
        self.contacts.pending.append((category, channel, priority, department, user, source,
                                      number if seq < 0 else seq, attempt,
                                      number if issue < 0 else issue))
        return number

    def append(self, time_min: float, event: int, contact: int = -1, group: int = -1,
               agent: int = -1, value: float = 0.0) -> None:
        """Append one event row (the readable form; the engine appends tuples directly)."""
        self.events.pending.append((time_min, event, contact, group, agent, value))

    def maybe_pack(self) -> None:
        if len(self.events.pending) >= CHUNK:
            self.pack()

    def pack(self) -> None:
        """Move pending rows into numpy columns."""
        self.events.pack()
        self.contacts.pack()

    # -- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.events)

    @property
    def n_contacts(self) -> int:
        return len(self.contacts)

    def contact_columns(self) -> dict[str, np.ndarray]:
        """One row per contact: category, channel, priority, department."""
        return self.contacts.columns()

    def columns(self) -> dict[str, np.ndarray]:
        """All rows as numpy columns, the contact's attributes joined onto each row."""
        events = self.events.columns()
        n = len(events["time_min"])
        if self._wide is None or self._wide_rows != n:
            contacts = self.contacts.columns()
            who = events["contact"]
            about_contact = who >= 0
            index = np.where(about_contact, who, 0)
            wide = dict(events)
            for name, dtype in CONTACT_COLUMNS:
                if name not in WIDE_CONTACT_COLUMNS:
                    continue
                fill = 0 if name == "priority" else -1
                if len(contacts[name]):
                    wide[name] = np.where(about_contact, contacts[name][index], fill).astype(dtype)
                else:
                    wide[name] = np.full(n, fill, dtype=dtype)
            self._wide = {name: wide[name] for name in COLUMN_NAMES}
            self._wide_rows = n
        return self._wide

    def nbytes(self) -> int:
        return self.events.nbytes() + self.contacts.nbytes()

    def events_since(self, start: int) -> dict[str, np.ndarray]:
        """The event rows from row `start` on, as numpy columns (for readers that follow a
        run as it goes: they keep the row count they have read)."""
        return self.events.columns(start)

    def rows(self, start: int = 0, stop: int | None = None) -> list[dict]:
        """Rows as dicts with names instead of codes (for people and tests, not hot paths)."""
        cols = self.columns()
        n = len(cols["time_min"])
        stop = n if stop is None else min(stop, n)
        names = self.names

        def name_of(table: list[str], code: int) -> str | None:
            return table[code] if code >= 0 else None

        return [{
            "time_min": float(cols["time_min"][i]),
            "event": EVENTS[int(cols["event"][i])],
            "contact": int(cols["contact"][i]),
            "category": name_of(names.categories, int(cols["category"][i])),
            "channel": name_of(names.channels, int(cols["channel"][i])),
            "group": name_of(names.groups, int(cols["group"][i])),
            "agent": int(cols["agent"][i]),
            "priority": int(cols["priority"][i]),
            "department": name_of(names.departments, int(cols["department"][i])),
            "value": float(cols["value"][i]),
        } for i in range(start, stop)]

    # -- identity --------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The canonical byte form: a JSON header with the names, then each column's
        little-endian bytes in a fixed order, events first, then contacts."""
        events = self.events.columns()
        contacts = self.contacts.columns()
        header = json.dumps({
            "events": [name for name, _ in EVENT_COLUMNS],
            "contacts": [name for name, _ in CONTACT_COLUMNS],
            "names": self.names.as_dict(),
            "rows": len(events["time_min"]), "contact_rows": len(contacts["category"]),
        }, sort_keys=True).encode()
        parts = [len(header).to_bytes(8, "little"), header]
        for table, spec in ((events, EVENT_COLUMNS), (contacts, CONTACT_COLUMNS)):
            parts.extend(np.ascontiguousarray(table[name], dtype=dtype).tobytes()
                         for name, dtype in spec)
        return b"".join(parts)

    def digest(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

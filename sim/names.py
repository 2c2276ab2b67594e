"""Names people read: a scenario's teams, suppliers, kinds of contact, changes, services and
departments in the fewest words their names allow.

A scenario names things at length, with the detail in brackets or after a semicolon
("Softphone does not work (no audio, cannot log in, headset not found)", "Desk phones
switched off; softphones on every laptop"). Lines that must stay short — the ticker, the
ledger, lever cards — use the part before the bracket or the semicolon, and the id only
when the scenario gives no name. The engine (moment reasons) and the game (the floor, the
lever cards) use these same words, so a trainee reads one name for one thing everywhere.

What a lever does is said here once, for the debrief and the game's lever cards alike
(`effect_sentence`: "+2 agents on the service desk"; with `short`, the number first for a
card: "−25% handle time of “How do I ...?”", and without what it acts on where the card is
short of room: "−25% handle time"), and so are a span of time (`span_words`: "2 days") and
where a lever's sizes come from (`evidence_words`: "Asm" is "our assumption", "(B)" an
"industry benchmark"); also an experiment's swept target as an axis reads it
(`parameter_words`: "extra agents on the service desk"). Pure text: nothing here knows a
screen or a chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
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


# ---------------------------------------------------------------------------------------------
# Teams and suppliers in a sentence; what a lever does; where its sizes come from
# ---------------------------------------------------------------------------------------------

#: last words that already say a name is a group of people ("the service desk")
_GROUP_NOUNS = ("desk", "team", "group", "centre", "center", "office", "vendor", "provider",
                "company", "contract", "supplier")


def group_phrase(name: str) -> str:
    """A team's or supplier's short name as it reads inside a sentence: "the service desk",
    "the infrastructure and telephony team", "the softphone vendor"; a name with capitals
    after its first word keeps them ("the Infrastructure and Order Entry team")."""
    words = name.split()
    if not words:
        return name
    proper = any(w[:1].isupper() for w in words[1:]) or (words[0].isupper()
                                                          and len(words[0]) > 1)
    text = name if proper else name[:1].lower() + name[1:]
    if words[-1].lower().strip(",") not in _GROUP_NOUNS:
        text += " team"
    return f"the {text}"


_KINDS = ("teams", "suppliers", "categories", "changes", "injects", "departments")


def thing_words(kind: str, item: str, scenario: Scenario | None = None) -> str:
    """One thing of a scenario inside a sentence: a team or supplier with `group_phrase`, a
    kind of contact in quotes by its short name, a change as "the change “…”" (its short
    name), an event in quotes by its whole name (events of one kind share a short name), a
    department by its name; from the id (hyphens as spaces) when the scenario does not name
    it."""
    found = getattr(scenario, kind, []) if scenario is not None and kind in _KINDS else []
    model = next((m for m in found if m.id == item), None)
    fallback = item.replace("-", " ")
    if kind == "injects":  # events of one kind share a short name: "Line down (week 2)"
        name = (getattr(model, "name", None) or fallback) if model else fallback
    else:
        name = short_name(getattr(model, "name", None), fallback) if model else fallback
    if kind in ("teams", "suppliers"):
        return group_phrase(name[:1].upper() + name[1:])
    if kind == "departments":
        return name
    return f"the change “{name}”" if kind == "changes" else f"“{name}”"


@dataclass(frozen=True)
class _Wording:
    """How one kind of target reads. `noun`: the parameter itself ("agents on the service
    desk"); `kind`: how its values read (count, share, factor, time, duration, moment, flag,
    group, active); `more`/`less`: a multiplied value's words; `share_of`/`verb`: a share,
    as "90% of “X” fixed at first contact"; `yes`/`no`: a flag set true or false. `brief`:
    the noun on a lever card, where it names less than `noun` ("contacts about “X”", of a
    change's contacts; empty: `noun`). `bare`, `bare_yes`, `bare_no`: without what it acts on, for a
    card short of room ("agents", "callers told the expected wait"; a group's `bare` is
    its verb, "passed to"); empty: said with it even there (a change rolled back: the
    change is the point)."""

    noun: str
    kind: str
    more: str = "more"
    less: str = "fewer"
    share_of: str = ""
    verb: str = ""
    yes: str = ""
    no: str = ""
    brief: str = ""
    bare: str = ""
    bare_yes: str = ""
    bare_no: str = ""


def _wording(target: str, scenario: Scenario | None) -> _Wording:
    kind, item, *rest = target.split(".") + [""]
    field = ".".join(part for part in rest if part)
    head, _, parameter = field.partition(".")
    whose = thing_words(kind, item, scenario)
    spread = parameter in ("sd",)
    time = {"more": "larger", "less": "smaller"} if spread else {"more": "longer",
                                                                  "less": "shorter"}
    prefix = "the spread of the " if spread else ""

    def timed(noun: str, bare: str) -> _Wording:
        return _Wording(prefix + noun if spread else noun, "time", **time,
                        bare=prefix + bare if spread else bare)

    def share(of: str, verb: str, noun: str, bare: str = "") -> _Wording:
        return _Wording(noun, "share", share_of=of, verb=verb, bare=bare or f"share {verb}")

    if kind == "teams":
        if head == "staff":
            # a bare "+1 agent" reads as one more on the service desk: a resolver team's
            # staff keep the team's name even on a card short of room
            team = next((t for t in getattr(scenario, "teams", []) if t.id == item), None)
            resolver = team is not None and team.tier > 1
            return _Wording(f"agents on {whose}", "count", bare="" if resolver else "agents")
        if head == "empathy":
            return _Wording(f"empathy points at {whose}", "count", less="less",
                            bare="empathy points")
        if head == "announces_wait":
            told = "callers told the expected wait"
            return _Wording(f"callers to {whose} told the expected wait", "flag",
                            yes=f"callers to {whose} told the expected wait",
                            no=f"callers to {whose} no longer told the expected wait",
                            bare=told, bare_yes=told,
                            bare_no="callers no longer told the expected wait")
    if kind == "suppliers":
        if head == "capacity":
            return _Wording(f"cases {whose} works on at once", "count",
                            bare="cases worked on at once")
        verb = "respond" if head == "response" else "fix"
        return timed(f"time {whose} takes to {verb}", f"time to {verb}")
    if kind == "categories":
        if head == "fcr":
            return share(whose, "fixed at first contact",
                         f"share of {whose} fixed at first contact")
        if head == "arrivals":
            return _Wording(f"contacts about {whose}", "factor", bare="contacts")
        if head in ("handle", "resolve", "patience"):
            return timed({"handle": f"handle time of {whose}",
                          "resolve": f"time to fix {whose}",
                          "patience": f"time callers about {whose} hold on"}[head],
                         {"handle": "handle time", "resolve": "time to fix",
                          "patience": "time callers hold on"}[head])
        if head == "escalate_to" or field == "reassign.to":
            verb = "passed on to" if head == "escalate_to" else "reassigned to"
            return _Wording(f"where {whose} is {verb.split()[0]}", "group", verb=f"{whose} "
                            f"{verb}", bare=verb.replace(" on ", " "))
        if head == "route":
            return _Wording(f"where {whose} is sent", "group", verb=f"{whose} sent to",
                            bare="sent to")
        if head in ("reassign", "pending", "declined"):
            verb = {"reassign": "reassigned to another team",
                    "pending": "put on hold, waiting for the person",
                    "declined": "turned down"}[head]
            return share(whose, verb, f"share of {whose} {verb}")
    if kind == "departments":
        if head == "retry":
            return share(f"people in {whose} who gave up", "trying again",
                         f"share of people in {whose} who try again", "share who try again")
        where = ("wait at the desk before walking away" if head == "walk_in_patience"
                 else "hold on before hanging up")
        return timed(f"time people in {whose} {where}", f"time people {where}")
    if kind in ("changes", "injects"):
        it = "the change" if kind == "changes" else "the event"
        if head == "demand":
            about = f" about {thing_words('categories', parameter, scenario)}" if parameter \
                else ""
            # on a card, which contacts (the change is the one the lever is about)
            return _Wording(f"contacts{about} from {whose}", "factor",
                            brief=f"contacts{about}" if about else "",
                            bare=f"contacts from {it}")
        if head == "at":
            return _Wording(f"when {whose} goes live", "moment", yes=f"{whose} goes live",
                            bare="when it goes live", bare_yes="go-live")
        if head == "active":
            undone = "rolled back" if kind == "changes" else "prevented"
            return _Wording(f"whether {whose} happens", "flag", yes=f"{whose} goes ahead",
                            no=f"{whose} {undone}")
        if head == "warned":
            return _Wording(f"whether people are told about {whose}", "flag",
                            yes=f"people told about {whose} in advance",
                            no=f"people not told about {whose} in advance",
                            bare_yes="people told in advance",
                            bare_no="people not told in advance")
        if field == "failure.chance":
            return _Wording(f"chance that {whose} fails", "share", "higher", "lower",
                            share_of="", verb=f"chance that {whose} fails",
                            bare="chance it fails")
        if head == "duration_min":
            return _Wording(f"how long {whose} lasts", "duration", "longer", "shorter",
                            yes=whose, bare="how long it lasts", bare_yes="it")
    words = field.replace('.', ' ').replace('_', ' ')
    return _Wording(f"{words} of {whose}", "count", less="less", bare=words)


def _signed(value: float, text: str) -> str:
    """"+2", "−40%": a true minus, never a hyphen."""
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def span_words(minutes: float) -> str:
    """A span of time as people say it: "15 min", "2 h", "7 days", "1 day"."""
    minutes = abs(minutes)
    if minutes >= 1440 and minutes % 1440 == 0:
        days = minutes / 1440
        return f"{days:g} day{'s' if days != 1 else ''}"
    if minutes >= 60:
        return f"{minutes / 60:g} h"
    return f"{minutes:g} min"


def effect_sentence(effect, scenario: Scenario | None = None, short: bool = False,
                    acts_on: bool = True) -> str:
    """What one effect of a lever does, in a trainer's words: "+2 agents on the service
    desk", "handle time of “How do I ...?” 25% shorter", "40% fewer contacts about “How do
    I ...?” from the change “Desk phones switched off”", "90% of “Order Entry unreachable”
    fixed at first contact", "people told about the change “…” in advance". `effect` is a
    `sim.scenario.Effect` (anything with `target`, `operation` and `value`).

    `short`: the number first, for a lever card — "−25% handle time of “How do I ...?”",
    "−40% contacts about “How do I ...?”" (of those the change brings: the card's lever is
    about it); and with `acts_on` False, without what it acts on, where the card is short of
    room (its tip has the sentence): "−25% handle time", "+2 agents", "−40% contacts from
    the change". The point of the effect stays: "the change “…” rolled back"."""
    w = _wording(effect.target, scenario)
    if not short:
        return _sentence(w, effect, scenario)
    if not acts_on:
        w = _bare(w)
    elif w.brief:
        w = replace(w, noun=w.brief)
    operation, value = effect.operation, effect.value
    if w.kind not in ("flag", "group"):
        noun = w.noun.removeprefix("the ")
        if operation == "multiply" and value != 0:  # a true minus: "−25% handle time of …"
            return f"{_signed(value - 1.0, f'{abs(value - 1.0) * 100:.0f}%')} {noun}"
        if operation == "add" and w.kind in ("time", "duration"):
            return f"{_signed(value, span_words(value))} {noun}"
    return _sentence(w, effect, scenario)


def _bare(w: _Wording) -> _Wording:
    """`w` without what it acts on, where it can be said without (`_Wording.bare`)."""
    if w.kind == "group":
        verb = w.bare or w.verb
    else:  # a share's verb names nothing when the share is of something
        verb = w.verb if w.share_of else (w.bare or w.verb)
    return replace(w, noun=w.bare or w.noun, yes=w.bare_yes or w.yes, no=w.bare_no or w.no,
                   verb=verb, share_of="")


def _counted(noun: str, value: float) -> str:
    """"agents on the service desk" as "agent on …" for one."""
    if abs(value) == 1 and (noun == "agents" or noun.startswith("agents ")):
        return "agent" + noun[len("agents"):]
    return noun


def _groups(value, scenario: Scenario | None) -> str:
    """The teams or suppliers a group target is set to, in order: "the softphone vendor,
    then the infrastructure and telephony team"."""
    groups = value if isinstance(value, list) else [value]
    kinds = ({s.id: "suppliers" for s in scenario.suppliers} if scenario is not None else {})
    return ", then ".join(thing_words(kinds.get(g, "teams"), g, scenario) for g in groups)


def _sentence(w: _Wording, effect, scenario: Scenario | None) -> str:
    """`effect_sentence` in a trainer's words (not `short`)."""
    operation, value = effect.operation, effect.value
    if w.kind == "flag":
        return w.yes if value else w.no
    if w.kind == "group":
        return f"{w.verb} " + _groups(value, scenario)
    if operation == "multiply":
        if value == 0:
            return f"no {w.noun}" if w.kind == "factor" else f"{w.noun} cut to nothing"
        change = abs(value - 1.0) * 100
        if w.kind in ("time", "duration"):
            noun = w.yes if w.kind == "duration" else w.noun
            return f"{noun} {change:.0f}% {w.more if value > 1 else w.less}"
        if w.kind == "share" and w.share_of:
            return (f"{change:.0f}% {'more' if value > 1 else 'fewer'} of {w.share_of} "
                    f"{w.verb}")
        return f"{change:.0f}% {w.more if value > 1 else w.less} {w.noun}"
    if w.kind == "moment":
        if operation == "add":
            return f"{w.yes} {span_words(value)} {'later' if value > 0 else 'earlier'}"
        day, minute = divmod(int(round(value)), 1440)
        return f"{w.yes} on day {day + 1} at {minute // 60:02d}:{minute % 60:02d}"
    if w.kind == "duration":
        if operation == "add":
            return f"{w.yes} {span_words(value)} {'longer' if value > 0 else 'shorter'}"
        return f"{w.yes} lasts {span_words(value)}"
    if w.kind == "time":
        if operation == "add":
            return f"{w.noun} {span_words(value)} {w.more if value > 0 else w.less}"
        return f"{w.noun}: {span_words(value)}"
    if w.kind == "share":
        points = _signed(value, f"{abs(value) * 100:.0f} points")
        if operation == "add":
            return (f"{points} {w.verb} for {w.share_of}" if w.share_of
                    else f"{points} {w.verb}")
        if not w.share_of:
            return f"{value * 100:.0f}% {w.verb}"
        amount = "none" if value == 0 else "all" if value == 1 else f"{value * 100:.0f}%"
        return f"{amount} of {w.share_of} {w.verb}"
    if operation == "add":
        return f"{_signed(value, f'{abs(value):g}')} {_counted(w.noun, value)}"
    return f"{value:g} {w.noun}"


def parameter_words(target: str, operation: str, scenario: Scenario | None = None) -> str:
    """A swept parameter as an axis reads it: "extra agents on the service desk" (added),
    "agents on the service desk" (set), "handle time of “Password reset” (× factor)"."""
    w = _wording(target, scenario)
    if operation == "add":
        if w.kind == "count":
            return f"extra {w.noun}"
        unit = {"share": "points", "time": "minutes", "duration": "minutes",
                "moment": "minutes"}.get(w.kind)
        return f"{w.noun} ({unit} added)" if unit else f"{w.noun} (added)"
    if operation == "multiply":
        return f"{w.noun} (× factor)"
    return w.noun


#: grades of evidence (shared/MODELLING.md) as they are said out loud
GRADE_WORDS = {"A": "peer-reviewed", "B": "industry benchmark", "C": "practitioner report",
               "Asm": "our assumption"}


def evidence_words(text: str) -> str:
    """Where a lever's sizes come from, with the grade letters in words: "Asm (after the
    fact…)" → "Our assumption (after the fact…)"; "Gartner 2022, n ~ 4,800 (B) for the
    direction; sizes Asm" → "Gartner 2022, n ~ 4,800 (industry benchmark) for the
    direction; the sizes are our assumption"; a grade the words before it already say is
    left out ("practitioner reports (C)" → "practitioner reports"); "x 0.5" → "× 0.5"."""
    words = " ".join(text.split())
    words = re.sub(r"\bsizes Asm\b", "the sizes are our assumption", words)
    words = re.sub(r"\bsize Asm\b", "the size is our assumption", words)
    words = re.sub(r"\s*\+ Asm\b", " and our assumption", words)
    words = re.sub(r"\bAsm\b", GRADE_WORDS["Asm"], words)
    # "practitioner reports (C)": the words already say it
    words = re.sub(r"(practitioner reports?(?: of [^()]*)?) \(C\)", r"\1", words)

    def grades(match: re.Match) -> str:
        return match.group(1) + " or ".join(GRADE_WORDS[g] for g in match.group(2).split("/"))

    # a grade letter on its own, in brackets or after a comma: "(B)", "(B, an upper
    # bound …)", "n ~ 4,800, B)", "(A/B)"
    words = re.sub(r"([(,]\s*)([ABC](?:/[ABC])*)(?=\s*[),;])", grades, words)
    words = re.sub(r"(?<=\s)x (?=\d)", "× ", words)
    return words[:1].upper() + words[1:] if words.startswith("our assumption") else words

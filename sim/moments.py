"""Moments of truth: what the people on the other end of the phone lived through, what they
remember of it, how satisfied each department is over time, what lost working time cost the
business, and the balanced score of a run.

"Every interaction between a customer and a supplier is a moment of truth" (Mainville,
ITSMWatch 2010, in shared/seeds): this module counts them. Everything here is computed from
a run's event log and its scenario only — never from the engine's state — so a finished
run, a replayed one and a run still going (`satisfaction_now`, read by decision points)
all give the same answer for the same log.

The model is the one of shared/MODELLING.md ("A model that follows"). Grades: A
peer-reviewed or large data set; B industry benchmark; C practitioner report; Asm our
assumption (a parameter to expose, not a fact). Each figure below carries its grade.

1. Moments and their scores M (0-100) (`ledger`). Every contact is a moment of truth; a
   ticket it could not resolve gives a second one when it is resolved (or when it is still
   open past its SLA target at the end):
   - base 85 (Asm);
   - the contact: not resolved at the end of it (passed on to another team) -30:
     resolution dominates satisfaction (SQM Group, B; Feinberg et al. 2000, A); told no
     (a request for something IT does not offer) -30 and -10 more (Asm);
   - a repeat contact about the same issue (a retry after giving up) -15 (Asm; SQM: intent
     to defect 5% after one contact, 9% after two or more, B);
   - the resolution of a ticket: each hand-off between teams (escalation or reassignment;
     all ours are cold) -10 (SQM: transferred callers rate 12% lower, B); still open past
     its target at the end: also -30, as unresolved;
   - waiting W minutes to be answered, against the channel's expected wait E
     (`scenario.satisfaction.expected_answer_min`): nothing inside the zone of tolerance
     (W <= E), then -15 * min(1, ((W - E) / (9 E)) ** 0.7): a power function of the real
     wait (shape: Antonides, Verhoef & van Aalst 2002; Zeithaml, Berry & Parasuraman 1993,
     A; size Asm). For the phone (E = 1) this is MODELLING's (W - 1) / 9;
   - resolution time T (arrival to resolved, in the SLA's basis) over the SLA's resolve
     target of its priority: -15 * min(1, (T / target - 1) ** 0.7) (Asm; MetricNet/HDI:
     time to resolve matters, B); no target, no term;
   - wait terms x 0.8 when the first team announces the expected wait (Hui & Tse 1996, A,
     for the direction; 0.8 Asm);
   - a contact that gave up (hung up, walked away) scores 55 (Asm; abandonment predicts
     caller satisfaction: Feinberg et al. 2000, A);
   - a contact caused by a change: +3 if the change was announced in advance, -5 if not
     (Asm; Gartner 2022, n ~ 4,800, B: notice helps, most still get in touch);
   - the first-contact team's `empathy` points (Asm; Mainville: "demonstrate empathy");
   - bonuses (positive terms) count half as much as penalties (Mittal, Ross & Baldasare
     1998, A: bad moves satisfaction more than good; the half is Asm);
   - clamped to 0-100. A moment is good at 75 or more, bad below 60, neutral in between
     (Asm): a call answered within the tolerance and fixed is good (85); hanging up (55),
     "we cannot fix it here, we pass it on" (55) and "no" (45) are bad; a long wait
     answered and fixed (70) is neutral; a ticket fixed on time after one hand-off (75) is
     good, after two (65) neutral.
2. What a person remembers of one issue (all the contacts about it):
   0.5 mean(M) + 0.3 min(M) + 0.2 last(M) (form: Redelmeier & Kahneman, A — peak and end;
   Antonides, Verhoef & de Hoog 2004, A — average and worst moment; weights Asm).
3. A person's running satisfaction S starts at their department's baseline; when an issue
   is over, S <- S + alpha (R - S) with alpha = 0.25 when R < S, 0.12 otherwise (anchor and
   adjustment: Bolton 1998, A; asymmetry: Mittal et al., A; values Asm). Between issues S
   drifts back to the baseline with a half-life of `memory_half_life_days` working days
   (about 20: no published decay rate found, Asm). A department's satisfaction is the mean
   over all its people (headcount), most of whom never called.
4. CSAT (`csat`): the share of issues the person remembers as satisfied — what a service
   desk's after-ticket survey measures ("the percentage of customers who are either
   satisfied or very satisfied", MetricNet/HDI, B). The remembered score (2.) read on a
   five-point survey in equal fifths, 4 or 5 is 60 or more (`SATISFIED_AT_LEAST`, Asm): the
   same line as a bad moment, so an issue is "satisfied" unless the person remembers it
   as bad. Counted over the issues raised after the warm-up that are over by the end
   (resolved, given up, told no, or still open past their SLA target); one passed on and
   still open within its target is not over yet, as a survey would wait for its ticket to
   close. Unlike a real survey it hears from everybody, those who hung up included (they
   are seldom surveyed, which flatters real CSAT figures). Where satisfaction (3.) is the
   relationship with IT — the mean over everybody, most of whom never called, so a week
   moves it a point or two — CSAT is this run's service as the people who dealt with IT
   lived it, and it moves with the week: a calm week reads about 95% (MetricNet: above
   90% is very good, 70% not very good, B), the unprepared softphone cutover about 60%.
5. Business impact (DESIGN: "IT exists to support the business"): minutes people could not
   work, in business time, at their department's `cost_per_hour`.
6. The balanced score of a run (0-100): satisfaction at the end, cost against a reference
   (100 * reference / (reference + cost): the reference scores 50, and every further euro
   still counts, so a disastrous week scores below a bad one), SLAs kept, weighted by
   `scenario.score` (the weights and the form are Asm).

Choices a debrief needs to know about:

- Waits and durations are what the person lived through, in clock minutes (an e-mail sent
  at 17:55 and answered at 08:05 waited 14 hours); only the SLA term counts in the SLA's
  basis, as the SLA does.
- A contact's moment is dated when it ended (resolved, gave up, told no, passed on); a
  resolution moment when the ticket was resolved; `arrived_min` says when the contact
  began. The reason says it in words, naming things by the scenario's short names
  (`sim.names`): "called about “Laptop or desktop fault”: answered after 6 min on hold, but
  not fixed there: passed on to Desktop and applications"; "“Laptop or desktop fault”
  raised on the phone: resolved after 2 days by Desktop and applications, after 1
  hand-off"; "hung up after 20 s on hold" (never answered).
- A contact still waiting to be answered at the end has no moment yet (its outcome is not
  known); one answered and still being handled gives a "still open" moment; a ticket still
  open gives one only when it is past its SLA target (before, the person is simply
  waiting, within what they were promised).
- An issue is over at its last moment; a live reading (a run still going) treats an issue
  whose person gave up as over until they try again.
- Business impact of a blocking contact runs per issue, from its first contact's arrival
  until any contact about it is resolved; somebody who gave up and never tried again (or
  whose issue is still open) stays blocked until the end of the run — the model does not
  know whether they fixed it themselves, and assumes not. Time blocked by an incident and
  by an outage at once is counted twice (rare, and on the side of caution).
- Counted figures (`moments_good`, lost working time, costs) start at the end of the
  warm-up; satisfaction counts every contact (people remember the warm-up too).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.eventlog import DECLINED, ESCALATED, LEVER, OUTAGE_END, OUTAGE_START, SETTING, Names
from sim.kpis import LogView
from sim.names import short_name
from sim.scenario import CHANNELS, Satisfaction, Scenario, ScoreWeights

if TYPE_CHECKING:
    from sim.calendar import WorkCalendar
    from sim.engine import Outcome

# ---------------------------------------------------------------------------------------------
# The figures of the model (grades as in shared/MODELLING.md)
# ---------------------------------------------------------------------------------------------

BASE_SCORE = 85.0                # Asm
UNRESOLVED_POINTS = -30.0        # SQM Group (B)
REPEAT_POINTS = -15.0            # Asm (SQM defection after 2+ contacts, B)
TRANSFER_POINTS = -10.0          # cold transfer; SQM: -12% for transferred callers (B)
#: told no (a request for a service nobody defined): on top of being unresolved; the
#: article's "IT saying no" as a bad moment of truth (Asm)
DECLINED_POINTS = -10.0
WAIT_POINTS = -15.0              # size Asm; flat-then-power shape: Antonides 2002, Zeithaml 1993 (A)
WAIT_EXPONENT = 0.7              # power of perceived wait (shape A, value Asm)
WAIT_SPAN = 9.0                  # the full wait penalty at E + 9 E (phone: 10 min) (Asm)
LATE_POINTS = -15.0              # Asm
LATE_EXPONENT = 0.7              # Asm
ANNOUNCED_WAIT_FACTOR = 0.8      # Hui & Tse 1996 (A) for the direction; 0.8 Asm
GAVE_UP_SCORE = 55.0             # Asm; abandonment predicts satisfaction: Feinberg 2000 (A)
WARNED_POINTS = 3.0              # Asm; Gartner 2022 (B)
NOT_WARNED_POINTS = -5.0         # Asm; Gartner 2022 (B)
BONUS_WEIGHT = 0.5               # Mittal, Ross & Baldasare 1998 (A): bad weighs more; 0.5 Asm
GOOD_AT_LEAST = 75.0             # Asm
BAD_BELOW = 60.0                 # Asm
#: what a person remembers of an issue: mean, worst and last moment (form A, weights Asm)
REMEMBER_MEAN, REMEMBER_WORST, REMEMBER_LAST = 0.5, 0.3, 0.2
#: how far one issue moves a person's satisfaction (Bolton 1998, A; Mittal 1998, A; Asm)
ALPHA_WORSE, ALPHA_BETTER = 0.25, 0.12
#: an issue remembered at this or more counts as "satisfied" in CSAT: 4 or 5 on a five-point
#: survey read in equal fifths of 0-100 (Asm; CSAT as the share satisfied or very
#: satisfied: MetricNet/HDI, B); the same line as a bad moment
SATISFIED_AT_LEAST = BAD_BELOW
#: a wait shorter than this reads "answered at once" in a reason
AT_ONCE_MIN = 0.5

#: The terms of a moment's score, each a `Ledger` column of points (0 where it does not
#: apply; negative what it took off, positive a bonus): the score is `BASE_SCORE` plus them
#: all, clipped to 0-100 (`Ledger.unclipped_score`). Giving up takes the score to
#: `GAVE_UP_SCORE`; the rest as in the module's notes. Added in this order, always.
SCORE_TERMS = ("gave_up_points", "transfer_points", "late_points", "unresolved_points",
               "declined_points", "repeat_points", "wait_points", "change_points",
               "empathy_points")

# What a moment is (`Ledger.ending`). A contact gives one moment: resolved at first contact,
# gave up, told no, or passed on (escalated). A ticket it passed on gives a second moment
# when it is resolved later, or — if it is still open past its SLA target when the run (or
# the reading) ends — a "still open" one.
RESOLVED_FIRST, RESOLVED_LATER, STILL_OPEN, GAVE_UP, TOLD_NO, PASSED_ON = 0, 1, 2, 3, 4, 5
ENDINGS = ("resolved at first contact", "resolved later", "still open", "gave up", "told no",
           "passed on")
# `Ledger.verdict`
GOOD, NEUTRAL, BAD = 1, 0, -1
VERDICTS = {GOOD: "good", NEUTRAL: "neutral", BAD: "bad"}

# How a contact began, how its wait is said, how giving up is said, per channel.
_GOT_IN_TOUCH = {"phone": "called about", "email": "wrote about",
                 "portal": "asked on the portal about", "walk_in": "came to the service desk about"}
_RAISED_HOW = {"phone": "on the phone", "email": "by e-mail", "portal": "on the portal",
               "walk_in": "at the service desk"}
_WAITED_HOW = {"phone": " on hold", "walk_in": " in the queue"}
_GAVE_UP_HOW = {"phone": "hung up after {wait} on hold", "walk_in": "walked away after {wait}"}
_TRIES = ("", "second try", "third try", "fourth try", "fifth try")


# ---------------------------------------------------------------------------------------------
# Small rules, stated once (also what the tests check by hand)
# ---------------------------------------------------------------------------------------------


def remembered_score(scores: Sequence[float]) -> float:
    """What a person remembers of one issue from its moments' scores, in time order:
    0.5 mean + 0.3 worst + 0.2 last."""
    if not len(scores):
        raise ValueError("an issue has at least one moment")
    return (REMEMBER_MEAN * math.fsum(scores) / len(scores) + REMEMBER_WORST * min(scores)
            + REMEMBER_LAST * scores[-1])


def satisfaction_after(current: float, remembered: float) -> float:
    """A person's satisfaction after an issue remembered as `remembered`: a bad experience
    moves it by a quarter of the gap, a good one by 12%."""
    alpha = ALPHA_WORSE if remembered < current else ALPHA_BETTER
    return current + alpha * (remembered - current)


def drift_towards_baseline(score: float, baseline: float, elapsed_business_min: float,
                           half_life_business_min: float) -> float:
    """Satisfaction some working time after the last issue: the gap to the baseline halves
    every half-life."""
    return baseline + (score - baseline) * 2.0 ** (-elapsed_business_min / half_life_business_min)


def cost_score(cost_total: float, cost_reference: float) -> float:
    """The cost part of the balanced score (0-100): 100 * reference / (reference + cost).
    Nothing scores 100, the reference 50, three times it 25, and a week ever more costly
    keeps scoring lower, never quite 0: a straight line clipped at twice the reference
    scored every bad week 0, so doing nothing, a little or firefighting looked alike."""
    return 100.0 * cost_reference / (cost_reference + max(0.0, cost_total))


def balanced_score(satisfaction: float, cost_total: float, sla_breach_rate: float | None,
                   weights: ScoreWeights) -> float | None:
    """The balanced score of a run (0-100): satisfaction (0-100), the cost score
    (`cost_score`: the reference scores 50, nothing 100) and service score
    100 * (1 - SLA breach rate) (100 without an SLA), weighted. None when every weight is
    zero."""
    total_weight = weights.satisfaction + weights.cost + weights.service
    if total_weight <= 0:
        return None
    service_score = 100.0 if sla_breach_rate is None else 100.0 * (1.0 - sla_breach_rate)
    return (weights.satisfaction * satisfaction
            + weights.cost * cost_score(cost_total, weights.cost_reference)
            + weights.service * service_score) / total_weight


def run_score(outcome: Outcome) -> float | None:
    """The balanced score of a run (`score` among its key figures); None for a scenario
    without departments (nobody's satisfaction to weigh)."""
    return outcome.kpis().get("score")


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Ledger:
    """Every scored moment of truth of a run, in time order: one per contact, and one more
    for each ticket resolved later (or still open past its target).

    Column-wise (numpy arrays, read-only), so that a simulated year stays small:

    - `time_min`: when the moment happened (the contact ended, or its ticket was resolved);
    - `arrived_min`: when the contact began; `wait_min`: until answered or giving up;
    - `contact`, `issue` (the contact that first raised it), `attempt` (0 first, 1.. retries);
    - `department` (index into `names.departments`, -1 none), `user` (within it);
    - `category`, `channel`, `priority` (codes as in the event log);
    - `transfers`: escalations and reassignments; `ending`: `ENDINGS` code;
    - `change`: the change that caused it (index into `names.changes`, -1 none);
    - the terms of the score (`SCORE_TERMS`), in points: `gave_up_points`,
      `transfer_points`, `late_points`, `unresolved_points`, `declined_points`,
      `repeat_points`, `wait_points`, `change_points`, `empathy_points` (bonuses already
      halved; the whole-point ones as float32, exactly);
    - `score` (0-100), `verdict` (+1 good, 0 neutral, -1 bad);
    - `counted`: arrived after the warm-up (the key figures count these).

    `reasons` are the same moments in plain words, made when first asked for.
    """

    time_min: np.ndarray
    arrived_min: np.ndarray
    wait_min: np.ndarray
    contact: np.ndarray
    issue: np.ndarray
    attempt: np.ndarray
    department: np.ndarray
    user: np.ndarray
    category: np.ndarray
    channel: np.ndarray
    priority: np.ndarray
    transfers: np.ndarray
    ending: np.ndarray
    change: np.ndarray
    gave_up_points: np.ndarray
    transfer_points: np.ndarray
    late_points: np.ndarray
    unresolved_points: np.ndarray
    declined_points: np.ndarray
    repeat_points: np.ndarray
    wait_points: np.ndarray
    change_points: np.ndarray
    empathy_points: np.ndarray
    score: np.ndarray
    verdict: np.ndarray
    counted: np.ndarray
    names: Names
    scenario: Scenario
    _reasons: list[str] | None = field(default=None, repr=False)
    _told_wait: np.ndarray | None = field(default=None, repr=False)
    _last_group: np.ndarray | None = field(default=None, repr=False)
    _second: np.ndarray | None = field(default=None, repr=False)  # a ticket's later moment
    _passed_to: np.ndarray | None = field(default=None, repr=False)  # its first hand-off
    _words: dict | None = field(default=None, repr=False)  # short names, made when needed

    ARRAYS = ("time_min", "arrived_min", "wait_min", "contact", "issue", "attempt",
              "department", "user", "category", "channel", "priority", "transfers", "ending",
              "change", *SCORE_TERMS, "score", "verdict", "counted")

    def __post_init__(self) -> None:
        for name in self.ARRAYS:
            getattr(self, name).flags.writeable = False  # shared by cached readings

    def __len__(self) -> int:
        return len(self.score)

    def unclipped_score(self) -> np.ndarray:
        """Each moment's `BASE_SCORE` plus the terms of its score, before the clip to 0-100
        that gives `score`."""
        return _sum_of_terms({name: getattr(self, name) for name in SCORE_TERMS}, len(self))

    @property
    def reasons(self) -> list[str]:
        """Each moment in words a trainer can read aloud."""
        if self._reasons is None:
            self._reasons = [self._reason(i) for i in range(len(self))]
        return self._reasons

    def reason(self, i: int) -> str:
        """Moment `i` in words (without wording every other moment)."""
        if self._reasons is not None:
            return self._reasons[i]
        return self._reason(i)

    def rows(self) -> list[dict]:
        """Every moment as a dict with names instead of codes, in time order."""
        return [self._row(i) for i in range(len(self))]

    def for_user(self, department: str | int, user: int) -> list[dict]:
        """One person's moments in time order (their day, for the debrief)."""
        d = department if isinstance(department, int) else \
            self.names.departments.index(department)
        return [self._row(i) for i in np.flatnonzero((self.department == d)
                                                     & (self.user == user))]

    def remembered(self) -> dict[str, np.ndarray]:
        """One row per issue: `issue`, `department`, `user`, `completed_min` (its last
        moment), `moments` (how many), `remembered` (what the person keeps of it), `over`
        (nothing more to come: not passed on and waiting within its target, nor still being
        handled at the end), `counted` (raised after the warm-up)."""
        return _issues(self)

    def csat(self) -> float | None:
        """CSAT: the share of the counted issues that are over which the person remembers
        as satisfied (`SATISFIED_AT_LEAST` or more); None when no issue is over yet."""
        return csat_of(self.surveyed())

    def surveyed(self) -> np.ndarray:
        """What each person remembers of each counted issue that is over: CSAT's basis (a
        share of 3 issues reads differently from a share of 300)."""
        issues = _issues(self)
        return issues["remembered"][issues["over"] & issues["counted"]]

    # -- words ---------------------------------------------------------------------------------

    def _row(self, i: int) -> dict:
        names = self.names
        d = int(self.department[i])
        change = int(self.change[i])
        return {
            "time_min": float(self.time_min[i]),
            "arrived_min": float(self.arrived_min[i]),
            "wait_min": float(self.wait_min[i]),
            "contact": int(self.contact[i]),
            "issue": int(self.issue[i]),
            "attempt": int(self.attempt[i]),
            "department": names.departments[d] if d >= 0 else None,
            "user": int(self.user[i]),
            "category": names.categories[int(self.category[i])],
            "channel": names.channels[int(self.channel[i])],
            "priority": int(self.priority[i]),
            "transfers": int(self.transfers[i]),
            "ending": ENDINGS[int(self.ending[i])],
            "change": names.changes[change] if change >= 0 else None,
            "wait_points": float(self.wait_points[i]),
            "late_points": float(self.late_points[i]),
            "change_points": float(self.change_points[i]),
            "empathy_points": float(self.empathy_points[i]),
            "score": float(self.score[i]),
            "verdict": VERDICTS[int(self.verdict[i])],
            "counted": bool(self.counted[i]),
            "reason": self.reasons[i],
        }

    def _department_label(self, d: int) -> str:
        if d < 0:
            return "Someone"
        model = self.scenario.departments[d] if d < len(self.scenario.departments) else None
        return (model.name or model.id) if model is not None else self.names.departments[d]

    def _short(self, kind: str, code: int) -> str:
        """A category ("categories"), team or supplier ("groups") or change ("changes") of
        the log by its short name in the scenario (`sim.names`), never by its id alone."""
        if self._words is None:
            sc = self.scenario
            self._words = {
                "categories": {c.id: short_name(c.name, c.id) for c in sc.categories},
                "groups": {g.id: short_name(g.name, g.id) for g in (*sc.teams, *sc.suppliers)},
                "changes": {c.id: short_name(c.name, c.id) for c in sc.changes}}
        item = getattr(self.names, kind)[code]
        return self._words[kind].get(item, item)

    def _reason(self, i: int) -> str:
        """Moment `i` in words. A contact: who, how they got in touch and about what, then
        how it ended — what made a bad moment bad comes after a "but" ("answered at once,
        but not fixed there: passed on to …"); somebody who gave up was never answered
        ("hung up after 20 s on hold"). A ticket's later moment: resolved (or still open)
        after how long, by whom, after how many hand-offs."""
        channel = self.names.channels[int(self.channel[i])]
        category = f"“{self._short('categories', int(self.category[i]))}”"
        ending = int(self.ending[i])
        text = f"{self._department_label(int(self.department[i]))} — "
        if self._second is not None and self._second[i]:
            took = duration_words(float(self.time_min[i] - self.arrived_min[i]))
            group = int(self._last_group[i])
            by = f" by {self._short('groups', group)}" if group >= 0 else ""
            transfers = int(self.transfers[i])
            text += f"{category} raised {_RAISED_HOW[channel]}: "
            text += (f"resolved after {took}{by}" if ending == RESOLVED_LATER
                     else f"still open after {took}")
            text += f", after {transfers} hand-off{'s' if transfers != 1 else ''}"
            if self.late_points[i] < 0:
                text += ", past its SLA target"
            return text
        attempt = int(self.attempt[i])
        if attempt:
            text += (f"{_TRIES[attempt]}: " if attempt < len(_TRIES)
                     else f"try {attempt + 1}: ")
        text += f"{_GOT_IN_TOUCH[channel]} {category}: "
        wait = float(self.wait_min[i])
        if ending == GAVE_UP:  # never answered: the wait is how long they held on
            how = _GAVE_UP_HOW.get(channel, "gave up after {wait}")
            return text + how.format(wait=wait_words(wait)) + self._change_words(i)
        if wait < AT_ONCE_MIN:
            text += "answered at once"
        else:
            text += f"answered after {wait_words(wait)}{_WAITED_HOW.get(channel, '')}"
            if self._told_wait is not None and self._told_wait[i]:
                text += " (told the expected wait)"
        if ending == TOLD_NO:
            text += ", but told no: IT does not offer that"
        elif ending == PASSED_ON:
            group = int(self._passed_to[i]) if self._passed_to is not None else -1
            to = f" to {self._short('groups', group)}" if group >= 0 else ""
            text += f", but not fixed there: passed on{to}"
        elif ending == RESOLVED_FIRST:
            text += (", resolved on the first call" if channel == "phone"
                     else ", resolved at first contact")
        else:
            text += ", still being handled at the end"
        return text + self._change_words(i)

    def _change_words(self, i: int) -> str:
        """" (after “Desk phones switched off”, not announced)" for a contact a change
        caused: the change by its short name, and whether people were told in advance."""
        change = int(self.change[i])
        if change < 0:
            return ""
        told = "announced in advance" if self.change_points[i] > 0 else "not announced"
        return f" (after “{self._short('changes', change)}”, {told})"


def wait_words(minutes: float) -> str:
    """A wait as people say it: "20 s" under a minute, otherwise as `duration_words`."""
    if minutes < 1:
        return f"{max(1, round(minutes * 60))} s"
    return duration_words(minutes)


def duration_words(minutes: float) -> str:
    """A duration as people say it: "under a minute", "6 min", "3 h 20 min", "2.5 days"."""
    if minutes < 1:
        return "under a minute"
    if minutes < 59.5:
        return f"{round(minutes)} min"
    if minutes < 48 * 60:
        hours, rest = divmod(round(minutes), 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days = minutes / 1440.0
    return f"{days:.1f}".rstrip("0").rstrip(".") + " days"


def ledger(outcome: Outcome) -> Ledger:
    """The moments of truth of a run (see the module docstring for how each is scored)."""
    return _reading(outcome).ledger


# ---------------------------------------------------------------------------------------------
# Satisfaction
# ---------------------------------------------------------------------------------------------


def satisfaction_now(outcome: Outcome, department: str | None = None) -> float:
    """Satisfaction (0-100) at the end of the log: one department's (the mean over all its
    people), or with `department=None` the mean over everybody (departments weighted by
    headcount). Fast enough to be read every few simulated minutes during a run."""
    memory = _reading(outcome).memory
    departments = outcome.scenario.departments
    if not departments:
        raise ValueError(f"scenario {outcome.scenario.id} has no departments: nobody's "
                         "satisfaction to tell")
    now = memory.department_means(float(outcome.end_min), outcome.calendar)
    if department is None:
        heads = memory.headcount
        return float(np.dot(now, heads) / heads.sum())
    ids = [d.id for d in departments]
    if department not in ids:
        raise KeyError(f"no department {department!r} (the scenario has: {', '.join(ids)})")
    return float(now[ids.index(department)])


def satisfaction_over_time(outcome: Outcome, step_min: float = 60.0
                           ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each department's satisfaction sampled every `step_min` minutes from 0 to the end
    (after whatever happened at each sample time)."""
    memory = _reading(outcome).memory
    end = float(outcome.end_min)
    grid = np.arange(0.0, end + step_min / 2, step_min)
    values = memory.over_time(grid, outcome.calendar)
    return grid, {d.id: values[i] for i, d in enumerate(outcome.scenario.departments)}


@dataclass
class _Memory:
    """Every satisfaction update of a run: when (clock and business minutes), whose
    department, and how much that person's score moved (away from its drifting value)."""

    time_min: np.ndarray
    business_min: np.ndarray
    department: np.ndarray
    moved: np.ndarray          # the person's score after the update minus just before it
    baseline: np.ndarray       # per department
    headcount: np.ndarray      # per department
    half_life_business_min: float

    def department_means(self, at_min: float, calendar: WorkCalendar) -> np.ndarray:
        """Each department's mean satisfaction at `at_min`.

        Every person's gap to the baseline decays at the same rate, so the sum of the gaps
        is the sum of every past update's jump, each decayed from its own moment."""
        now_b = float(calendar.business_minutes_until(at_min))
        done = self.time_min <= at_min
        decay = np.exp2(-(now_b - self.business_min[done]) / self.half_life_business_min)
        gaps = np.bincount(self.department[done], weights=self.moved[done] * decay,
                           minlength=len(self.baseline))
        return self.baseline + gaps / self.headcount

    def over_time(self, grid: np.ndarray, calendar: WorkCalendar) -> np.ndarray:
        n_dep = len(self.baseline)
        out = np.empty((n_dep, len(grid)))
        if len(grid) == 0:
            return out
        grid_b = np.asarray(calendar.business_minutes_until(grid), dtype=float)
        # each update joins at the first sample at or after it, decayed to that sample
        slot = np.searchsorted(grid, self.time_min, side="left")
        inside = slot < len(grid)
        slot, dep = slot[inside], self.department[inside]
        jump = self.moved[inside] * np.exp2(
            -(grid_b[slot] - self.business_min[inside]) / self.half_life_business_min)
        joins = np.zeros((n_dep, len(grid)))
        np.add.at(joins, (dep, slot), jump)
        # between samples the gaps decay together: a first-order recursion along the grid
        keep = np.exp2(-np.diff(grid_b) / self.half_life_business_min).tolist()
        for d in range(n_dep):
            row = joins[d].tolist()
            gap = row[0]
            gaps = [gap]
            for g in range(1, len(row)):
                gap = gap * keep[g - 1] + row[g]
                gaps.append(gap)
            out[d] = self.baseline[d] + np.asarray(gaps) / self.headcount[d]
        return out


# ---------------------------------------------------------------------------------------------
# Business impact
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessImpact:
    """Working time lost because IT let people down, and what it cost (counted from the end
    of the warm-up, in business time)."""

    lost_work_hours: float
    cost: float
    lost_work_hours_incidents: float
    lost_work_hours_outages: float
    lost_work_hours_by_department: dict[str, float]
    cost_by_department: dict[str, float]


def business_impact(outcome: Outcome) -> BusinessImpact:
    """Person-hours that could not be worked — blocking incidents from arrival to
    resolution, outages for everybody affected — and their cost at each department's
    `cost_per_hour`."""
    return _business_impact(LogView(outcome))


def _business_impact(v: LogView) -> BusinessImpact:
    outcome = v.outcome
    scenario = outcome.scenario
    departments = scenario.departments
    ids = [d.id for d in departments]
    n_dep = len(departments)
    incident_min = np.zeros(n_dep)
    outage_min = np.zeros(n_dep)
    if n_dep == 0:
        return BusinessImpact(0.0, 0.0, 0.0, 0.0, {}, {})
    calendar = outcome.calendar
    t0, t1 = v.warmup_min, v.end_min

    def worked(start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Business minutes of [start, stop] within the counted period."""
        a = np.clip(start, t0, t1)
        b = np.clip(stop, t0, t1)
        return np.maximum(np.asarray(calendar.business_minutes_between(a, b), dtype=float), 0.0)

    # (a) blocking incidents, one stretch per issue: from its first arrival to its first
    # resolution (a retry that fixes it ends it), or to the end of the run
    blocks = np.array([c.blocks_work for c in scenario.categories], dtype=float)
    contacts = outcome.log.contact_columns()
    if v.n_contacts and blocks.any():
        share = blocks[contacts["category"]]
        chosen = np.flatnonzero((share > 0) & (contacts["department"] >= 0))
        if chosen.size:
            issue = contacts["issue"][chosen]
            first, where = np.unique(issue, return_inverse=True)
            start = np.full(first.size, np.inf)
            np.minimum.at(start, where, v.arrived[chosen])
            fixed = np.full(first.size, np.inf)
            # until resolved: a request turned down still leaves the need unmet
            resolved = v.resolved[chosen]
            np.minimum.at(fixed, where, np.where(np.isnan(resolved), np.inf, resolved))
            fixed = np.minimum(fixed, t1)
            # an issue is numbered by its first contact, whose category and person it keeps
            lost = worked(start, fixed) * share[first]
            incident_min = np.bincount(contacts["department"][first], weights=lost,
                                       minlength=n_dep)[:n_dep]

    # (b) outages: everybody affected, for as long as the service is down
    starts = np.flatnonzero(v.event == OUTAGE_START)
    if starts.size:
        ends = np.flatnonzero(v.event == OUTAGE_END)
        heads = np.array([d.headcount for d in departments], dtype=float)
        for item in np.unique(v.agent[starts]).tolist():
            began = starts[v.agent[starts] == item]
            ended = v.time[ends[v.agent[ends] == item]]
            stop = np.full(began.size, t1)
            k = min(began.size, ended.size)
            stop[:k] = ended[:k]
            down = worked(v.time[began], stop) * v.value[began]
            affected = _outage_departments(scenario, v.names.outages[item])
            outage_min += float(down.sum()) * heads * affected

    rate = np.array([d.cost_per_hour for d in departments], dtype=float) / 60.0
    lost_min = incident_min + outage_min
    cost = lost_min * rate
    return BusinessImpact(
        lost_work_hours=float(lost_min.sum() / 60.0),
        cost=float(cost.sum()),
        lost_work_hours_incidents=float(incident_min.sum() / 60.0),
        lost_work_hours_outages=float(outage_min.sum() / 60.0),
        lost_work_hours_by_department={d: float(m / 60.0) for d, m in zip(ids, lost_min,
                                                                          strict=True)},
        cost_by_department={d: float(c) for d, c in zip(ids, cost, strict=True)},
    )


def _outage_departments(scenario: Scenario, label: str) -> np.ndarray:
    """1.0 for each department an outage ("change:<id>" or "inject:<id>") stops, else 0:
    the change's (or inject's) departments, else the users of its service, else everyone."""
    kind, _, item = label.partition(":")
    departments, service = None, None
    if kind == "change":
        model = next((c for c in scenario.changes if c.id == item), None)
        if model is not None:
            departments, service = model.departments, model.service
    else:
        model = next((j for j in scenario.injects if j.id == item), None)
        if model is not None:
            departments = model.departments
            service = model.outage.service if model.outage is not None else None
    if departments is not None:
        wanted = set(departments)
        return np.array([d.id in wanted for d in scenario.departments], dtype=float)
    if service is not None:
        return np.array([d.services is None or service in d.services
                         for d in scenario.departments], dtype=float)
    return np.ones(len(scenario.departments))


# ---------------------------------------------------------------------------------------------
# Key figures (for sim.kpis)
# ---------------------------------------------------------------------------------------------


def key_figures(v: LogView) -> dict[str, float | None]:
    """The moments figures of `sim.kpis.compute_kpis`, from its log view: satisfaction at
    the end (everybody, and each department), CSAT, good and bad moments (counted
    contacts), lost working time and its cost. For scenarios with departments only."""
    outcome = v.outcome
    reading = _reading(outcome, v)
    memory = reading.memory
    now = memory.department_means(v.end_min, outcome.calendar)
    figures: dict[str, float | None] = {
        "satisfaction": float(np.dot(now, memory.headcount) / memory.headcount.sum())}
    for d, department in enumerate(outcome.scenario.departments):
        figures[f"satisfaction_{department.id}"] = float(now[d])
    book = reading.ledger
    surveyed = book.surveyed()
    figures["csat"] = csat_of(surveyed)
    figures["csat_issues"] = float(surveyed.size)
    figures["moments_good"] = float(np.count_nonzero(book.counted & (book.verdict == GOOD)))
    figures["moments_bad"] = float(np.count_nonzero(book.counted & (book.verdict == BAD)))
    impact = _business_impact(v)
    figures["lost_work_hours"] = impact.lost_work_hours
    figures["cost_lost_business"] = impact.cost
    return figures


def lever_cost(v: LogView) -> float:
    """What the levers pulled in the run cost (the `value` of every 'lever' row)."""
    return float(v.value[v.event == LEVER].sum())


# ---------------------------------------------------------------------------------------------
# Reading a log (cached per log state: decision points read it several times per check)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Reading:
    ledger: Ledger
    memory: _Memory


#: log -> (what it was read from, the reading); weak, so a finished run's log can go
_READINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reading(outcome: Outcome, view: LogView | None = None) -> _Reading:
    log = outcome.log
    state = (len(log.events), log.n_contacts, float(outcome.end_min), float(
        outcome.scenario.clock.warmup))
    cached = _READINGS.get(log)
    # the scenario and calendar are held by identity (an outcome can be rebuilt around a log)
    if cached is not None and cached[0] == state and cached[1] is outcome.scenario \
            and cached[2] is outcome.calendar:
        return cached[3]
    v = view if view is not None else LogView(outcome)
    book = _build_ledger(v)
    reading = _Reading(book, _build_memory(book, outcome.scenario, outcome.calendar))
    _READINGS[log] = (state, outcome.scenario, outcome.calendar, reading)
    return reading


class _Settings:
    """The 'setting' rows of the log: a live parameter's value at any moment."""

    def __init__(self, v: LogView):
        rows = np.flatnonzero(v.event == SETTING)
        self.time = v.time[rows]
        self.item = v.agent[rows]
        self.value = v.value[rows]
        self.paths = v.names.settings

    def at(self, path: str, initial: float, when: np.ndarray) -> np.ndarray:
        """The value of `path` at each moment in `when` (a setting made at the same minute
        counts: decisions come before anything else at their minute)."""
        if path not in self.paths:
            return np.full(when.shape, float(initial))
        mine = self.item == self.paths.index(path)
        times, values = self.time[mine], self.value[mine]
        last = np.searchsorted(times, when, side="right") - 1
        return np.where(last >= 0, values[np.maximum(last, 0)] if values.size else 0.0,
                        float(initial))


def csat_of(surveyed: np.ndarray) -> float | None:
    """CSAT from what people remember of the issues surveyed (`Ledger.surveyed`): the share
    satisfied, None when there are none."""
    return float(np.mean(surveyed >= SATISFIED_AT_LEAST)) if surveyed.size else None


def _sum_of_terms(terms: dict[str, np.ndarray], n: int) -> np.ndarray:
    """`BASE_SCORE` plus the terms of the score (`SCORE_TERMS`, in that order)."""
    total = np.full(n, BASE_SCORE)
    for name in SCORE_TERMS:
        total = total + terms[name]
    return total


def _bonus_halved(points: np.ndarray) -> np.ndarray:
    return np.where(points > 0, BONUS_WEIGHT * points, points)


def _expected_answer_min(satisfaction: Satisfaction) -> np.ndarray:
    """Expected wait per channel code; a channel the scenario leaves out keeps the default."""
    defaults = Satisfaction().expected_answer_min
    given = satisfaction.expected_answer_min
    return np.array([given.get(ch, defaults[ch]) for ch in CHANNELS], dtype=float)


def _build_ledger(v: LogView) -> Ledger:
    outcome = v.outcome
    scenario = outcome.scenario
    names = v.names
    contacts = outcome.log.contact_columns()
    answered = ~np.isnan(v.answered)
    gave_up = ~np.isnan(v.abandoned)
    # a contact still waiting to be answered has no outcome yet: left out
    scored = np.flatnonzero(answered | gave_up)

    arrived = v.arrived[scored]
    answered_at = v.answered[scored]
    resolved_at = v.resolved[scored]
    quit_ = gave_up[scored]
    channel = contacts["channel"][scored]
    priority = contacts["priority"][scored]
    attempt = contacts["attempt"][scored]
    source = contacts["source"][scored]
    first_group = v.first_group[scored]
    transfers = v.escalations[scored]
    resolved = ~np.isnan(resolved_at)
    declined_at = v.first_time(DECLINED)[scored]
    told_no = ~np.isnan(declined_at)
    passed_at = v.first_time(ESCALATED)[scored]
    passed_on = ~np.isnan(passed_at)

    # -- the contact itself: how it ended, and when ------------------------------------------
    wait = np.where(quit_, v.abandoned[scored] - arrived, answered_at - arrived)
    ending = np.where(quit_, GAVE_UP, np.where(told_no, TOLD_NO, np.where(
        passed_on, PASSED_ON, np.where(resolved, RESOLVED_FIRST, STILL_OPEN))))
    time_min = np.select([quit_, told_no, passed_on, resolved],
                         [v.abandoned[scored], declined_at, passed_at, resolved_at], v.end_min)

    # the wait to be answered, against what people expect on that channel
    expected = _expected_answer_min(scenario.satisfaction)[channel]
    over = np.maximum(wait - expected, 0.0) / (WAIT_SPAN * expected)
    wait_points = np.where(over > 0, WAIT_POINTS * np.minimum(1.0, over ** WAIT_EXPONENT), 0.0)
    settings = _Settings(v)
    told = np.zeros(scored.size, dtype=bool)
    empathy = np.zeros(scored.size)
    talked_at = np.where(quit_, arrived, answered_at)
    for team in scenario.teams:
        if team.id not in names.groups:
            continue
        mine = first_group == names.groups.index(team.id)
        if not mine.any():
            continue
        # told while they waited (at arrival); empathy of whoever answered (at answer)
        told[mine] = settings.at(f"teams.{team.id}.announces_wait", team.announces_wait,
                                 arrived[mine]) > 0.5
        empathy[mine] = settings.at(f"teams.{team.id}.empathy", team.empathy, talked_at[mine])
    wait_points = np.where(told, ANNOUNCED_WAIT_FACTOR * wait_points, wait_points)
    wait_points = np.where(quit_, 0.0, wait_points)  # giving up scores 55 whatever the wait
    told &= ~quit_ & (wait >= AT_ONCE_MIN)
    empathy_points = np.where(quit_, 0.0, _bonus_halved(empathy))  # nobody talked to them

    # contacts a change caused: was it announced when they got in touch?
    change_of_source = np.array([_change_index(label, names.changes)
                                 for label in names.sources] or [-1], dtype=np.int16)
    change = change_of_source[source] if scored.size else np.zeros(0, dtype=np.int16)
    change_points = np.zeros(scored.size)
    for c, model in enumerate(scenario.changes):
        mine = change == c
        if mine.any():
            warned = settings.at(f"changes.{model.id}.warned", model.warned, arrived[mine])
            change_points[mine] = np.where(warned > 0.5, WARNED_POINTS, NOT_WARNED_POINTS)
    change_points = _bonus_halved(change_points)

    # the contact's terms (`SCORE_TERMS`): giving up scores GAVE_UP_SCORE whatever else,
    # but for an announced change
    whole = np.float32
    nothing = np.zeros(scored.size, dtype=whole)
    first_terms = {
        "gave_up_points": np.where(quit_, GAVE_UP_SCORE - BASE_SCORE, 0.0).astype(whole),
        "transfer_points": nothing, "late_points": np.zeros(scored.size),
        "unresolved_points": np.where(quit_ | (ending == RESOLVED_FIRST), 0.0,
                                      UNRESOLVED_POINTS).astype(whole),
        "declined_points": np.where(told_no & ~quit_, DECLINED_POINTS, 0.0).astype(whole),
        "repeat_points": np.where((attempt >= 1) & ~quit_, REPEAT_POINTS, 0.0).astype(whole),
        "wait_points": wait_points, "change_points": change_points,
        "empathy_points": empathy_points}

    # -- a ticket passed on: its resolution, or still open past its target -------------------
    stop = np.where(resolved, resolved_at, v.end_min)
    late = np.zeros(scored.size)
    past_target = np.zeros(scored.size, dtype=bool)
    sla = scenario.sla
    if sla is not None and scored.size:
        target = np.full(6, np.nan)
        for p in range(1, 6):
            t = sla.target(p)
            if t is not None and t.resolve is not None:
                target[p] = t.resolve
        goal = target[priority]
        took = (outcome.calendar.business_minutes_between(arrived, stop)
                if sla.basis == "business" else stop - arrived)
        took = np.asarray(took, dtype=float)
        with np.errstate(invalid="ignore"):
            ratio = np.maximum(took / goal - 1.0, 0.0)
            late = np.where(took > goal, LATE_POINTS * np.minimum(1.0, ratio ** LATE_EXPONENT),
                            0.0)
            past_target = took > goal
    second = passed_on & (resolved | past_target)
    later = np.flatnonzero(second)
    later_terms = {
        "transfer_points": (TRANSFER_POINTS * transfers[later]).astype(whole),
        "late_points": late[later],
        "unresolved_points": np.where(resolved[later], 0.0, UNRESOLVED_POINTS).astype(whole)}
    later_ending = np.where(resolved[later], RESOLVED_LATER, STILL_OPEN)

    # the group a contact was first passed on to ("passed on to Infrastructure", said when
    # the contact ended) and the one its ticket was last with ("resolved by the vendor")
    last_group = np.full(v.n_contacts, -1, dtype=np.int16)
    escalated = np.flatnonzero(v.event == ESCALATED)
    last_group[v.contact[escalated]] = v.group[escalated]  # later rows win
    first_group_passed = v.first_value(ESCALATED, v.group, -1).astype(np.int16)

    def both(first: np.ndarray, then: np.ndarray) -> np.ndarray:
        return np.concatenate([first, then])

    terms = {name: both(first_terms[name], later_terms.get(
        name, np.zeros(later.size, dtype=first_terms[name].dtype))) for name in SCORE_TERMS}
    all_score = np.clip(_sum_of_terms(terms, scored.size + later.size), 0.0, 100.0)
    all_time = both(time_min, stop[later])
    moment_of = both(scored, scored[later])  # the contact each moment belongs to
    verdict = np.where(all_score >= GOOD_AT_LEAST, GOOD,
                       np.where(all_score < BAD_BELOW, BAD, NEUTRAL))
    order = np.lexsort((np.r_[np.zeros(scored.size), np.ones(later.size)], moment_of,
                        all_time))
    return Ledger(
        time_min=all_time[order],
        arrived_min=both(arrived, arrived[later])[order],
        wait_min=both(wait, wait[later])[order],
        contact=moment_of[order].astype(np.int32),
        issue=contacts["issue"][moment_of][order],
        attempt=contacts["attempt"][moment_of][order],
        department=contacts["department"][moment_of][order],
        user=contacts["user"][moment_of][order],
        category=contacts["category"][moment_of][order],
        channel=both(channel, channel[later])[order],
        priority=both(priority, priority[later])[order],
        transfers=both(np.zeros(scored.size, dtype=np.int64), transfers[later])[order].astype(
            np.int16),  # hand-offs counted in the moment (its resolution, not the contact)
        ending=both(ending, later_ending)[order].astype(np.int8),
        change=both(change, change[later])[order],
        **{name: terms[name][order] for name in SCORE_TERMS},
        score=all_score[order],
        verdict=verdict[order].astype(np.int8),
        counted=(both(arrived, arrived[later]) >= v.warmup_min)[order],
        names=names,
        scenario=scenario,
        _told_wait=both(told, np.zeros(later.size, dtype=bool))[order],
        _last_group=last_group[moment_of][order],
        _second=both(np.zeros(scored.size, dtype=bool), np.ones(later.size, dtype=bool))[order],
        _passed_to=first_group_passed[moment_of][order],
    )


def _change_index(source_label: str, changes: list[str]) -> int:
    """The change behind a source ("change:<id>:<category>", "change-failure:<id>:..."),
    -1 for any other source."""
    kind, _, rest = source_label.partition(":")
    if kind not in ("change", "change-failure"):
        return -1
    change_id = rest.split(":", 1)[0]
    return changes.index(change_id) if change_id in changes else -1


def _issues(book: Ledger) -> dict[str, np.ndarray]:
    n = len(book)
    if n == 0:
        empty = np.zeros(0)
        return {"issue": empty.astype(np.int32), "department": empty.astype(np.int16),
                "user": empty.astype(np.int32), "completed_min": empty,
                "moments": empty.astype(np.int64), "remembered": empty,
                "over": empty.astype(bool), "counted": empty.astype(bool)}
    # the ledger is in time order; a stable sort by issue keeps each issue's moments in order
    order = np.argsort(book.issue, kind="stable")
    issue = book.issue[order]
    score = book.score[order]
    starts = np.flatnonzero(np.r_[True, issue[1:] != issue[:-1]])
    counts = np.diff(np.r_[starts, n])
    last = np.r_[starts[1:], n] - 1
    remembered = (REMEMBER_MEAN * np.add.reduceat(score, starts) / counts
                  + REMEMBER_WORST * np.minimum.reduceat(score, starts)
                  + REMEMBER_LAST * score[last])
    # an issue is over unless its last moment leaves more to come: passed on and waiting
    # within its target (no later moment yet), or answered and still being handled
    ending = book.ending[order][last]
    second = (book._second[order][last] if book._second is not None
              else np.zeros(last.size, dtype=bool))
    waiting = (ending == PASSED_ON) | ((ending == STILL_OPEN) & ~second)
    return {"issue": issue[starts], "department": book.department[order][starts],
            "user": book.user[order][starts], "completed_min": book.time_min[order][last],
            "moments": counts, "remembered": remembered, "over": ~waiting,
            # an issue's first moment is its first contact's: raised after the warm-up?
            "counted": book.counted[order][starts]}


def _build_memory(book: Ledger, scenario: Scenario, calendar: WorkCalendar) -> _Memory:
    departments = scenario.departments
    baseline = np.array([d.satisfaction for d in departments], dtype=float)
    headcount = np.array([d.headcount for d in departments], dtype=float)
    day_min = float(calendar.close_min - calendar.open_min)
    half_life = scenario.satisfaction.memory_half_life_days * day_min
    issues = _issues(book)
    mine = issues["department"] >= 0
    order = np.lexsort((issues["issue"][mine], issues["completed_min"][mine]))
    when = issues["completed_min"][mine][order]
    department = issues["department"][mine][order].astype(np.intp)
    user = issues["user"][mine][order]
    remembered = issues["remembered"][mine][order]
    business = np.asarray(calendar.business_minutes_until(when), dtype=float) \
        if when.size else np.zeros(0)

    # one person at a time in time order: the update depends on where they stand now
    moved = np.empty(when.size)
    people: dict[tuple[int, int], tuple[float, float]] = {}
    base_of = baseline.tolist()
    for k, (d, u, b, r) in enumerate(zip(department.tolist(), user.tolist(),
                                          business.tolist(), remembered.tolist(), strict=True)):
        base = base_of[d]
        before = people.get((d, u))
        s = base if before is None else drift_towards_baseline(before[0], base, b - before[1],
                                                               half_life)
        after = satisfaction_after(s, r)
        people[(d, u)] = (after, b)
        moved[k] = after - s
    return _Memory(time_min=when, business_min=business, department=department, moved=moved,
                   baseline=baseline, headcount=headcount, half_life_business_min=half_life)


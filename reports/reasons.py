"""Why bad moments of truth were bad, in a few kinds a trainer can name.

Every moment's score (`sim.moments`) starts at `BASE_SCORE` and loses points for what went
wrong: hanging up, not being fixed at first contact, a long wait, a second try, hand-offs
between teams, an SLA target missed, a change nobody announced, a desk without empathy. A
bad moment (below `BAD_BELOW`) usually has one of these to blame and a few that made it
worse. So that a chart can stack them, each bad moment is counted once, under the reason
that cost it the most points (on a tie, the one earlier in `REASONS`); `reasons_present`
says how many had each reason at all.

The points are read from the ledger's own terms (`wait_points`, `late_points`, ...) and the
model's constants, so the kinds always agree with the scores the debrief prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import moments
from sim.moments import (
    BAD,
    BASE_SCORE,
    DECLINED_POINTS,
    GAVE_UP,
    GAVE_UP_SCORE,
    PASSED_ON,
    REPEAT_POINTS,
    STILL_OPEN,
    TOLD_NO,
    TRANSFER_POINTS,
    UNRESOLVED_POINTS,
)


@dataclass(frozen=True)
class Reason:
    """One kind of reason: its id and the words on a chart's legend."""

    id: str
    words: str


#: The kinds, in the order a tie is settled (and a legend lists them).
REASONS: tuple[Reason, ...] = (
    Reason("gave_up", "hung up or walked away"),
    Reason("told_no", "told no (IT does not offer it)"),
    Reason("passed_on", "not fixed at first contact (passed on)"),
    Reason("still_open", "still not fixed at the end"),
    Reason("handed_around", "handed between teams"),
    Reason("sla_missed", "SLA target missed"),
    Reason("waited", "waited longer than people expect"),
    Reason("tried_again", "had to get in touch again"),
    Reason("not_told", "not told about the change"),
    Reason("manner", "met without empathy"),
)
REASON_IDS: tuple[str, ...] = tuple(r.id for r in REASONS)


def points_lost(book: moments.Ledger) -> np.ndarray:
    """Points each moment lost to each reason: an array (moments x `REASONS`), 0 where a
    reason does not apply. A ticket's later moment (resolved, or still open past its target,
    after hand-offs) is the one with `transfers` > 0; a contact's own moment has none."""
    later = book.transfers > 0
    ending = book.ending
    lost = np.zeros((len(book), len(REASONS)))
    column = {r: k for k, r in enumerate(REASON_IDS)}
    lost[:, column["gave_up"]] = np.where(ending == GAVE_UP, BASE_SCORE - GAVE_UP_SCORE, 0.0)
    lost[:, column["told_no"]] = np.where(ending == TOLD_NO,
                                          -(UNRESOLVED_POINTS + DECLINED_POINTS), 0.0)
    lost[:, column["passed_on"]] = np.where(ending == PASSED_ON, -UNRESOLVED_POINTS, 0.0)
    lost[:, column["still_open"]] = np.where(ending == STILL_OPEN, -UNRESOLVED_POINTS, 0.0)
    lost[:, column["handed_around"]] = -TRANSFER_POINTS * book.transfers
    lost[:, column["sla_missed"]] = -np.minimum(book.late_points, 0.0)
    lost[:, column["waited"]] = -np.minimum(book.wait_points, 0.0)
    lost[:, column["tried_again"]] = np.where((book.attempt >= 1) & ~later & (ending != GAVE_UP),
                                              -REPEAT_POINTS, 0.0)
    lost[:, column["not_told"]] = -np.minimum(book.change_points, 0.0)
    lost[:, column["manner"]] = -np.minimum(book.empathy_points, 0.0)
    return lost


def main_reason(book: moments.Ledger) -> np.ndarray:
    """For each moment, the index into `REASONS` of what cost it the most points; -1 for a
    moment that lost nothing (it cannot be bad)."""
    lost = points_lost(book)
    if not lost.size:
        return np.zeros(0, dtype=np.int64)
    worst = np.argmax(lost, axis=1)  # the first of equals: the order of REASONS
    return np.where(lost.max(axis=1) > 0, worst, -1)


def bad_by_reason(book: moments.Ledger) -> dict[str, int]:
    """How many bad moments each reason is the main reason of (`REASONS` order, every
    kind)."""
    kinds = main_reason(book)[book.verdict == BAD]
    return {r.id: int(np.count_nonzero(kinds == k)) for k, r in enumerate(REASONS)}


def reasons_present(book: moments.Ledger) -> dict[str, int]:
    """How many bad moments had each reason at all (one moment may have several)."""
    lost = points_lost(book)[book.verdict == BAD]
    return {r.id: int(np.count_nonzero(lost[:, k] > 0)) for k, r in enumerate(REASONS)}


def words(reason_id: str) -> str:
    """The legend words of a reason."""
    return REASONS[REASON_IDS.index(reason_id)].words


__all__ = ["REASONS", "REASON_IDS", "Reason", "bad_by_reason", "main_reason", "points_lost",
           "reasons_present", "words"]

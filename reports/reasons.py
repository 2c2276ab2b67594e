"""Why bad moments of truth were bad, in a few kinds a trainer can name.

Every moment's score (`sim.moments`) starts at `BASE_SCORE` and loses points for what went
wrong: hanging up, not being fixed at first contact, a long wait, a second try, hand-offs
between teams, an SLA target missed, a change nobody announced, a desk without empathy. A
bad moment (below `BAD_BELOW`) usually has one of these to blame and a few that made it
worse. So that a chart can stack them, each bad moment is counted once, under the reason
that cost it the most points (on a tie, the one earlier in `REASONS`); `reasons_present`
says how many had each reason at all.

The points are the ledger's own terms of each score (`sim.moments.SCORE_TERMS`:
`gave_up_points`, `unresolved_points`, `wait_points`, ...), which the scores are made of,
so the kinds always agree with the scores the debrief prints: every point a moment lost is
under one reason, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import moments
from sim.moments import BAD, PASSED_ON, STILL_OPEN, TOLD_NO


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
    reason does not apply, from the terms of its score (`sim.moments.SCORE_TERMS`). Not
    being fixed is told no, passed on or still open, by how the moment ended; a bonus (an
    announced change, empathy) is no loss."""
    ending = book.ending
    unresolved = -book.unresolved_points
    lost = np.zeros((len(book), len(REASONS)))
    column = {r: k for k, r in enumerate(REASON_IDS)}
    lost[:, column["gave_up"]] = -book.gave_up_points
    lost[:, column["told_no"]] = np.where(ending == TOLD_NO,
                                          unresolved - book.declined_points, 0.0)
    lost[:, column["passed_on"]] = np.where(ending == PASSED_ON, unresolved, 0.0)
    lost[:, column["still_open"]] = np.where(ending == STILL_OPEN, unresolved, 0.0)
    lost[:, column["handed_around"]] = -book.transfer_points
    lost[:, column["sla_missed"]] = -np.minimum(book.late_points, 0.0)
    lost[:, column["waited"]] = -np.minimum(book.wait_points, 0.0)
    lost[:, column["tried_again"]] = -book.repeat_points
    lost[:, column["not_told"]] = -np.minimum(book.change_points, 0.0)
    lost[:, column["manner"]] = -np.minimum(book.empathy_points, 0.0)
    return lost


def main_reason(book: moments.Ledger, lost: np.ndarray | None = None) -> np.ndarray:
    """For each moment, the index into `REASONS` of what cost it the most points; -1 for a
    moment that lost nothing (it cannot be bad). `lost`: `points_lost(book)`, when the
    caller has it already (so here and below)."""
    lost = points_lost(book) if lost is None else lost
    if not lost.size:
        return np.zeros(0, dtype=np.int64)
    worst = np.argmax(lost, axis=1)  # the first of equals: the order of REASONS
    return np.where(lost.max(axis=1) > 0, worst, -1)


def bad_by_reason(book: moments.Ledger, lost: np.ndarray | None = None) -> dict[str, int]:
    """How many bad moments each reason is the main reason of (`REASONS` order, every
    kind)."""
    kinds = main_reason(book, lost)[book.verdict == BAD]
    return {r.id: int(np.count_nonzero(kinds == k)) for k, r in enumerate(REASONS)}


def reasons_present(book: moments.Ledger, lost: np.ndarray | None = None) -> dict[str, int]:
    """How many bad moments had each reason at all (one moment may have several)."""
    lost = (points_lost(book) if lost is None else lost)[book.verdict == BAD]
    return {r.id: int(np.count_nonzero(lost[:, k] > 0)) for k, r in enumerate(REASONS)}


def words(reason_id: str) -> str:
    """The legend words of a reason."""
    return REASONS[REASON_IDS.index(reason_id)].words


__all__ = ["REASONS", "REASON_IDS", "Reason", "bad_by_reason", "main_reason", "points_lost",
           "reasons_present", "words"]

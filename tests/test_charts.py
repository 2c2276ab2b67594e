"""Charts, their rendering and the benchmark bands (reports.charts, reports.render,
reports.benchmarks).

Each chart is built for the softphone week (unprepared and prepared, seed 1) or for
hand-made experiment results, and checked for what a reader needs: the panels, one series
per thing shown, axis labels with units, legends, benchmark bands named with their source,
the story drawn and explained; then rendered to a PNG that is not blank. Charts use the
object API only: no pyplot figure is ever left open, and neither `sim.series` nor `reports`
pulls pyplot in.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import Bbox

from reports import charts, render, style
from reports.benchmarks import (
    ABANDONMENT,
    BENCHMARKS,
    FIRST_CONTACT_RESOLUTION,
    HANDLE_TIME,
    benchmark_for,
)
from sim import load_builtin, series
from sim.calendar import WorkCalendar
from sim.decisions import DecisionPlan
from sim.engine import Outcome, Simulation
from sim.eventlog import (
    ABANDONED,
    ANSWERED,
    ARRIVAL,
    ASSIGNED,
    CHANGE_LIVE,
    CLOSED,
    ESCALATED,
    HANDLED,
    RESOLVED,
    STAFF,
    EventLog,
    Names,
)
from sim.kpis import kpi_label
from sim.loader import scenario_from_data
from sim.moments import ledger, satisfaction_over_time
from sim.replications import Estimate, Replications, VariantComparison
from sim.scenario import CHANNELS
from sim.twin import compare
from tests.test_series import hand_made, on_grid

ROOT = Path(__file__).resolve().parent.parent
PALETTE = {c.lower() for c in style.OKABE_ITO.values()}


@pytest.fixture(scope="module")
def week():
    scenario = load_builtin("softphone-cutover")
    return {policy: Simulation(scenario, seed=1,
                               decisions=DecisionPlan.from_policy(scenario, policy)).run()
            for policy in ("unprepared", "prepared")}


@pytest.fixture(scope="module")
def unprepared(week):
    return week["unprepared"]


# -- helpers ----------------------------------------------------------------------------------


def panels(fig: Figure) -> list:
    """The chart's panels (not the story's key under them, not a column of text)."""
    return [ax for ax in fig.axes if ax.get_gid() != "story-key" and ax.axison]


def key_text(fig: Figure) -> str:
    key = [ax for ax in fig.axes if ax.get_gid() == "story-key"]
    assert len(key) == 1
    return "\n".join(t.get_text() for t in key[0].texts)


def data_lines(ax) -> list:
    """Lines with a label (story lines and grid lines have none)."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def title_words(fig: Figure) -> str:
    """The figure's title with its line breaks folded (long titles wrap to the figure)."""
    return " ".join(fig.get_suptitle().split())


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def assert_renders(fig: Figure) -> None:
    png = render.png_bytes(fig, dpi=40)  # small: the pixels only need to exist
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(io.BytesIO(png))
    assert pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert np.ptp(pixels[..., :3]) > 0.5  # not all one colour


def band(ax, benchmark):
    """The benchmark's shaded band on the axes, found by its label."""
    found = [p for p in ax.patches if p.get_label() == benchmark.legend()]
    assert found, f"no {benchmark.name} band"
    return found[0]


# -- one run ----------------------------------------------------------------------------------


def test_queue_and_backlog(unprepared):
    fig = charts.queue_and_backlog(unprepared, step_min=15)
    assert isinstance(fig, Figure)
    in_line, in_writing, open_work = panels(fig)
    assert len(fig.axes) == 4  # three panels and the story's key
    assert [line.get_label() for line in data_lines(in_line)] == [
        "on hold (phone)", "at the service desk\n(walk-in)"]
    assert [line.get_label() for line in data_lines(in_writing)] == ["e-mail", "portal"]
    assert [line.get_label() for line in data_lines(open_work)] == [
        "open contacts and tickets", "waiting at\nDesktop and applications",
        "waiting at\nInfrastructure and telephony",
        "waiting at\nSoftphone vendor (support contract)"]
    # the curves are the series
    times, queues = series.queue_over_time(unprepared, 15)
    phone = data_lines(in_line)[0]
    assert np.array_equal(phone.get_xdata(), times)
    assert np.array_equal(phone.get_ydata(), queues["phone"])
    for ax in (in_line, in_writing, open_work):
        assert ax.get_ylabel().endswith("(count)")
        assert legend_texts(ax) == [line.get_label() for line in data_lines(ax)]
        for line in data_lines(ax):
            assert str(line.get_color()).lower() in PALETTE
        # the change goes live at Monday 08:00: a line across every panel
        assert any(list(line.get_xdata()) == [480.0, 480.0] for line in ax.get_lines())
    assert open_work.get_xlabel().startswith("Day")
    assert [t.get_text() for t in open_work.get_xticklabels()][:2] == ["Mon 2 Mar", "Tue 3 Mar"]
    key = key_text(fig)
    assert "Mon 08:00" in key
    assert "Change goes live: Desk phones switched off; softphones on every laptop" in key
    assert "Decision: The queue is building → nothing pulled" in key
    badges = [t.get_text() for t in in_line.texts]
    assert badges == ["1", "2", "3", "4"]
    assert_renders(fig)


def test_the_story_of_a_hand_made_run():
    """Decisions with their levers, a change, an inject with its outage: told once each,
    the outage and inject shaded and explained in the legend."""
    fig = charts.queue_and_backlog(hand_made(), step_min=5)
    key = key_text(fig)
    assert "Mon 00:00   Decision: Before Monday → Brief the help desk" in key
    assert "Mon 01:00   Change goes live: Softphones for everyone" in key
    assert ("Mon 02:00   Starts: Phone storm — Outage: Telephony, 50% of their work stops "
            "(until Mon 02:30)") in key
    assert "Back up" not in key and "Over:" not in key  # the spans show the ends
    last = panels(fig)[-1]
    assert {"outage (service down)", "event under way"} <= set(legend_texts(last))
    # no calendar: nothing is shaded as closed, and the clock reads in hours
    assert last.get_xlabel() == "Time of day"
    assert_renders(fig)


def test_service_by_hour(unprepared):
    fig = charts.service_by_hour(unprepared)
    calls, asa, abandonment = fig.axes
    assert len(fig.axes) == 3
    rows = series.service_by_hour(unprepared)
    answered, hung_up = calls.containers
    assert isinstance(answered, BarContainer)
    assert sum(answered.datavalues) == sum(r["answered"] for r in rows)
    assert sum(hung_up.datavalues) == sum(r["abandoned"] for r in rows)
    assert legend_texts(calls) == [f"answered: {sum(r['answered'] for r in rows)}",
                                   f"hung up: {sum(r['abandoned'] for r in rows)}"]
    assert calls.get_ylabel() == "calls (count)"
    assert asa.get_ylabel() == "wait when answered (minutes)"
    assert abandonment.get_ylabel() == "calls that hung up (%)"
    assert isinstance(abandonment.yaxis.get_major_formatter(), PercentFormatter)
    # the published band, named with its source, in the legend and on the chart itself
    shaded = band(abandonment, ABANDONMENT)
    low, high = shaded.get_y(), shaded.get_y() + shaded.get_height()
    assert (low, high) == pytest.approx((0.05, 0.12))
    # (under the chart: a legend that long would run into the panel's heading)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "Benchmark 5–12% (call-centre benchmarks, docs/data-sources.md)"]
    assert "benchmark 5–12%" in [t.get_text() for t in abandonment.texts]
    # a group of hours per day, named under the axis
    days = [t.get_text() for t in abandonment.texts if t.get_text()[:3] in ("Mon", "Fri")]
    assert days == ["Mon 2 Mar", "Fri 6 Mar"]
    assert_renders(fig)


def test_satisfaction(unprepared):
    """The lines of a bad week fall a point or two on a zoomed axis: the chart says they
    are everybody's opinion (how many people got in touch at all, counted from the log),
    marks where everybody started and who is still there, names each department with where
    it started and ended, and labels no value the lines cannot reach."""
    fig = charts.satisfaction(unprepared)
    (ax,) = panels(fig)
    departments = unprepared.scenario.departments
    _, levels = satisfaction_over_time(unprepared)
    contacts = unprepared.log.contact_columns()
    mine = contacts["department"] >= 0
    touched = len(set(zip(contacts["department"][mine].tolist(),
                          contacts["user"][mine].tolist(), strict=True)))
    people = sum(d.headcount for d in departments)
    named = [f"{d.name}: 75 → {levels[d.id][-1]:.1f}" for d in departments]
    assert [line.get_label() for line in data_lines(ax)] == [
        *named, f"where everybody started (75)\nand the {people - touched} who never got\n"
                "in touch with IT still are"]
    assert legend_texts(ax)[:5] == named
    assert ax.get_title(loc="left") == f"{touched} of the {people} people got in touch with IT"
    assert "everybody's opinion" in fig.get_suptitle()
    low, high = ax.get_ylim()
    assert 0 <= low < 72 and 75 < high <= 100  # zoomed on the lines, with the badges' room
    render.png_bytes(fig, dpi=20)
    ticks = [t.get_loc() for t in ax.yaxis.get_major_ticks()
             if low <= t.get_loc() <= high and t.label1.get_text()]
    lines = np.concatenate([line.get_ydata() for line in data_lines(ax)])
    # no tick in the room made above the lines for the story's badges
    assert max(ticks) <= np.ceil((lines.max() + 1) / 5) * 5, ticks
    assert ax.get_ylabel() == "satisfaction (points, 0–100)"
    assert "Change goes live" in key_text(fig)
    assert_renders(fig)


def test_moments_timeline(unprepared):
    fig = charts.moments_timeline(unprepared)
    (ax,) = panels(fig)
    good, neutral, *bad = ax.containers
    book = ledger(unprepared)
    assert sum(good.datavalues) == np.count_nonzero(book.verdict == 1)
    assert sum(neutral.datavalues) == np.count_nonzero(book.verdict == 0)
    # the bad ones drawn downwards, one stack per reason, adding up to every bad moment
    assert -sum(sum(c.datavalues) for c in bad) == np.count_nonzero(book.verdict == -1)
    texts = legend_texts(ax)
    assert texts[0].startswith("good (score 75+)") and texts[2].startswith("bad (below 60)")
    # nobody was told about the cutover: what made the unprepared Monday bad is said
    assert texts[3].startswith("hung up or walked away: ")
    assert any(t.endswith(" not told about the change") for t in texts)
    assert ax.get_ylabel() == "moments per hour (count)"
    assert_renders(fig)


@pytest.mark.parametrize("policy", ["unprepared", "firefighting"])
def test_the_moments_scale_reaches_the_tallest_and_the_deepest_bar(policy):
    """Above the line and below it, the scale is labelled at least as far as the bars
    reach: a bad hour of 16 moments is read against a scale that goes to 18, not one that
    stops at 12."""
    scenario = load_builtin("softphone-cutover")
    outcome = Simulation(scenario, seed=1,
                         decisions=DecisionPlan.from_policy(scenario, policy)).run()
    fig = charts.moments_timeline(outcome)
    (ax,) = panels(fig)
    render.png_bytes(fig, dpi=20)
    low, high = ax.get_ylim()
    labelled = [tick.get_loc() for tick in ax.yaxis.get_major_ticks()
                if low <= tick.get_loc() <= high and tick.label1.get_text()]
    ends = [end for container in ax.containers for bar in container
            for end in (bar.get_y(), bar.get_y() + bar.get_height())]
    deepest, tallest = min(ends), max(ends)
    assert deepest <= -13  # the case in point: bad hours
    assert min(labelled) <= deepest and max(labelled) >= tallest, (labelled, deepest, tallest)


def test_every_point_a_moment_lost_is_under_one_reason(week):
    """`reports.reasons.points_lost` reads the terms `sim.moments` scores with: for every
    moment of the softphone week, the base score plus its bonuses minus the points it lost
    to its reasons is its score before the clip to 0-100 — no point lost twice or missed."""
    from reports.reasons import points_lost
    from sim.moments import BASE_SCORE, SCORE_TERMS

    for outcome in week.values():
        book = ledger(outcome)
        bonuses = sum(np.maximum(getattr(book, term), 0.0) for term in SCORE_TERMS)
        unclipped = book.unclipped_score()
        assert BASE_SCORE + bonuses - points_lost(book).sum(axis=1) == pytest.approx(
            unclipped, abs=1e-9)
        assert np.array_equal(np.clip(unclipped, 0.0, 100.0), book.score)
        assert (points_lost(book) >= 0).all()


def test_the_bad_moments_by_reason_are_those_of_the_moments_chart_hour_by_hour(week,
                                                                             monkeypatch):
    """The bars of each reason add up to the bad moments `sim.series.moments_over_time`
    counts in every interval (the same intervals), and a chart works out the points lost
    once for its bars, its worst hours and its legend."""
    from reports import reasons

    for step_min in (60.0, 90.0):
        starts, counts = series.moments_over_time(week["unprepared"], step_min)
        same_starts, by_reason = charts.moments_by_reason(week["unprepared"], step_min)
        assert same_starts.tolist() == starts.tolist()
        assert sum(by_reason.values()).tolist() == counts["bad"].tolist()
    calls = []
    real = reasons.points_lost
    monkeypatch.setattr(reasons, "points_lost", lambda book: calls.append(book) or real(book))
    charts.moments_timeline(week["unprepared"])
    assert len(calls) == 1


# A small log whose moments and reasons are worked out by hand (minutes; no calendar; the run
# ends at 240; SLA: resolve within 30 min; a phone caller expects an answer within 1 min,
# after which the wait costs up to 15 points, all of them at 10 min):
#
#   #0 phone    arrives 5, hangs up at 9                       55: bad, hung up
#   #1 phone    #0 again: arrives 10, answered 18, fixed 23    85 - 15 (second try) - 12.6
#                                                              (8 min wait) = 57.4: bad, had
#                                                              to get in touch again (15 > 12.6)
#   #2 phone    arrives 40, answered at once, passed on 45     55: bad, not fixed at first contact
#               to tier2, on to tier3 at 70, resolved 130      85 - 2 x 10 (hand-offs) - 15 (90
#                                                              min of 30) = 50: bad, handed
#                                                              between teams (20 > 15)
#   60 the change goes live, not announced
#   #3 phone    from the change: arrives 70, hangs up 75       55 - 5 = 50: bad, hung up
#   #4 e-mail   from the change: answered 100, fixed 110       85 - 5 = 80: good
#   #5 phone    arrives 150, answered 151, passed on 160       55: bad, not fixed at first contact
#               still open at 240, past its target             85 - 10 - 15 - 30 = 30: bad,
#                                                              still not fixed at the end
#   #6 walk-in  arrives 200, answered 202, fixed 205           85: good
REASONS_SCENARIO = {
    "id": "reasons-hand", "title": "reasons by hand", "clock": {"duration": 240},
    "services": [{"id": "phones", "name": "Telephony"}],
    "teams": [{"id": "desk", "staff": 2}, {"id": "tier2", "tier": 2, "staff": 1},
              {"id": "tier3", "tier": 3, "staff": 1}],
    "categories": [{"id": "ask", "handle": {"dist": "exponential", "mean": 5},
                    "channels": {"phone": 0.6, "email": 0.2, "walk_in": 0.2},
                    "fcr": 0.5, "escalate_to": "tier2",
                    "resolve": {"dist": "exponential", "mean": 30}}],
    "changes": [{"id": "cutover", "name": "Softphones for everyone", "at": 60,
                 "service": "phones"}],
    "sla": {"basis": "clock", "P5": {"respond": 3, "resolve": 30}},
}


def reasons_by_hand() -> Outcome:
    desk, tier2, tier3 = 0, 1, 2
    phone, email, walk_in = (CHANNELS.index(c) for c in ("phone", "email", "walk_in"))
    log = EventLog(Names(categories=["ask"], channels=list(CHANNELS),
                         groups=["desk", "tier2", "tier3"], departments=[],
                         group_kinds=["team"] * 3, changes=["cutover"],
                         sources=["category:ask", "change:cutover:ask"]))
    # (channel, source: 1 is the change, attempt, issue)
    for channel, source, attempt, issue in [(phone, 0, 0, 0), (phone, 0, 1, 0),
                                            (phone, 0, 0, -1), (phone, 1, 0, -1),
                                            (email, 1, 0, -1), (phone, 0, 0, -1),
                                            (walk_in, 0, 0, -1)]:
        log.add_contact(category=0, channel=channel, priority=5, department=-1,
                        source=source, attempt=attempt, issue=issue)
    events = [
        (0, STAFF, -1, desk, -1, 2), (0, STAFF, -1, tier2, -1, 1), (0, STAFF, -1, tier3, -1, 1),
        (5, ARRIVAL, 0, desk, -1, 0), (9, ABANDONED, 0, desk, -1, 0),
        (10, ARRIVAL, 1, desk, -1, 0), (18, ANSWERED, 1, desk, 0, 0),
        (23, HANDLED, 1, desk, 0, 0), (23, RESOLVED, 1, desk, 0, 0), (23, CLOSED, 1, desk, 0, 0),
        (40, ARRIVAL, 2, desk, -1, 0), (40, ANSWERED, 2, desk, 1, 0),
        (45, HANDLED, 2, desk, 1, 0), (45, ESCALATED, 2, tier2, -1, 0),
        (50, ASSIGNED, 2, tier2, 0, 0),
        (60, CHANGE_LIVE, -1, -1, 0, 0),
        (70, ARRIVAL, 3, desk, -1, 0), (70, HANDLED, 2, tier2, 0, 0),
        (70, ESCALATED, 2, tier3, -1, 0), (75, ABANDONED, 3, desk, -1, 0),
        (80, ASSIGNED, 2, tier3, 0, 0),
        (100, ARRIVAL, 4, desk, -1, 0), (100, ANSWERED, 4, desk, 0, 0),
        (110, HANDLED, 4, desk, 0, 0), (110, RESOLVED, 4, desk, 0, 0),
        (110, CLOSED, 4, desk, 0, 0),
        (130, HANDLED, 2, tier3, 0, 0), (130, RESOLVED, 2, tier3, 0, 0),
        (130, CLOSED, 2, tier3, 0, 0),
        (150, ARRIVAL, 5, desk, -1, 0), (151, ANSWERED, 5, desk, 0, 0),
        (160, HANDLED, 5, desk, 0, 0), (160, ESCALATED, 5, tier2, -1, 0),
        (200, ARRIVAL, 6, desk, -1, 0), (202, ANSWERED, 6, desk, 1, 0),
        (205, HANDLED, 6, desk, 1, 0), (205, RESOLVED, 6, desk, 1, 0),
        (205, CLOSED, 6, desk, 1, 0),
    ]
    for t, event, contact, group, agent, value in events:
        log.append(float(t), event, contact, group, agent, float(value))
    return Outcome(scenario_from_data(REASONS_SCENARIO), seed=0, replication=0, log=log,
                   calendar=WorkCalendar(None), end_min=240.0)


def test_moments_timeline_stacks_the_bad_moments_by_their_reason_as_worked_out_by_hand():
    fig = charts.moments_timeline(reasons_by_hand())
    (ax,) = panels(fig)
    good, neutral, *bad = ax.containers
    # hours 0-1, 1-2, 2-3, 3-4 (the ticket still open at the end counts in the last)
    assert list(good.datavalues) == [0, 1, 0, 1]        # #4 at 110, #6 at 205
    assert list(neutral.datavalues) == [0, 0, 0, 0]
    stacks = {c.get_label(): [-v for v in c.datavalues] for c in bad}  # drawn downwards
    assert stacks == {
        "hung up or walked away: 2": [1, 1, 0, 0],                   # #0 at 9, #3 at 75
        "not fixed at first contact (passed on): 2": [1, 0, 1, 0],   # #2 at 45, #5 at 160
        "still not fixed at the end: 1": [0, 0, 0, 1],               # #5's ticket, at the end
        "handed between teams: 1": [0, 0, 1, 0],                     # #2's ticket, at 130
        "had to get in touch again: 1": [1, 0, 0, 0],                # #1 at 23
    }
    # each stack starts where the one above it ends: hour 0 reads 1, 2, 3 down from the line
    # (hung up, passed on, none still open, none handed around, tried again)
    assert [(c[0].get_y(), c[0].get_y() + c[0].get_height()) for c in bad] == [
        (0, -1), (-1, -2), (-2, -2), (-2, -2), (-2, -3)]
    assert legend_texts(ax) == [
        "good (score 75+): 2", "neutral (60–75): 0",
        "bad (below 60): 7, by\nwhat cost them most points",
        "hung up or walked away: 2", "not fixed at first contact (passed on): 2",
        "still not fixed at the end: 1", "handed between teams: 1",
        "had to get in touch again: 1",
        "bad moments with each reason\n(one may have several)",
        "2 handed between teams", "2 SLA target missed", "1 waited longer than people expect",
        "1 not told about the change"]
    # the worst hour, labelled with its main reasons (hour 2-3 is on the same day: not again)
    (worst,) = [t for t in ax.texts if t.get_gid() == "worst-hour"]
    assert worst.get_text() == ("Mon 00:00–01:00: 3 bad\n1 hung up or walked away\n"
                                "1 not fixed at first contact (passed on)")
    (at_end,) = [t for t in ax.texts if t.get_gid() == "open-at-end"]
    assert at_end.get_text() == "1 moment of a ticket still open at the end →"
    assert_renders(fig)


def test_the_backlog_line_is_the_step_curve_worked_out_by_hand():
    """`tests.test_series.hand_made`: a contact is open from its arrival until it is
    resolved or its caller hangs up; still open at the end of the run (200) when neither."""
    fig = charts.queue_and_backlog(hand_made(), step_min=10)
    open_work = panels(fig)[-1]
    backlog = next(line for line in data_lines(open_work)
                   if line.get_label() == "open contacts and tickets")
    open_spans = [(10, 17), (20, 23), (30, 90), (40, 50), (45, 201), (65, 75), (80, 81),
                  (100, 201), (190, 201)]  # #0 .. #8
    by_hand = sum(on_grid(10, [span]) for span in open_spans)
    assert list(backlog.get_xdata()) == list(range(0, 201, 10))
    assert list(backlog.get_ydata()) == list(by_hand) == [
        0, 1, 1, 1, 2, 2, 2, 3, 3, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3]
    assert backlog.get_drawstyle() == "steps-post"  # a count holds until the next event
    # passed to tier2 and waiting to be picked up: #2 from 55 to 70, #7 from 105 on
    tier2 = next(line for line in data_lines(open_work) if "tier2" in line.get_label())
    assert list(tier2.get_ydata()) == list(on_grid(10, [(55, 70), (105, 201)]))
    # on hold: #0 10-12, #1 20-23, #5 65-70, #6 80-81, #8 from 190 (#7 answered at once)
    phone = data_lines(panels(fig)[0])[0]
    assert list(phone.get_ydata()) == list(on_grid(10, [(10, 12), (20, 23), (65, 70),
                                                        (80, 81), (190, 201)]))


def test_service_by_hour_bars_are_the_calls_worked_out_by_hand():
    """`tests.test_series.hand_made`, by the hour the call came in: hour 0 #0 (answered
    after 2 min) and #1 (hung up); hour 1 #5 (5 min), #6 (hung up), #7 (at once); hour 2 no
    call; hour 3 #8, still on hold at the end."""
    fig = charts.service_by_hour(hand_made())
    calls, asa, abandonment = fig.axes
    answered, hung_up, on_hold = calls.containers
    assert list(answered.datavalues) == [1, 2, 0, 0]
    assert list(hung_up.datavalues) == [1, 1, 0, 0]
    assert list(on_hold.datavalues) == [0, 0, 0, 1]
    # stacked: hung up on top of answered
    assert [bar.get_y() for bar in hung_up] == [1, 2, 0, 0]
    (asa_bars,) = asa.containers
    assert list(asa_bars.datavalues[:2]) == pytest.approx([2.0, 2.5])  # (5 + 0) / 2
    assert np.isnan(asa_bars.datavalues[2:]).all()  # nobody answered: no bar, not 0
    (rate_bars,) = abandonment.containers
    assert list(rate_bars.datavalues[:2]) == pytest.approx([1 / 2, 1 / 3])
    assert np.isnan(rate_bars.datavalues[2:]).all()
    assert legend_texts(calls) == ["answered: 3", "hung up: 2", "still on hold: 1"]
    assert [t.get_text() for t in abandonment.get_xticklabels()] == ["00", "02"]


def test_cost_breakdown(week, unprepared):
    fig = charts.cost_breakdown(unprepared)
    (ax,) = fig.axes
    costs = series.cost_breakdown(unprepared)
    bars = [bar for container in ax.containers for bar in container]
    assert [bar.get_width() for bar in bars] == pytest.approx(list(costs.values()))
    assert ax.get_xlabel() == "cost (EUR)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Staff time", "Overtime", "Supplier fees", "Levers pulled", "Lost business time"]
    assert f"{sum(costs.values()):,.0f} EUR" in fig.get_suptitle()
    assert_renders(fig)

    both = charts.cost_breakdown(week)
    (ax,) = both.axes
    assert [len(c) for c in ax.containers] == [5, 5]
    assert [t.split(":")[0] for t in legend_texts(ax)] == ["unprepared", "prepared"]
    assert_renders(both)


def test_twin_overlay(week):
    first, second = week["unprepared"], week["prepared"]
    fig = charts.twin_overlay(first, second, labels=("unprepared", "prepared"))
    assert len(fig.axes) == 5  # three panels, the key figures beside them, the story's key
    curves = panels(fig)
    assert len(curves) == 3
    for ax in curves:
        dashed, solid = data_lines(ax)
        assert (dashed.get_label(), solid.get_label()) == ("unprepared", "prepared")
        assert dashed.get_linestyle() == "--" and solid.get_linestyle() == "-"
        assert ax.get_ylabel()
    assert curves[0].get_ylabel() == "contacts waiting (count)"
    side = "\n".join(t.get_text() for t in fig.axes[3].texts)
    a, b = first.kpis()["abandonment_rate"], second.kpis()["abandonment_rate"]
    assert f"{a * 100:.1f}% → {b * 100:.1f}%" in side
    # each figure in both runs as the debrief's tables show it: the same decimals and the
    # same unit on both sides of the arrow ("14.0 → 4.3", never "14 → 4.32")
    pairs = re.findall(r"^(.+) → (.+)$", side, flags=re.MULTILINE)[1:]  # (not the labels)
    assert len(pairs) == len(charts.TWIN_FIGURES), pairs

    def shape(figure: str) -> tuple[int, str]:
        number, unit = re.fullmatch(r"([\d,]+(?:\.(\d+))?)(.*)", figure).group(1, 3)
        return (len(number.split(".")[1]) if "." in number else 0), unit

    for here, there in pairs:
        assert shape(here) == shape(there), (here, there)
    backlog = [first.kpis()["backlog_mean"], second.kpis()["backlog_mean"]]
    assert f"{backlog[0]:.1f} → {backlog[1]:.1f}" in side  # an average over time: tenths
    key = key_text(fig)
    assert "unprepared: Decision: The weekend before → nothing pulled" in key
    assert "prepared: Decision: The weekend before → Brief the help desk" in key
    assert_renders(fig)
    # a sim.twin.Comparison does as well
    again = charts.twin_overlay(compare(first, second))
    assert len(again.axes) == 5


# -- experiments ------------------------------------------------------------------------------


def made_up_comparison() -> VariantComparison:
    """Three variants, five replications each, paired by replication."""
    # the same luck in replication r of every variant, as common random numbers give
    shifts = np.random.default_rng(7).normal(0, 1, size=5)

    def replications(abandon, fcr, handle, cost):
        per = []
        for shift in shifts:
            per.append({"abandonment_rate": abandon + 0.02 * shift, "fcr": fcr + 0.01 * shift,
                        "handle_min": handle + 0.3 * shift, "cost_total": cost + 900 * shift})
        return Replications("softphone-cutover", 1, per)

    return VariantComparison("softphone-cutover", 1, {
        "unprepared": replications(0.55, 0.60, 11.5, 130_000),
        "firefighting": replications(0.18, 0.61, 11.2, 60_000),
        "prepared": replications(0.08, 0.68, 9.0, 31_000),
    })


def test_variants_chart():
    comparison = made_up_comparison()
    kpis = ["abandonment_rate", "fcr", "handle_min", "cost_total"]
    fig = charts.variants_chart(comparison, kpis, goals={"abandonment_rate": {"at_most": 0.1}})
    axes = fig.axes
    assert len(axes) == 4
    for ax, name in zip(axes, kpis, strict=True):
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == 3  # one mean with its interval per variant
        assert " ".join(ax.get_title(loc="left").split()) == kpi_label(name)[0]  # wraps
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks[0] == "unprepared" and ticks[1].startswith("firefighting\n")
    assert [ax.get_ylabel() for ax in axes] == ["%", "%", "minutes", "EUR"]
    mean = comparison.variants["prepared"].summary()["abandonment_rate"].mean
    point = axes[0].containers[2].lines[0]
    assert point.get_ydata()[0] == pytest.approx(mean)
    # the paired difference under the variant, in percentage points
    diff = comparison.difference("prepared", "abandonment_rate")
    assert f"−{abs(diff.mean) * 100:.0f} pts" in axes[0].get_xticklabels()[2].get_text()
    band(axes[0], ABANDONMENT)
    band(axes[1], FIRST_CONTACT_RESOLUTION)
    band(axes[2], HANDLE_TIME)
    assert not [p for p in axes[3].patches if p.get_label().startswith("Benchmark")]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {b.legend() for b in (ABANDONMENT, FIRST_CONTACT_RESOLUTION, HANDLE_TIME)} <= set(
        legend)
    assert charts.GOAL_LEGEND in legend
    assert "goal: at most 10%" in [t.get_text().replace("\n", " ") for t in axes[0].texts]
    # three variants' differences under their names, the labels on four panels: all apart
    assert_every_text_inside_and_apart(fig)
    assert_renders(fig)


def test_sweep_chart():
    values = [9, 10, 11, 12]
    estimates = {
        "abandonment_rate": [Estimate(m, 0.01, 8) for m in (0.13, 0.09, 0.05, 0.03)],
        "asa_min": [Estimate(m, 0.05, 8) for m in (0.33, 0.21, 0.13, 0.07)],
        "cost_total": [Estimate(m, None, 1) for m in (24_000, 27_000, 29_700, 32_400)],
    }
    fig = charts.sweep_chart(values, "Service desk agents", estimates,
                             goals={"abandonment_rate": {"at_most": 0.08}})
    assert len(fig.axes) == 3
    abandonment, asa, cost = fig.axes
    for ax, name in zip(fig.axes, estimates, strict=True):
        (line,) = [ln for ln in data_lines(ax) if ln.get_label() == "mean over replications"]
        assert list(line.get_xdata()) == values
        assert list(line.get_ydata()) == pytest.approx([e.mean for e in estimates[name]])
        assert ax.get_xlabel() == "Service desk agents"
        assert len(ax.collections) == 1  # the confidence band
    assert [ax.get_ylabel() for ax in fig.axes] == ["%", "minutes", "EUR"]
    goal = [ln for ln in abandonment.get_lines() if ln.get_label() == "Goal: at most 8%"]
    assert goal and goal[0].get_ydata()[0] == pytest.approx(0.08)
    band(abandonment, ABANDONMENT)
    assert fig.get_suptitle() == "What changes with service desk agents"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "95% confidence interval" in legend and ABANDONMENT.legend() in legend
    assert_every_text_inside_and_apart(fig)
    assert_renders(fig)


def test_a_swept_lever_target_is_said_in_words(tmp_path):
    """`itsm experiment` says what a sweep changed as a trainer would
    (`cli.experiment_cmd.chart_parameter_words`, from the lever targets the file sweeps),
    and the chart writes it in its title and under every panel."""
    from cli.experiment_cmd import chart_parameter_words
    from sim.experiments import experiment_from_text

    estimates = {"abandonment_rate": [Estimate(m, 0.01, 8) for m in (0.13, 0.09)]}
    sweep = ("scenario: softphone-cutover\nreplications: 2\nsweep:\n  parameters:\n"
             "    - {target: teams.service-desk.staff, add: [0, 1]}\n")
    one = experiment_from_text(sweep, "sweep.yaml", base_dir=tmp_path)
    words = chart_parameter_words(one, next(iter(one.runs.values())))
    fig = charts.sweep_chart([0, 1], words, estimates)
    assert title_words(fig) == "What changes with extra agents on the service desk"
    assert fig.axes[0].get_xlabel() == "Extra agents on the service desk"
    # a sweep of two: one chart per value of the second parameter, which the chart names
    two = experiment_from_text(
        sweep + "    - {target: categories.softphone-howto.handle.mean, multiply: [1, 0.75]}\n",
        "grid.yaml", base_dir=tmp_path)
    shorter = next(run for run in two.runs.values() if run.coordinates[1] == 0.75)
    fig = charts.sweep_chart([0, 1], chart_parameter_words(two, shorter), estimates)
    assert fig.axes[0].get_xlabel() == (
        "Extra agents on the service desk, with handle time of “How do I ... on the "
        "softphone?” 25% shorter")
    assert title_words(fig) == (
        "What changes with extra agents on the service desk, with handle time of “How do I "
        "... on the softphone?” 25% shorter")
    # a value set rather than added
    staffed = experiment_from_text(sweep.replace("add: [0, 1]", "set: [4, 5]"), "set.yaml",
                                   base_dir=tmp_path)
    fig = charts.sweep_chart([4, 5], chart_parameter_words(
        staffed, next(iter(staffed.runs.values()))), estimates)
    assert fig.axes[0].get_xlabel() == "Agents on the service desk"
    assert_renders(fig)


def test_experiment_charts_say_which_part_of_the_runs_they_measure():
    estimates = {"abandonment_rate": [Estimate(m, 0.01, 8) for m in (0.13, 0.09)]}
    window = "mon 00:00 to tue 00:00 (minutes 0 to 1440) only"
    fig = charts.sweep_chart([0, 1], "Extra agents", estimates, measured=window)
    # on two lines at least (a long title wraps to the figure's width)
    assert fig.get_suptitle().startswith("What changes with extra agents\nFigures of ")
    assert title_words(fig) == f"What changes with extra agents Figures of {window}"
    assert_renders(fig)
    fig = charts.variants_chart(made_up_comparison(), ["abandonment_rate"], measured=window)
    assert "each)\nFigures of " in fig.get_suptitle()
    assert title_words(fig).endswith(f"each) Figures of {window}")
    assert_renders(fig)


def drawn_texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every text the figure draws (not the tick labels of ticks outside the axes, nor empty
    ones), with its box on the canvas in pixels, as a reader sees it laid out."""
    drawn: list[Text] = []
    draw = Text.draw

    def recording(text, renderer):
        if text.get_visible() and text.get_text().strip():
            drawn.append(text)
        return draw(text, renderer)

    FigureCanvasAgg(fig)
    with mock.patch.object(Text, "draw", recording):
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(renderer)) for t in dict.fromkeys(drawn)]


def assert_every_text_inside_and_apart(fig: Figure) -> None:
    """No text is cut off at the figure's edges, and no two texts sit on each other (a
    pixel's touch allowed)."""
    texts = drawn_texts(fig)
    edge = fig.bbox
    outside = [(t.get_text(), box.bounds) for t, box in texts
               if box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1
               or box.y0 < edge.y0 - 1 or box.y1 > edge.y1 + 1]
    assert not outside, f"cut off at the figure's edge: {outside}"
    on_each_other = [(a.get_text(), b.get_text())
                     for k, (a, box_a) in enumerate(texts) for b, box_b in texts[k + 1:]
                     if Bbox.intersection(box_a.padded(-1), box_b.padded(-1)) is not None]
    assert not on_each_other, f"texts on each other: {on_each_other}"


def trial_comparison(replications: int) -> VariantComparison:
    """The new-user trial's experiment: fighting fires against being prepared, on the
    softphone cutover (two variants; their figures as the trial found them)."""
    rng = np.random.default_rng(3)
    luck = rng.normal(0, 1, size=replications)

    def runs(abandon, asa):
        return Replications("softphone-cutover", 1, [
            {"abandonment_rate": abandon + 0.06 * s, "asa_min": asa + 0.1 * s}
            for s in luck])

    return VariantComparison("softphone-cutover", 1, {"firefight": runs(0.16, 0.52),
                                                      "prepare": runs(0.09, 0.30)})


def test_experiment_charts_keep_every_text_inside_and_apart(week):
    """The trial's charts: two variants (the note under them was cut at both edges, the
    benchmark's label sat on a variant's value), a sweep with a goal in the benchmark band,
    with a team's utilisation, and a chart of wide intervals (three replications)."""
    kpis = ["abandonment_rate", "asa_min"]
    for replications in (20, 3):
        fig = charts.variants_chart(trial_comparison(replications), kpis)
        assert_every_text_inside_and_apart(fig)
        goals = {"abandonment_rate": {"at_most": 0.10}}
        fig = charts.variants_chart(trial_comparison(replications), kpis, goals=goals)
        assert_every_text_inside_and_apart(fig)
    staff = [2, 3, 4, 5, 6, 7, 8]
    estimates = {
        "abandonment_rate": [Estimate(m, 0.02, 20) for m in
                             (0.63, 0.46, 0.26, 0.13, 0.05, 0.02, 0.01)],
        "asa_min": [Estimate(m, 0.2, 20) for m in (3.5, 2.4, 1.2, 0.56, 0.25, 0.1, 0.05)],
        "utilisation_service-desk": [Estimate(m, 0.01, 20) for m in
                                     (0.99, 0.96, 0.79, 0.65, 0.55, 0.47, 0.41)],
        "cost_total": [Estimate(m, 5000, 20) for m in (18e3, 15e3, 14e3, 14e3, 14e3, 14e3,
                                                      14.5e3)],
    }
    fig = charts.sweep_chart(staff, "agents on the service desk", estimates,
                             goals={"abandonment_rate": {"at_most": 0.08}},
                             scenario=week["unprepared"].scenario)
    assert_every_text_inside_and_apart(fig)


def test_a_label_never_hides_the_benchmark_band():
    """A goal inside the benchmark band (8% in 5-12%): its label is written on the band,
    not on a white box that hides the band's start."""
    estimates = {"abandonment_rate": [Estimate(m, 0.02, 20) for m in (0.63, 0.26, 0.05)]}
    fig = charts.sweep_chart([2, 4, 6], "agents", estimates,
                             goals={"abandonment_rate": {"at_most": 0.08}})
    texts = drawn_texts(fig)
    (ax,) = fig.axes
    renderer = fig.canvas.get_renderer()
    band_box = band(ax, ABANDONMENT).get_window_extent(renderer)
    hiding = [t.get_text() for t, _ in texts
              if t.get_bbox_patch() is not None and t.get_bbox_patch().get_alpha() != 0
              and t.get_bbox_patch().get_facecolor()[3] > 0
              and Bbox.intersection(t.get_bbox_patch().get_window_extent(renderer),
                                    band_box) is not None]
    assert not hiding, hiding
    # and the goal's label is there to read: drawn, and on the band it belongs to
    goal = [box for t, box in texts if "8%" in t.get_text() and "goal" in t.get_text().lower()]
    assert goal, [t.get_text() for t, _ in texts]
    assert any(Bbox.intersection(box, band_box) is not None for box in goal)


def test_an_interval_of_a_share_is_drawn_no_lower_than_0():
    """With three replications the abandonment rate's interval reaches below 0%: a share
    cannot, so its bar stops at 0%, and its label still says the interval's true half-width
    (as the table does)."""
    comparison = trial_comparison(3)
    estimate = comparison.variants["prepare"].summary()["abandonment_rate"]
    assert estimate.mean - estimate.ci95 < 0  # the case in point
    fig = charts.variants_chart(comparison, ["abandonment_rate"])
    (ax,) = fig.axes
    for container in ax.containers:
        (bars,) = container.lines[2]
        lows = [segment[:, 1].min() for segment in bars.get_segments()]
        assert min(lows) >= 0
    assert f"± {estimate.ci95 * 100:.0f} pts" in [t.get_text().split("\n")[-1]
                                                   for t in ax.texts]


def test_a_team_is_named_in_a_panel_s_title_as_the_table_names_it(week):
    """"Utilisation — Service desk", as `itsm experiment`'s table says it, never the id
    "service-desk" broken over two lines at its hyphen."""
    estimates = {"utilisation_service-desk": [Estimate(m, 0.01, 8) for m in (0.9, 0.6)]}
    scenario = week["unprepared"].scenario
    fig = charts.sweep_chart([2, 3], "agents", estimates, scenario=scenario)
    title = fig.axes[0].get_title(loc="left")
    assert " ".join(title.split()) == kpi_label("utilisation_service-desk", scenario)[0] \
        == "Utilisation — Service desk"
    assert not re.search(r"-\n", title)
    fig = charts.variants_chart(made_up_comparison(), ["fcr"], scenario=scenario)
    assert fig.axes[0].get_title(loc="left") == "First-contact resolution"


# -- rendering, benchmarks, architecture --------------------------------------------------------


def test_no_text_on_any_chart_is_smaller_than_12_pt(week):
    """12 pt is 16 px when a chart is shown at its own size, and 8.5 pt when the debrief
    prints it (reports.style.SMALLEST_PT): tick labels, legends, notes, badges and the story's
    key included, at the screen's width and the page's."""
    first, second = week["unprepared"], week["prepared"]
    for width_in in (charts.WIDTH_IN, 10.0):
        made = [make(first, width_in=width_in) for make in (
            charts.queue_and_backlog, charts.service_by_hour, charts.satisfaction,
            charts.moments_timeline, charts.cost_breakdown)]
        made.append(charts.twin_overlay(first, second, width_in=width_in))
        for fig in made:
            assert fig.get_figwidth() == width_in
            render.png_bytes(fig, dpi=20)  # drawn: the tick labels exist now
            assert render.smallest_text_pt(fig) >= style.SMALLEST_PT == 12, fig.get_suptitle()
    estimates = {"abandonment_rate": [Estimate(m, 0.01, 8) for m in (0.13, 0.09)]}
    for fig in (charts.variants_chart(made_up_comparison(), ["abandonment_rate", "fcr"]),
                charts.sweep_chart([0, 1], "Extra agents", estimates)):
        render.png_bytes(fig, dpi=20)
        assert render.smallest_text_pt(fig) >= 12


def test_render_formats(unprepared):
    fig = charts.cost_breakdown(unprepared)
    png = render.png_bytes(fig)
    assert png.startswith(b"\x89PNG")
    svg = render.svg_text(fig)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg  # no date written
    uri = render.data_uri(fig)
    assert uri.startswith("data:image/png;base64,") and len(uri) > 1000


def test_benchmarks_carry_their_sources():
    assert ABANDONMENT.legend() == "Benchmark 5–12% (call-centre benchmarks, docs/data-sources.md)"
    assert FIRST_CONTACT_RESOLUTION.legend() == (
        "Benchmark 66–74% (HDI 2015, Gartner 2018, MetricNet)")
    assert HANDLE_TIME.range_words() == "7–13 min"
    assert benchmark_for("fcr") is FIRST_CONTACT_RESOLUTION
    assert benchmark_for("asa_min") is None
    for b in BENCHMARKS:
        assert b.low < b.high and b.source
        # a file a legend cites is one a reader can open: its path in the project
        for cited in re.findall(r"[\w./-]+\.md\b", b.source):
            assert (ROOT / cited).is_file(), (b.name, cited)


def test_charts_work_on_a_run_stopped_part_way():
    scenario = load_builtin("softphone-cutover")
    sim = Simulation(scenario, seed=1, decisions=DecisionPlan.from_policy(scenario, "prepared"))
    sim.advance(0)
    empty = sim.outcome()
    for make in (charts.queue_and_backlog, charts.service_by_hour, charts.satisfaction,
                 charts.moments_timeline, charts.cost_breakdown):
        assert isinstance(make(empty), Figure)
    sim.advance(700)
    fig = charts.queue_and_backlog(sim.outcome())
    assert panels(fig)[-1].get_xlim() == (0, 700)
    assert_renders(fig)


def test_no_pyplot_figure_is_left_open(week):
    charts.queue_and_backlog(week["prepared"])
    import matplotlib.pyplot as plt  # only here: to look for figures left open

    assert plt.get_fignums() == []


def test_sim_series_loads_no_matplotlib_and_reports_no_pyplot():
    script = (
        "import sys\n"
        "import sim.series\n"
        "front = [m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'pygame', 'game', 'reports')]\n"
        "assert front == [], front\n"
        "from reports import charts, render\n"
        "from sim import load_builtin, run_scenario\n"
        "render.png_bytes(charts.cost_breakdown(run_scenario(load_builtin('normal-week'))))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"

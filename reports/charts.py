"""Charts of runs, comparisons and experiments, for debriefs, slides and print.

Every function returns a matplotlib `Figure` made with the object API (never pyplot: no
global state, nothing left open, safe in a game process or a server). Render it with
`reports.render` (PNG, SVG, data URI). The data come from `sim.series`, `sim.kpis`,
`sim.moments` and `sim.replications`, i.e. from the event log, so a chart always agrees with
the key figures printed next to it.

- `queue_and_backlog`: who is waiting for a first answer (on hold, at the desk, in the
  mailbox) and how many contacts and tickets are open, with the story (changes, outages,
  decisions) drawn on;
- `service_by_hour`: speed of answer and abandonment by hour of each day, against the
  published abandonment band;
- `satisfaction`: each department's satisfaction over time;
- `moments_timeline`: good, neutral and bad moments of truth, hour by hour, the bad ones
  by what made them bad (`reports.reasons`);
- `cost_breakdown`: staff, suppliers, levers and lost business time;
- `twin_overlay`: two runs of the same week (same seed, other decisions) on the same axes;
- `variants_chart`: variants of an experiment, mean and 95% confidence interval per figure;
- `sweep_chart`: a parameter against key figures, with confidence bands and goals.

Looks (colours, line styles, type sizes) are in `reports.style`; benchmark bands and their
sources in `reports.benchmarks`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, FuncFormatter, MaxNLocator

from reports import reasons, style
from reports.benchmarks import Benchmark, benchmark_for
from reports.narrative import figure_unit, format_alike
from sim import series
from sim.kpis import backlog_over_time, kpi_label
from sim.moments import BAD, BAD_BELOW, GOOD_AT_LEAST, ledger, satisfaction_over_time
from sim.scenario import MINUTES_PER_DAY

WIDTH_IN = 12.0
PANEL_IN = 3.1          # height of one time panel
KEY_LINE_IN = style.NOTE_PT * 1.45 / 72  # one line of the story's key
MAX_KEY_ENTRIES = 12    # more than this and the key says how many it left out

CHANNEL_WORDS = {"phone": "on hold (phone)", "walk_in": "at the service desk\n(walk-in)",
                 "email": "e-mail", "portal": "portal"}


# =============================================================================================
# One run
# =============================================================================================


def queue_and_backlog(outcome, step_min: float = 15.0, width_in: float = WIDTH_IN) -> Figure:
    """Waiting for a first answer by channel, and open contacts and tickets, over the run;
    the story (changes, outages, injects, decisions, levers) drawn as numbered lines and
    spans, explained in a key under the chart."""
    times, queues = series.queue_over_time(outcome, step_min)
    _, at_groups = series.waiting_at_groups(outcome, step_min)
    _, backlog = backlog_over_time(outcome, step_min)
    used = _channels_used(outcome)
    panels = []
    in_line = [ch for ch in ("phone", "walk_in") if ch in used]
    in_writing = [ch for ch in ("email", "portal") if ch in used]
    if in_line:
        panels.append(("In line: waiting to be answered", "people waiting (count)",
                       [(CHANNEL_WORDS[ch], queues[ch], style.CHANNEL_STYLES[ch])
                        for ch in in_line]))
    if in_writing:
        panels.append(("In writing: waiting for a first answer", "contacts waiting (count)",
                       [(CHANNEL_WORDS[ch], queues[ch], style.CHANNEL_STYLES[ch])
                        for ch in in_writing]))
    resolvers = [(_group_name(outcome, g), at_groups[g]) for g in _resolver_groups(outcome)]
    panels.append(("Open contacts and tickets", "open (count)",
                   [("open contacts and tickets", backlog,
                     style.SeriesStyle(style.OKABE_ITO["black"], "-", "o"))]
                   + [(f"waiting at\n{name}", counts, style.series_style(k + 1))
                      for k, (name, counts) in enumerate(resolvers)]))

    story = _Story.of(outcome)
    fig, axes, _key = _time_figure(len(panels), story, width_in=width_in)
    style.title(fig, "Who is waiting, and how much work is open")
    n = len(times)
    for ax, (heading, ylabel, lines) in zip(axes, panels, strict=True):
        for k, (label, counts, look) in enumerate(lines):
            x = times  # the backlog's grid is the same (`sim.series.sample_times`)
            if label == CHANNEL_WORDS["phone"]:
                # a queue of a few callers that empties in minutes: an area reads better
                # than a line with markers sitting on zero
                ax.fill_between(x, counts, step="post", color=look.color, alpha=0.45,
                                linewidth=0, zorder=3)
                ax.plot(x, counts, drawstyle="steps-post", label=label, color=look.color,
                        linewidth=1.8, zorder=3)
            elif label == CHANNEL_WORDS["walk_in"]:
                ax.plot(x, counts, drawstyle="steps-post", label=label, color=look.color,
                        linestyle=look.linestyle, linewidth=2.4, zorder=4)
            else:
                ax.plot(x, counts, drawstyle="steps-post", label=label,
                        markevery=_markevery(n, k), zorder=3, **look.line())
        style.style_axes(ax, heading, None, ylabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.set_ylim(0, max(ax.get_ylim()[1], 1.0))  # nobody waiting is 0 of 1, not of 0.06
    _finish_time_axes(axes, outcome, story)
    for ax in axes:
        # beside the panel: the curves fill the width, and a legend inside would hide them
        style.legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def service_by_hour(outcome, width_in: float = WIDTH_IN) -> Figure:
    """Phone service hour by hour, by the hour calls came in, day after day: calls
    answered and hung up (top), average speed of answer (middle) and abandonment rate
    (bottom, against the published 5–12% band). A run longer than ten days is pooled by
    week (hour of day over the week's days)."""
    rows = series.service_by_hour(outcome)
    groups = _hour_groups(outcome, rows)
    fig = style.new_figure(width_in, 11.0)
    ax_calls, ax_asa, ax_abandon = fig.subplots(3, 1, sharex=True)
    style.title(fig, "Phone service, hour by hour")
    # every day gets the same hours (the earliest to the latest with calls on any day), so
    # that an hour sits at the same place in each day's group
    seen = sorted({hour for _, per_hour in groups for hour in per_hour})
    span = list(range(seen[0], seen[-1] + 1)) if seen else []
    empty = {"calls": 0, "answered": 0, "abandoned": 0, "asa_min": None,
             "abandonment_rate": None}
    x, hours, centres, bounds = [], [], [], []
    cursor = 0.0
    for label, per_hour in groups:
        first = cursor
        for hour in span:
            x.append(cursor)
            hours.append((hour, per_hour.get(hour, empty)))
            cursor += 1.0
        centres.append((label, (first + cursor - 1.0) / 2))
        bounds.append(cursor)  # the middle of the gap before the next day
        cursor += 1.0
    x = np.array(x)
    figures = [f for _, f in hours]
    answered = np.array([f["answered"] for f in figures], dtype=float)
    abandoned = np.array([f["abandoned"] for f in figures], dtype=float)
    waiting = np.array([f["calls"] - f["answered"] - f["abandoned"] for f in figures], float)
    answered_look = style.SeriesStyle(style.OKABE_ITO["blue"], hatch="")
    hung_up_look = style.SeriesStyle(style.OKABE_ITO["vermillion"], hatch="//")
    if len(x):
        ax_calls.bar(x, answered, width=0.85, label=f"answered: {answered.sum():.0f}",
                     zorder=3, **answered_look.bar())
        ax_calls.bar(x, abandoned, width=0.85, bottom=answered, zorder=3,
                     label=f"hung up: {abandoned.sum():.0f}", **hung_up_look.bar())
        if waiting.any():
            ax_calls.bar(x, waiting, width=0.85, bottom=answered + abandoned, zorder=3,
                         label=f"still on hold: {waiting.sum():.0f}",
                         **style.VERDICT_STYLES["neutral"].bar())
        ax_asa.bar(x, _nan([f["asa_min"] for f in figures]), width=0.85, zorder=3,
                   **answered_look.bar())
        ax_abandon.bar(x, _nan([f["abandonment_rate"] for f in figures]), width=0.85,
                       zorder=3, **hung_up_look.bar())
    else:
        _note(ax_calls, "No phone calls yet")
    asa_label, _ = kpi_label("asa_min")
    rate_label, _ = kpi_label("abandonment_rate")
    style.style_axes(ax_calls, "Calls per hour", None, "calls (count)")
    style.style_axes(ax_asa, asa_label, None, "wait when answered (minutes)")
    style.style_axes(ax_abandon, rate_label, "Hour the call came in, day by day",
                     "calls that hung up (%)")
    ax_calls.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax_asa.set_ylim(0, max(ax_asa.get_ylim()[1], 1.0))  # answered at once: 0 of 1 minute
    ax_abandon.set_ylim(0, 1.0)
    style.percent_axis(ax_abandon)
    _benchmark_band(ax_abandon, benchmark_for("abandonment_rate"))
    for ax in (ax_calls, ax_asa, ax_abandon):
        for edge in bounds[:-1]:
            ax.axvline(edge, color="#A0A0A0", linewidth=1.5, zorder=1)
    if len(x):
        ax_abandon.set_xlim(x.min() - 0.7, x.max() + 0.7)
        # every other hour named: a week of hours must fit across the page
        named = [(xi, hour) for xi, (hour, _) in zip(x, hours, strict=True) if hour % 2 == 0]
        ax_abandon.xaxis.set_major_locator(FixedLocator([xi for xi, _ in named]))
        ax_abandon.xaxis.set_major_formatter(FixedFormatter([f"{h:02d}" for _, h in named]))
        ax_abandon.tick_params(axis="x", labelsize=style.SMALLEST_PT)
        for label, centre in centres:
            ax_abandon.annotate(label, xy=(centre, 0), xycoords=("data", "axes fraction"),
                                xytext=(0, -26), textcoords="offset points", ha="center",
                                va="top", fontsize=style.LABEL_PT - 1, fontweight="bold")
        ax_abandon.xaxis.labelpad = 30
    # the calls' legend in the heading row, right: bars reach the top of their panels; the
    # band's (long: it names its source) under the chart, where it never meets a heading
    style.legend(ax_calls, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3)
    handles, names = ax_abandon.get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="outside lower center", fontsize=style.LEGEND_PT,
                   frameon=False)
    return fig


def satisfaction(outcome, step_min: float = 60.0, width_in: float = WIDTH_IN) -> Figure:
    """Each department's satisfaction (0–100) over the run, the axis zoomed to where the
    lines are, with the story drawn on. It is everybody's opinion of IT, those who never
    got in touch included, and one issue moves an opinion only part of the way: a bad week
    moves the lines by a point or two, which a zoomed axis shows as a fall. So the chart
    says how many people got in touch at all, marks where everybody started, and names
    each department with where it ended and how far that is from its start."""
    from reports.narrative import people_in_touch

    if not outcome.scenario.departments:
        return _empty_figure("Satisfaction by department",
                             "This scenario has no departments: nobody's satisfaction to show",
                             width_in)
    times, by_department = satisfaction_over_time(outcome, step_min)
    story = _Story.of(outcome)
    fig, axes, _key = _time_figure(1, story, panel_in=5.0, width_in=width_in)
    ax = axes[0]
    style.title(fig, "Satisfaction by department: everybody's opinion of IT")
    departments = outcome.scenario.departments
    touched, people = people_in_touch(outcome)
    n = len(times)
    values = []
    for k, (department, level) in enumerate(zip(departments, by_department.values(),
                                                strict=True)):
        name = department.name or department.id
        ax.plot(times, level, markevery=_markevery(n, k), zorder=3,
                label=f"{name}: {department.satisfaction:g} → {level[-1]:.1f}" if len(level)
                else name, **style.series_style(k).line())
        values.append(level)
    baselines = {d.satisfaction for d in departments}
    if len(baselines) == 1:
        baseline = baselines.pop()
        ax.axhline(baseline, color=style.GREY, linestyle=":", linewidth=2, zorder=2,
                   label=f"where everybody started ({baseline:g})\nand the {people - touched:,} "
                         f"who never got\nin touch with IT still are")
        values.append(np.array([baseline]))
    style.style_axes(ax, f"{touched:,} of the {people:,} people got in touch with IT", None,
                     "satisfaction (points, 0–100)")
    low, high = _zoom(np.concatenate(values), 0.0, 100.0, min_span=10.0)
    ax.set_ylim(low, high)
    # ticks on the zoomed range only, not in the room made above it for the story's badges
    ticks = MaxNLocator(nbins=8, steps=[1, 2, 5, 10]).tick_values(low, high)
    ax.yaxis.set_major_locator(FixedLocator(ticks[(ticks >= low) & (ticks <= high)]))
    _finish_time_axes(axes, outcome, story)
    style.legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def moments_timeline(outcome, step_min: float = 60.0, width_in: float = WIDTH_IN) -> Figure:
    """Moments of truth per hour: good and neutral above the line, bad below it, stacked by
    what made them bad (`reports.reasons`: each bad moment once, under the reason that cost
    it the most points), so that a bad hour stands out at a glance and says why; the worst
    hours are labelled with their main reasons, and the legend also says how many bad
    moments had each reason at all (one may have several)."""
    starts, counts = series.moments_over_time(outcome, step_min)
    book = ledger(outcome)
    lost = reasons.points_lost(book)  # once: the bars, the worst hours and the legend
    by_reason = moments_by_reason(outcome, step_min, lost)[1]
    story = _Story.of(outcome)
    fig, axes, _key = _time_figure(1, story, panel_in=5.6, width_in=width_in)
    ax = axes[0]
    style.title(fig, "Moments of truth, hour by hour, and why the bad ones were bad")
    words = {"good": f"good (score {GOOD_AT_LEAST:g}+)",
             "neutral": f"neutral ({BAD_BELOW:g}–{GOOD_AT_LEAST:g})"}
    bottom = np.zeros(len(starts))
    above = []
    for verdict in ("good", "neutral"):
        above.append(ax.bar(starts, counts[verdict], width=step_min, align="edge",
                            bottom=bottom, zorder=3,
                            label=f"{words[verdict]}: {int(counts[verdict].sum())}",
                            **style.VERDICT_STYLES[verdict].bar()))
        bottom = bottom + counts[verdict]
    below, depth = [], np.zeros(len(starts))
    for reason in reasons.REASONS:
        heights = by_reason[reason.id]
        if not heights.any():
            continue
        # drawn downwards: the main reason nearest the line
        below.append(ax.bar(starts, -heights, width=step_min, align="edge", bottom=-depth,
                            zorder=3, label=f"{reason.words}: {int(heights.sum())}",
                            **style.REASON_STYLES[reason.id].bar()))
        depth = depth + heights
    ax.axhline(0, color="black", linewidth=1.5, zorder=4)
    style.style_axes(ax, "Good and neutral above the line, bad below", None,
                     f"moments per {_step_words(step_min)} (count)")
    top = max(float(bottom.max()) if bottom.size else 0.0, 1.0)
    deep = max(float(depth.max()) if depth.size else 0.0, 1.0)
    # ticks where there are bars, up to the first beyond the tallest and the deepest (a
    # bar of 16 is read against a scale that goes to 18, not one that stops at 12); none
    # further, in the room for the labels of the worst hours under the deepest bar
    ticks = MaxNLocator(integer=True, nbins=7).tick_values(-deep, top)
    lowest, highest = ticks[ticks <= -deep].max(), ticks[ticks >= top].min()
    ax.yaxis.set_major_locator(FixedLocator(ticks[(ticks >= lowest) & (ticks <= highest)]))
    ax.set_ylim(min(-deep * (1.7 if below else 1.15), lowest - 0.05 * (highest - lowest)),
                max(top * 1.15, highest))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{abs(v):g}"))
    _finish_time_axes(axes, outcome, story)
    _label_worst_hours(ax, outcome, starts, by_reason, step_min)
    # moments of tickets still open when the run stops (past their target, or still being
    # handled) are dated at its end: say so, or the last bar reads as a bad hour at midnight
    at_end = int(np.count_nonzero(book.time_min == float(outcome.end_min)))
    if at_end and len(starts):
        words = ("1 moment of a ticket" if at_end == 1 else f"{at_end} moments of tickets")
        ax.annotate(f"{words} still open at the end →",
                    xy=(float(outcome.end_min), 0), xycoords=("data", "axes fraction"),
                    xytext=(-14, 8), textcoords="offset points", ha="right", va="bottom",
                    fontsize=style.NOTE_PT, zorder=6, gid="open-at-end",
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": "white",
                          "edgecolor": "#BBBBBB"})
    _moments_legend(ax, above, below, int(counts["bad"].sum()), book, lost)
    return fig


def _moments_legend(ax: Axes, above: list, below: list, n_bad: int, book,
                    lost: np.ndarray) -> None:
    """One legend beside the chart: good and neutral; the bad moments by their main reason
    under a heading; then how many bad moments had each reason at all, where that is more
    than it was the main reason of (one moment may have several). `lost`: the points each
    moment of `book` lost to each reason (`reports.reasons.points_lost`)."""
    from matplotlib.patches import Rectangle

    def heading() -> Rectangle:
        return Rectangle((0, 0), 1, 1, visible=False)

    handles = list(above)
    labels = [h.get_label() for h in above]
    headings = []
    if below:
        headings.append(len(labels))
        handles.append(heading())
        labels.append(f"bad (below {BAD_BELOW:g}): {n_bad}, by\nwhat cost them most points")
        handles += below
        labels += [h.get_label() for h in below]
        main = reasons.bad_by_reason(book, lost)
        present = reasons.reasons_present(book, lost)
        extra = sorted(((present[r.id], r.words) for r in reasons.REASONS
                        if present[r.id] > main[r.id]), key=lambda x: -x[0])[:4]
        if extra:
            headings.append(len(labels))
            handles.append(heading())
            labels.append("bad moments with each reason\n(one may have several)")
            for n, text in extra:
                handles.append(heading())
                labels.append(f"{n} {text}")
    if not handles:
        return
    legend = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       fontsize=style.LEGEND_PT, framealpha=0.92, edgecolor="#BBBBBB",
                       handletextpad=0.6)
    for k in headings:
        legend.get_texts()[k].set_fontweight("bold")


def moments_by_reason(outcome, step_min: float = 60.0, lost: np.ndarray | None = None
                      ) -> tuple[np.ndarray, dict]:
    """Bad moments per interval by their main reason (`reports.reasons.main_reason`):
    (interval starts, {reason id: counts}), on the intervals of
    `sim.series.moments_over_time` (`sim.series.moment_intervals`: the counts of every
    reason add up to its bad ones). `lost`: `reports.reasons.points_lost` of the run's
    ledger, when the caller has it already."""
    book = ledger(outcome)
    starts, slot, mine = series.moment_intervals(book.time_min, float(outcome.end_min),
                                                 step_min)
    bad = mine & (book.verdict == BAD)
    kinds = reasons.main_reason(book, lost)
    return starts, {r.id: np.bincount(slot[bad & (kinds == k)], minlength=len(starts))
                    for k, r in enumerate(reasons.REASONS)}


#: the worst hours labelled on the moments chart: at most this many, one a day, and only
#: hours with at least this share of the worst one's bad moments
WORST_HOURS, WORST_SHARE = 2, 0.6


def _label_worst_hours(ax: Axes, outcome, starts: np.ndarray, by_reason: dict,
                       step_min: float) -> None:
    """The worst hours (most bad moments), at most one a day, labelled under their bars:
    when, how many, and their two main reasons."""
    if not len(starts):
        return
    total = sum(by_reason.values())
    if not total.any():
        return
    days_taken: set[int] = set()
    chosen = []
    for i in np.argsort(-total, kind="stable"):
        if len(chosen) == WORST_HOURS or total[i] < WORST_SHARE * total.max():
            break
        day = int(starts[i] // MINUTES_PER_DAY)
        # the bar of tickets still open at the end is not an hour that went badly
        if day in days_taken or starts[i] + step_min >= float(outcome.end_min):
            continue
        days_taken.add(day)
        chosen.append(int(i))
    for i in chosen:
        mains = sorted(((int(by_reason[r.id][i]), k) for k, r in enumerate(reasons.REASONS)
                        if by_reason[r.id][i]), key=lambda x: (-x[0], x[1]))[:2]
        until = series.clock_words(outcome, starts[i] + step_min).split(" ")[-1]
        lines = [f"{series.clock_words(outcome, starts[i])}–{until}: {int(total[i])} bad"]
        lines += [f"{n} {reasons.REASONS[k].words}" for n, k in mains]
        ax.annotate("\n".join(lines), xy=(starts[i] + step_min, -float(total[i])),
                    xytext=(10, -4), textcoords="offset points", ha="left", va="top",
                    fontsize=style.NOTE_PT, zorder=7, gid="worst-hour",
                    arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 1.2},
                    bbox={"boxstyle": "round,pad=0.3", "facecolor": "white",
                          "edgecolor": "#BBBBBB", "alpha": 0.95})


def cost_breakdown(outcome, width_in: float = WIDTH_IN) -> Figure:
    """What the run cost, by kind (staff time, supplier fees, levers, lost business time),
    in the scenario's currency. Give a mapping {label: outcome} to compare runs."""
    single = not isinstance(outcome, Mapping)
    runs = {None: outcome} if single else dict(outcome)
    first = next(iter(runs.values()))
    currency = first.scenario.currency
    costs = {label: series.cost_breakdown(run) for label, run in runs.items()}
    kinds = list(series.COST_KINDS)
    fig = style.new_figure(width_in, 2.2 + 1.1 * len(kinds) * max(1, len(runs)) ** 0.6)
    ax = fig.subplots()
    y = np.arange(len(kinds))[::-1].astype(float)  # staff on top
    height = 0.8 / len(runs)
    biggest = max(max(c.values()) for c in costs.values()) or 1.0
    for k, (label, cost) in enumerate(costs.items()):
        values = [cost[kind] for kind in kinds]
        offset = (len(runs) - 1) / 2 * height - k * height
        if single:
            looks = [style.COST_STYLES[kind].bar() for kind in kinds]
            bars = [ax.barh(y[i] + offset, values[i], height=height * 0.9, zorder=3, **looks[i])
                    for i in range(len(kinds))]
        else:
            total = sum(values)
            bars = [ax.barh(y + offset, values, height=height * 0.9, zorder=3,
                            label=f"{label}: {total:,.0f} {currency} in all",
                            **style.series_style(k).bar())]
        for container in bars:
            ax.bar_label(container, labels=[f" {v:,.0f}" for v in container.datavalues],
                         fontsize=style.NOTE_PT + 1, padding=3)
    ax.set_yticks(y, [_COST_WORDS[kind] for kind in kinds])
    style.style_axes(ax, None, f"cost ({currency})", None)
    ax.grid(True, axis="x", color="#D0D0D0")
    ax.grid(False, axis="y")
    ax.set_xlim(0, biggest * 1.22)  # room for the value labels
    style.money_axis(ax, "x")
    if single:
        total = sum(costs[None].values())
        style.title(fig, f"What the run cost: {total:,.0f} {currency} in all")
    else:
        style.title(fig, "What each run cost")
        style.legend(ax, loc="lower right")
    return fig


_COST_WORDS = {"staff": "Staff time", "overtime": "Overtime", "suppliers": "Supplier fees",
               "levers": "Levers pulled",
               "lost business": "Lost business time"}


# =============================================================================================
# Two runs
# =============================================================================================

#: The key figures a twin comparison prints next to its curves.
TWIN_FIGURES = ("abandonment_rate", "asa_min", "mean_wait_min", "fcr", "backlog_mean",
                "moments_bad", "satisfaction", "lost_work_hours", "cost_total")


def twin_overlay(first, second=None, labels: Sequence[str] = ("unprepared", "prepared"),
                 step_min: float = 15.0, width_in: float = WIDTH_IN) -> Figure:
    """Two runs of the same scenario (same seed, other decisions) on the same axes: the
    first dashed, the second solid; waiting for a first answer, open contacts and tickets,
    and satisfaction, with the key figures of both beside them. `first` may also be a
    `sim.twin.Comparison`."""
    if second is None and hasattr(first, "kpi_deltas"):
        first, second = first.first, first.second
    runs = (first, second)
    labels = tuple(labels)
    looks = style.TWIN_STYLES
    story = _Story.of_twins(runs, labels)
    with_satisfaction = bool(first.scenario.departments)
    n_panels = 3 if with_satisfaction else 2
    side_in = TWIN_SIDE_IN
    fig, axes, _key = _time_figure(n_panels, story, width_in=width_in, side_in=side_in)
    style.title(fig, f"Two runs with the same luck — dashed: {labels[0]}, solid: {labels[1]}")
    for k, (run, label) in enumerate(zip(runs, labels, strict=True)):
        look = looks[k]
        times, queues = series.queue_over_time(run, step_min)
        waiting = sum(queues.values())
        bt, backlog = backlog_over_time(run, step_min)
        n = len(times)
        axes[0].plot(times, waiting, drawstyle="steps-post", label=label,
                     markevery=_markevery(n, k), zorder=3, **look.line())
        axes[1].plot(bt, backlog, drawstyle="steps-post", label=label,
                     markevery=_markevery(n, k), zorder=3, **look.line())
        if with_satisfaction:
            st, by_department = satisfaction_over_time(run, 60.0)
            heads = np.array([d.headcount for d in run.scenario.departments], dtype=float)
            everybody = np.dot(heads, np.vstack(list(by_department.values()))) / heads.sum()
            axes[2].plot(st, everybody, label=label, markevery=_markevery(len(st), k),
                         zorder=3, **look.line())
    style.style_axes(axes[0], "Waiting for a first answer (all channels)", None,
                     "contacts waiting (count)")
    style.style_axes(axes[1], "Open contacts and tickets", None, "open (count)")
    for ax in axes[:2]:
        ax.set_ylim(0, max(ax.get_ylim()[1], 1.0))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    if with_satisfaction:
        style.style_axes(axes[2], "Satisfaction, everybody", None, "points, 0–100")
        lines = [line.get_ydata() for line in axes[2].get_lines()]
        axes[2].set_ylim(*_zoom(np.concatenate(lines), 0.0, 100.0, min_span=10.0))
    _finish_time_axes(axes, first, story)
    for ax in axes:
        style.legend(ax, loc="upper right")
    side = fig.axes[n_panels]  # the column beside the curves (made by _time_figure)
    _kpi_column(side, runs, labels, side_in)
    return fig


#: the width of the twin chart's column of key figures (inches)
TWIN_SIDE_IN = 3.7


def _kpi_column(ax: Axes, runs, labels, width_in: float) -> None:
    """The key figures of both runs, one above the other: label (wrapped to the column),
    then "first → second" in bold, in the chart's note and label sizes."""
    ax.set_axis_off()
    currency = runs[0].scenario.currency
    kpis = [run.kpis() for run in runs]
    chars = max(16, int(width_in * 72 / (style.NOTE_PT * 0.64)))
    line_pt = style.NOTE_PT * 1.3

    def write(text: str, y: float, size: float, **kwargs) -> float:
        """Text at y points below the top, wrapped; returns the y under it."""
        lines = textwrap.wrap(text, chars) or [""]
        ax.annotate("\n".join(lines), xy=(0, 1), xycoords="axes fraction", xytext=(0, y),
                    textcoords="offset points", va="top", fontsize=size, linespacing=1.15,
                    annotation_clip=False, **kwargs)
        return y - len(lines) * size * 1.3

    y = write("Key figures", 0.0, style.SUBTITLE_PT, fontweight="bold") - 4
    y = write(f"{labels[0]} → {labels[1]}", y, style.NOTE_PT, color=style.GREY) - 10
    for name in TWIN_FIGURES:
        if name not in kpis[0] and name not in kpis[1]:
            continue
        label, unit = kpi_label(name)[0], figure_unit(name)
        a, b = kpis[0].get(name), kpis[1].get(name)
        y = write(label, y, style.NOTE_PT)
        # both as the debrief's tables show them: the same decimals in both runs
        values = " → ".join(format_alike((a, b), unit, currency))
        y = write(values, y - 1, style.NOTE_PT + 2, fontweight="bold") - line_pt * 0.5


# =============================================================================================
# Experiments
# =============================================================================================


def variants_chart(comparison, kpis: Sequence[str], goals: Mapping | None = None,
                   currency: str = "EUR", measured: str | None = None,
                   scenario=None) -> Figure:
    """Variants of an experiment (`sim.replications.VariantComparison`), one panel per key
    figure: each variant's mean with its 95% confidence interval as error bars, the value
    above it; under each variant but the first, its paired difference from the first
    (common random numbers); benchmark bands and goals (`goals`: {figure: value, or
    {"at_most"|"at_least": value}, or a `sim.scenario.Goal`}) where there are any.
    `measured`: what part of the runs the figures cover, under the title (a window of the
    runs: "mon 00:00 to tue 00:00 only"). `scenario` names its teams and departments in
    the panels' titles, as `sim.kpis.kpi_label` does in the tables ("Utilisation — Service
    desk"). An interval is drawn within what its figure can be (`_drawn_interval`: a share
    between 0% and 100%); its label says its true half-width, as the table does."""
    kpis = list(kpis)
    variants = list(comparison.variants)
    panel_w_in = max(4.6, 1.5 * len(variants) + 1.6)
    fig, axes = _panel_grid(len(kpis), panel_w_in=panel_w_in, panel_h_in=4.8)
    # what one variant's name and difference have under it (points): its share of the
    # panel, less the axis' labels and a gap to its neighbours
    tick_room_pt = (panel_w_in - 1.2) * 72 / len(variants) - 12
    replications = max(r.replications for r in comparison.variants.values())
    style.title(fig, f"Variants compared: mean and 95% confidence interval "
                     f"({replications} replications each)"
                     + (f"\nFigures of {measured}" if measured else ""))
    summaries = {v: comparison.variants[v].summary() for v in variants}
    movable = []  # each panel's goal and benchmark labels, placed clear of the rest at the end
    for ax, name in zip(axes, kpis, strict=True):
        label, unit = kpi_label(name, scenario)
        tops = []
        for i, variant in enumerate(variants):
            estimate = summaries[variant].get(name)
            if estimate is None or estimate.mean is None:
                continue
            look = style.series_style(i)
            low, high = _drawn_interval(estimate, unit)
            ax.errorbar([i], [estimate.mean],
                        yerr=[[estimate.mean - low], [high - estimate.mean]]
                        if estimate.ci95 else None,
                        fmt=look.marker, color=look.color, markersize=13, capsize=12,
                        elinewidth=3, capthick=3, zorder=4)
            words = _short_value(estimate.mean, unit, currency)
            if estimate.ci95 is not None:
                words += f"\n± {_short_value(estimate.ci95, unit, currency, spread=True)}"
            ax.annotate(words, xy=(i, high), xytext=(0, 6),
                        textcoords="offset points", ha="center", va="bottom",
                        fontsize=style.NOTE_PT, zorder=7, path_effects=style.HALO)
            tops.append((low, high))
        ticks = []
        for i, variant in enumerate(variants):
            text = variant
            if i > 0:
                diff = comparison.difference(variant, name)
                if diff.mean is not None:
                    line = _short_value(diff.mean, unit, currency, signed=True)
                    if diff.ci95 is not None:
                        spread = f"± {_short_value(diff.ci95, unit, currency, spread=True)}"
                        # on a line of its own where the two would run into a neighbour's
                        wide = style.text_width_pt(f"{line} {spread}", style.TICK_PT - 1)
                        line += ("\n" if wide > tick_room_pt else " ") + spread
                    text += f"\n{line}"
            ticks.append(text)
        ax.set_xticks(range(len(variants)), ticks, fontsize=style.TICK_PT - 1)
        ax.set_xlim(-0.6, len(variants) - 0.4)
        style.style_axes(ax, style.shorten(label, 38), None, style.unit_words(unit, currency))
        ax.tick_params(axis="x", labelsize=style.TICK_PT - 1)
        band = _benchmark_band(ax, benchmark_for(name))
        goal = _goal_line(ax, name, (goals or {}).get(name), unit, currency)
        movable += [(ax, *placed) for placed in (goal, band) if placed is not None]
        _format_unit_axis(ax, unit)
        if tops:
            # room above the highest interval for its value label
            low = min(t[0] for t in tops)
            high = max(t[1] for t in tops)
            bottom, top = ax.get_ylim()
            span = max(high, top) - min(low, bottom) or 1.0
            ax.set_ylim(min(bottom, low - 0.05 * span), max(top, high + 0.28 * span))
    note = (f"Under each variant: its difference from {variants[0]}, paired replication by "
            "replication, ± the half-width of its 95% confidence interval"
            if len(variants) > 1 else None)
    _figure_legend(fig, axes, note)
    # a goal's or a band's label may go between two variants as well as at either end
    _keep_labels_clear(fig, movable, gaps=[i + 0.5 for i in range(len(variants) - 1)])
    return fig


#: the most a key figure can be, by its unit (`sim.kpis.kpi_label`); none is below 0
_CEILING = {"share": 1.0, "points": 100.0}


def _drawn_interval(estimate, unit: str) -> tuple[float, float]:
    """The ends of a 95% interval as drawn: within what the figure can be (an abandonment
    rate of 8% ± 9 points cannot be below 0%, nor a wait below 0 minutes: the normal
    approximation of a few replications reaches there, the figure cannot). The label and the
    table still say the true half-width."""
    half = estimate.ci95 or 0.0
    return (max(estimate.mean - half, 0.0),
            min(estimate.mean + half, _CEILING.get(unit, float("inf"))))


def sweep_chart(values: Sequence[float], parameter: str,
                estimates: Mapping[str, Sequence], goals: Mapping | None = None,
                currency: str = "EUR", measured: str | None = None,
                scenario=None) -> Figure:
    """A parameter (x) against key figures, one panel per figure (`estimates`: {figure:
    [sim.replications.Estimate per value]}): the mean over replications as a line, its 95%
    confidence interval as a band, a goal as a dashed line (`goals`: {figure: value, or
    {"at_most"|"at_least": value}, or a `sim.scenario.Goal`}), and the benchmark band where
    the figure has one. `measured`, as for `variants_chart`. `parameter` is what is swept in
    a trainer's words, as it reads inside a sentence ("extra agents on the service desk",
    `sim.names.parameter_words`, with a second parameter's value after it: ", with +1 agent
    on the desktop team"); the x axis says it with a capital letter. `scenario` and a
    share's band, as for `variants_chart`."""
    x = np.asarray(values, dtype=float)
    fig, axes = _panel_grid(len(estimates), panel_w_in=5.4, panel_h_in=4.4)
    style.title(fig, f"What changes with {parameter[:1].lower()}{parameter[1:]}"
                + (f"\nFigures of {measured}" if measured else ""))
    x_label = parameter[:1].upper() + parameter[1:]
    movable = []
    for ax, (name, per_value) in zip(axes, estimates.items(), strict=True):
        label, unit = kpi_label(name, scenario)
        means = _nan([e.mean for e in per_value])
        ends = np.array([(np.nan, np.nan) if e.mean is None else _drawn_interval(e, unit)
                         for e in per_value], dtype=float).reshape(-1, 2)
        look = style.series_style(0)
        ax.fill_between(x, ends[:, 0], ends[:, 1], color=look.color, alpha=0.22,
                        linewidth=0, label="95% confidence interval", zorder=2)
        ax.plot(x, means, label="mean over replications", zorder=3, **look.line())
        style.style_axes(ax, style.shorten(label, 40), x_label,
                         style.unit_words(unit, currency))
        band = _benchmark_band(ax, benchmark_for(name))
        goal = _goal_line(ax, name, (goals or {}).get(name), unit, currency)
        movable += [(ax, *placed) for placed in (goal, band) if placed is not None]
        _format_unit_axis(ax, unit)
        if len(x) <= 12 and np.allclose(x, np.round(x)):
            ax.xaxis.set_major_locator(FixedLocator(x))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    _figure_legend(fig, axes)
    _keep_labels_clear(fig, movable)
    return fig


def _figure_legend(fig: Figure, axes: list[Axes], note: str | None = None) -> None:
    """One legend under all the panels: every distinct entry once (benchmarks with their
    sources, goals), so that no legend sits on a panel's data."""
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label.startswith("Goal:"):
                label = GOAL_LEGEND  # each goal's value is written on its panel
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        # the note and the entries within the figure's width (less a margin): measured,
        # as a narrow chart of two variants is narrower than a line of the note
        room_pt = fig.get_figwidth() * 72 - 40
        fig.legend(handles, labels, loc="outside lower center",
                   ncols=2 if _legend_width_pt(labels, 2) <= room_pt else 1,
                   fontsize=style.LEGEND_PT, frameon=False,
                   title=style.wrap_to_width(note, room_pt, style.NOTE_PT) if note else None,
                   title_fontsize=style.NOTE_PT)


GOAL_LEGEND = "Goal (dashed line; its value is written on the panel)"


def _legend_width_pt(labels: list[str], ncols: int) -> float:
    """How wide a legend of `labels` in `ncols` columns is drawn (points): matplotlib fills
    the columns top to bottom, each as wide as its widest entry plus its handle (2 em and
    0.8 em of padding), with 2 em between columns."""
    em = style.LEGEND_PT
    per_column = -(-len(labels) // ncols)
    columns = [labels[k:k + per_column] for k in range(0, len(labels), per_column)]
    return (sum(max(style.text_width_pt(label, em) for label in column) + 2.8 * em
                for column in columns) + 2 * em * (len(columns) - 1))


def _short_value(value: float, unit: str, currency: str, signed: bool = False,
                 spread: bool = False) -> str:
    """A value short enough to sit over an error bar: "54%", "2.6 min", "143k EUR";
    `signed` for a difference (shares in points), `spread` for a ± half-width (no unit
    but points)."""
    sign = style.sign_of(value, signed)
    size = abs(value) if signed else value
    if unit == "share":
        points = size * 100
        if signed or spread:
            return f"{sign}{points:.0f} pts" if abs(points) >= 0.5 else f"{sign}{points:.1f} pts"
        return f"{points:.0f}%"
    if unit == "money":
        amount = f"{size / 1000:,.0f}k" if abs(size) >= 10_000 else f"{size:,.0f}"
        return f"{sign}{amount}" if spread or signed else f"{amount} {currency}"
    if unit == "min":
        return f"{sign}{size:.1f}" if spread else f"{sign}{size:.1f} min"
    if unit == "points" and (signed or spread) and size < 1:
        return f"{sign}{size:.2f}"  # small differences of satisfaction must not read 0.0
    return style.value_words(value, unit, currency, signed=signed)


# =============================================================================================
# The story on a time axis
# =============================================================================================


@dataclass
class _KeyEntry:
    time_min: float
    kind: str          # the marker kind that gives the line its look
    text: str


@dataclass
class _Story:
    """What to draw of a run's story: shaded spans (outages, injects) and numbered lines
    with their key entries."""

    spans: list[tuple[float, float, str]] = field(default_factory=list)  # start, end, kind
    entries: list[_KeyEntry] = field(default_factory=list)
    outcome: object = None  # the run whose calendar names the times

    # importance of a kind when several markers share a minute (the line takes its look)
    RANK = ("change_failed", "rolled_back", "change", "change_fixed", "outage", "inject",
            "lever", "decision_point", "outage_end", "inject_end")

    @classmethod
    def of(cls, outcome) -> _Story:
        markers = series.story_markers(outcome)
        story = cls(outcome=outcome)
        story.spans = _spans(markers, float(outcome.end_min))
        story.entries = _entries(outcome, markers)
        return story

    @classmethod
    def of_twins(cls, runs, labels) -> _Story:
        """Both runs' stories: what both share once, what differs prefixed by the run."""
        stories = [cls.of(run) for run in runs]
        merged = cls(outcome=runs[0])
        seen = set()
        for story in stories:
            for span in story.spans:
                if span not in seen:
                    seen.add(span)
                    merged.spans.append(span)
        by_time: dict[float, list[tuple[int, _KeyEntry]]] = {}
        for k, story in enumerate(stories):
            for entry in story.entries:
                by_time.setdefault(entry.time_min, []).append((k, entry))
        for time_min in sorted(by_time):
            pairs = by_time[time_min]
            texts = {entry.text for _, entry in pairs}
            kind = min((entry.kind for _, entry in pairs), key=cls.RANK.index)
            if len(pairs) == len(runs) and len(texts) == 1:
                text = pairs[0][1].text
            else:
                text = "\n".join(f"{labels[k]}: {entry.text}" for k, entry in pairs)
            merged.entries.append(_KeyEntry(time_min, kind, text))
        return merged

    def key_lines(self, width_chars: int) -> list[list[str]]:
        """Each shown entry's wrapped lines (the time first), and a last line for any left
        out."""
        shown = []
        for entry in self.entries[:MAX_KEY_ENTRIES]:
            when = series.clock_words(self.outcome, entry.time_min)
            lines: list[str] = []
            for k, paragraph in enumerate(entry.text.split("\n")):
                lines += textwrap.wrap(f"{when}   {paragraph}" if k == 0 else paragraph,
                                       width_chars, initial_indent="" if k == 0 else "    ",
                                       subsequent_indent="    ")
            shown.append(lines)
        left = len(self.entries) - MAX_KEY_ENTRIES
        if left > 0:
            shown.append([f"... and {left} more (numbers {MAX_KEY_ENTRIES + 1}–"
                          f"{len(self.entries)} on the chart)"])
        return shown


def _spans(markers: list[dict], end_min: float) -> list[tuple[float, float, str]]:
    """Outages and injects as (start, end, kind); one not over yet ends at the end."""
    spans, open_ = [], {}
    for m in markers:
        if m["kind"] in ("outage", "inject"):
            open_[(m["kind"], m["item"])] = m["time_min"]
        elif m["kind"] in ("outage_end", "inject_end"):
            kind = m["kind"][: -len("_end")]
            start = open_.pop((kind, m["item"]), None)
            if start is not None:
                spans.append((start, m["time_min"], kind))
    spans.extend((start, end_min, kind) for (kind, _), start in open_.items())
    return sorted(spans)


def _entries(outcome, markers: list[dict]) -> list[_KeyEntry]:
    """One key entry per minute with a story, in words: a decision point with the levers
    pulled at it ("nothing pulled" says something too); a change going live (and failing);
    an inject; an outage folded into the change or inject that caused it; each with when
    it was over."""
    ends: dict[tuple[str, str], list[float]] = {}
    for m in markers:
        if m["kind"] in ("outage_end", "inject_end"):
            ends.setdefault((m["kind"][: -len("_end")], m["item"]), []).append(m["time_min"])
    started = set()

    def until(kind: str, item: str, time_min: float) -> str:
        later = [t for t in ends.get((kind, item), []) if t >= time_min]
        return (f" (until {series.clock_words(outcome, later[0])})" if later
                else " (not over at the end)")

    by_time: dict[float, list[dict]] = {}
    for m in markers:
        by_time.setdefault(m["time_min"], []).append(m)
    entries: list[_KeyEntry] = []
    for time_min, group in by_time.items():
        clauses: list[dict] = []
        for m in group:
            kind, item, label = m["kind"], m["item"], m["label"]
            if kind in ("outage", "inject"):
                started.add((kind, item))
            if kind in ("outage_end", "inject_end") and (kind[: -len("_end")], item) in started:
                continue  # drawn as the end of its span, told with its start
            parent = next((c for c in reversed(clauses) if c["kind"] == "decision_point"),
                          None)
            if kind == "lever" and parent is not None:
                parent["levers"].append(label.removeprefix("Lever: "))
                continue
            if kind == "change_failed":
                live = next((c for c in clauses if c["kind"] == "change" and c["item"] == item),
                            None)
                if live is not None:
                    live["text"] = live["text"].replace("Change goes live:",
                                                        "Change goes live and fails:")
                    live["kind"] = "change_failed"
                    continue
            if kind == "outage":
                cause, _, cause_id = item.partition(":")
                owner = next((c for c in clauses if c["item"] == cause_id and (
                    c["kind"] in ("change", "change_failed") if cause == "change"
                    else c["kind"] == "inject")), None)
                if owner is not None:
                    owner["text"] += f" — {label}{until(kind, item, time_min)}"
                    owner["told_until"] = True
                    continue
            clauses.append({"kind": kind, "item": item, "levers": [], "text": label
                            + (until(kind, item, time_min) if kind in ("outage", "inject")
                               else "")})
        if not clauses:
            continue
        texts = []
        for clause in clauses:
            text = clause["text"]
            if clause["kind"] == "inject" and clause.get("told_until"):
                # its outage says until when; once is enough
                text = text.replace(until("inject", clause["item"], time_min) + " — ", " — ",
                                    1)
            if clause["kind"] == "decision_point":
                text += " → " + ("; ".join(clause["levers"]) or "nothing pulled")
            texts.append(text)
        kind = min((c["kind"] for c in clauses), key=_Story.RANK.index)
        entries.append(_KeyEntry(time_min, kind, ". ".join(texts)))
    return entries


def _time_figure(n_panels: int, story: _Story, panel_in: float = PANEL_IN,
                 width_in: float = WIDTH_IN, side_in: float | None = None):
    """A figure of `n_panels` time panels sharing their x axis, a key under them sized to
    the story, and optionally a column beside the panels (made right after the panels, so
    it is `fig.axes[n_panels]`). Returns (fig, panels, key axes or None)."""
    plot_width = width_in - (side_in or 0.0)
    width_chars = int((width_in * 72 - 70) / (style.NOTE_PT * 0.56))
    key_lines = story.key_lines(width_chars)
    key_in = (sum(len(lines) for lines in key_lines) * KEY_LINE_IN + 0.12) if key_lines else 0
    height = 1.0 + n_panels * panel_in + 0.7 + key_in
    fig = style.new_figure(width_in, height)
    rows = n_panels + (1 if key_lines else 0)
    ratios = [panel_in] * n_panels + ([key_in] if key_lines else [])
    columns = [plot_width, side_in] if side_in else [plot_width]
    grid = fig.add_gridspec(rows, len(columns), height_ratios=ratios, width_ratios=columns)
    axes: list[Axes] = []
    for i in range(n_panels):
        axes.append(fig.add_subplot(grid[i, 0], sharex=axes[0] if axes else None))
    if side_in:
        fig.add_subplot(grid[:n_panels, 1])
    key_ax = None
    if key_lines:
        key_ax = fig.add_subplot(grid[n_panels, :])
        key_ax.set_axis_off()
        key_ax.set_gid("story-key")
        _write_key(key_ax, key_lines)
    return fig, axes, key_ax


def _write_key(ax: Axes, key_lines: list[list[str]]) -> None:
    """The story's key: a numbered badge, then the entry's time and words, line by line
    (one line every KEY_LINE_IN, as the key's height was computed)."""
    line_pt = KEY_LINE_IN * 72
    y = 0.0
    for number, lines in enumerate(key_lines, start=1):
        if not lines[0].startswith("... and"):
            _badge(ax, f"{number}", (0, 1), (8, y - line_pt / 2), coords="axes fraction")
        for line in lines:
            ax.annotate(line, xy=(0, 1), xycoords="axes fraction", xytext=(26, y),
                        textcoords="offset points", va="top", fontsize=style.NOTE_PT)
            y -= line_pt


def _badge(ax: Axes, text: str, xy, offset, coords) -> None:
    ax.annotate(text, xy=xy, xycoords=coords, xytext=offset, textcoords="offset points",
                ha="center", va="center", fontsize=style.SMALLEST_PT, fontweight="bold",
                color="white", zorder=6, annotation_clip=False,
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": "black",
                      "edgecolor": "black"})


def _finish_time_axes(axes: list[Axes], outcome, story: _Story) -> None:
    """Clock on the x axis, closed hours shaded, story spans and numbered lines drawn."""
    end = max(float(outcome.end_min), 1.0)
    for ax in axes:
        ax.set_xlim(0, end)
        _shade_closed(ax, outcome, end)
        explained = set()  # the shading is explained once, in the last panel's legend
        for start, stop, kind in story.spans:
            look = style.OUTAGE_SPAN if kind == "outage" else style.INJECT_SPAN
            label = None
            if ax is axes[-1] and kind not in explained:
                explained.add(kind)
                label = "outage (service down)" if kind == "outage" else "event under way"
            ax.axvspan(start, stop, zorder=1, label=label, **look)
        for entry in story.entries:
            look = style.MARKER_STYLES[entry.kind]
            ax.axvline(entry.time_min, color=look.color, linestyle=look.linestyle,
                       linewidth=2.2, zorder=2.5)
    _time_ticks(axes[-1], outcome, end)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    if story.entries:
        _number_lines(axes[0], story, end)


def _number_lines(ax: Axes, story: _Story, end: float) -> None:
    """Numbered badges on top of the first panel, staggered where lines crowd: the
    headroom is made by raising the axis' top."""
    low, high = ax.get_ylim()
    rows_used: list[list[float]] = []
    rows = []
    crowd = 0.028 * end
    for entry in story.entries:
        for r, taken in enumerate(rows_used):
            if all(abs(entry.time_min - t) > crowd for t in taken):
                taken.append(entry.time_min)
                rows.append(r)
                break
        else:
            rows_used.append([entry.time_min])
            rows.append(len(rows_used) - 1)
    n_rows = max(rows) + 1
    headroom = 0.13 * n_rows
    ax.set_ylim(low, high + (high - low) * headroom / (1 - headroom))
    for number, (entry, r) in enumerate(zip(story.entries, rows, strict=True), start=1):
        _badge(ax, f"{number}", (entry.time_min, 1), (0, -12 - 19 * r),
               coords=("data", "axes fraction"))


def _shade_closed(ax: Axes, outcome, end: float) -> None:
    """Outside business hours in light grey (only when the scenario has a calendar)."""
    calendar = outcome.calendar
    if not calendar.defined:
        return
    for start, stop in _closed_spans(calendar, end):
        ax.axvspan(start, stop, zorder=0, **style.CLOSED_SPAN)


def _closed_spans(calendar, end: float) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    days = int(np.ceil(end / MINUTES_PER_DAY))
    for day in range(days):
        base = day * MINUTES_PER_DAY
        if calendar.is_working_day(day):
            closed = [(base, base + calendar.open_min),
                      (base + calendar.close_min, base + MINUTES_PER_DAY)]
        else:
            closed = [(base, base + MINUTES_PER_DAY)]
        for start, stop in closed:
            stop = min(stop, end)
            if stop <= start:
                continue
            if spans and spans[-1][1] >= start:
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((start, stop))
    return spans


def _time_ticks(ax: Axes, outcome, end: float) -> None:
    """Days on the x axis (hours in a run of a day or so, weeks in a long one)."""
    calendar = outcome.calendar
    days = end / MINUTES_PER_DAY
    shaded = " (grey: outside business hours)" if calendar.defined else ""

    if days <= 1.5:
        hours = end / 60
        step = 60 if hours <= 8 else 120 if hours <= 16 else 180 if hours <= 24 else 240
        ticks = np.arange(0, end + 1, step)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _p: series.clock_words(outcome, v).split(" ")[-1]))
        ax.set_xlabel(f"Time of day{shaded}", fontsize=style.LABEL_PT)
        return
    midnights = np.arange(0, end + 1, MINUTES_PER_DAY)
    ax.xaxis.set_minor_locator(FixedLocator(midnights))
    ax.grid(True, axis="x", which="minor", color="#C8C8C8", linewidth=1.0)
    ax.tick_params(axis="x", which="minor", length=8)
    if days <= 16:
        noons = np.arange(MINUTES_PER_DAY / 2, end, MINUTES_PER_DAY)
        with_date = days <= 8
        ax.xaxis.set_major_locator(FixedLocator(noons))
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _p: _day_label(outcome, int(v // MINUTES_PER_DAY), with_date)))
        ax.tick_params(axis="x", which="major", length=0)
        ax.set_xlabel(f"Day{shaded}", fontsize=style.LABEL_PT)
        return
    every = max(1, int(np.ceil(days / 7 / 10)))  # at most about ten labels
    first_monday = next((d for d in range(7) if calendar.weekday(d) == 0), 0)
    weeks = np.arange(first_monday * MINUTES_PER_DAY, end + 1, 7 * every * MINUTES_PER_DAY)
    ax.xaxis.set_major_locator(FixedLocator(weeks))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _p: _day_label(outcome, int(v // MINUTES_PER_DAY), True)))
    ax.set_xlabel(f"Week starting{shaded}", fontsize=style.LABEL_PT)


# =============================================================================================
# Small helpers
# =============================================================================================


def _markevery(n: int, k: int):
    """About a dozen markers per line, offset per series so markers do not sit on top of
    each other (they are what tells the lines apart in grey print)."""
    spacing = max(1, n // 12)
    return (min(n - 1, (k * spacing) // 3) if n else 0, spacing)


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _zoom(values: np.ndarray, floor: float, ceiling: float, min_span: float
          ) -> tuple[float, float]:
    """Axis limits around the data, on round numbers, at least `min_span` wide."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return floor, ceiling
    low = np.floor((values.min() - 1.0) / 5.0) * 5.0
    high = np.ceil((values.max() + 1.0) / 5.0) * 5.0
    if high - low < min_span:
        middle = (high + low) / 2
        low, high = middle - min_span / 2, middle + min_span / 2
    return max(floor, float(low)), min(ceiling, float(high))


def _step_words(step_min: float) -> str:
    if step_min == 60:
        return "hour"
    if step_min == MINUTES_PER_DAY:
        return "day"
    return f"{step_min:g} min"


def _channels_used(outcome) -> set[str]:
    """Channels that had contacts (all four when nothing has arrived yet)."""
    names = outcome.log.names.channels
    codes = np.unique(outcome.log.contact_columns()["channel"])
    used = {names[c] for c in codes.tolist() if 0 <= c < len(names)}
    return used or set(series.CHANNEL_ORDER)


def _resolver_groups(outcome) -> list[str]:
    """Teams of tier 2 and up, and suppliers: where tickets wait after the first contact."""
    scenario = outcome.scenario
    tiers = {t.id: t.tier for t in scenario.teams}
    suppliers = {s.id for s in scenario.suppliers}
    return [g for g in outcome.log.names.groups if g in suppliers or tiers.get(g, 1) >= 2]


def _group_name(outcome, group_id: str) -> str:
    scenario = outcome.scenario
    for model in (*scenario.teams, *scenario.suppliers):
        if model.id == group_id:
            return style.shorten(model.name or model.id, 38)
    return group_id


def _hour_groups(outcome, rows: list[dict]) -> list[tuple[str, dict[int, dict]]]:
    """The hours of `sim.series.service_by_hour` grouped for the chart: one group per day
    in a run of ten days or less, else one per week (its days pooled by hour of day).
    Each group maps hour of day -> calls, answered, abandoned, asa_min, abandonment_rate."""
    if not rows:
        return []
    days = sorted({int(r["start_min"] // MINUTES_PER_DAY) for r in rows})
    by_day = days[-1] < 10

    def key(day: int) -> str:
        return _day_label(outcome, day, with_date=True) if by_day else f"week {day // 7 + 1}"

    pooled: dict[str, dict[int, dict]] = {}
    for r in rows:
        day = int(r["start_min"] // MINUTES_PER_DAY)
        hour = int(r["start_min"] % MINUTES_PER_DAY // 60)
        slot = pooled.setdefault(key(day), {}).setdefault(
            hour, {"calls": 0, "answered": 0, "abandoned": 0, "wait": 0.0})
        slot["calls"] += r["calls"]
        slot["answered"] += r["answered"]
        slot["abandoned"] += r["abandoned"]
        slot["wait"] += (r["asa_min"] or 0.0) * r["answered"]
    groups = []
    for label, per_hour in pooled.items():
        for slot in per_hour.values():
            done = slot["answered"] + slot["abandoned"]
            slot["asa_min"] = slot["wait"] / slot["answered"] if slot["answered"] else None
            slot["abandonment_rate"] = slot["abandoned"] / done if done else None
        groups.append((label, per_hour))
    return groups


def _day_label(outcome, day: int, with_date: bool) -> str:
    """"Mon 2 Mar" (or "Mon"); "day 3" when the scenario has no calendar."""
    calendar = outcome.calendar
    if not calendar.defined:
        return f"day {day + 1}"
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[calendar.weekday(day)]
    if not with_date:
        return weekday
    date = calendar.date(day)
    return f"{weekday} {date.day} {series.MONTHS[date.month - 1]}"


def _benchmark_band(ax: Axes, benchmark: Benchmark | None):
    """The published range as a shaded band, named with its source in the legend and
    labelled on the chart itself (for when the legend is cropped off a slide). Returns its
    label and the heights of the band's edges, for `_keep_labels_clear` (None without a
    benchmark)."""
    if benchmark is None:
        return None
    ax.axhspan(benchmark.low, benchmark.high, zorder=1, label=benchmark.legend(),
               **style.BENCHMARK_SPAN)
    label = ax.annotate(f"benchmark {benchmark.range_words()}", xy=(1.0, benchmark.high),
                        xycoords=("axes fraction", "data"), xytext=(-4, 3),
                        textcoords="offset points", ha="right", va="bottom",
                        fontsize=style.SMALLEST_PT, color="#00604A", fontweight="bold",
                        zorder=6, path_effects=style.HALO, gid="benchmark-label")
    return label, (benchmark.high, benchmark.low), None


def _goal_line(ax: Axes, name: str, goal, unit: str, currency: str):
    """A goal as a dashed black line: a number, a `sim.scenario.Goal` or a mapping with
    `at_most` / `at_least`. Returns its label, its height and the line, for
    `_keep_labels_clear` (None without a goal)."""
    if goal is None:
        return None
    at_most = goal.get("at_most") if isinstance(goal, Mapping) else getattr(goal, "at_most",
                                                                            None)
    at_least = goal.get("at_least") if isinstance(goal, Mapping) else getattr(goal, "at_least",
                                                                              None)
    if at_most is not None:
        value, words = float(at_most), "at most "
    elif at_least is not None:
        value, words = float(at_least), "at least "
    else:
        value, words = float(goal), ""
    text = f"Goal: {words}{style.value_words(value, unit, currency)}"
    line = ax.axhline(value, zorder=2.6, label=text, **style.GOAL_LINE)
    bottom, top = ax.get_ylim()
    span = (top - bottom) or 1.0
    if value > top - 0.1 * span:  # room above the line for its label
        ax.set_ylim(bottom, value + 0.12 * span)
    label = ax.annotate(text.lower(), xy=(0.0, value), xycoords=("axes fraction", "data"),
                        xytext=(4, 3), textcoords="offset points", ha="left", va="bottom",
                        fontsize=style.SMALLEST_PT, fontweight="bold", zorder=6,
                        path_effects=style.HALO, gid="goal-label")
    return label, (value,), line


def _keep_labels_clear(fig: Figure, movable: list, gaps: Sequence[float] = ()) -> None:
    """Move each label of `movable` ((axes, label, heights, its own line or None), from
    `_goal_line` and `_benchmark_band`, in order) to the first of its places that sits on no
    other text and no line of data (a value's label, an error bar, the curve, a goal line)
    and stays inside its panel: at the right or the left end of a height (a goal, a band's
    top then its bottom) or in a gap between variants (`gaps`, in data x), above the height
    then below it; and where none is free, the same places with the label on two lines
    ("benchmark" over "5–12%": narrow enough for the gap between two wide intervals). Where
    every place is taken, the one that covers the fewest. Measured on the figure as it is
    laid out, so call it once the figure is complete."""
    if not movable:
        return
    from reports.render import agg_canvas

    agg_canvas(fig)
    fig.draw_without_rendering()  # the layout: every panel where it will be drawn
    renderer = fig.canvas.get_renderer()
    for ax, label, heights, own in movable:
        goal = own is not None  # a goal reads from the left, a band's label from the right
        ends = [(0.0, 4, "left"), (1.0, -4, "right")]
        sides = ([(x, "axes fraction", dx, ha) for x, dx, ha in (ends if goal else ends[::-1])]
                 + [(x, "data", 0, "center") for x in gaps])
        one_line = label.get_text()
        two_lines = one_line.replace(" ", "\n", 1)  # "goal:" over "at most 8%"
        places = [(text, x, coords, y, dx, dy, ha, va) for text in (one_line, two_lines)
                  for y in heights for x, coords, dx, ha in sides
                  for dy, va in ((3, "bottom"), (-3, "top"))]
        _place_clear(ax, label, places, own, renderer)


def _place_clear(ax: Axes, label, places: list, own, renderer) -> None:
    """`label` at the first of `places` ((its text, x, x coordinates, y in data, offset in
    points, alignments)) where it is inside `ax` and covers nothing (`_covered`). Where
    every place covers something: a goal's label (its value is written nowhere else) at the
    place covering the fewest texts, then the fewest lines; a benchmark's is not drawn
    rather than drawn on something (the legend under the chart names the band and its
    range)."""

    def put(text, x, coords, y, dx, dy, ha, va) -> None:
        label.set_text(text)
        label.xy, label.xycoords, label.xyann = (x, y), (coords, "data"), (dx, dy)
        label.set_horizontalalignment(ha)
        label.set_multialignment(ha)
        label.set_verticalalignment(va)

    inside = ax.get_window_extent(renderer)
    best = None
    for place in places:
        put(*place)
        box = label.get_window_extent(renderer)
        if not (inside.x0 <= box.x0 and box.x1 <= inside.x1
                and inside.y0 <= box.y0 and box.y1 <= inside.y1):
            continue
        covered = _covered(ax, label, box.padded(2), own, renderer)
        if covered == (0, 0):
            return
        if best is None or covered < best[0]:
            best = (covered, place)
    put(*(best[1] if best is not None else places[0]))
    if own is None:  # a band's label, with no free place
        label.set_visible(False)


def _covered(ax: Axes, label, box, own, renderer) -> tuple[int, int]:
    """How many of the panel's other texts, and how many lines (their segments and
    markers) and error bars, the box (pixels) covers: (texts, lines), so that the fewest
    texts covered come first (a line under a label's halo still reads, a text does not)."""
    from matplotlib.collections import LineCollection

    texts = sum(1 for text in ax.texts if text is not label and text.get_visible()
                and text.get_text().strip()
                and box.overlaps(text.get_window_extent(renderer)))
    count = 0
    paths = []
    for line in ax.get_lines():
        if line is own or not line.get_visible():
            continue
        path = line.get_transform().transform_path(line.get_path())
        if line.get_linestyle() not in ("None", "", " "):
            paths.append(path)
        if line.get_marker() not in (None, "None", "", " "):
            reach = line.get_markersize() * renderer.points_to_pixels(1.0) / 2
            count += sum(1 for px, py in path.vertices
                         if box.x0 - reach < px < box.x1 + reach
                         and box.y0 - reach < py < box.y1 + reach)
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            transform = collection.get_transform()
            paths += [transform.transform_path(p) for p in collection.get_paths()]
    return texts, count + sum(1 for path in paths if path.intersects_bbox(box, filled=False))


def _format_unit_axis(ax: Axes, unit: str) -> None:
    if unit == "share":
        style.percent_axis(ax)
    elif unit == "money":
        style.money_axis(ax)


def _ci_words(half_width: float, unit: str, currency: str) -> str:
    if unit == "share":
        return f"{half_width * 100:.0f} pts" if half_width >= 0.005 else "<1 pt"
    return style.value_words(half_width, unit, currency)


def _panel_grid(n: int, panel_w_in: float, panel_h_in: float) -> tuple[Figure, list[Axes]]:
    """A grid of up to three panels a row; the unused cells are removed."""
    n = max(n, 1)
    ncols = 2 if n == 4 else min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig = style.new_figure(max(7.5, ncols * panel_w_in), 1.0 + nrows * panel_h_in)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.remove()
    return fig, axes[:n]


def _note(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=style.LABEL_PT, color=style.GREY)


def _empty_figure(heading: str, text: str, width_in: float = WIDTH_IN) -> Figure:
    fig = style.new_figure(width_in, 4.0)
    ax = fig.subplots()
    ax.set_axis_off()
    style.title(fig, heading)
    _note(ax, text)
    return fig


__all__ = ["cost_breakdown", "moments_timeline", "queue_and_backlog", "satisfaction",
           "service_by_hour", "sweep_chart", "twin_overlay", "variants_chart"]

"""How every chart looks: colours, line styles, type sizes, and small helpers that apply them.

Charts are read on a projector at the back of a workshop room and in a printed debrief,
often in grey. So:

- colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which
  stays distinct for the common forms of colour blindness;
- every series also has its own line style and marker, so a grey print still tells them
  apart;
- type is large and lines are thick.

Nothing here touches matplotlib's global state (no rcParams, no pyplot): each helper sets
what it needs on the figure or axes it is given, so charts can be drawn from any thread
and never change how somebody else's figure looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

#: Okabe & Ito (2008): eight colours distinguishable with the common colour-vision
#: deficiencies.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#7F7F7F"
LIGHT_GREY = "#EDEDED"

# Type sizes in points: readable from the back of a room. A chart shown at its own size
# (12 inches wide: 1,152 CSS px) puts 12 pt at 16 px on the screen; printed on A4 from a
# 10-inch figure (`reports.debrief`), 12 pt comes out at 8.5 pt. So nothing is smaller
# than SMALLEST_PT.
SMALLEST_PT = 12
TITLE_PT = 20
SUBTITLE_PT = 17
LABEL_PT = 15
TICK_PT = 13
LEGEND_PT = 12
NOTE_PT = 12
LINE_WIDTH = 3.0
MARKER_SIZE = 8.0
_TEXT_PATH = TextToPath()  # measures text by the font's metrics, with no figure to draw on


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: colour, line style, marker, hatch (for bars and spans)."""

    color: str
    linestyle: object = "-"
    marker: str = "o"
    hatch: str = ""

    def line(self) -> dict:
        """Keyword arguments for `Axes.plot`."""
        return {"color": self.color, "linestyle": self.linestyle, "marker": self.marker,
                "linewidth": LINE_WIDTH, "markersize": MARKER_SIZE}

    def bar(self) -> dict:
        """Keyword arguments for `Axes.bar` / `barh`: a black edge so that hatches and
        neighbouring bars read in grey print."""
        return {"color": self.color, "hatch": self.hatch, "edgecolor": "black",
                "linewidth": 1.0}


#: The order in which unrelated series take colours (yellow last: weak on white paper).
SERIES: tuple[SeriesStyle, ...] = (
    SeriesStyle(OKABE_ITO["blue"], "-", "o", ""),
    SeriesStyle(OKABE_ITO["vermillion"], "--", "s", "//"),
    SeriesStyle(OKABE_ITO["bluish_green"], "-.", "^", ".."),
    SeriesStyle(OKABE_ITO["orange"], ":", "D", "xx"),
    SeriesStyle(OKABE_ITO["reddish_purple"], (0, (6, 2, 1, 2, 1, 2)), "v", "\\\\"),
    SeriesStyle(OKABE_ITO["sky_blue"], (0, (1, 1)), "P", "--"),
    SeriesStyle(OKABE_ITO["black"], (0, (8, 3)), "X", "++"),
    SeriesStyle(OKABE_ITO["yellow"], "-", "*", "oo"),
)


def series_style(k: int) -> SeriesStyle:
    """The style of the k-th series of a chart."""
    return SERIES[k % len(SERIES)]


#: Channels always look the same, on every chart.
CHANNEL_STYLES: dict[str, SeriesStyle] = {
    "phone": SeriesStyle(OKABE_ITO["blue"], "-", "o"),
    "walk_in": SeriesStyle(OKABE_ITO["vermillion"], "--", "s"),
    "email": SeriesStyle(OKABE_ITO["bluish_green"], "-", "^"),
    "portal": SeriesStyle(OKABE_ITO["orange"], "--", "D"),
}
#: Moments of truth by verdict: good green, neutral grey, bad vermillion, with hatches.
VERDICT_STYLES: dict[str, SeriesStyle] = {
    "good": SeriesStyle(OKABE_ITO["bluish_green"], "-", "o", ""),
    "neutral": SeriesStyle("#BBBBBB", "--", "s", ".."),
    "bad": SeriesStyle(OKABE_ITO["vermillion"], ":", "v", "//"),
}
#: Why bad moments were bad (`reports.reasons`): warm colours for the commonest, and a hatch
#: of its own for each, so that neighbouring kinds part in grey print.
REASON_STYLES: dict[str, SeriesStyle] = {
    "gave_up": SeriesStyle(OKABE_ITO["vermillion"], hatch="//"),
    "told_no": SeriesStyle("#4D4D4D", hatch=""),
    "passed_on": SeriesStyle(OKABE_ITO["reddish_purple"], hatch="\\\\"),
    "still_open": SeriesStyle(OKABE_ITO["blue"], hatch=".."),
    "handed_around": SeriesStyle(OKABE_ITO["sky_blue"], hatch="xx"),
    "sla_missed": SeriesStyle(OKABE_ITO["yellow"], hatch="++"),
    "waited": SeriesStyle(OKABE_ITO["orange"], hatch="--"),
    "tried_again": SeriesStyle("#F3C7A3", hatch="||"),
    "not_told": SeriesStyle(OKABE_ITO["black"], hatch=""),
    "manner": SeriesStyle("#FFFFFF", hatch="oo"),
}
#: Cost kinds (`sim.series.cost_breakdown`).
COST_STYLES: dict[str, SeriesStyle] = {
    "staff": SeriesStyle(OKABE_ITO["blue"], hatch=""),
    "overtime": SeriesStyle(OKABE_ITO["sky_blue"], hatch="\\\\"),
    "suppliers": SeriesStyle(OKABE_ITO["orange"], hatch=".."),
    "levers": SeriesStyle(OKABE_ITO["bluish_green"], hatch="xx"),
    "lost business": SeriesStyle(OKABE_ITO["vermillion"], hatch="//"),
}
#: Two runs side by side: the first (what happened) dashed, the second (what if) solid.
TWIN_STYLES: tuple[SeriesStyle, SeriesStyle] = (
    SeriesStyle(OKABE_ITO["vermillion"], "--", "s"),
    SeriesStyle(OKABE_ITO["blue"], "-", "o"),
)
#: Story markers (`sim.series.story_markers`): colour and line style of their lines.
MARKER_STYLES: dict[str, SeriesStyle] = {
    "change": SeriesStyle(OKABE_ITO["black"], "-"),
    "change_failed": SeriesStyle(OKABE_ITO["vermillion"], "-"),
    "change_fixed": SeriesStyle(OKABE_ITO["bluish_green"], "-"),
    "rolled_back": SeriesStyle(OKABE_ITO["orange"], "-"),
    "inject": SeriesStyle(OKABE_ITO["reddish_purple"], "-"),
    "inject_end": SeriesStyle(OKABE_ITO["reddish_purple"], ":"),
    "outage": SeriesStyle(OKABE_ITO["vermillion"], "-"),
    "outage_end": SeriesStyle(OKABE_ITO["vermillion"], ":"),
    "decision_point": SeriesStyle(GREY, (0, (2, 2))),
    "lever": SeriesStyle(OKABE_ITO["blue"], "--"),
}
#: Shaded spans: outages hatched in vermillion, injects in reddish purple, closed hours grey.
OUTAGE_SPAN = {"facecolor": OKABE_ITO["vermillion"], "alpha": 0.13, "hatch": "//",
               "edgecolor": OKABE_ITO["vermillion"], "linewidth": 0}
INJECT_SPAN = {"facecolor": OKABE_ITO["reddish_purple"], "alpha": 0.12, "linewidth": 0}
CLOSED_SPAN = {"facecolor": LIGHT_GREY, "linewidth": 0}
#: Benchmark bands: a light green band with a dark edge (reads in grey as a framed band).
BENCHMARK_SPAN = {"facecolor": OKABE_ITO["bluish_green"], "alpha": 0.15,
                  "edgecolor": OKABE_ITO["bluish_green"], "linewidth": 1.5}
GOAL_LINE = {"color": OKABE_ITO["black"], "linestyle": (0, (6, 3)), "linewidth": 2.5}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def new_figure(width_in: float = 12.0, height_in: float = 7.0) -> Figure:
    """A white figure laid out by matplotlib's constrained layout (labels never clipped)."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained", facecolor="white")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08, hspace=0.04, wspace=0.04)
    return fig


#: Labels written on a chart's data (a value over its error bar, a goal, a benchmark band):
#: a white halo around the letters keeps them readable over lines, where a white box would
#: hide what lies under all of it (the start of a benchmark band, say).
HALO = (patheffects.withStroke(linewidth=4, foreground="white"),)


def text_width_pt(text: str, size_pt: float, bold: bool = False) -> float:
    """How wide `text` is drawn at `size_pt` (points), by the font's own metrics (the widest
    of its lines)."""
    font = FontProperties(size=size_pt, weight="bold" if bold else "normal")
    return max(_TEXT_PATH.get_text_width_height_descent(line, font, ismath=False)[0]
               for line in text.split("\n"))


def wrap_to_width(text: str, width_pt: float, size_pt: float, bold: bool = False) -> str:
    """Text broken at spaces into lines no wider than `width_pt` when drawn at `size_pt`:
    measured, not guessed from a count of characters, so that a line never runs past the
    edge of the figure (a word longer than the width keeps a line of its own)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            longer = f"{line} {word}" if line else word
            if line and text_width_pt(longer, size_pt, bold) > width_pt:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return "\n".join(lines)


def title(fig: Figure, text: str) -> None:
    """The figure's title, in plain words, wrapped to the figure's width."""
    # measured, between words only, and balanced: as many lines as the width needs, as
    # even as they can be ("... (5 replications each)" is not left with "each)" alone)
    width_pt = fig.get_figwidth() * 72 - 24
    lines = wrap_to_width(text, width_pt, TITLE_PT, bold=True).count("\n")
    low, high = width_pt / 3, width_pt
    for _ in range(12):  # the narrowest width that needs no more lines
        middle = (low + high) / 2
        if wrap_to_width(text, middle, TITLE_PT, bold=True).count("\n") > lines:
            low = middle
        else:
            high = middle
    wrapped = wrap_to_width(text, high, TITLE_PT, bold=True)
    fig.suptitle(wrapped, fontsize=TITLE_PT, fontweight="bold")


def style_axes(ax: Axes, heading: str | None = None, xlabel: str | None = None,
               ylabel: str | None = None) -> Axes:
    """Large labels, a light grid behind the data, no box on top and right."""
    if heading:
        # a long heading wraps rather than running past its panel (panels sit side by
        # side), measured against the panel's width, between words (an id such as
        # "service-desk" is never split at its hyphen)
        width_pt = ax.get_position().width * ax.figure.get_figwidth() * 72
        ax.set_title(wrap_to_width(heading, max(width_pt, 12 * SUBTITLE_PT), SUBTITLE_PT),
                     fontsize=SUBTITLE_PT, loc="left")
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    ax.tick_params(labelsize=TICK_PT, width=1.2, length=6)
    ax.grid(True, axis="y", color="#D0D0D0", linewidth=1.0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(1.2)
    return ax


def legend(ax: Axes, loc: str = "upper right", ncols: int = 1, **kwargs):
    """A legend in the chart's type size, on a white background so lines behind it do not
    show through (none when nothing on the axes has a label yet, e.g. an empty live run)."""
    if not ax.get_legend_handles_labels()[0]:
        return None
    return ax.legend(loc=loc, ncols=ncols, fontsize=LEGEND_PT, framealpha=0.92,
                     edgecolor="#BBBBBB", **kwargs)


def percent_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    """Shares (0-1) shown as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    # ticks on whole percents of 1, 2 or 5 (not 2.5, which would print rounded)
    target.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Amounts with thousands separators (12,500)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))


def unit_words(unit: str, currency: str = "EUR") -> str:
    """The axis unit of a key figure's unit (`sim.kpis.kpi_label`)."""
    return {"share": "%", "min": "minutes", "money": currency, "hours": "person-hours",
            "points": "points, 0–100", "count": "count"}.get(unit, unit)


def value_words(value: float | None, unit: str, currency: str = "EUR",
                signed: bool = False) -> str:
    """A key figure's value as people read it: "55%", "3.4 min", "12,500 EUR"; a
    difference (`signed`) of a share is in percentage points."""
    if value is None:
        return "–"
    sign = sign_of(value, signed)
    if signed:
        value = abs(value)
    if unit == "share":
        return f"{sign}{value * 100:.0f} pts" if signed else f"{value * 100:.0f}%"
    if unit == "min":
        return f"{sign}{value:,.1f} min"
    if unit == "money":
        return f"{sign}{value:,.0f} {currency}"
    if unit == "hours":
        return f"{sign}{value:,.0f} h"
    if unit == "points":
        return f"{sign}{value:.1f}"
    return f"{sign}{value:,.0f}" if abs(value) >= 100 else f"{sign}{value:,.3g}"


def sign_of(value: float, signed: bool) -> str:
    """The sign a difference is written with: "+", a true minus "−" (not a hyphen), or
    nothing (not a difference, or zero)."""
    if not signed or value == 0:
        return ""
    return "+" if value > 0 else "\u2212"


def shorten(text: str, limit: int) -> str:
    """Text cut to `limit` characters with an ellipsis (for labels that must fit)."""
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"

"""The debrief of a run: a single self-contained HTML file for the projector and, on
request, a PDF to hand out.

It leads with what happened, as cause and effect (`reports.narrative`), then the charts, the
figures against the scenario's goals, the decisions and what each cost, three people's
experience, the twin run if there is one ("had you decided otherwise…"), and questions for
the group. The HTML needs no network: its styles are inline and its charts are embedded as
images. Every figure comes from the run's event log.

The PDF has one page per section and one per chart (`Debrief.pages`): each chart is drawn
again for the page (`PRINT_WIDTH_IN`) and printed at the page's width, so that its smallest
text (12 pt on the chart) comes out at 8.5 pt on paper, not shrunk to a third of a page.
A text section that would overflow its page is shrunk to fit, so that a debrief is always
the same number of pages.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from reports import narrative
from sim.engine import ENGINE_VERSION, Outcome
from sim.kpis import kpi_label

if TYPE_CHECKING:
    from sim.twin import Comparison

# The PDF's sections, one page each, in order: the summary, a page per chart ("chart-1",
# ...), the figures, the people, the twin's table and its chart (only when there is a twin),
# the questions.
PDF_SECTIONS = ("summary", "charts", "figures", "people", "twin", "twin-chart", "questions")


#: how wide the debrief's charts are drawn (inches): shown at this size on the screen (12
#: pt is 16 px), and drawn narrower for the page (PRINT_WIDTH_IN, printed at the frame's
#: width: 12 pt comes out at 8.5 pt)
SCREEN_WIDTH_IN = 12.0
PRINT_WIDTH_IN = 10.0
PRINT_DPI = 150
PDF_MARGIN_MM = 15


@dataclass
class Chart:
    """One chart, rendered: what it shows, its PNG, the width it was drawn at (inches) and
    its smallest text (points); `draw` makes the figure again at another width (the PDF's)."""

    title: str
    caption: str
    png: bytes
    width_in: float = SCREEN_WIDTH_IN
    smallest_pt: float | None = None
    draw: Callable[[float], Figure] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, title: str, caption: str, draw: Callable[[float], Figure],
           width_in: float = SCREEN_WIDTH_IN) -> Chart:
        """`draw(width_in)` rendered for the screen."""
        from reports.render import png_bytes, smallest_text_pt

        figure = draw(width_in)
        png = png_bytes(figure)  # drawn: every tick label exists now
        return cls(title, caption, png, width_in, smallest_text_pt(figure), draw)

    def print_png(self) -> tuple[bytes, float]:
        """The chart drawn for the page (`PRINT_WIDTH_IN`) and that width; the screen's
        PNG when it cannot be drawn again."""
        from reports.render import png_bytes

        if self.draw is None:
            return self.png, self.width_in
        return png_bytes(self.draw(PRINT_WIDTH_IN), dpi=PRINT_DPI), PRINT_WIDTH_IN


@dataclass
class Debrief:
    """Everything a debrief shows, worked out once for both the HTML and the PDF."""

    outcome: Outcome
    team: str
    title: str
    headline: list[tuple[str, str]]
    story: list[narrative.Beat]
    charts: list[Chart]
    goals: list[dict]
    decisions: list[dict]
    journeys: list[narrative.Journey]
    questions: list[tuple[str, str]]
    trainer_questions: list[str]
    twin: TwinPart | None = None
    #: what satisfaction and CSAT each measure (`narrative.satisfaction_and_csat`), said
    #: under the key figures that show them
    reading: list[tuple[str, str]] = field(default_factory=list)
    generated: str = field(default_factory=lambda: _dt.datetime.now().strftime(
        "%Y-%m-%d %H:%M"))

    @property
    def pages(self) -> list[str]:
        """The PDF's pages, by section (`PDF_SECTIONS`; "charts" is a page per chart)."""
        pages = []
        for section in PDF_SECTIONS:
            if section == "charts":
                pages += [f"chart-{k}" for k in range(1, len(self.charts) + 1)]
            elif section == "twin-chart":
                if self.twin is not None and self.twin.chart is not None:
                    pages.append(section)
            elif section != "twin" or self.twin is not None:
                pages.append(section)
        return pages


@dataclass
class TwinPart:
    """The side-by-side of the run and its twin."""

    label: str
    other_label: str
    rows: list[tuple[str, str, str, str]]   # figure, this run, the twin, difference
    summary: str
    chart: Chart | None
    examples: list[tuple[str, str, str]]    # who, here, there
    #: for each row, which run did better on it: "here", "there", or "" (equal, or a figure
    #: with no better direction)
    better: list[str] = field(default_factory=list)
    #: the comparison all this was made from (`sim.twin.compare` of the run and its twin),
    #: for a caller that wants more of it without comparing the runs again
    comparison: Comparison | None = field(default=None, repr=False)


def build(outcome: Outcome, team: str = "", twin: Outcome | None = None,
          labels: tuple[str, str] = ("your run", "the twin")) -> Debrief:
    """Work out everything a debrief shows."""
    scenario = outcome.scenario
    return Debrief(
        outcome=outcome, team=team, title=scenario.title,
        headline=narrative.headline(outcome, csat=True), story=narrative.story(outcome),
        charts=debrief_charts(outcome), goals=narrative.goals_table(outcome),
        decisions=narrative.decisions_table(outcome), journeys=narrative.journeys(outcome),
        questions=narrative.reflection(outcome),
        trainer_questions=narrative.trainer_questions(outcome),
        twin=twin_part(outcome, twin, labels) if twin is not None else None,
        reading=narrative.satisfaction_and_csat(outcome),
    )


def debrief_charts(outcome: Outcome) -> list[Chart]:
    """The debrief's charts, rendered (also what the game's debrief screen shows)."""
    from reports import charts

    made = [
        ("Queues and open contacts", "Who waited for the service desk, and how many contacts "
         "and tickets were open, with the changes, injects and decisions marked.",
         charts.queue_and_backlog),
        ("Service hour by hour", "How long callers waited to be answered and how many hung "
         "up, each hour; the band is what call centres aim for.", charts.service_by_hour),
        ("Satisfaction", narrative.satisfaction_caption(outcome), charts.satisfaction),
        ("Moments of truth", "Good, neutral and bad moments as they happened; each bad "
         "moment under what cost it the most points, and the worst hours with their main "
         "reasons.", charts.moments_timeline),
        ("What it cost", "IT's own costs and the working time people lost, in money.",
         charts.cost_breakdown),
    ]
    return [Chart.of(title, caption, lambda width_in, make=make: make(outcome,
                                                                      width_in=width_in))
            for title, caption, make in made]


#: The figures of the twin table, in order.
TWIN_FIGURES = ("score", "csat", "satisfaction", "abandonment_rate", "asa_min", "fcr",
                "moments_bad", "lost_work_hours", "cost_total")


def twin_rows(kpi_deltas: dict, currency: str) -> list[tuple[str, str, str, str]]:
    """(figure, this run, the twin, difference) for the twin table, both runs shown alike
    (`narrative.format_alike`: the same decimals, minutes in hours in both or in neither).
    The difference is taken between the figures as shown, rounded, so that the table adds
    up when read (12.3% and 20.1% differ by 7.8 points, whatever the unrounded values)."""
    rows = []
    for name in TWIN_FIGURES:
        if name not in kpi_deltas:
            continue
        here, there, _ = kpi_deltas[name]
        label, unit = kpi_label(name)[0], narrative.figure_unit(name)
        hours = narrative.in_hours((here, there), unit)
        if here is None or there is None:
            diff = "—"
        else:
            delta = (narrative.shown_value(there, unit, hours=hours)
                     - narrative.shown_value(here, unit, hours=hours))
            if unit == "share":  # a difference of two percentages is in percentage points
                points = round(100 * delta, 1) + 0.0  # + 0.0: no "-0.0"
                diff = f"{'+' if points > 0 else ''}{points:.1f} pts"
            else:
                delta = narrative.shown_value(delta, unit, hours=hours) + 0.0
                diff = f"{'+' if delta > 0 else ''}" \
                       f"{narrative.format_figure(delta, unit, currency, hours=hours)}"
        rows.append((label, *narrative.format_alike((here, there), unit, currency), diff))
    return rows


def _better(name: str, here: float | None, there: float | None) -> str:
    """Which of two values of a key figure is the better one, as the table shows them
    (rounded): "here", "there" or "" (equal, or no better direction)."""
    from sim.history import HistoryError, kpi_direction

    if here is None or there is None:
        return ""
    unit = narrative.figure_unit(name)
    hours = narrative.in_hours((here, there), unit)
    here, there = (narrative.shown_value(here, unit, hours=hours),
                   narrative.shown_value(there, unit, hours=hours))
    if here == there:  # equal as the table shows them
        return ""
    try:
        higher = kpi_direction(name) == "higher"
    except HistoryError:  # a count of demand, a utilisation: neither is better
        return ""
    return "here" if (here > there) == higher else "there"


_GOT_IN_TOUCH = {"phone": "a call", "email": "an e-mail", "portal": "a portal request",
                 "walk_in": "a visit to the service desk"}
_GAVE_UP = {"phone": "hung up after {wait} on hold", "walk_in": "walked away after {wait}"}


def contact_words(outcome: Outcome, key: tuple, story) -> str:
    """Which contact a row of the twin table is about, as a trainer says it: "Mon 09:12, a
    call about “How do I ... on the softphone?” (brought by the change)" — when it came,
    how, about what and where it came from; never the engine's source label and number
    ("softphone-howto #4"). `key` is `sim.twin`'s (source label, number, attempt)."""
    from sim.names import short_name

    label, _, attempt = key
    kind, _, rest = label.partition(":")
    scenario = outcome.scenario
    category_id = rest if kind == "category" else rest.split(":")[1] if ":" in rest else rest
    category = next((c for c in scenario.categories if c.id == category_id), None)
    about = short_name(category.name, category.id) if category else category_id
    text = (f"{narrative.when(outcome, story.arrived_min)}, "
            f"{_GOT_IN_TOUCH.get(story.channel, 'a contact')} about “{about}”")
    source_id = rest.split(":")[0]
    if kind == "change":
        text += " (brought by the change)"
    elif kind == "change-failure":
        text += " (when the change failed)"
    elif kind == "inject":
        inject = next((j for j in scenario.injects if j.id == source_id), None)
        text += f" (brought by “{inject.name if inject else source_id}”)"
    if attempt:
        text += ", trying again" if attempt == 1 else f", try {attempt + 1}"
    return text


def story_words(story) -> str:
    """How one contact went (`sim.twin.ContactStory`), in the words of the moments: "answered
    after 3 h 37 min, fixed at first contact", "hung up after 4 min on hold", "answered at
    once, fixed after 28 h 42 min and 1 hand-off"."""
    from sim.moments import AT_ONCE_MIN, duration_words, wait_words

    wait = story.waited_min
    if story.gave_up:
        return _GAVE_UP.get(story.channel, "gave up after {wait}").format(
            wait=wait_words(wait or 0.0))
    if wait is None:
        return "still waiting to be answered at the end"
    text = "answered at once" if wait < AT_ONCE_MIN else f"answered after {wait_words(wait)}"
    if story.declined:
        return text + ", told no"
    if story.resolved_first_time:
        return text + ", fixed at first contact"
    if story.resolved_min is not None:
        took = duration_words(story.resolved_min - story.arrived_min)
        handoffs = f"{story.handoffs} hand-off{'s' if story.handoffs != 1 else ''}"
        return text + f", fixed after {took} and {handoffs}"
    return text + ", still open at the end"


def twin_part(outcome: Outcome, twin: Outcome, labels: tuple[str, str]) -> TwinPart:
    """The run beside its twin: key figures, the overlaid chart, contacts that differed."""
    from reports import charts
    from sim.twin import compare

    result = compare(outcome, twin)
    rows = twin_rows(result.kpi_deltas, outcome.scenario.currency)
    better = [_better(name, *result.kpi_deltas[name][:2])
              for name in TWIN_FIGURES if name in result.kpi_deltas]
    examples = [(contact_words(outcome, key, a), story_words(a), story_words(b))
                for key, a, b in result.turned_out_differently[:5]]
    chart = Chart.of("Your run and its twin", f"Dashed: {labels[0]}; solid: {labels[1]}. The "
                     "same people with the same luck.",
                     lambda width_in: charts.twin_overlay(outcome, twin, labels,
                                                          width_in=width_in))
    quoted = (f"“{labels[0]}”", f"“{labels[1]}”")
    return TwinPart(labels[0], labels[1], rows, twin_summary(result, quoted), chart, examples,
                    better, comparison=result)


def twin_summary(result, labels: tuple[str, str], scenario=None) -> str:
    """The twin comparison (`sim.twin.Comparison`) in a trainer's words, each run by its
    label ("“Red table”", or "your run" in the game), never "the first run": how many
    contacts happened in both runs (the same person, the same question, the same minute),
    how many of them ended the same way and how the others ended differently
    (`how_they_differed`); then those that happened in one run only, and what those were."""
    first, other = labels
    scenario = scenario if scenario is not None else result.first.scenario
    differently = result.turned_out_differently
    both = result.same + len(differently)
    text = (f"Same people, same luck: {both:,} contact{'s' if both != 1 else ''} happened in "
            "both runs — the same person with the same question at the same minute. "
            f"{result.same:,} of them ended the same way in both")
    if differently:
        text += (f"; {len(differently):,} ended differently: "
                 f"{how_they_differed(differently, first, other)}")
    text += "."
    for keys, here, there in ((result.only_in_second, other, first),
                              (result.only_in_first, first, other)):
        if keys:
            text += (f" {len(keys):,} contact{'s' if len(keys) != 1 else ''} in {here} did "
                     f"not happen in {there}{what_they_were(keys, scenario)}.")
    return text + " Every difference was caused by the decisions."


#: A wait counts as different in the twin's words from this many minutes.
WAIT_DIFFERS_MIN = 1.0
#: The ways a contact in both runs ended differently, named in the twin's words (the most
#: common first, the rest "in other ways").
MOST_WAYS_NAMED = 3


def how_they_differed(pairs: list[tuple], first: str, other: str) -> str:
    """How contacts that happened in both runs ended differently, the `first` run's story
    first, counted by the first difference that tells (`sim.twin.ContactStory`: given up
    or answered; then the wait; then fixed at first contact or passed on; else how or when
    they were fixed): "142 waited less in your run, 61 were answered in your run but gave
    up in ‘Unprepared’, 1 waited longer in your run, 25 in how or when they were fixed"."""
    ways: dict[str, int] = {}  # each way's words ("{were}": was or were), and how many
    for _, mine, theirs in pairs:
        if mine.gave_up != theirs.gave_up:
            way = (f"gave up in {first} but {{were}} answered in {other}" if mine.gave_up
                   else f"{{were}} answered in {first} but gave up in {other}")
        elif (not mine.gave_up and mine.waited_min is not None
              and theirs.waited_min is not None
              and abs(mine.waited_min - theirs.waited_min) >= WAIT_DIFFERS_MIN):
            way = (f"waited less in {first}" if mine.waited_min < theirs.waited_min
                   else f"waited longer in {first}")
        elif mine.resolved_first_time != theirs.resolved_first_time:
            way = (f"{{were}} fixed at first contact in {first} but passed on in {other}"
                   if mine.resolved_first_time else
                   f"{{were}} passed on in {first} but fixed at first contact in {other}")
        else:
            way = ""  # the time to fix, the hand-offs, a no: in other ways
        ways[way] = ways.get(way, 0) + 1
    named = sorted((w for w in ways if w), key=lambda w: -ways[w])[:MOST_WAYS_NAMED]
    overflow = sum(n for w, n in ways.items() if w and w not in named)
    rest = overflow + ways.get("", 0)
    # `replace`, not `format`: a run's label is a team's name, and may hold braces
    parts = [f"{ways[w]:,} " + w.replace("{were}", "was" if ways[w] == 1 else "were")
             for w in named]
    if rest:
        parts.append(f"{rest:,} in other ways" if overflow else
                     f"{rest:,} in how or when they were fixed")
    return ", ".join(parts)


def what_they_were(keys: list[tuple], scenario) -> str:
    """ " (110 people trying again after giving up, 68 brought by the change, 38 brought by
    “Order Entry down at month-end”)": a contact is known by its source, its number in it
    and its attempt (`sim.twin`); the extra demand of a change or an inject has a source of
    its own."""
    from sim.names import short_name

    injects = {j.id: j.name for j in scenario.injects}
    kinds = {c.id: short_name(c.name, c.id) for c in scenario.categories}
    again = sum(1 for key in keys if key[2] > 0)
    brought: dict[str, int] = {}
    for label, _, attempt in keys:
        kind, _, rest = str(label).partition(":")
        if attempt:
            continue
        if kind == "category":  # more of the usual demand: chasers, a rate a lever raised
            cause = f"about “{kinds.get(rest, rest)}”"
        else:
            cause = ("brought by the change" if kind != "inject"
                     else f"brought by “{injects.get(rest.split(':')[0], rest.split(':')[0])}”")
        brought[cause] = brought.get(cause, 0) + 1
    parts = []
    if again:
        parts.append(f"{again:,} {'person' if again == 1 else 'people'} trying again after "
                     f"giving up")
    named = sorted(brought.items(), key=lambda item: -item[1])
    parts += [f"{n:,} {cause}" for cause, n in named[:3]]
    other = sum(n for _, n in named[3:])
    if other:
        parts.append(f"{other:,} other{'s' if other != 1 else ''}")
    return f" ({', '.join(parts)})" if parts else ""


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #d0d0d0; --good: #009E73; --bad: #D55E00;
        --accent: #0072B2; --paper: #ffffff; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 18px/1.5 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink);
       background: var(--paper); margin: 0 auto; max-width: 1250px; padding: 28px 32px; }
h1 { font-size: 2.1em; margin: 0 0 4px; }
h2 { font-size: 1.5em; border-bottom: 3px solid var(--accent); padding-bottom: 4px;
     margin-top: 1.8em; }
.meta { color: var(--muted); margin: 0 0 18px; }
/* cards wide enough for their figures (four a row on a projector's 1280 px): a value
   never breaks between its number and its unit ("0.5 / min"), nor a label inside its
   brackets ("(0- / 100)") */
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr));
         gap: 12px; }
.card { background: var(--soft); border-radius: 8px; padding: 12px 16px; }
.card .value { font-size: 1.7em; font-weight: bold; display: block; white-space: nowrap; }
.nobr { white-space: nowrap; }
.card .label { color: var(--muted); font-size: 0.9em; }
ol.story { padding-left: 0; list-style: none; }
ol.story li { padding: 8px 0; border-bottom: 1px solid var(--line); display: grid;
              grid-template-columns: 10.5em 1fr; column-gap: 0.6em; }
ol.story time { font-weight: bold; color: var(--accent); }
figure { margin: 18px 0 28px; }
/* a chart at its own size (12 in: its 12 pt text is 16 px), smaller only on a smaller screen */
figure img { max-width: 100%; height: auto; outline: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 1em; margin-top: 6px; }
small { font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 10px 0 18px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; white-space: nowrap; }
ul.levers { margin: 0; padding-left: 1.1em; }
ul.levers li { margin-bottom: 4px; }
.met { color: var(--good); font-weight: bold; }
.missed { color: var(--bad); font-weight: bold; }
.people { display: flex; flex-wrap: wrap; gap: 14px; }
.person { flex: 1 1 320px; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.person h3 { margin: 0 0 6px; }
.person ol { padding-left: 1.2em; margin: 6px 0; }
.score-good { color: var(--good); } .score-bad { color: var(--bad); }
dl.questions dt { font-weight: bold; margin-top: 10px; color: var(--accent); }
#reading { background: var(--soft); border-radius: 8px; padding: 4px 16px 10px;
           margin-top: 12px; }
#reading h3 { margin: 10px 0 4px; }
dl.reading dt { font-weight: bold; margin-top: 8px; }
dl.reading dd { margin: 0 0 4px; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.9em; }
@media print { body { max-width: none; font-size: 12pt; } h2 { break-before: page; }
               figure { break-inside: avoid; } }
"""


#: a number and its unit, which a line must not break between: "2.8 min", "1,500 EUR",
#: "6 h 12 min", "4.4 pts" (not "6 h" at the end of one line and "12 min" on the next)
_FIGURE_AND_UNIT = re.compile(r"(?<=\d) (?=(?:s|min|h|days?|pts|[A-Z]{3})\b)"
                              r"|(?<=\d h) (?=\d+ min\b)")


def together(text: str) -> str:
    """Text whose figures keep their units on the same line (non-breaking spaces)."""
    return _FIGURE_AND_UNIT.sub("\u00a0", text)


def _e(text: object) -> str:
    """Text for the page, escaped, its figures kept with their units (`together`)."""
    return html.escape(together(str(text)), quote=True)


def _unbroken_brackets(text: str) -> str:
    """Escaped text whose bracketed parts do not break across lines: "Balanced score
    (0-100)" wraps before the bracket, never as "(0-" and "100)"."""
    return re.sub(r"\([^()]*\)", lambda m: f'<span class="nobr">{m[0]}</span>', _e(text))


def _data_uri(png: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _img(chart: Chart) -> str:
    """A chart as an image at its own size in CSS inches (so that its points are points:
    12 pt is 16 px), shrunk only where the screen is narrower; its width and smallest text
    ride along as data attributes (the browser test reads them)."""
    smallest = f' data-smallest-pt="{chart.smallest_pt:g}"' if chart.smallest_pt else ""
    return (f'<img src="{_data_uri(chart.png)}" alt="{_e(chart.title)}" '
            f'style="width: {chart.width_in:g}in" data-width-in="{chart.width_in:g}"'
            f"{smallest}>")


def to_html(debrief: Debrief) -> str:
    """The debrief as one self-contained HTML document."""
    o = debrief.outcome
    scenario = o.scenario
    who = f"{_e(debrief.team)} · " if debrief.team else ""
    parts = [
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Debrief — {_e(debrief.title)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>", "<header>", f"<h1>{_e(debrief.title)}</h1>",
        f'<p class="meta">{who}scenario {_e(scenario.id)} · seed {o.seed} · '
        f"{_e(debrief.generated)} · engine {ENGINE_VERSION}</p>", "</header>",
        '<section class="cards" id="headline">',
    ]
    for label, value in debrief.headline:
        parts.append(f'<div class="card"><span class="value">{_e(value)}</span>'
                     f'<span class="label">{_unbroken_brackets(label)}</span></div>')
    parts.append("</section>")
    if debrief.reading:
        parts += ['<section id="reading">', "<h3>Satisfaction and CSAT measure different "
                  "things</h3>", '<dl class="reading">']
        parts += [f"<dt>{_e(label)}</dt><dd>{_e(words)}</dd>"
                  for label, words in debrief.reading]
        parts += ["</dl>", "</section>"]
    parts += ['<section id="story">', "<h2>What happened</h2>", '<ol class="story">']
    for beat in debrief.story:
        parts.append(f"<li><time>{_e(beat.when)}</time><span>{_e(beat.text)}</span></li>")
    if not debrief.story:
        parts.append('<li><span style="grid-column: 1 / -1">A quiet run: nothing out of '
                     'the ordinary happened.</span></li>')
    parts.append("</ol>")
    note = narrative.counterfactual_note(debrief.story)
    if note:
        parts.append(f'<p class="meta">{_e(note)}</p>')
    parts += ["</section>", '<section id="charts">', "<h2>The run in charts</h2>"]
    for chart in debrief.charts:
        parts.append(f"<figure>{_img(chart)}"
                     f"<figcaption><b>{_e(chart.title)}.</b> {_e(chart.caption)}"
                     f"</figcaption></figure>")
    parts += ["</section>", '<section id="goals">', "<h2>Against the goals</h2>",
              "<table><tr><th>Figure</th><th>This run</th><th>Goal</th><th></th></tr>"]
    for row in debrief.goals:
        verdict = '<span class="met">met</span>' if row["met"] else \
            '<span class="missed">missed</span>'
        parts.append(f"<tr><td>{_e(row['label'])}</td><td class='num'>{_e(row['value'])}</td>"
                     f"<td>{_e(row['goal'])} <small>({_e(row['source'])})</small></td>"
                     f"<td>{verdict}</td></tr>")
    parts += ["</table>", "</section>", '<section id="decisions">',
              "<h2>Decisions and what they cost</h2>",
              "<table><tr><th>When</th><th>Asked</th><th>Levers pulled</th>"
              "<th>Cost</th></tr>"]
    for row in debrief.decisions:
        parts.append(f"<tr><td>{_e(row['when'])}</td><td>{_e(row['asked'])}</td>"
                     f"<td>{_levers_html(row)}</td>"
                     f"<td class='num'>{_e(row['cost'])}</td></tr>")
    if not debrief.decisions:
        parts.append("<tr><td colspan='4'>No decisions were asked for.</td></tr>")
    parts += ["</table>", "</section>", '<section id="people">',
              "<h2>Three people's experience</h2>", '<div class="people">']
    for journey in debrief.journeys:
        parts.append(f'<div class="person"><h3>{_e(journey.title)}</h3>'
                     f"<p>Someone in {_e(journey.department)}, who will remember it as "
                     f"<b>{journey.remembered:.0f}/100</b>.</p><ol>")
        for moment in journey.moments:
            css = {"good": "score-good", "bad": "score-bad"}.get(moment["verdict"], "")
            parts.append(f"<li><b>{_e(narrative.when(o, moment['time_min']))}</b> "
                         f"{_e(moment['reason'].split(' — ', 1)[-1])} "
                         f'<span class="{css}">— scored {moment["score"]:.0f}/100</span>'
                         f"</li>")
        parts.append("</ol></div>")
    parts += ["</div>", "</section>"]
    if debrief.twin is not None:
        twin = debrief.twin
        parts += ['<section id="twin">', "<h2>Had you decided otherwise</h2>",
                  f"<p>{_e(twin.summary)}</p>",
                  f"<table><tr><th>Figure</th><th>{_e(twin.label)}</th>"
                  f"<th>{_e(twin.other_label)}</th><th>Difference</th></tr>"]
        for label, here, there, diff in twin.rows:
            parts.append(f"<tr><td>{_e(label)}</td><td class='num'>{_e(here)}</td>"
                         f"<td class='num'>{_e(there)}</td><td class='num'>{_e(diff)}</td>"
                         f"</tr>")
        parts.append("</table>")
        if _shows_both(twin):
            parts.append(f'<p class="meta">{_e(narrative.SATISFACTION_VS_CSAT)}</p>')
        if twin.examples:
            parts.append(f"<table><tr><th>Contact</th><th>{_e(twin.label)}</th>"
                         f"<th>{_e(twin.other_label)}</th></tr>")
            for who_, here, there in twin.examples:
                parts.append(f"<tr><td>{_e(who_)}</td><td>{_e(here)}</td>"
                             f"<td>{_e(there)}</td></tr>")
            parts.append("</table>")
        if twin.chart is not None:
            parts.append(f"<figure>{_img(twin.chart)}<figcaption>"
                         f"{_e(twin.chart.caption)}</figcaption></figure>")
        parts.append("</section>")
    parts += ['<section id="questions">', "<h2>Questions for the group</h2>",
              '<dl class="questions">']
    for kind, text in debrief.questions:
        parts.append(f"<dt>{_e(kind)}</dt><dd>{_e(text)}</dd>")
    for text in debrief.trainer_questions:
        parts.append(f"<dt>Ask</dt><dd>{_e(text)}</dd>")
    parts += ["</dl>", "</section>",
              "<footer>Every figure here was computed from the run's event log. Moments of "
              "truth and satisfaction follow the model described in the project's "
              "documentation; benchmark bands name their source.</footer>",
              "</body>", "</html>"]
    return "\n".join(parts)


def _shows_both(twin: TwinPart) -> bool:
    """Whether the twin table shows satisfaction and CSAT (and so says how they differ)."""
    shown = {row[0] for row in twin.rows}
    return {kpi_label("satisfaction")[0], kpi_label("csat")[0]} <= shown


def _levers_html(row: dict) -> str:
    """The levers of one decision: each by name and cost, what it does, and where its sizes
    come from; "nothing" when none was pulled."""
    if not row["pulled"]:
        return "nothing"
    items = []
    for lever in row["pulled"]:
        evidence = (f'<br><small class="evidence">Evidence: {_e(lever["evidence"])}</small>'
                    if lever["evidence"] else "")
        items.append(f"<li><b>{_e(lever['name'])}</b> ({_e(lever['cost'])}): "
                     f"{_e(lever['does'])}{evidence}</li>")
    return f'<ul class="levers">{"".join(items)}</ul>'


def _levers_text(row: dict) -> list[str]:
    """The same for the PDF, one paragraph a lever."""
    if not row["pulled"]:
        return ["nothing"]
    return [f"{lever['name']} ({lever['cost']}): {lever['does']}"
            + (f". Evidence: {lever['evidence']}" if lever["evidence"] else "")
            for lever in row["pulled"]]


def write_html(debrief: Debrief, path: str | os.PathLike) -> None:
    _write_whole(path, to_html(debrief).encode("utf-8"))


def _write_whole(path: str | os.PathLike, data: bytes) -> None:
    """Write all of it or nothing: a partial file is renamed into place only when complete."""
    partial = f"{path}.partial"
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def _font() -> str:
    """DejaVu Sans (shipped with matplotlib): it has the arrows and dashes the text uses."""
    from pathlib import Path

    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVu", str(fonts / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(fonts / "DejaVuSans-Bold.ttf")))
    return "DejaVu"


def to_pdf(debrief: Debrief) -> bytes:
    """The debrief as a PDF: one page per section (`debrief.pages`)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepInFrame,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12,
                           textColor=colors.HexColor("#555555"))
    h1 = ParagraphStyle("h1", parent=body, fontName=font + "-Bold", fontSize=20, leading=24,
                        spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontName=font + "-Bold", fontSize=14, leading=18,
                        spaceBefore=4, spaceAfter=6, textColor=colors.HexColor("#0072B2"))
    margin = PDF_MARGIN_MM * mm
    # the frame inside the margins, less its own padding (6 pt a side)
    width, height = A4[0] - 2 * margin - 12, A4[1] - 2 * margin - 12
    o = debrief.outcome

    def p(text: str, style=body) -> Paragraph:
        return Paragraph(html.escape(together(text)), style)

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph("<br/>".join(html.escape(together(part))
                                        for part in str(c).split("\n")),
                           small if r else
                           ParagraphStyle("th", parent=small, fontName=font + "-Bold"))
                 for c in row] for r, row in enumerate(rows)]
        t = Table(data, colWidths=[w * width for w in widths], repeatRows=1)
        t.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f4f6f8")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d0d0d0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    def chart_page(chart: Chart) -> list:
        """A chart drawn for the page, at the frame's width (its points printed at
        width / PRINT_WIDTH_IN of their size); narrower only if it is too tall."""
        from reportlab.lib.utils import ImageReader

        png, drawn_in = chart.print_png()
        w, h = ImageReader(io.BytesIO(png)).getSize()
        heading, caption = p(chart.title, h2), p(chart.caption, small)
        room = height - sum(x.wrap(width, height)[1] for x in (heading, caption)) - 30
        draw_w = min(width, room * w / h)
        return [heading, Image(io.BytesIO(png), draw_w, draw_w * h / w), Spacer(1, 3 * mm),
                caption]

    def story_table(beats: list[narrative.Beat]) -> Table:
        """What happened as the HTML shows it: the time in a column of its own, in bold,
        each beat on a row of its own with a rule under it, so that the times stand apart
        from the text."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        when = ParagraphStyle("when", parent=body, fontName=font + "-Bold",
                              textColor=colors.HexColor("#0072B2"))
        # the times' column as wide as the longest ("Mon (whole day)"), on one line
        times_w = min(0.3 * width, 12 + max(stringWidth(beat.when, when.fontName,
                                                        when.fontSize) for beat in beats))
        t = Table([[p(beat.when, when), p(beat.text)] for beat in beats],
                  colWidths=[times_w, width - times_w])
        t.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d0d0d0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
        return t

    sections: dict[str, list] = {}
    who = f"{debrief.team} · " if debrief.team else ""
    summary = [p(debrief.title, h1),
               p(f"{who}scenario {o.scenario.id} · seed {o.seed} · {debrief.generated}", small),
               Spacer(1, 4 * mm),
               table([["Figure", "This run"]] + [[a, b] for a, b in debrief.headline],
                     [0.7, 0.3])]
    if debrief.reading:  # under the figures it is about, as in the HTML
        summary.append(Spacer(1, 3 * mm))
        summary.append(p("Satisfaction and CSAT measure different things",
                         ParagraphStyle("h3", parent=body, fontName=font + "-Bold")))
        summary += [Paragraph(f'<font name="{font}-Bold">{html.escape(label)}</font>: '
                              f"{html.escape(together(words))}",
                              ParagraphStyle("reading", parent=small, spaceBefore=2))
                    for label, words in debrief.reading]
    summary.append(p("What happened", h2))
    summary += [story_table(debrief.story)] if debrief.story else \
        [p("A quiet run: nothing out of the ordinary happened.")]
    note = narrative.counterfactual_note(debrief.story)
    if note:
        summary += [Spacer(1, 2 * mm), p(note, small)]
    sections["summary"] = summary
    for k, chart in enumerate(debrief.charts, start=1):
        sections[f"chart-{k}"] = chart_page(chart)
    sections["figures"] = [
        p("Against the goals", h2),
        table([["Figure", "This run", "Goal", ""]] +
              [[r["label"], r["value"], f"{r['goal']} ({r['source']})",
                "met" if r["met"] else "missed"] for r in debrief.goals],
              [0.36, 0.16, 0.36, 0.12]),
        p("Decisions and what they cost", h2),
        table([["When", "Asked", "Levers pulled", "Cost"]] +
              [[r["when"], r["asked"], "\n".join(_levers_text(r)), r["cost"]]
               for r in debrief.decisions]
              or [["When", "Asked", "Levers pulled", "Cost"], ["—", "—", "none", "—"]],
              [0.16, 0.26, 0.43, 0.15])]
    people = [p("Three people's experience", h2)]
    for journey in debrief.journeys:
        people.append(p(f"{journey.title}: someone in {journey.department}, who will "
                        f"remember it as {journey.remembered:.0f}/100",
                        ParagraphStyle("h3", parent=body, fontName=font + "-Bold")))
        people += [p(f"{narrative.when(o, m['time_min'])}  "
                     f"{m['reason'].split(' — ', 1)[-1]} — scored {m['score']:.0f}/100",
                     small)
                   for m in journey.moments]
        people.append(Spacer(1, 3 * mm))
    sections["people"] = people
    if debrief.twin is not None:
        twin = debrief.twin
        part = [p("Had you decided otherwise", h2), p(twin.summary),
                table([["Figure", twin.label, twin.other_label, "Difference"]] +
                      [list(r) for r in twin.rows], [0.4, 0.2, 0.2, 0.2])]
        if _shows_both(twin):
            part += [Spacer(1, 2 * mm), p(narrative.SATISFACTION_VS_CSAT, small)]
        if twin.examples:
            part += [Spacer(1, 4 * mm),
                     table([["Contact", twin.label, twin.other_label]]
                           + [list(row) for row in twin.examples], [0.36, 0.32, 0.32])]
        sections["twin"] = part
        if twin.chart is not None:
            sections["twin-chart"] = chart_page(twin.chart)
    questions = [p("Questions for the group", h2)]
    questions += [p(f"{kind}: {text}") for kind, text in debrief.questions]
    questions += [p(f"Ask: {text}") for text in debrief.trainer_questions]
    sections["questions"] = questions

    story: list = []
    for i, page in enumerate(debrief.pages):
        if i:
            story.append(PageBreak())
        story.append(KeepInFrame(width, height, sections[page], mode="shrink"))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin,
                                 topMargin=margin, bottomMargin=margin,
                                 title=f"Debrief — {debrief.title}",
                                 author="Moments of Truth")
    document.build(story)
    return buffer.getvalue()


def write_pdf(debrief: Debrief, path: str | os.PathLike) -> None:
    _write_whole(path, to_pdf(debrief))

"""The debrief: what the player's decisions did.

Tabs: the summary (score and key figures against the targets, what happened in cause and
effect, the decisions and their cost), the charts from `reports`, the people (three
journeys and the ledger of moments of truth), "what if" (the twin run: the same week with
the same luck and other decisions, side by side) and questions for the group. From here:
try again with the same luck or new luck, export the HTML debrief and the replay file, or
see the history and the leaderboard. The run is kept in the run history on arrival.

Charts and twin runs are worked out on a background thread (`game.background`).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

import pygame

from game import background
from game.screens.base import Screen
from game.session import SHORT_LABELS, Play
from game.ui import (
    Scroll,
    fit_lines,
    number_keys,
    scrolled_lines,
    wrap,
    wrap_balanced,
    wrap_fit,
)
from reports import narrative
from sim.decisions import DecisionPlan

TABS = [("summary", "Summary", pygame.K_s), ("charts", "Charts", pygame.K_c),
        ("people", "People", pygame.K_p), ("whatif", "What if…", pygame.K_w),
        ("discuss", "Discuss", pygame.K_d)]


def policy_title(policy_id: str) -> str:
    """A policy as the trainee reads it: the scenario names its policies by id only
    ("brief-only"), so the id in words ("Brief only")."""
    words = policy_id.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else policy_id


def twin_words(comparison, other_title: str, scenario) -> str:
    """The twin comparison (`sim.twin.Comparison`, your run first) in the trainee's words,
    as the printed debrief says it (`reports.debrief.twin_summary`) with "your run" for the
    trainee's."""
    from reports.debrief import twin_summary

    return twin_summary(comparison, ("your run", other_title), scenario)


def where_to_find(path: Path) -> str:
    """A file as a person types it at the prompt the game was started from: relative to
    the working folder when it is inside it ("itsm-exports/replay-….json"), else whole."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "run"


#: Where a chart's heading and caption go in a column beside it: the column's share of
#: the panel's width.
CHART_COLUMN_SHARE = 0.2
#: Keys that scroll a tall chart, in lines.
CHART_SCROLL_KEYS = {pygame.K_UP: -2, pygame.K_DOWN: 2, pygame.K_PAGEUP: -10,
                     pygame.K_PAGEDOWN: 10, pygame.K_HOME: -10_000, pygame.K_END: 10_000}


@dataclass(frozen=True)
class ChartPage:
    """A chart as the Charts tab shows it: its title and caption, its picture, and how many
    pixels high its smallest text is in that picture (None: not known)."""

    title: str
    caption: str
    image: pygame.Surface
    smallest_px: float | None

    @classmethod
    def of(cls, chart) -> ChartPage:
        """A `reports.debrief.Chart`, its PNG made a picture (on the background thread's
        side of the hand-over: it is called in `update`)."""
        image = background.png_to_surface(chart.png)
        px_per_pt = image.get_width() / (chart.width_in * 72)
        smallest = chart.smallest_pt * px_per_pt if chart.smallest_pt else None
        return cls(chart.title, chart.caption, image, smallest)


class DebriefScreen(Screen):
    name = "debrief"
    title = "Debrief"

    def __init__(self, app, play: Play):
        super().__init__(app)
        self.play = play
        self.outcome = play.outcome()
        self.tab = "summary"
        o = self.outcome
        self.headline = narrative.headline(o)
        self.goals = narrative.goals_table(o)
        self.decisions = narrative.decisions_table(o)
        self.story = narrative.story(o)
        self.journeys = narrative.journeys(o)
        self.questions = narrative.reflection(o)
        self.kpis = o.kpis()
        from sim.moments import ledger

        self.ledger_rows = [(r["time_min"], r["verdict"], r["reason"]) for r in ledger(o).rows()]
        self.ledger_filter = "bad"
        self.scroll = Scroll()
        # the left column of the summary (targets, decisions) and of the people (three
        # journeys): a second list, Shift and the same keys, or the wheel over it
        self.left_scroll = Scroll(shift=True)
        self.chart_offset_px = 0         # how far down a tall chart is scrolled
        self._left_rect = pygame.Rect(0, 0, 0, 0)
        self.chart_rect = pygame.Rect(0, 0, 0, 0)  # where the chart on show was drawn
        self.chart_scrolls = False  # ... whether it is scrolled (too tall to read whole)
        self.chart_text_px: float | None = None  # ... and its smallest text's height
        # charts, drawn in the background
        self.chart_index = 0
        self._charts_future: Future | None = None
        self.charts: list[ChartPage] | None = None
        self._scaled: dict[tuple[int, int, int], pygame.Surface] = {}
        # the twin
        self.alternatives = self._alternatives()
        self.twin_choice = self._default_alternative()
        self.twin_future: Future | None = None
        self.twin = None        # reports.debrief.TwinPart
        self.twin_outcome = None
        self.twin_chart: ChartPage | None = None
        self.twin_summary = ""  # the comparison in the trainee's words (`twin_words`)
        self._export_future: Future | None = None
        self.run_id: int | None = None
        self._keep_in_history()

    # -- set-up --------------------------------------------------------------------------------

    def enter(self) -> None:
        if self.charts is None and (self._charts_future is None
                                    or self._charts_future.cancelled()):
            self._charts_future = background.submit(self._make_charts)
        if self.twin is None and self.twin_future is not None and self.twin_future.cancelled():
            self.twin_future = None
        # the twin is the debrief's strongest picture: work it out from the start, after
        # the charts, so it is ready as the first chart and in What if…
        if self.twin is None and self.twin_future is None and self.alternatives:
            self.run_twin(self.twin_choice)

    def leave(self) -> None:
        # work not started yet is dropped (a trainee clicking through screens must not
        # queue up charts nobody will see); it starts again on coming back
        for future in (self._charts_future, self.twin_future):
            if future is not None:
                future.cancel()

    def _make_charts(self):
        from reports.debrief import debrief_charts

        return debrief_charts(self.outcome)

    def _keep_in_history(self) -> None:
        from sim.history import History, HistoryError

        try:
            with History(self.app.options.db) as history:
                self.run_id = history.save(self.outcome, self.play.source, self.play.team)
        except HistoryError as error:
            self.say(f"Not kept in the history: {error}", bad=True)

    def _alternatives(self) -> list[tuple[str, str, DecisionPlan]]:
        """The other ways to play this week: the scenario's policies, and doing nothing."""
        sc = self.outcome.scenario
        names = {lever.id: lever.name for lever in sc.levers}
        out = []
        for name, answers in sc.policies.items():
            levers = [names[lv] for chosen in answers.values() for lv in chosen]
            words = ", ".join(levers) if levers else "no levers at all"
            out.append((name, words, DecisionPlan.from_policy(sc, name)))
        if not any(not answers for answers in sc.policies.values()):
            out.append(("nothing", "no levers at all", DecisionPlan()))
        return out

    def _default_alternative(self) -> int:
        """The twin that teaches most: the most thorough policy when the player did little
        ("had you prepared…"), the one that does least when the player did a lot."""
        if not self.alternatives:
            return -1
        pulled = sum(len(d.levers) for d in self.outcome.decisions)
        sizes = [len(plan.policy and [lv for chosen in plan.policy.values() for lv in chosen]
                     or []) for _, _, plan in self.alternatives]
        order = sorted(range(len(sizes)), key=lambda i: (sizes[i], i))
        if pulled <= 2:
            named = [i for i, a in enumerate(self.alternatives) if a[0] == "prepared"]
            return named[0] if named else order[-1]
        return order[0]

    # -- actions -------------------------------------------------------------------------------

    def show_tab(self, tab: str) -> None:
        self.tab = tab
        self.scroll = Scroll()
        self.left_scroll = Scroll(shift=True)
        if tab == "whatif" and self.twin_future is None and self.twin is None:
            self.run_twin(self.twin_choice)

    def next_tab(self, step: int = 1) -> None:
        ids = [t[0] for t in TABS]
        self.show_tab(ids[(ids.index(self.tab) + step) % len(ids)])

    def run_twin(self, index: int) -> None:
        if not (0 <= index < len(self.alternatives)):
            return
        # a twin still running is superseded: only the latest choice is shown
        self.twin_choice = index
        self.twin = None
        self.twin_chart = None
        self.twin_summary = ""
        name, _, plan = self.alternatives[index]
        title = policy_title(name)
        outcome, scenario, seed = self.outcome, self.outcome.scenario, self.outcome.seed

        def work():
            from reports.debrief import twin_part
            from sim import Simulation

            other = Simulation(scenario, seed=seed, decisions=plan).run()
            # the runs compared once: the words are said from the table's comparison
            part = twin_part(outcome, other, ("your run", f"‘{title}’"))
            return other, part, twin_words(part.comparison, f"‘{title}’", scenario)

        self.twin_future = background.submit(work)

    def same_luck(self) -> None:
        from game.screens.preparation import begin_play

        begin_play(self.app, self.play.scenario, self.play.source, seed=self.play.seed)

    def new_luck(self) -> None:
        from game.screens.preparation import begin_play

        begin_play(self.app, self.play.scenario, self.play.source, seed=self.play.seed + 1)

    def export(self) -> None:
        """Write the HTML debrief (with the twin, when one has been run), on the background
        thread: drawing its charts takes seconds, and the window must not freeze meanwhile.
        `update` says where it went when it is done."""
        if self.exporting:
            self.say("Still exporting the debrief…")
            return
        try:
            path = self._export_path("debrief", "html")
        except OSError as error:
            self.say(f"Could not write the debrief: {error.strerror or error}", bad=True)
            return
        other = f"‘{policy_title(self.alternatives[self.twin_choice][0])}’" \
            if self.twin_outcome is not None else "the twin"
        outcome, team, twin = self.outcome, self.play.team, self.twin_outcome

        def work() -> Path:
            from reports.debrief import build, write_html

            write_html(build(outcome, team, twin, ("your run", other)), path)
            return path

        self._export_future = background.submit(work)
        self.say(f"Exporting the debrief to {path.name} (drawing its charts)…")

    @property
    def exporting(self) -> bool:
        """An export is under way (tests wait for it with `background.wait_all`)."""
        return self._export_future is not None and not self._export_future.done()

    def _export_done(self) -> None:
        future, self._export_future = self._export_future, None
        try:
            self.say(f"Debrief written: {future.result()}")
        except OSError as error:
            self.say(f"Could not write the debrief: {error.strerror or error}", bad=True)
        except Exception as error:  # a chart that fails must not take the debrief down
            self.say(f"Could not write the debrief: {error}", bad=True)

    def save_replay(self) -> None:
        from sim.replay import replay_of, save_replay

        try:
            path = self._export_path("replay", "json")
            save_replay(replay_of(self.outcome, self.play.source, team=self.play.team), path)
            # the path once, as it is typed: the command is where to find the file
            self.say(f"Replay saved. To play it again: itsm replay {where_to_find(path)}")
        except OSError as error:
            self.say(f"Could not save the replay: {error.strerror or error}", bad=True)

    def _export_path(self, kind: str, suffix: str) -> Path:
        folder = self.app.export_dir
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        team = f"-{_slug(self.play.team)}" if self.play.team else ""
        return folder / f"{kind}-{self.outcome.scenario.id}{team}-seed{self.play.seed}-" \
                        f"{stamp}.{suffix}"

    def history(self) -> None:
        from game.screens.history import HistoryScreen

        self.app.show(HistoryScreen(self.app, back=self,
                                    scenario_id=self.outcome.scenario.id))

    def menu(self) -> None:
        from game.screens.title import TitleScreen

        self.app.show(TitleScreen(self.app))

    # -- events and updates --------------------------------------------------------------------

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_TAB and event.mod & pygame.KMOD_CTRL:
                # Tab alone moves the focus, as on every screen
                self.next_tab(-1 if event.mod & pygame.KMOD_SHIFT else 1)
                return True
            if self.tab == "charts" and event.key in (pygame.K_LEFT, pygame.K_RIGHT):
                self._page(1 if event.key == pygame.K_RIGHT else -1)
                return True
            if self.tab == "charts" and event.key in CHART_SCROLL_KEYS:
                self.chart_offset_px += CHART_SCROLL_KEYS[event.key] * self.line
                self.chart_offset_px = max(0, self.chart_offset_px)
                return True
            if self.tab == "whatif" and pygame.K_1 <= event.key <= pygame.K_9:
                self.run_twin(event.key - pygame.K_1)
                return True
            if self.tab == "people" and event.key == pygame.K_f:
                self.cycle_filter()
                return True
        if self.tab == "charts" and event.type == pygame.MOUSEWHEEL:
            self.chart_offset_px = max(0, self.chart_offset_px - 3 * self.line * event.y)
            return True
        two_columns = self.tab in ("summary", "people", "whatif")
        if (two_columns and event.type == pygame.MOUSEWHEEL
                and self._left_rect.collidepoint(self.ui.mouse)):
            return self.left_scroll.handle(event)  # the wheel scrolls what is under it
        if two_columns and self.left_scroll.handle(event):  # (Shift and the keys)
            return True
        if self.tab in ("summary", "people", "whatif", "discuss") and self.scroll.handle(event):
            return True
        return False

    def cycle_filter(self) -> None:
        order = ["bad", "good", "all"]
        self.ledger_filter = order[(order.index(self.ledger_filter) + 1) % len(order)]
        self.scroll = Scroll()

    def update(self, dt: float) -> None:
        if self._export_future is not None:
            if self._export_future.done():
                self._export_done()
            else:
                self.message_at_s = time.monotonic()  # "Exporting…" stays until it is done
        if self.charts is None and self._charts_future is not None \
                and self._charts_future.done() and not self._charts_future.cancelled():
            try:
                made = self._charts_future.result()
                self.charts = [ChartPage.of(chart) for chart in made]
            except Exception as error:  # a chart that fails must not take the debrief down
                self.charts = []
                self.say(f"The charts could not be drawn: {error}", bad=True)
        if self.twin_future is not None and self.twin_future.done() and self.twin is None \
                and not self.twin_future.cancelled():
            try:
                self.twin_outcome, self.twin, self.twin_summary = self.twin_future.result()
                if self.twin.chart is not None:
                    self.twin_chart = ChartPage.of(self.twin.chart)
            except Exception as error:
                self.say(f"The twin run failed: {error}", bad=True)
                self.twin_future = None

    def ready(self) -> bool:
        """Charts drawn and any twin run finished (tests wait for this)."""
        return self.charts is not None and (self.twin_future is None
                                            or self.twin is not None)

    # -- drawing -------------------------------------------------------------------------------

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, m, g = self.ui, self.margin, self.gap
        w, h = surface.get_size()
        sc = self.outcome.scenario
        # the team on the line under the title: a long team name must not cut the title
        who = f"{self.play.team} · " if self.play.team else ""
        score = self.kpis.get("score")
        # as every screen and report shows a 0-100 score: one decimal (the history's too)
        score_text = f"Score {narrative.format_figure(score, 'points')}/100 · " \
            if score is not None else ""
        y = self.header(surface, f"Debrief: {sc.title}",
                        f"{who}{score_text}luck {self.play.seed}"
                        + (f" · kept in the history as run {self.run_id}" if self.run_id else ""))
        # tabs
        x = m
        th = round(self.line * 1.5)
        for tab_id, label, key in TABS:
            tw = self.app.fonts.width(f"[{pygame.key.name(key).upper()}]  {label}") + \
                self.app.fonts.px() * 2
            ui.button(surface, f"tab:{tab_id}", pygame.Rect(x, y, tw, th), label,
                      lambda tab_id=tab_id: self.show_tab(tab_id), key,
                      selected=self.tab == tab_id, hint=f"[{pygame.key.name(key).upper()}]")
            x += tw + g // 2
        keys = wrap_balanced(self.app.fonts, "Ctrl+Tab: next tab · Tab: next button",
                             max(1, w - m - x - g), "small")
        if len(keys) <= 2:
            step = self.app.fonts.line_height("small")
            for k, line in enumerate(keys):
                ui.text(surface, line, (w - m, y + th // 2 + round((k - len(keys) / 2) * step)),
                        "small", self.app.theme.text_dim, anchor="topright")
        y += th + g
        bottom = h - m - round(self.line * 1.7) - g - (self.line + g if self.message else 0)
        body = pygame.Rect(m, y, w - 2 * m, bottom - y)
        ui.panel(surface, body)
        inner = body.inflate(-2 * g, -2 * g)
        getattr(self, f"_draw_{self.tab}")(surface, inner)
        self.button_row(surface, [
            ("same-luck", "Same luck", pygame.K_r, self.same_luck, True, True),
            ("new-luck", "New luck", pygame.K_n, self.new_luck),
            ("export", "Exporting…" if self.exporting else "Export", pygame.K_e, self.export,
             not self.exporting),
            ("replay", "Replay", pygame.K_x, self.save_replay),
            ("history", "History", pygame.K_h, self.history),
            ("menu", "Menu", pygame.K_ESCAPE, self.menu),
        ])

    def _columns(self, rect: pygame.Rect, share: float = 0.5) -> tuple[pygame.Rect, pygame.Rect]:
        g = self.gap
        left = pygame.Rect(rect.left, rect.top, round(rect.width * share) - g, rect.height)
        right = pygame.Rect(left.right + 2 * g, rect.top, rect.right - left.right - 2 * g,
                            rect.height)
        return left, right

    def _lines(self, surface, rect: pygame.Rect, lines: list[tuple[str, str, tuple | None,
                                                                    bool]],
               scroll: Scroll) -> None:
        """Draw (text, size, colour, bold) lines, wrapped, in `rect`, scrolled: what does
        not fit is a key away, and the foot of the column says so."""
        fonts = self.app.fonts
        wrapped = []
        for text, size, colour, bold in lines:
            for part in wrap(fonts, text, rect.width - 12, size, bold) if text else [""]:
                wrapped.append((part, size, colour, bold))
        scrolled_lines(self.ui, surface, rect, wrapped, scroll)

    def _draw_summary(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        t = self.app.theme
        left, right = self._columns(rect, 0.44)
        lines = [("Your targets", "body", None, True)]
        for row in self.goals:
            mark = "✓" if row["met"] else "✗"
            lines.append((f"{mark} {row['label']}: {row['value']} ({row['goal']})", "small",
                          t.good if row["met"] else t.bad, True))
        lines += [("", "small", None, False), ("Your decisions", "body", None, True)]
        if not self.decisions:
            lines.append(("None: you let the week run.", "small", t.text_dim, False))
        for d in self.decisions:
            lines.append((f"{d['when']} — {d['asked']}: {d['levers']} ({d['cost']})", "small",
                          None, False))
        lines += [("", "small", None, False), ("Key figures", "body", None, True)]
        lines += [(f"{label}: {value}", "small", None, False) for label, value in self.headline]
        self._left_rect = left
        self._lines(surface, left, lines, self.left_scroll)
        story = [("What happened", "body", None, True)]
        story += [(f"{beat.when}: {beat.text}", "small", None, False) for beat in self.story]
        if len(story) == 1:
            story.append(("A quiet week: nothing stood out.", "small", t.text_dim, False))
        note = narrative.counterfactual_note(self.story)
        if note:  # how to read "without it, … would have"
            story += [("", "small", None, False), (note, "small", t.text_dim, False)]
        self._lines(surface, right, story, self.scroll)

    def _chart_pages(self) -> list[ChartPage]:
        pages = list(self.charts or [])
        if self.twin_chart is not None:  # first: your run against another way, same luck
            name = policy_title(self.alternatives[self.twin_choice][0])
            pages.insert(0, replace(
                self.twin_chart, title=f"Your run beside ‘{name}’",
                caption="The same week with the same luck: your run dashed, the other way "
                        "solid (W to choose another way)."))
        return pages

    def _draw_charts(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """The chart on show, whole in its panel where its smallest text stays readable
        (`Theme.chart_least_px`), else as small as that and scrolled. Its heading and
        caption go above it, or in a column beside it where the panel is wide: then the
        chart has the panel's whole height (the first chart, three panels and a key, was
        seen only down to its first panel at 1920×1080, its days after scrolling)."""
        ui, t, fonts, g = self.ui, self.app.theme, self.app.fonts, self.gap
        if self.charts is None:
            ui.text(surface, "Drawing the charts…", rect.center, "heading", t.text_dim,
                    anchor="center")
            return
        if not self.charts:
            ui.text(surface, "No charts.", rect.center, anchor="center")
            return
        pages = self._chart_pages()
        self.chart_index %= len(pages)
        page = pages[self.chart_index]
        heading = f"{self.chart_index + 1}/{len(pages)}  {page.title}  (← → for the others)"
        size, button_h = self.line * 2, round(self.line * 1.3)
        buttons_w = 2 * size + g // 2
        small = fonts.line_height("small")
        more_w = fonts.width("▼ more below (↓, the wheel)", "small", True) + g
        # above: the heading beside the page buttons, the caption under it
        head, head_size, head_bold = fit_lines(fonts, heading, rect.width - buttons_w - g, (
            ("body", True, 1), ("small", True, 1), ("small", True, 2)))
        caption = wrap_fit(fonts, page.caption, rect.width - more_w, 2, "small")
        top_h = max(len(head) * fonts.line_height(head_size), button_h) \
            + len(caption) * small + 4
        above = pygame.Rect(rect.left, rect.top + top_h, rect.width, rect.height - top_h)
        # beside: a column on the left with the buttons, the heading and the caption
        column_w = max(buttons_w, round(rect.width * CHART_COLUMN_SHARE))
        beside = pygame.Rect(rect.left + column_w + g, rect.top, rect.width - column_w - g,
                             rect.height)
        # beside where the chart is whole only there, or larger by more than a little
        (side_scale, side_scrolls), (top_scale, top_scrolls) = (
            self._chart_scale(page, beside), self._chart_scale(page, above))
        side = (top_scrolls and not side_scrolls) or (side_scrolls == top_scrolls
                                                      and side_scale > top_scale * 1.05)
        area = beside if side else above
        left = rect.left if side else rect.right - buttons_w
        for k, (bid, step) in enumerate((("chart-prev", -1), ("chart-next", 1))):
            button = pygame.Rect(left + k * (size + g // 2), rect.top, size, button_h)
            ui.button(surface, bid, button, "‹" if step < 0 else "›",
                      lambda step=step: self._page(step), pygame.K_LEFT if step < 0 else
                      pygame.K_RIGHT)
            ui.tip(button, ["The previous chart [←]" if step < 0 else "The next chart [→]"])
        if side:
            head, head_size, head_bold = fit_lines(fonts, heading, column_w, (
                ("body", True, 4), ("small", True, 6)))
            caption = wrap(fonts, page.caption, column_w, "small")
            y = rect.top + button_h + g
        else:
            y = rect.top
        for line in head:
            y = ui.text(surface, line, (rect.left, y), head_size, bold=head_bold).bottom
        y = max(y, rect.top + button_h)
        for line in caption:
            y = ui.text(surface, line, (rect.left, y), "small", t.text_dim).bottom
        scale, scrolls = self._chart_scale(page, area)
        self.chart_text_px = scale * page.smallest_px if page.smallest_px else None
        scaled = self._scaled_chart(page.image, scale)
        place = scaled.get_rect(midtop=area.midtop)
        self.chart_scrolls = scrolls
        if scrolls:  # too tall to be read whole: as small as it reads, scrolled
            most = scaled.get_height() - area.height
            self.chart_offset_px = max(0, min(self.chart_offset_px, most))
            surface.blit(scaled, place.topleft,
                         pygame.Rect(0, self.chart_offset_px, scaled.get_width(), area.height))
            bar = Scroll()
            bar.total, bar.visible, bar.top = scaled.get_height(), area.height, \
                self.chart_offset_px
            bar.draw_bar(ui, surface, area)
            more = "▼ more below (↓, the wheel)" if self.chart_offset_px < most else \
                "▲ the top (↑)"
            at = (rect.left, y + g) if side else (area.right, area.top - 4)
            ui.text(surface, more, at, "small", t.accent, bold=True,
                    anchor="topleft" if side else "bottomright")
            self.chart_rect = pygame.Rect(place.left, area.top, scaled.get_width(),
                                          area.height)
        else:
            surface.blit(scaled, place)
            self.chart_rect = place

    def _page(self, step: int) -> None:
        n = len(self._chart_pages()) or 1
        self.chart_index = (self.chart_index + step) % n
        self.chart_offset_px = 0

    def _chart_scale(self, page: ChartPage, area: pygame.Rect) -> tuple[float, bool]:
        """How much to scale the chart for `area`, and whether it then scrolls: whole in
        the area while its smallest text stays `chart_least_px` high or more; else that
        small (no wider than the area) and scrolled."""
        iw, ih = page.image.get_size()
        whole = min(area.width / iw, area.height / ih)
        least = self.app.theme.chart_least_px / page.smallest_px if page.smallest_px else 0.0
        if whole >= least:
            return whole, False
        scale = min(least, area.width / iw)
        return scale, ih * scale > area.height + 1

    def _scaled_chart(self, image: pygame.Surface, scale: float) -> pygame.Surface:
        iw, ih = image.get_size()
        size = (max(1, int(iw * scale)), max(1, int(ih * scale)))
        cache_key = (id(image), *size)
        if len(self._scaled) > 24:
            self._scaled.clear()
        scaled = self._scaled.get(cache_key)
        if scaled is None:
            scaled = pygame.transform.smoothscale(image.convert() if pygame.display.get_surface()
                                                  else image, size)
            self._scaled[cache_key] = scaled
        return scaled

    def _draw_people(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        t = self.app.theme
        left, right = self._columns(rect, 0.5)
        lines = []
        for j in self.journeys:
            colour = t.good if j.kind == "good" else t.bad if j.kind == "bad" else t.text
            lines.append((f"{j.title}: someone in {j.department} (remembers it at "
                          f"{j.remembered:.0f}/100)", "body", colour, True))
            for mom in j.moments:
                clock = narrative.when(self.outcome, mom["time_min"])
                lines.append((f"{clock}: {mom['reason']} — {mom['score']:.0f}", "small",
                              None, False))
            lines.append(("", "small", None, False))
        if not lines:
            lines.append(("Nobody to follow: this scenario has no departments.", "small",
                          t.text_dim, False))
        self._left_rect = left
        self._lines(surface, left, lines, self.left_scroll)
        rows = [r for r in self.ledger_rows if self.ledger_filter == "all"
                or r[1] == self.ledger_filter]
        words = {"bad": "bad moments", "good": "good moments", "all": "every moment"}
        head = [(f"The ledger: {words[self.ledger_filter]} ({len(rows):,})", "body", None,
                 True)]
        marks = {"good": ("✓", t.good), "bad": ("✗", t.bad), "neutral": ("•", t.text_dim)}
        body = []
        for time_min, verdict, reason in rows[:2000]:
            mark, colour = marks[verdict]
            body.append((f"{mark} {narrative.when(self.outcome, time_min)}: {reason}", "small",
                         colour if verdict == "bad" else None, False))
        ui = self.ui
        y = right.top
        for text, size, colour, bold in head:
            # the heading stops short of the Switch button beside it, in smaller type if
            # need be
            lines, size, bold = fit_lines(self.app.fonts, text,
                                          right.width - self.line * 7 - self.gap,
                                          ((size, bold, 1), ("small", bold, 1),
                                           ("small", bold, 2)))
            for line in lines:
                y = ui.text(surface, line, (right.left, y), size, colour, bold).bottom
        ui.button(surface, "filter", pygame.Rect(right.right - self.line * 7, right.top,
                  self.line * 7, self.line), "Switch", self.cycle_filter, pygame.K_f,
                  hint="[F]", size="small")
        self._lines(surface, pygame.Rect(right.left, y + 4, right.width, right.bottom - y - 4),
                    body, self.scroll)

    def _draw_whatif(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        ui, t, fonts = self.ui, self.app.theme, self.app.fonts
        if not self.alternatives:
            ui.text(surface, "This scenario has no other ways to play to compare with.",
                    rect.topleft, colour=t.text_dim)
            return
        left, right = self._columns(rect, 0.34)
        y = left.top
        for text, size, colour, bold in (
                ("Had you played it another way", "body", None, True),
                (f"Same week, same luck · {number_keys(len(self.alternatives))} to choose",
                 "small", t.text_dim, False)):
            for line in wrap(fonts, text, left.width, size, bold):
                y = ui.text(surface, line, (left.left, y), size, colour, bold=bold).bottom
        y += 4
        small = fonts.line_height("small")
        # each way with every lever it pulls, whole: where they do not all fit (a small
        # window; "Hands-on traini…" was cut at 960×600) the list scrolls, as the summary's
        # left column does (Shift and the keys, or the wheel over it)
        pad, space = 6, 4
        area = pygame.Rect(left.left, y, left.width, left.bottom - y)
        room, box_w = area.height + space, left.width
        for bar_w in (0, 10):  # (a list that scrolls leaves room for its bar)
            box_w = left.width - bar_w
            wrapped = [wrap(fonts, words, box_w - 2 * pad, "small")
                       for _, words, _ in self.alternatives]
            heights = [(1 + len(lines)) * small + 4 + space for lines in wrapped]
            if sum(heights) <= room:
                break
        if sum(heights) > room:
            room -= small  # the cue's line
        at_end, used = 0, 0  # how many ways fit at the end of the list: as far as it scrolls
        for height in reversed(heights):
            if used + height > room:
                break
            used += height
            at_end += 1
        self.left_scroll.set_size(len(self.alternatives), max(1, at_end))
        self._left_rect = left
        below = False
        for i in range(self.left_scroll.top, len(self.alternatives)):
            name, words, _ = self.alternatives[i]
            if y + heights[i] > area.top + room:
                below = True
                break
            box = pygame.Rect(left.left, y, box_w, heights[i] - space)
            chosen = i == self.twin_choice
            ui.panel(surface, box, t.panel_high if chosen else t.panel,
                     t.accent if chosen else t.edge, 3 if chosen else 1)
            ui.text(surface, f"[{i + 1}]  {policy_title(name)}", (box.left + pad, box.top + 2),
                    "small", bold=True, max_width=box.width - 2 * pad)
            for k, line in enumerate(wrapped[i]):
                ui.text(surface, line, (box.left + pad, box.top + 2 + (k + 1) * small),
                        "small", t.text_dim)
            ui.area(f"twin:{name}", box, lambda i=i: self.run_twin(i))
            ui.tip(box, [f"{policy_title(name)}: {words}", "Click, Space or its number "
                         f"[{i + 1}] to run it beside yours"])
            y += heights[i]
        self.left_scroll.draw_bar(ui, surface, area)
        self.left_scroll.draw_cue(ui, surface, area, below)
        if self.twin is None:
            text = "Running the twin…" if self.twin_future is not None else \
                f"Choose a way to play ({number_keys(len(self.alternatives))})."
            ui.text(surface, text, right.center, "heading", t.text_dim, anchor="center")
            return
        self._draw_twin_table(surface, right)

    def _draw_twin_table(self, surface: pygame.Surface, right: pygame.Rect) -> None:
        """Your run beside the twin, figure by figure: columns as wide as what they hold."""
        from reports.debrief import TWIN_FIGURES
        from sim.kpis import kpi_label

        ui, t, fonts = self.ui, self.app.theme, self.app.fonts
        part = self.twin
        other = policy_title(self.alternatives[self.twin_choice][0])
        names = {kpi_label(name)[0]: name for name in TWIN_FIGURES}
        better = part.better or [""] * len(part.rows)
        rows = []
        for (label, here, there, diff), best in zip(part.rows, better, strict=True):
            size = diff.lstrip("+-−")
            verdict = {"here": f"✓ better by {size}", "there": f"✗ worse by {size}"}.get(
                best, "the same" if diff in ("0", "0.0", "0.0 pts", "0 EUR") else diff)
            # the figure in the fewest words, as the floor names it (the tip: the long label)
            short = SHORT_LABELS.get(names.get(label, ""), label)
            rows.append((short, label, here, there, verdict, best))
        heads = ("", "Your run", other, "For you")
        gap = fonts.px("small")
        widths = [max([fonts.width(heads[k], "small", True)]
                      + [fonts.width(r[[0, 2, 3, 4][k]], "small", True) for r in rows]) + gap
                  for k in range(4)]
        if sum(widths) > right.width:  # the figures' names give way first: two lines
            widths[0] = max(right.width - sum(widths[1:]), right.width // 4)
        col = [right.left]
        for w in widths[:3]:
            col.append(col[-1] + w)
        y = right.top
        for k, head in enumerate(heads):
            ui.text(surface, head, (col[k], y), "small", bold=True)
        step = fonts.line_height("small")
        y += step
        for short, label, here, there, verdict, best in rows:
            # the better of the two values in green, the worse in orange, each with a mark
            here_colour = t.good if best == "here" else t.bad if best == "there" else None
            there_colour = t.good if best == "there" else t.bad if best == "here" else None
            name_lines = wrap(fonts, short, widths[0] - gap, "small")
            # on a narrow window the verdict wraps in what is left of the row
            verdict_lines = wrap(fonts, verdict, right.right - col[3], "small", True)
            top = y
            for line in name_lines:
                ui.text(surface, line, (col[0], y), "small")
                y += step
            ui.text(surface, here, (col[1], top), "small", here_colour, bold=best == "here")
            ui.text(surface, there, (col[2], top), "small", there_colour, bold=best == "there")
            for k, line in enumerate(verdict_lines):
                ui.text(surface, line, (col[3], top + k * step), "small",
                        here_colour or t.text_dim, bold=True)
            y = max(y, top + len(verdict_lines) * step)
            ui.tip(pygame.Rect(right.left, top, right.width, y - top), [label])
        y += 2
        # what the table means, under it: scrolled where the window is short of room
        notes = []
        for text, colour, bold in (
                ("Green is the better of the two runs on each line: ✓ yours, ✗ the other way.",
                 t.text_dim, False),
                (self.twin_summary or part.summary, t.text_dim, False),
                ("The two runs on one chart: the first page of Charts [C]." if self.twin_chart
                 is not None else "", t.accent, True)):
            if text:
                notes += [(line, "small", colour, bold)
                          for line in wrap(fonts, text, right.width - 12, "small", bold)]
        scrolled_lines(ui, surface, pygame.Rect(right.left, y, right.width, right.bottom - y),
                       notes, self.scroll)

    def _draw_discuss(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        t = self.app.theme
        lines = [("For the group: stop, start, continue", "heading", None, True)]
        for kind, question in self.questions:
            lines.append((kind, "body", t.accent, True))
            lines.append((question, "body", None, False))
            lines.append(("", "small", None, False))
        self._lines(surface, rect, lines, self.scroll)

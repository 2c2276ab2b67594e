"""The briefing: the scenario's story for the trainee, who and what is involved (departments,
services, teams, suppliers) and the targets the week will be judged against."""

from __future__ import annotations

import pygame

from game.screens.base import Screen
from game.screens.picker import length_words
from game.screens.preparation import asks_before_the_week
from game.ui import Scroll, reflow, scrolled_lines, wrap
from sim.kpis import kpi_label
from sim.scenario import Scenario


def goal_lines(scenario: Scenario) -> list[str]:
    """The scenario's goals in words: "Abandonment rate (phone): at most 10%"."""
    lines = []
    for name, goal in scenario.goals.items():
        label, unit = kpi_label(name)
        value = goal.at_most if goal.at_most is not None else goal.at_least
        shown = f"{value * 100:.0f}%" if unit == "share" else \
            f"{value:g} min" if unit == "min" else f"{value:,.0f} {scenario.currency}" \
            if unit == "money" else f"{value:g}"
        lines.append(f"{label}: {'at most' if goal.at_most is not None else 'at least'} {shown}")
    return lines


class BriefingScreen(Screen):
    name = "briefing"
    title = "Briefing"

    def __init__(self, app, scenario: Scenario, source: str):
        super().__init__(app)
        self.scenario = scenario
        self.source = source
        self.scroll = Scroll()
        # the facts on the right: a second list, Shift and the same keys, or the wheel
        self.facts_scroll = Scroll(shift=True)
        self._facts_rect = pygame.Rect(0, 0, 0, 0)

    def start(self) -> None:
        from game.screens.preparation import begin_play

        begin_play(self.app, self.scenario, self.source)

    def back(self) -> None:
        from game.screens.picker import PickerScreen

        self.app.show(PickerScreen(self.app))

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEWHEEL and self._facts_rect.collidepoint(self.ui.mouse):
            return self.facts_scroll.handle(event)  # the wheel scrolls what is under it
        return self.facts_scroll.handle(event) or self.scroll.handle(event)

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, m, g = self.ui, self.margin, self.gap
        sc = self.scenario
        w, h = surface.get_size()
        y = self.header(surface, sc.title, f"{length_words(sc)} · luck {self.app.seed}"
                        + (f" · {self.app.team}" if self.app.team else ""))
        bottom = h - m - round(self.line * 1.7) - g
        left = pygame.Rect(m, y, round((w - 2 * m) * 0.58), bottom - y - g)
        right = pygame.Rect(left.right + 2 * g, y, w - m - left.right - 2 * g, left.height)
        ui.panel(surface, left)
        inner = left.inflate(-2 * g, -2 * g)
        lines = wrap(self.app.fonts, reflow(sc.briefing or sc.description or
                                            "(this scenario has no briefing)"),
                     inner.width - 10)
        # a story longer than the panel scrolls, and its last line says so
        visible = self.scroll.cue_lines(len(lines), inner.height // self.line)
        self.scroll.set_size(len(lines), visible)
        for i, line in enumerate(lines[self.scroll.top:self.scroll.top + visible]):
            if line:
                ui.text(surface, line, (inner.left, inner.top + i * self.line))
        self.scroll.draw_bar(ui, surface, inner)
        self.scroll.draw_cue(ui, surface, inner)

        ui.panel(surface, right)
        self._draw_facts(surface, right.inflate(-2 * g, -2 * g))
        # what Enter does next, said as it is: the preparation where the scenario asks
        # something before the week starts ("Start the week" opened the preparation)
        go = "Prepare for the week" if asks_before_the_week(sc) else "Start the week"
        self.button_row(surface, [
            ("start", go, pygame.K_RETURN, self.start, True, True),
            ("back", "Back", pygame.K_ESCAPE, self.back),
        ])

    def _draw_facts(self, surface: pygame.Surface, inner: pygame.Rect) -> None:
        """Who and what is involved, each item on a line of its own; on a small window the
        panel scrolls (Shift+↓ / PgDn, or the wheel over it) and says so at its foot."""
        t, fonts = self.app.theme, self.app.fonts
        self._facts_rect = inner
        lines: list[tuple] = []
        for heading, items in self._facts():
            if not items:
                continue
            if lines:
                lines.append(("", "small", None, False))
            lines.append((heading, "body", None, True))
            lines += [(line, "small", t.text_dim, False, self.line // 2) for item in items
                      for line in wrap(fonts, item, inner.width - self.line, "small")]
        scrolled_lines(self.ui, surface, inner, lines, self.facts_scroll)

    def _facts(self) -> list[tuple[str, list[str]]]:
        sc = self.scenario
        services = {s.id: s for s in sc.services}
        return [
            ("Your targets", goal_lines(sc)),
            ("Departments (your customers)",
             [f"{d.name or d.id}: {d.headcount:,} people" for d in sc.departments]),
            ("Services", [f"{s.name or s.id} ({s.criticality})" for s in services.values()]),
            ("Teams", [f"{tm.name or tm.id}: tier {tm.tier}"
                       + (f", {tm.staff} staff" if tm.staff is not None else ", in shifts")
                       for tm in sc.teams]),
            ("Suppliers", [s.name or s.id for s in sc.suppliers]),
        ]

"""The run history and the leaderboard, per scenario: every run kept (newest first) and
the best score per team — for a workshop's projector, or to see today's run beside
yesterday's. Read from the run history (`sim.history`)."""

from __future__ import annotations

import pygame

from game.screens.base import Screen
from game.ui import Scroll
from reports.narrative import format_figure
from sim.builtin import list_builtin


class HistoryScreen(Screen):
    name = "history"
    title = "History and leaderboard"

    def __init__(self, app, back: Screen | None = None, scenario_id: str | None = None):
        super().__init__(app)
        self.back_to = back
        self.scenarios = [(b.id, b.title) for b in list_builtin()]
        ids = [s[0] for s in self.scenarios]
        if scenario_id and scenario_id not in ids:
            self.scenarios.append((scenario_id, scenario_id))
            ids.append(scenario_id)
        self.index = ids.index(scenario_id) if scenario_id in ids else (
            ids.index("softphone-cutover") if "softphone-cutover" in ids else 0)
        self.per_team = True
        self.scroll = Scroll()
        self.error = ""
        self.runs = []
        self.board = []
        self.total = 0
        self._load()

    @property
    def scenario_id(self) -> str | None:
        return self.scenarios[self.index][0] if self.scenarios else None

    def _load(self) -> None:
        from sim.history import History, HistoryError

        self.error = ""
        if self.scenario_id is None:
            return
        try:
            with History(self.app.options.db) as history:
                self.runs = history.runs(self.scenario_id, limit=200)
                self.total = history.count(self.scenario_id)
                self.board = history.leaderboard(self.scenario_id, "score", limit=10,
                                                 per_team=self.per_team)
        except HistoryError as error:
            self.runs, self.board, self.total = [], [], 0
            self.error = str(error)

    def switch(self, step: int) -> None:
        if self.scenarios:
            self.index = (self.index + step) % len(self.scenarios)
            self.scroll = Scroll()
            self._load()

    def toggle_per_team(self) -> None:
        self.per_team = not self.per_team
        self._load()

    def back(self) -> None:
        if self.back_to is not None:
            self.app.show(self.back_to)
        else:
            from game.screens.title import TitleScreen

            self.app.show(TitleScreen(self.app))

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_LEFT, pygame.K_RIGHT):
            self.switch(1 if event.key == pygame.K_RIGHT else -1)
            return True
        return self.scroll.handle(event)

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, t, m, g = self.ui, self.app.theme, self.margin, self.gap
        w, h = surface.get_size()
        title = self.scenarios[self.index][1] if self.scenarios else "no scenarios"
        y = self.header(surface, f"History and leaderboard: {title}",
                        "← → another scenario · the runs kept on this computer")
        bottom = h - m - round(self.line * 1.7) - g
        if self.error:
            ui.text(surface, self.error, (m, y), colour=t.bad, max_width=w - 2 * m)
            y += self.line * 2
        left = pygame.Rect(m, y, round((w - 2 * m) * 0.34), bottom - y)
        right = pygame.Rect(left.right + 2 * g, y, w - m - left.right - 2 * g, left.height)
        ui.panel(surface, left)
        ui.panel(surface, right)
        currency = "EUR"
        inner = left.inflate(-2 * g, -2 * g)
        who = "best run per team" if self.per_team else "best runs"
        ly = ui.text(surface, "Leaderboard by score", inner.topleft, bold=True,
                     max_width=inner.width).bottom
        ly = ui.text(surface, f"{who} · T switches", (inner.left, ly), "small", t.text_dim,
                     max_width=inner.width).bottom + 2
        step = self.app.fonts.line_height("small")
        if not self.board:
            ui.text(surface, "No runs yet: play one!", (inner.left, ly + 4), "small",
                    t.text_dim)
        for rank, r in enumerate(self.board, start=1):
            if ly + step > inner.bottom:
                break
            team = r.team or "(no name)"
            colour = t.accent if team == (self.app.team or "(no name)") else t.text
            ui.text(surface, f"{rank:>2}. {team}", (inner.left, ly), "small", colour,
                    bold=rank == 1, max_width=inner.width * 6 // 10)
            ui.text(surface, f"{score_words(r.score)}  (luck {r.seed})", (inner.right, ly),
                    "small", colour, anchor="topright")
            ly += step
        inner = right.inflate(-2 * g, -2 * g)
        ry = ui.text(surface, f"Runs kept: {self.total}", inner.topleft, bold=True,
                     max_width=inner.width).bottom + 2
        cols = [0.0, 0.21, 0.38, 0.47, 0.59, 0.72, 0.84]
        heads = ["Saved", "Team", "Luck", "Score", "Hung up", "Satisf.", "Cost"]
        for k, (c, head) in enumerate(zip(cols, heads, strict=True)):
            right_edge = cols[k + 1] if k + 1 < len(cols) else 1.0
            ui.text(surface, head, (inner.left + round(inner.width * c), ry), "small", bold=True,
                    max_width=round(inner.width * (right_edge - c)) - 4)
        ry += step
        visible = self.scroll.cue_lines(len(self.runs), max(1, (inner.bottom - ry) // step))
        self.scroll.set_size(len(self.runs), visible)
        for r in self.runs[self.scroll.top:self.scroll.top + visible]:
            currency = r.currency or currency
            cells = [r.saved_at.astimezone().strftime("%d %b %H:%M"), r.team or "—", str(r.seed),
                     score_words(r.score), format_figure(r.abandonment_rate, "share"),
                     format_figure(r.satisfaction, "points"), _num(r.cost_total, "{:,.0f}")]
            for k, (c, cell) in enumerate(zip(cols, cells, strict=True)):
                right_edge = cols[k + 1] if k + 1 < len(cols) else 1.0
                ui.text(surface, cell, (inner.left + round(inner.width * c), ry), "small",
                        max_width=round(inner.width * (right_edge - c)) - 4)
            ry += step
        self.scroll.draw_bar(ui, surface, pygame.Rect(inner.left, inner.top + 2 * step,
                                                      inner.width, inner.height - 2 * step))
        self.scroll.draw_cue(ui, surface, inner)
        self.button_row(surface, [
            ("back", "Back", pygame.K_ESCAPE, self.back, True, True),
            ("prev-scenario", "Previous scenario", pygame.K_LEFT, lambda: self.switch(-1)),
            ("next-scenario", "Next scenario", pygame.K_RIGHT, lambda: self.switch(1)),
            ("per-team", "All runs" if self.per_team else "Best per team", pygame.K_t,
             self.toggle_per_team),
        ])


def score_words(score: float | None) -> str:
    """A run's score as the debrief shows it (one decimal: `reports.narrative.format_figure`
    of a 0-100 figure), so the same run reads the same here and there."""
    return format_figure(score, "points")


def _num(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)

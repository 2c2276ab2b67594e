"""Preparation: the levers on offer before the clock starts (the decision points at minute
0), as cards with their cost and effect, within a budget. Enter starts the week, Esc goes
back to the briefing."""

from __future__ import annotations

import pygame

from game.levers import LeverChooser
from game.screens.base import Screen
from game.session import Play
from game.ui import number_keys, reflow
from sim.scenario import Scenario


def begin_play(app, scenario: Scenario, source: str, seed: int | None = None) -> Play:
    """Start a run of `scenario` and show its first screen: the preparation when the
    scenario asks something at minute 0, otherwise the floor."""
    if seed is not None:
        app.seed = seed
    play = Play(scenario, seed=app.seed, team=app.team, source=source)
    next_screen(app, play)
    return play


def asks_before_the_week(scenario: Scenario) -> bool:
    """Does the scenario ask something at minute 0 (a preparation screen comes first)?"""
    return any(point.at == 0.0 for point in scenario.decision_points)


def next_screen(app, play: Play) -> None:
    from game.screens.floor import FloorScreen

    if play.pending is not None and play.now_min == 0.0:
        app.show(PreparationScreen(app, play))
    else:
        app.show(FloorScreen(app, play))


class PreparationScreen(Screen):
    name = "preparation"
    title = "Preparation"

    def __init__(self, app, play: Play):
        super().__init__(app)
        self.play = play
        pending = play.pending
        self.point = pending.point
        self.chooser = LeverChooser(pending.levers, play.offered, play.scenario,
                                    pending.budget, pending.choice == "single",
                                    status=play.lever_status)

    def confirm(self) -> None:
        if not self.chooser.within_budget:
            self.say("That is over the budget: leave something out.", bad=True)
            return
        self.play.decide(list(self.chooser.chosen))
        next_screen(self.app, self.play)

    def back(self) -> None:
        """Esc: back to the briefing (the run has not started: nothing is lost)."""
        from game.screens.briefing import BriefingScreen

        self.app.show(BriefingScreen(self.app, self.play.scenario, self.play.source))

    def handle_screen(self, event: pygame.event.Event) -> bool:
        return self.chooser.handle_key(event)

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, t, m, g = self.ui, self.app.theme, self.margin, self.gap
        w, h = surface.get_size()
        y = self.header(surface, self.point.title or "Before the week starts",
                        reflow(self.point.prompt).replace("\n", " "))
        budget = self.chooser.budget_words()
        colour = t.text if self.chooser.within_budget else t.bad
        y = ui.text(surface, budget, (m, y), "body", colour, bold=True).bottom + g
        # the cards end where the hint line above the buttons begins
        bottom = h - m - round(self.line * 1.7) - 2 * g - self.app.fonts.line_height("small")
        self.chooser.draw(ui, surface, pygame.Rect(m, y, w - 2 * m, bottom - y))
        choose = (f"[{number_keys(len(self.chooser.levers))}] or a click chooses a card · "
                  "hover, or Tab / Shift+Tab to it, for the evidence · Space chooses the card "
                  "in focus")
        ui.text(surface, choose, (m, bottom + g // 2), "small", t.text_dim,
                max_width=w - 2 * m)
        label = "Start the week" if self.chooser.chosen else "Start with no preparation"
        self.button_row(surface, [
            ("confirm", label, pygame.K_RETURN, self.confirm, self.chooser.within_budget, True),
            ("clear", "Clear", pygame.K_BACKSPACE, self.chooser.chosen.clear),
            ("back", "Back to the briefing", pygame.K_ESCAPE, self.back),
        ])

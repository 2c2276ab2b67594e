"""Levers as the player sees them: cards with a name, a cost, what the lever does in
words, and the evidence for its size; and a chooser that answers a decision point (the
preparation screen, the decision pop-up) or orders levers from the lever panel."""

from __future__ import annotations

from collections.abc import Callable

import pygame

from game.ui import Ui, fit_lines, hint, wrap
from sim.names import effect_sentence, evidence_words
from sim.scenario import Lever, Scenario

#: A card's title: two lines of body type, else of small type, else three of small type.
TITLE_STYLES = (("body", True, 2), ("small", True, 2), ("small", True, 3))


def lever_lines(lever: Lever, scenario: Scenario) -> list[str]:
    """A lever's tooltip: what it is, what it does (in the debrief's words,
    `sim.names.effect_sentence`), how long, the evidence."""
    lines = [lever.name, f"Costs {lever.cost:,.0f} {scenario.currency}"]
    if lever.description:
        lines.append(" ".join(lever.description.split()))
    lines += [f"• {sentence}" for sentence in
              dict.fromkeys(effect_sentence(e, scenario) for e in lever.effects)]
    if lever.duration_min:
        lines.append(f"Lasts {lever.duration_min / 60:g} h of the clock, then wears off")
    if lever.evidence:
        # the grade letters in words, as the debrief says them ("Our assumption", ...)
        lines.append(f"Where the sizes come from: {evidence_words(lever.evidence)}")
    return lines


class LeverChooser:
    """Cards to choose levers from, within a budget, and a confirm."""

    def __init__(self, levers: list[Lever], offered: Callable[[str], bool], scenario: Scenario,
                 budget: float | None = None, single: bool = False,
                 status: Callable[[str], str] | None = None):
        self.levers = levers
        self.offered = offered
        # why a lever that is not offered is not ("in force until Wed 00:00")
        self.status = status or (lambda lever_id: "done already")
        self.currency = scenario.currency
        #: what each card says each lever does, with the number first: with what it acts
        #: on, and without (`sim.names.effect_sentence`, short); the tips, in full
        self._does = {lever.id: ([effect_sentence(e, scenario, short=True)
                                  for e in lever.effects],
                                 [effect_sentence(e, scenario, short=True, acts_on=False)
                                  for e in lever.effects]) for lever in levers}
        self._tips = {lever.id: lever_lines(lever, scenario) for lever in levers}
        self.budget = budget
        self.single = single
        self.chosen: list[str] = []

    @property
    def cost(self) -> float:
        costs = {lv.id: lv.cost for lv in self.levers}
        return sum(costs[c] for c in self.chosen)

    @property
    def within_budget(self) -> bool:
        return self.budget is None or self.cost <= self.budget + 1e-9

    def toggle(self, lever_id: str) -> None:
        if not self.offered(lever_id):
            return
        if lever_id in self.chosen:
            self.chosen.remove(lever_id)
        elif self.single:
            self.chosen = [lever_id]
        else:
            self.chosen.append(lever_id)

    def toggle_number(self, n: int) -> None:
        """Number keys 1-9 toggle the n-th card."""
        if 1 <= n <= len(self.levers):
            self.toggle(self.levers[n - 1].id)

    def handle_key(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and pygame.K_1 <= event.key <= pygame.K_9:
            self.toggle_number(event.key - pygame.K_0)
            return True
        if event.type == pygame.KEYDOWN and pygame.K_KP1 <= event.key <= pygame.K_KP9:
            self.toggle_number(event.key - pygame.K_KP1 + 1)
            return True
        return False

    def budget_words(self) -> str:
        spent = f"{self.cost:,.0f} {self.currency}"
        if self.budget is None:
            return f"Chosen: {spent}"
        left = self.budget - self.cost
        if left < 0:
            return f"Chosen: {spent} — {-left:,.0f} over the budget of {self.budget:,.0f}"
        return f"Chosen: {spent} of {self.budget:,.0f} — {left:,.0f} left"

    def draw(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """The cards in a grid filling `rect`."""
        t, fonts = ui.theme, ui.fonts
        n = len(self.levers)
        if n == 0:
            ui.text(surface, "Nothing to choose here.", rect.topleft, colour=t.text_dim)
            return
        gap = max(6, fonts.px() // 2)
        columns = 4 if rect.width > fonts.px() * 60 and n > 6 else 3 if n > 4 else max(1, min(n, 2))
        columns = min(columns, n)
        rows = -(-n // columns)
        card_w = (rect.width - gap * (columns - 1)) // columns
        card_h = (rect.height - gap * (rows - 1)) // rows
        small = fonts.line_height("small")
        pad = fonts.px("small") // 2 + 2
        inner_w = card_w - 2 * pad
        # one size of title for every card (the first that holds each title whole, with its
        # tick), so the cards read as a set and do not change as they are chosen
        titles = [f"[{i + 1}] ✓ {lever.name}" for i, lever in enumerate(self.levers)]
        style = next((st for st in TITLE_STYLES
                      if all(len(wrap(fonts, title, inner_w, st[0], True)) <= st[2]
                             for title in titles)), TITLE_STYLES[-1])
        for i, lever in enumerate(self.levers):
            r, c = divmod(i, columns)
            card = pygame.Rect(rect.left + c * (card_w + gap), rect.top + r * (card_h + gap),
                               card_w, card_h)
            offered = self.offered(lever.id)
            chosen = lever.id in self.chosen
            fill = t.panel_high if chosen else t.panel
            edge = t.accent if chosen else t.edge
            ui.panel(surface, card, fill, edge, 4 if chosen else 1)
            inner = card.inflate(-2 * pad, -2 * pad)
            mark = "✓ " if chosen else ""
            colour = t.text if offered else t.idle
            y = inner.top
            # the whole title; the number in brackets is the key that chooses the card
            title_lines, size, _ = fit_lines(fonts, f"[{i + 1}] {mark}{lever.name}",
                                             inner.width, (style,))
            for line in title_lines:
                ui.text(surface, line, (inner.left, y), size, bold=True, colour=colour)
                y += fonts.line_height(size)
            cost = f"{lever.cost:,.0f} {self.currency}"
            if lever.duration_min:
                cost += f" · for {lever.duration_min / 60:g} h"
            if not offered:
                cost += f" · {self.status(lever.id)}"
            # why a lever is not on offer is information: readable, not greyed out
            for line in wrap(fonts, cost, inner.width, "small"):
                ui.text(surface, line, (inner.left, y), "small",
                        t.warn if offered else t.text_dim)
                y += small
            # what it does first, in numbers, each effect whole; then the story of the
            # lever, when it fits whole (the tip has it all)
            room = max(0, (inner.bottom - y) // small)
            lines: list[tuple[str, tuple]] = []
            does, bare = self._does[lever.id]
            effects = [wrap(fonts, "• " + words, inner.width, "small") for words in does]
            if sum(map(len, effects)) > room:
                # what it does matters more than what it acts on: drop the latter
                effects = [wrap(fonts, "• " + words, inner.width, "small") for words in bare]
            for k, effect in enumerate(effects):
                more = len(effects) - k - 1
                # room for this one, and for a line saying how many more if any are left
                if len(lines) + len(effect) + (1 if more else 0) > room:
                    if room - len(lines) >= 1:
                        lines.append((f"• and {len(effects) - k} more: hover or Tab",
                                      t.text_dim if offered else t.idle))
                    break
                lines += [(w, t.text if offered else t.idle) for w in effect]
            story = " ".join((lever.description or "").split())
            first = story.split(". ")[0].rstrip(".") + "." if story else ""
            for candidate in (story, first):
                told = wrap(fonts, candidate, inner.width, "small") if candidate else []
                if told and len(told) <= room - len(lines):
                    lines += [(w, t.text_dim if offered else t.idle) for w in told]
                    break
            for line, line_colour in lines:
                ui.text(surface, line, (inner.left, y), "small", line_colour)
                y += small
            ui.area(f"lever:{lever.id}", card, lambda lv=lever.id: self.toggle(lv))
            ui.tip(card, self._tips[lever.id])


def confirm_hint() -> str:
    return hint(pygame.K_RETURN) or ""

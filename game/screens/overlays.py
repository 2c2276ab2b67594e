"""Pop-ups over the operations floor: a decision point (the clock stops until the player
answers), the lever panel (levers the scenario lets the player pull at any time), and the
end of the run. Each takes the events first while it is open."""

from __future__ import annotations

from collections.abc import Callable

import pygame

from game.levers import LeverChooser
from game.session import Play
from game.ui import Ui, hint, number_keys, reflow, wrap_balanced, wrap_fit

#: The keys for the lever cards of a pop-up, shown above its buttons; then what Esc does
#: there (a decision must be answered: the clock waits).
CARD_KEYS = "{numbers} choose a card · Tab / Shift+Tab: a card's evidence, Space chooses it"
DECISION_ESC = "Esc lets go of a card; the clock waits for your answer: Do nothing is a choice"
LEVERS_ESC = "Esc lets go of a card, then closes the panel"
#: What a decision pop-up says when Esc is pressed with nothing to let go of.
ESC_WAITS = "The clock waits for your answer: choose levers and Decide, or Do nothing [Enter]."
#: Below this window height a full-size pop-up takes nearly all of it: its cards need the
#: room (at 960x600 a card's title took three lines and left none for what it does).
SMALL_WINDOW_PX = 720


class Overlay:
    modal = True
    WIDTH_SHARE = 0.86  # of the window, for the box of a full-size pop-up
    HEIGHT_SHARE = 0.84
    SMALL_SHARE = 0.95  # both, on a window under SMALL_WINDOW_PX high

    def handle(self, event: pygame.event.Event) -> bool:
        return False

    def notice(self, event: pygame.event.Event) -> None:
        """Every event while the pop-up is open, before anything acts on it — Tab and Esc
        included, which move or drop the focus before the pop-up's `handle` sees them."""

    def draw(self, surface: pygame.Surface, ui: Ui) -> None:
        raise NotImplementedError

    @staticmethod
    def dim(surface: pygame.Surface, ui: Ui) -> None:
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill(ui.theme.shadow)
        surface.blit(shade, (0, 0))

    @classmethod
    def full_shares(cls, surface: pygame.Surface) -> tuple[float, float]:
        """The share of the window's width and height a full-size pop-up takes."""
        if surface.get_height() < SMALL_WINDOW_PX:
            return cls.SMALL_SHARE, cls.SMALL_SHARE
        return cls.WIDTH_SHARE, cls.HEIGHT_SHARE

    @staticmethod
    def box(surface: pygame.Surface, ui: Ui, width_share: float = WIDTH_SHARE,
            height_share: float = HEIGHT_SHARE) -> pygame.Rect:
        w, h = surface.get_size()
        rect = pygame.Rect(0, 0, round(w * width_share), round(h * height_share))
        rect.center = (w // 2, h // 2)
        ui.panel(surface, rect, ui.theme.background, ui.theme.accent, 3)
        # clicks inside do not reach the floor, nor does Tab while the pop-up is open
        ui.area("overlay-box", rect, None, modal=True)
        return rect


def _buttons_width(ui: Ui, buttons: list[tuple]) -> int:
    """How wide a row of `_buttons` is with every label whole."""
    fonts = ui.fonts
    return sum(fonts.width(f"{hint(b[2]) or ''}  {b[1]}".strip(), bold=True) + 2 * fonts.px()
               for b in buttons) + fonts.px() // 2 * (len(buttons) - 1)


def _small_box(surface: pygame.Surface, ui: Ui, overlay: Overlay, width_share: float,
               height_share: float, buttons: list[tuple]) -> pygame.Rect:
    """A small pop-up's inside, wide enough for its row of buttons whole."""
    px = ui.fonts.px()
    needed = (_buttons_width(ui, buttons) + 4 * px) / surface.get_width()
    rect = overlay.box(surface, ui, min(0.96, max(width_share, needed)), height_share)
    return rect.inflate(-px * 2, -px * 2)


def _buttons(surface: pygame.Surface, ui: Ui, rect: pygame.Rect, buttons: list[tuple]) -> int:
    """A row of buttons along the bottom of `rect`: (id, label, key, action, enabled).
    Returns where the row ends on the right."""
    fonts = ui.fonts
    gap = fonts.px() // 2
    h = round(fonts.line_height() * 1.6)
    x = rect.left
    y = rect.bottom - h
    for b in buttons:
        button_id, label, key, action = b[:4]
        enabled = b[4] if len(b) > 4 else True
        text = f"{hint(key) or ''}  {label}".strip()
        w = min(fonts.width(text, bold=True) + 2 * fonts.px(), rect.right - x)
        ui.button(surface, button_id, pygame.Rect(x, y, w, h), label, action, key, enabled,
                  hint=hint(key), primary=b is buttons[0])
        x += w + gap
    return x


class _ChooserOverlay(Overlay):
    """What the decision pop-up and the lever panel share: lever cards to choose from, Enter
    to go ahead, the heading, a budget line and a row of buttons under the cards."""

    chooser: LeverChooser
    escape_closes = False
    #: what Esc does here, the end of the keys line above the buttons
    escape_words = DECISION_ESC

    def go(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def handle(self, event: pygame.event.Event) -> bool:
        if self.chooser.handle_key(event):
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN:
            self.go()
            return True
        if (self.escape_closes and event.type == pygame.KEYDOWN
                and event.key == pygame.K_ESCAPE):
            self.close()
            return True
        return False

    def inner_width(self, surface: pygame.Surface, ui: Ui) -> int:
        """The width of the pop-up's inside, for text laid out before it is drawn."""
        return round(surface.get_width() * self.full_shares(surface)[0]) - ui.fonts.px() * 2

    def keys_words(self) -> str:
        """The keys line above the buttons: the cards' keys, then what Esc does here."""
        n = len(self.chooser.levers)
        cards = CARD_KEYS.format(numbers=f"[{number_keys(n)}]")
        return f"{cards} · {self.escape_words}"

    def draw_chooser(self, surface: pygame.Surface, ui: Ui, heading: str, heading_colour,
                     lines: list[tuple[str, tuple, bool, str]], message: str,
                     buttons: list[tuple]) -> None:
        """Heading, then `lines` as (text, colour, bold, size) on up to two lines each, the
        cards, `message`, the keys line and the buttons."""
        t, fonts = ui.theme, ui.fonts
        self.dim(surface, ui)
        rect = self.box(surface, ui, *self.full_shares(surface))
        inner = rect.inflate(-fonts.px() * 2, -fonts.px() * 2)
        y = ui.text(surface, heading, inner.topleft, "heading", heading_colour, bold=True,
                    max_width=inner.width).bottom
        for text, colour, bold, size in lines:
            for line in wrap_fit(fonts, text, inner.width, 2, size, bold):
                y = ui.text(surface, line, (inner.left, y), size, colour, bold=bold).bottom
        y += fonts.px() // 2
        # the buttons along the bottom, the keys line above them (every line of it: the
        # end says what Esc does), the message above that
        keys = wrap_balanced(fonts, self.keys_words(), inner.width, "small")
        step = fonts.line_height("small")
        bottom = inner.bottom - round(fonts.line_height() * 1.6) - fonts.px() // 2
        bottom -= len(keys) * step
        # what to do next stays readable: a card's tip goes where it hides neither these
        # lines nor the buttons, wherever there is such a place
        for k, line in enumerate(keys):
            ui.keep_clear(ui.text(surface, line, (inner.left, bottom + k * step), "small",
                                  t.text_dim))
        bottom -= fonts.px() // 2
        if message:
            bottom -= fonts.line_height()
            ui.keep_clear(ui.text(surface, message, (inner.left, bottom), colour=t.bad,
                                  max_width=inner.width))
        self.chooser.draw(ui, surface, pygame.Rect(inner.left, y, inner.width,
                                                   bottom - fonts.px() // 2 - y))
        _buttons(surface, ui, inner, buttons)


class DecisionOverlay(_ChooserOverlay):
    """A decision point fired: the prompt, the levers on offer with their costs, a confirm."""

    def __init__(self, play: Play, on_done: Callable[[], None]):
        self.play = play
        pending = play.pending
        self.pending = pending
        self.on_done = on_done
        self.chooser = LeverChooser(pending.levers, play.offered, play.scenario,
                                    pending.budget, pending.choice == "single",
                                    status=play.lever_status)
        self.message = ""

    def notice(self, event: pygame.event.Event) -> None:
        if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN) and self.message == ESC_WAITS:
            self.message = ""  # said once: the next key or click (Tab too) is the answer coming

    def handle(self, event: pygame.event.Event) -> bool:
        if super().handle(event):
            return True
        # Esc does not dismiss a question: say so (the floor has let go of any focus first)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.message = ESC_WAITS
            return True
        return False

    def go(self) -> None:
        if self.play.pending is not self.pending:  # answered already (a double click)
            return
        if not self.chooser.within_budget:
            self.message = "That is over the budget: leave something out."
            return
        self.play.decide(list(self.chooser.chosen))
        self.on_done()

    def draw(self, surface: pygame.Surface, ui: Ui) -> None:
        t, fonts = ui.theme, ui.fonts
        point = self.pending.point
        inner_width = self.inner_width(surface, ui)
        # the question in body type; what goes with it (the clock, the figures so far, what
        # wears off) in small type, so that the cards keep their room on a small window
        lines = [(f"{self.play.clock_text()} — the clock stops until you decide",
                  t.text_dim, False, "small")]
        lines += [(line, t.text, False, "body")
                  for line in wrap_fit(fonts, reflow(point.prompt), inner_width, 3)]
        so_far, missed = self.play.figures_words()
        if so_far and self.play.now_min > 0:
            lines += [(line, t.bad if missed else t.good, False, "small") for line in
                      wrap_fit(fonts, f"So far: {so_far}", inner_width, 2, "small")]
        wearing_off = self.play.wearing_off_words()
        if wearing_off:  # so the player knows what Tuesday looks like without them
            lines += [(line, t.warn, False, "small")
                      for line in wrap_fit(fonts, wearing_off, inner_width, 2, "small")]
        lines.append((self.chooser.budget_words(),
                      t.text if self.chooser.within_budget else t.bad, True, "body"))
        label = "Decide" if self.chooser.chosen else "Do nothing"
        self.draw_chooser(
            surface, ui, point.title or f"{self.play.clock_text()}: a decision", t.warn,
            lines, self.message, [
                ("decide", label, pygame.K_RETURN, self.go, self.chooser.within_budget),
                ("clear", "Clear", pygame.K_BACKSPACE, self.chooser.chosen.clear),
            ])


class LeverPanelOverlay(_ChooserOverlay):
    """Levers the player may pull whenever they like: choose, then order them."""

    escape_closes = True
    escape_words = LEVERS_ESC

    def __init__(self, play: Play, on_close: Callable[[str], None]):
        self.play = play
        self.on_close = on_close
        self.chooser = LeverChooser(play.anytime_levers(), play.offered, play.scenario,
                                    status=play.lever_status)

    def go(self) -> None:
        chosen = list(self.chooser.chosen)
        if not chosen:
            self.on_close("")
            return
        at = self.play.pull(chosen)
        names = ", ".join(self.play.sim.levers[c].name for c in chosen)
        self.on_close(f"Ordered: {names} (in effect at {self._clock(at)}).")

    def close(self) -> None:
        self.on_close("")

    def _clock(self, at_min: float) -> str:
        from sim.series import clock_words

        return clock_words(self.play.outcome(), at_min)

    def draw(self, surface: pygame.Surface, ui: Ui) -> None:
        t = ui.theme
        self.draw_chooser(
            surface, ui, "Levers you can pull now (the clock keeps running)", t.text,
            [(f"{self.chooser.budget_words()} · spent so far "
              f"{self.play.spent:,.0f} {self.play.scenario.currency} · no budget here: what you "
              f"spend counts in the cost part of your score", t.text_dim, False, "body")],
            "", [
                ("order", "Pull these levers", pygame.K_RETURN, self.go,
                 bool(self.chooser.chosen)),
                ("close-levers", "Close", pygame.K_ESCAPE, self.close),
            ])


class EndOverlay(Overlay):
    """The run is over: on to the debrief."""

    def __init__(self, play: Play, on_debrief: Callable[[], None]):
        self.play = play
        self.on_debrief = on_debrief

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_SPACE):
            self.on_debrief()
            return True
        return False

    def draw(self, surface: pygame.Surface, ui: Ui) -> None:
        self.dim(surface, ui)
        buttons = [("debrief", "See the debrief", pygame.K_RETURN, self.on_debrief)]
        inner = _small_box(surface, ui, self, 0.5, 0.4, buttons)
        y = ui.text(surface, "The week is over.", inner.topleft, "heading", bold=True).bottom
        ui.paragraph(surface, "See what your decisions did to the people on the other end "
                     "of the phone.", pygame.Rect(inner.left, y + 4, inner.width,
                                                  inner.height // 2))
        _buttons(surface, ui, inner, buttons)


class PauseOverlay(Overlay):
    """Esc on the floor: the clock stops; resume, start again with the same luck, or leave."""

    def __init__(self, on_resume: Callable[[], None], on_restart: Callable[[], None],
                 on_leave: Callable[[], None]):
        self.on_resume = on_resume
        self.on_restart = on_restart
        self.on_leave = on_leave

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_RETURN):
            self.on_resume()
            return True
        return False

    def draw(self, surface: pygame.Surface, ui: Ui) -> None:
        self.dim(surface, ui)
        buttons = [
            ("resume", "Resume", pygame.K_ESCAPE, self.on_resume),
            ("restart", "Start again, same luck", pygame.K_r, self.on_restart),
            ("leave", "Leave this run", pygame.K_q, self.on_leave),
        ]
        inner = _small_box(surface, ui, self, 0.62, 0.4, buttons)
        y = ui.text(surface, "Paused", inner.topleft, "heading", bold=True).bottom
        ui.paragraph(surface, "Leaving now loses this run (a finished run is kept in the "
                     "history).", pygame.Rect(inner.left, y + 4, inner.width, inner.height // 2),
                     colour=ui.theme.text_dim)
        _buttons(surface, ui, inner, buttons)

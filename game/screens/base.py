"""What every screen is: a small class with `handle(event)`, `update(dt)` and
`draw(surface)`, a `Ui` for its buttons, and a few drawing helpers they share (the header
bar, the row of buttons at the bottom, layout in line heights)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pygame

from game.ui import Ui, fit_lines, hint, wrap_fit

if TYPE_CHECKING:
    from game.app import App


#: how long a note ("Ordered: …", "Saved: …") stays on screen, in seconds
MESSAGE_S = 5.0


class Screen:
    """A screen of the game. Subclasses draw in `draw_screen` and act in `handle_screen`."""

    #: shown in the window title and used by tests and screenshots
    name = "screen"
    title = ""

    def __init__(self, app: App):
        self.app = app
        self.ui = Ui(app)
        self.message = ""          # a note at the bottom: what just happened
        self.message_colour = None
        self.message_at_s = 0.0    # when it was said (it fades after MESSAGE_S)

    # -- the three calls the app makes ---------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        # the focus first: Enter on a focused button presses it, not the screen's default
        if self.ui.handle_focus(event):
            return
        if self.handle_screen(event):
            return
        self.ui.handle(event)

    def update(self, dt: float) -> None:
        """Advance whatever moves (dt: real seconds since the last frame)."""

    def enter(self) -> None:
        """The screen comes on show (again)."""

    def leave(self) -> None:
        """The screen goes off show: stop work nobody will look at."""

    def draw(self, surface: pygame.Surface) -> None:
        self.ui.begin()
        surface.fill(self.app.theme.background)
        self.draw_screen(surface)
        if self.message and getattr(self, "overlay", None) is None:  # never over a pop-up
            self._draw_message(surface)
        self.ui.end(surface)

    # -- for subclasses ------------------------------------------------------------------------

    def handle_screen(self, event: pygame.event.Event) -> bool:
        """Handle an event before the buttons do; True when used."""
        return False

    def draw_screen(self, surface: pygame.Surface) -> None:
        raise NotImplementedError

    def say(self, text: str, bad: bool = False) -> None:
        self.message = text
        self.message_colour = self.app.theme.bad if bad else None
        self.message_at_s = time.monotonic()

    # -- layout helpers ------------------------------------------------------------------------

    @property
    def line(self) -> int:
        return self.app.fonts.line_height()

    @property
    def margin(self) -> int:
        return round(self.line * self.app.theme.margin_lines)

    @property
    def gap(self) -> int:
        return max(4, round(self.line * self.app.theme.gap_lines))

    def header(self, surface: pygame.Surface, title: str, subtitle: str = "") -> int:
        """The screen's title at the top; returns the y below it."""
        ui, m, fonts = self.ui, self.margin, self.app.fonts
        width = surface.get_width() - 2 * m
        y = m
        # the whole title and subtitle: on two lines, or in smaller type, rather than cut
        lines, size, bold = fit_lines(fonts, title, width, (("heading", True, 1),
                                                           ("heading", True, 2)))
        for line in lines:
            y = ui.text(surface, line, (m, y), size, bold=bold).bottom
        if subtitle:
            lines, size, bold = fit_lines(fonts, subtitle, width, (
                ("body", False, 1), ("small", False, 1), ("small", False, 2)))
            for line in lines:
                y = ui.text(surface, line, (m, y), size, self.app.theme.text_dim).bottom
        return y + self.gap

    def button_row(self, surface: pygame.Surface, buttons: list[tuple], y: int | None = None,
                   right: bool = False) -> pygame.Rect:
        """A row of buttons along the bottom: (id, label, key, action[, enabled[, primary[,
        other keys that press it]]]). Returns the row's rectangle."""
        fonts = self.app.fonts
        m, g = self.margin, self.gap
        h = round(self.line * 1.7)
        y = surface.get_height() - m - h if y is None else y
        texts = [fonts.width(f"{hint(b[2]) or ''}  {b[1]}".strip(), bold=len(b) > 5 and b[5])
                 for b in buttons]
        available = surface.get_width() - 2 * m - g * (len(buttons) - 1)
        # on a narrow window, first the padding gives way, then every label alike
        padding = min(2 * fonts.px(), (available - sum(texts)) // len(buttons))
        if padding >= 8:
            widths = [w + padding for w in texts]
        else:
            scale = available / sum(w + 8 for w in texts)
            widths = [max(40, int((w + 8) * scale)) for w in texts]
        total = sum(widths) + g * (len(buttons) - 1)
        x = surface.get_width() - m - total if right else m
        for b, w in zip(buttons, widths, strict=True):
            button_id, label, key, action = b[:4]
            enabled = b[4] if len(b) > 4 else True
            primary = b[5] if len(b) > 5 else False
            also = b[6] if len(b) > 6 else ()
            self.ui.button(surface, button_id, pygame.Rect(x, y, w, h), label, action, key,
                           enabled, hint=hint(key), primary=primary, also=also)
            x += w + g
        return pygame.Rect(m, y, total, h)

    def message_spot(self, surface: pygame.Surface) -> tuple[int, int]:
        """Where a note's bottom centre goes: above the row of buttons."""
        return (surface.get_width() // 2,
                surface.get_height() - self.margin - round(self.line * 1.7) - self.gap)

    def _draw_message(self, surface: pygame.Surface) -> None:
        """The note as a toast above the bottom row, on a panel of its own so it never
        mixes with the text under it; it goes after MESSAGE_S (a problem stays longer)."""
        shown_s = time.monotonic() - self.message_at_s
        if shown_s > MESSAGE_S * (2 if self.message_colour else 1):
            self.message = ""
            return
        t, fonts = self.app.theme, self.app.fonts
        m, g = self.margin, self.gap
        # a path in a note is the point of it: the note wraps rather than cuts
        most = surface.get_width() - 2 * m
        lines = wrap_fit(fonts, self.message, most - 4 * g, 3)
        width = min(max(fonts.width(line) for line in lines) + 4 * g, most)
        h = round(self.line * 1.5) + (len(lines) - 1) * self.line
        rect = pygame.Rect(0, 0, width, h)
        rect.midbottom = self.message_spot(surface)
        rect.clamp_ip(surface.get_rect().inflate(-2 * m, -2 * m))
        colour = self.message_colour or t.accent
        self.ui.panel(surface, rect, t.panel_high, colour, 2)
        top = rect.centery - len(lines) * self.line // 2
        for k, line in enumerate(lines):
            self.ui.text(surface, line, (rect.centerx, top + k * self.line), "body", colour,
                         anchor="midtop")

"""The title screen: what the game is, the player's or team's name, and the way in."""

from __future__ import annotations

import pygame

from game.screens.base import Screen
from game.ui import TextField, wrap_balanced

TAGLINE = "Every contact between IT and its customers is a moment of truth."
INTRO = ("You run an IT service desk through a working week. The phones ring, e-mails arrive, "
         "people walk up to the desk. When the game stops to ask, you decide — and at the end "
         "you see what your decisions did to the people on the other end of the phone, and "
         "what would have happened had you chosen otherwise.")
KEYS = ("Keys everywhere: Tab / Shift+Tab move between fields and buttons · F11 full screen · "
        "F10 colours for a projector · F12 screenshot · Ctrl+Q quit")


class TitleScreen(Screen):
    name = "title"
    title = "Welcome"

    def __init__(self, app):
        super().__init__(app)
        self.team = TextField(app.team, max_length=40, on_enter=lambda _: self.start())
        # the first thing asked: typing goes to the name at once, no click needed
        self.team.focused = True

    def start(self) -> None:
        self.app.team = self.team.text.strip()
        self.team.focused = False
        from game.screens.picker import PickerScreen

        self.app.show(PickerScreen(self.app))

    def history(self) -> None:
        self.app.team = self.team.text.strip()
        from game.screens.history import HistoryScreen

        self.app.show(HistoryScreen(self.app, back=self))

    def toggle_sound(self) -> None:
        on = self.app.sound.toggle()
        self.say("Sound on." if on else "Sound off.")

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if self.team.handle(event):
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN:
            self.start()
            return True
        return False

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, t, m = self.ui, self.app.theme, self.margin
        w, h = surface.get_size()
        y = round(h * 0.12)
        rect = ui.text(surface, "Moments of Truth", (w // 2, y), "title", t.text, bold=True,
                       anchor="midtop")
        rect = ui.text(surface, TAGLINE, (w // 2, rect.bottom + self.gap), "heading", t.accent,
                       anchor="midtop", max_width=w - 2 * m)
        column = pygame.Rect(0, 0, min(w - 2 * m, self.line * 34), 0)
        column.centerx = w // 2
        column.top = rect.bottom + 2 * self.line
        column.height = self.line * 5
        ui.paragraph(surface, INTRO, column, "body", t.text_dim)
        y = column.bottom + self.line
        ui.text(surface, "Your name or your team's (for the history and the leaderboard):",
                (column.left, y), "body", t.text)
        field = pygame.Rect(column.left, y + self.line + self.gap // 2, column.width,
                            round(self.line * 1.6))
        self.team.draw(ui, surface, field, "team",
                       placeholder="type a name here (Tab: the buttons, Enter: play)")
        sound = "Sound: on" if self.app.sound.enabled else "Sound: off"
        self.button_row(surface, [
            ("play", "Play", pygame.K_RETURN, self.start, True, True),
            ("history", "History and leaderboard", pygame.K_F2, self.history),
            ("sound", sound, pygame.K_F3, self.toggle_sound),
            ("quit", "Quit", pygame.K_ESCAPE, self.app.quit),
        ], y=field.bottom + 2 * self.line)
        # as even as the lines can be: never "quit" on a line of its own
        keys = wrap_balanced(self.app.fonts, KEYS, w - 2 * m, "small")
        step = self.app.fonts.line_height("small")
        for k, line in enumerate(keys):
            ui.text(surface, line, (w // 2, h - m - (len(keys) - 1 - k) * step), "small",
                    t.text_dim, anchor="midbottom")

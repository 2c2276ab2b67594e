"""Drives the game in tests as a player would: events posted to pygame's queue (clicks on a
button's centre, keys, typed text), one frame per `step`, on SDL's dummy video driver."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from game import background  # noqa: E402
from game.app import App, Options  # noqa: E402

FRAME_S = 1 / 60


class Driver:
    def __init__(self, tmp_path: Path, size=(1280, 720), **options):
        options.setdefault("db", str(tmp_path / "history.sqlite3"))
        options.setdefault("export_dir", str(tmp_path / "exports"))
        self.app = App(Options(**options), size=size)
        # what each frame drew, where, and what it cut short: the game keeps none of it
        self.app.fonts.tracking = True
        self.shots: list[tuple[str, bytes]] = []
        #: every text cut short in any frame so far — ended with "…", lines of it left out,
        #: or drawn past the edge of its panel, box, button or the window (`game.ui.Fonts`):
        #: {(screen, pop-up): {(text, what was shown)}}
        self.cuts_seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self.step()

    @property
    def screen(self):
        return self.app.screen

    def step(self, frames: int = 1, dt: float = FRAME_S) -> None:
        for _ in range(frames):
            self.app.step(dt)
            if self.app.fonts.cuts:
                overlay = getattr(self.screen, "overlay", None)
                where = (self.screen.name, type(overlay).__name__ if overlay else "")
                self.cuts_seen.setdefault(where, set()).update(self.app.fonts.cuts)

    def ids(self) -> list[str]:
        return self.screen.ui.ids()

    def click(self, button_id: str) -> None:
        button = self.screen.ui.find(button_id)
        assert button is not None, f"no {button_id!r} on {self.screen.name}: {self.ids()}"
        assert button.enabled, f"{button_id!r} is greyed out on {self.screen.name}"
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=button.rect.center,
                                             rel=(0, 0), buttons=(0, 0, 0)))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                             pos=button.rect.center))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1,
                                             pos=button.rect.center))
        self.step()

    def key(self, key: int, mod: int = 0, unicode: str = "") -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod,
                                             unicode=unicode, scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=mod, unicode=unicode,
                                             scancode=0))
        self.step()

    def type(self, text: str) -> None:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))
        self.step()

    def until(self, done, frames: int = 20_000, dt: float = FRAME_S) -> None:
        for _ in range(frames):
            if done():
                return
            self.step(dt=dt)
        raise AssertionError(f"still on {self.screen.name} after {frames} frames")

    def wait_background(self) -> None:
        background.wait_all()
        self.step(2)

    def texts(self) -> list[str]:
        """Every text the last frame drew (labels, lines, tips), as a person reads it."""
        return list(self.app.fonts.drawn)

    def shows(self, words: str) -> bool:
        """Does the last frame show `words` (within any text it drew)?"""
        return any(words in text for text in self.app.fonts.drawn)

    def cut_texts(self) -> list[tuple[str, str]]:
        """The texts the last frame cut short (with "…", by leaving lines out, or past the
        edge of their panel): (the whole text, what was shown)."""
        return list(self.app.fonts.cuts)

    def placed(self, words: str = "") -> list[tuple[str, pygame.Rect, str, bool]]:
        """The texts of the last frame (containing `words`) with where and how they were
        drawn: (text, rectangle, type size, bold)."""
        return [p for p in self.screen.ui.placed if words in p[0]]

    def pixels(self) -> np.ndarray:
        return pygame.surfarray.array3d(self.app.surface)

    def shot(self, name: str, folder: Path | None = None) -> np.ndarray:
        """Save the screen as PNG, and check it is a picture, not a blank or the screen
        before it."""
        self.step()
        image = self.pixels()
        colours = len(np.unique(image.reshape(-1, 3), axis=0))
        assert colours >= 8, f"{name}: the screen is (nearly) blank: {colours} colours"
        assert image.std() > 10, f"{name}: the screen is (nearly) one colour"
        if self.shots:
            before_name, before = self.shots[-1]
            assert before != image.tobytes(), f"{name}: the same picture as {before_name}"
        self.shots.append((name, image.tobytes()))
        for target in (folder, os.environ.get("ITSM_SCREENSHOTS")):
            if target:
                Path(target).mkdir(parents=True, exist_ok=True)
                self.app.save_screenshot(Path(target) / f"{len(self.shots):02d}-{name}.png")
        return image

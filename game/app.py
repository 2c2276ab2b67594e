"""The game's window and main loop: one screen at a time, each frame events → `handle`,
`update(dt)`, `draw`. Also what every screen shares: the theme and fonts, the player's
name and luck (seed), where the run history and exports go, and the keys that work
everywhere (F11 full screen, F10 colours, F12 a screenshot, Ctrl+Q quit).

`itsm play [SCENARIO] [--seed N] [--team NAME] [--windowed|--fullscreen]` calls `main`.
Without a display it says so and returns `NO_DISPLAY`, and the command line runs the
headless demo instead. Tests drive an `App` frame by frame with `step(dt)` after posting
events, on SDL's dummy video driver.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from game.theme import Theme, load_theme
from game.ui import Fonts

#: `main`'s answer when there is no display to open a window on.
NO_DISPLAY = 3


@dataclass
class Options:
    """How the game was started (`itsm play` flags)."""

    scenario: str | None = None       # a built-in id or a file: go straight to its briefing
    seed: int = 1
    team: str = ""
    fullscreen: bool = False
    db: str | None = None             # the run history (default: the user's data folder)
    export_dir: str | None = None     # debriefs, replays, screenshots (default: ./itsm-exports)
    palette: str | None = None
    sound: bool = False


def display_available() -> bool:
    """Is there a screen to open a window on? (SDL's dummy and offscreen drivers draw
    nowhere a person can see: no.)"""
    driver = os.environ.get("SDL_VIDEODRIVER", "").lower()
    if driver in ("dummy", "offscreen", "evdev"):
        return False
    if sys.platform.startswith("linux") and not driver:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class App:
    """The window, the screen on show and what the screens share."""

    def __init__(self, options: Options | None = None, size: tuple[int, int] | None = None):
        self.options = options or Options()
        self.theme: Theme = load_theme(palette=self.options.palette)
        # the display and fonts only: the mixer starts when sound is switched on
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Moments of Truth")
        self.fullscreen = self.options.fullscreen
        self.window_size = size or self.theme.window_size
        self.surface = self._open_window()
        self.fonts = Fonts(self.theme)
        self.fonts.fit(self.surface.get_height())
        self.clock = pygame.time.Clock()
        self.running = True
        self.team = self.options.team
        self.seed = self.options.seed
        self.frame_times_s: list[float] = []   # how long each frame took (bench, tests)
        self.sound = Sound(self.options.sound)
        from game.screens.title import TitleScreen

        self.screen = TitleScreen(self)
        if self.options.scenario:
            from game.screens.picker import open_scenario

            open_scenario(self, self.options.scenario)

    # -- window --------------------------------------------------------------------------------

    def _open_window(self) -> pygame.Surface:
        if self.fullscreen:
            return pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        surface = pygame.display.set_mode(self.window_size, pygame.RESIZABLE)
        return surface

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        self.surface = self._open_window()

    def resize(self, size: tuple[int, int]) -> None:
        """A new window size (tests call this; the window manager sends VIDEORESIZE)."""
        w = max(self.theme.window_min_size[0], size[0])
        h = max(self.theme.window_min_size[1], size[1])
        self.window_size = (w, h)
        if not self.fullscreen:
            self.surface = pygame.display.set_mode(self.window_size, pygame.RESIZABLE)

    # -- where things go -----------------------------------------------------------------------

    @property
    def export_dir(self) -> Path:
        return Path(self.options.export_dir or Path.cwd() / "itsm-exports")

    # -- screens -------------------------------------------------------------------------------

    def show(self, screen) -> None:
        """Switch screens (the old one may stop its background work; the new one restart)."""
        old = getattr(self, "screen", None)
        if old is not None and old is not screen:
            old.leave()
        self.screen = screen
        screen.enter()
        pygame.display.set_caption(f"Moments of Truth — {screen.title or screen.name}")

    def quit(self) -> None:
        self.running = False

    # -- the loop ------------------------------------------------------------------------------

    def step(self, dt: float) -> None:
        """One frame: events, update, draw."""
        started = time.perf_counter()
        self.fonts.new_frame()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.quit()
                continue
            if event.type == pygame.VIDEORESIZE and not self.fullscreen:
                self.resize(event.size)
                continue
            if self._global_key(event):
                continue
            self.screen.handle(event)
        self.screen.update(dt)
        self.surface = pygame.display.get_surface()
        self.fonts.fit(self.surface.get_height())
        self.screen.draw(self.surface)
        pygame.display.flip()
        self.frame_times_s.append(time.perf_counter() - started)
        if len(self.frame_times_s) > 100_000:
            del self.frame_times_s[:50_000]

    def _global_key(self, event: pygame.event.Event) -> bool:
        if event.type != pygame.KEYDOWN:
            return False
        if event.key == pygame.K_F11:
            self.toggle_fullscreen()
            return True
        if event.key == pygame.K_F10:
            self.theme.next_palette()
            self.fonts._rendered.clear()
            return True
        if event.key == pygame.K_F12:
            path = self.save_screenshot()
            if path is not None and hasattr(self.screen, "say"):
                self.screen.say(f"Screenshot saved: {path}")
            return True
        if event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL:
            self.quit()
            return True
        return False

    def run(self) -> int:
        while self.running:
            dt = self.clock.tick(self.theme.fps) / 1000.0
            self.step(min(dt, 0.25))  # a stall (a window drag) must not jump the clock
        pygame.quit()
        return 0

    def save_screenshot(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = self.export_dir / f"screenshot-{self.screen.name}-{stamp}.png"
        try:
            pygame.image.save(self.surface, str(path))
        except (pygame.error, OSError):
            return None
        return Path(path)


class Sound:
    """Optional, off by default: a short tone when a decision point stops the clock and
    a low one when a caller hangs up. Made with numpy, so the game ships no sound files."""

    def __init__(self, enabled: bool):
        self.enabled = False
        self._tones: dict[str, pygame.mixer.Sound] = {}
        if enabled:
            self.enable()

    def enable(self) -> bool:
        try:
            import numpy as np

            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=22050, size=-16, channels=1)
            rate = pygame.mixer.get_init()[0]
            channels = pygame.mixer.get_init()[2]
            for name, (hz, seconds) in {"decision": (880.0, 0.18),
                                        "hung_up": (220.0, 0.08)}.items():
                t = np.arange(int(rate * seconds)) / rate
                wave = (np.sin(2 * np.pi * hz * t) * np.hanning(t.size) * 9000).astype(np.int16)
                if channels > 1:
                    wave = np.repeat(wave[:, None], channels, axis=1)
                self._tones[name] = pygame.sndarray.make_sound(np.ascontiguousarray(wave))
            self.enabled = True
        except (pygame.error, ImportError):
            self.enabled = False
        return self.enabled

    def toggle(self) -> bool:
        if self.enabled:
            self.enabled = False
            return False
        return self.enable()

    def play(self, name: str) -> None:
        if self.enabled and name in self._tones:
            self._tones[name].play()


def main(options: Options) -> int:
    """Open the game; `NO_DISPLAY` when there is no screen to open it on."""
    if not display_available():
        return NO_DISPLAY
    try:
        app = App(options)
    except pygame.error as error:
        print(f"itsm play: cannot open a window ({error})", file=sys.stderr)
        return NO_DISPLAY
    return app.run()

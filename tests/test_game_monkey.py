"""The monkey test: 10,000 random mouse and key events thrown at every screen of the game —
clicks (mostly on the buttons, some anywhere), keys (shortcuts, Esc, Enter, arrows, digits,
F10/F11/F12, Ctrl+Q), typing, the wheel, mouse moves and window resizes. The game must take
them all without an exception. Each screen is reached the way a player reaches it and then
left to the monkey, which may wander off anywhere."""

from __future__ import annotations

import random

import pygame

from game import background
from game.screens.floor import FloorScreen
from game.screens.history import HistoryScreen
from game.screens.picker import PickerScreen, open_scenario
from game.screens.preparation import begin_play, next_screen
from game.screens.title import TitleScreen
from tests.game_driver import Driver

EVENTS = 10_000
SEED = 20261123  # the monkey's luck: a failure names the event it failed on, with this seed

KEYS = [pygame.K_ESCAPE, pygame.K_RETURN, pygame.K_SPACE, pygame.K_TAB, pygame.K_BACKSPACE,
        pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN, pygame.K_PAGEUP,
        pygame.K_PAGEDOWN, pygame.K_HOME, pygame.K_END, pygame.K_PLUS, pygame.K_MINUS,
        pygame.K_EQUALS, pygame.K_F1, pygame.K_F10, pygame.K_F11,
        *range(pygame.K_0, pygame.K_9 + 1), *range(pygame.K_a, pygame.K_z + 1)]
TEXTS = ["a", "Blue team", "é", "🙂", "../x.yaml", "scenarios/normal-week.yaml", " ", "0"]
SIZES = [(960, 600), (1280, 720), (1920, 1080), (700, 400), (1366, 768)]


def reach(d: Driver, screen: str) -> None:
    """Open `screen` the way a player gets there (the journey test checks the clicks; here
    the shortest way in, so the monkey spends its events on the screen itself)."""
    app = d.app
    if screen == "title":
        app.show(TitleScreen(app))
    elif screen == "picker":
        app.show(PickerScreen(app))
    elif screen == "briefing":
        open_scenario(app, "softphone-cutover")
    elif screen in ("preparation", "floor", "decision", "end", "debrief"):
        open_scenario(app, "softphone-cutover")
        play = begin_play(app, app.screen.scenario, "softphone-cutover", seed=7)
        if screen == "preparation":
            next_screen(app, play)
        elif screen == "floor":
            play.decide([])
            app.show(FloorScreen(app, play))
        elif screen == "decision":
            play.decide([])
            while play.pending is None and not play.finished:
                play.step(30, None, 20, 1.0)
            app.show(FloorScreen(app, play))
        else:
            play.run_to_end()
            floor = FloorScreen(app, play)
            app.show(floor)
            if screen == "debrief":
                floor.debrief()
    elif screen == "history":
        app.show(HistoryScreen(app, back=TitleScreen(app)))
    d.step()


def random_event(rng: random.Random, d: Driver) -> list[pygame.event.Event]:
    """One random thing a restless player does (a click is three events)."""
    w, h = d.app.surface.get_size()
    roll = rng.random()
    if roll < 0.40:  # click a button that is on screen
        buttons = d.screen.ui.buttons
        if buttons:
            rect = rng.choice(buttons).rect
            pos = (rng.randint(rect.left, max(rect.left, rect.right - 1)),
                   rng.randint(rect.top, max(rect.top, rect.bottom - 1)))
            return [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0),
                                       buttons=(0, 0, 0)),
                    pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos),
                    pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos)]
    if roll < 0.52:  # click anywhere, any button
        pos = (rng.randint(-5, w + 5), rng.randint(-5, h + 5))
        button = rng.choice([1, 1, 1, 2, 3])
        return [pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=button, pos=pos),
                pygame.event.Event(pygame.MOUSEBUTTONUP, button=button, pos=pos)]
    if roll < 0.64:
        return [pygame.event.Event(pygame.MOUSEMOTION, pos=(rng.randint(0, w), rng.randint(0, h)),
                                   rel=(0, 0), buttons=(0, 0, 0))]
    if roll < 0.70:
        return [pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=rng.choice([-3, -1, 1, 3]),
                                   flipped=False, precise_x=0.0, precise_y=0.0)]
    if roll < 0.93:
        key = rng.choice(KEYS)
        mod = rng.choice([0, 0, 0, 0, pygame.KMOD_SHIFT, pygame.KMOD_CTRL])
        if rng.random() < 0.01:
            key = pygame.K_F12  # a screenshot: rare, it writes a file
        if rng.random() < 0.01:
            key, mod = pygame.K_q, pygame.KMOD_CTRL  # quit: the test opens it again
        unicode = chr(key) if 32 <= key < 127 and not mod & pygame.KMOD_CTRL else ""
        return [pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=unicode,
                                   scancode=0),
                pygame.event.Event(pygame.KEYUP, key=key, mod=mod, unicode=unicode,
                                   scancode=0)]
    if roll < 0.98:
        return [pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(TEXTS))]
    return [pygame.event.Event(pygame.VIDEORESIZE, size=rng.choice(SIZES),
                               w=0, h=0)]


def test_ten_thousand_random_events_across_every_screen(tmp_path):
    rng = random.Random(SEED)
    d = Driver(tmp_path)
    screens = ["title", "picker", "briefing", "preparation", "floor", "decision", "end",
               "debrief", "history"]
    per_screen = EVENTS // len(screens) + 1
    posted = 0
    visited: set[str] = set()
    overlays: set[str] = set()
    recent: list[str] = []
    for screen in screens:
        reach(d, screen)
        start = posted
        while posted - start < per_screen and posted < EVENTS:
            visited.add(d.screen.name)
            overlay = getattr(d.screen, "overlay", None)
            if overlay is not None:
                overlays.add(type(overlay).__name__)
            # one to three things between two frames, as a restless player does them
            batch = [e for _ in range(rng.choice([1, 2, 3])) for e in random_event(rng, d)]
            for event in batch:
                pygame.event.post(event)
            posted += len(batch)
            recent = (recent + [f"{d.screen.name}: {pygame.event.event_name(e.type)} "
                                f"{getattr(e, 'key', getattr(e, 'pos', ''))}"
                                for e in batch])[-12:]
            try:
                # a frame now and then is long (a stall) so the floor runs on
                d.step(dt=rng.choice([1 / 60, 1 / 60, 1 / 30, 0.25]))
            except Exception as error:  # name what the monkey did before it broke
                raise AssertionError(f"event {posted} (seed {SEED}) after: {recent}") from error
            if not d.app.running:  # Ctrl+Q: a player would start it again
                d.app.running = True
    background.wait_all()
    d.step()
    assert posted >= EVENTS
    assert visited >= set(screens) - {"decision", "end"}, visited
    assert {"DecisionOverlay", "EndOverlay"} <= overlays, overlays

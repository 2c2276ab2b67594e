"""The operations floor: the week as it happens.

Departments on the left: a face and a bar for how the people who dealt with IT lately
felt, a tick on the bar for everybody's satisfaction; the service desk in the
middle — people waiting on the phone, at the desk and in the inboxes, the agents at their
desks (free, on a call, with someone at the desk, on a ticket), callers hanging up; the
resolver teams and suppliers with their queues on the right; along the bottom the ticker of
moments of truth and the live key figures against the scenario's targets. The clock and
the speed control are at the top. Hover over anything for its details; click to pin them.

Every figure here comes from the `Snapshot` and the event log, through `game.session.Play`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pygame

from game.screens.base import Screen
from game.screens.overlays import (
    DecisionOverlay,
    EndOverlay,
    LeverPanelOverlay,
    Overlay,
    PauseOverlay,
)
from game.session import SHORT_LABELS, Play, TickerLine
from game.ui import MINUS_KEYS, PLUS_KEYS, fit_lines, hint, wrap, wrap_balanced, wrap_fit
from reports.narrative import format_figure
from sim.engine import GroupView
from sim.moments import BAD_BELOW, GOOD_AT_LEAST
from sim.names import short_name
from sim.scenario import WEEKDAYS

#: Short names of key figures for the floor (the debrief has the long ones).
CHANNEL_WORDS = {"phone": "on the phone", "walk_in": "at the desk", "email": "by e-mail",
                 "portal": "on the portal"}
AGENT_WORDS = {"phone": "call", "walk_in": "visitor", "email": "e-mail", "portal": "portal"}
#: The progress strip under the date line, and the room between them, pixels.
PROGRESS_PX = 4
PROGRESS_GAP_PX = 4
#: Seconds a caller who hung up takes to leave the screen.
HANG_UP_ANIMATION_S = 1.6
#: The room at the far end of the phone lane where those who hung up walk off, before
#: the count of them, in lines of body type: apart from the callers still on hold, whom
#: they overlapped into one blob when they left from the front of the queue.
HANG_UP_WALK_LINES = 3.0
#: At most this many callers walk off at once, one after another this many seconds apart:
#: at top speed dozens hang up in a frame, and a crowd of figures read as a blob; the count
#: beside them says how many.
MAX_LEAVING = 4
LEAVING_APART_S = 0.3
#: A department's or a team's name: bold if it fits, else regular type, else two lines.
NAME_STYLES = (("small", True, 1), ("small", False, 1), ("small", False, 2))
#: The customers' and the resolvers' columns, as shares of the window's width: at least
#: this much, and more (up to SIDE_MOST) where a name needs it — "HR and Administration"
#: in bold beside its face, "Infrastructure and telephony" whole; the desk has the rest.
CUSTOMERS_LEAST, RESOLVERS_LEAST, SIDE_MOST = 0.24, 0.26, 0.30
#: How the speed buttons say their keys, the first that fits: in the label ("[−]  Slower")
#: in body type or in small type, else on a line under the buttons with the label in body
#: type, in small type, or as a sign ("−") — never without the key.
SPEED_STYLES = (("body", True, 0), ("small", True, 0), ("body", False, 0), ("small", False, 0),
                ("small", False, 1))


#: Key figures in the fewest words, for a narrow window (SHORT_LABELS first).
TIGHT_LABELS = {"csat": "CSAT", "asa_min": "Answer speed", "abandonment_rate": "Hung up",
                "fcr": "First-contact fix", "satisfaction": "Satisfaction",
                "sla_breach_rate": "SLA breaches"}
#: The keys of the floor, shown at its foot (the buttons show their own).
FLOOR_KEYS = "Tab / Shift+Tab: each part's details · Esc: close, then the menu"

T = TypeVar("T")


@dataclass
class Leaving:
    """A caller who hung up, walking off the floor (along `FloorScreen.hang_up_path`)."""

    age_s: float = 0.0


def mood_colour(theme, satisfaction: float):
    if satisfaction >= GOOD_AT_LEAST:
        return theme.good
    if satisfaction < BAD_BELOW:
        return theme.bad
    return theme.so_so


def goal_symbol(goal_text: str) -> str:
    """ "at most 10%" as "≤ 10%" (room is short on the floor)."""
    return goal_text.replace("at most ", "≤ ").replace("at least ", "≥ ")


def mood_words(score: float) -> str:
    if score >= GOOD_AT_LEAST:
        return "happy"
    if score < BAD_BELOW:
        return "unhappy"
    return "so-so"


def draw_face(surface: pygame.Surface, theme, centre: tuple[int, int], radius: int,
              satisfaction: float) -> None:
    """A face whose mouth says the mood (a smile, a straight line, a frown), so the
    shape carries the meaning as well as the colour."""
    colour = mood_colour(theme, satisfaction)
    pygame.draw.circle(surface, colour, centre, radius)
    pygame.draw.circle(surface, theme.background, centre, radius, max(1, radius // 8))
    x, y = centre
    eye = max(1, radius // 7)
    for dx in (-radius // 3, radius // 3):
        pygame.draw.circle(surface, theme.background, (x + dx, y - radius // 4), eye)
    width = max(2, radius // 6)
    half = radius // 2
    if satisfaction >= GOOD_AT_LEAST:      # a smile: the lower half of an ellipse
        mouth = pygame.Rect(x - half, y - radius // 6, 2 * half, radius * 2 // 3)
        pygame.draw.arc(surface, theme.background, mouth, 3.4, 6.0, width)
    elif satisfaction < BAD_BELOW:         # a frown: the upper half
        mouth = pygame.Rect(x - half, y + radius // 4, 2 * half, radius * 2 // 3)
        pygame.draw.arc(surface, theme.background, mouth, 0.3, 2.85, width)
    else:
        pygame.draw.line(surface, theme.background, (x - radius // 3, y + radius // 3),
                         (x + radius // 3, y + radius // 3), width)


def draw_person(surface: pygame.Surface, colour, x: int, y: int, size: int) -> pygame.Rect:
    """A small figure (head and shoulders) standing at (x, y) = its feet; returns the
    rectangle it takes."""
    head = max(2, size // 4)
    pygame.draw.circle(surface, colour, (x, y - size + head), head)
    body = pygame.Rect(0, 0, max(4, size * 2 // 3), max(3, size // 2))
    body.midbottom = (x, y)
    pygame.draw.rect(surface, colour, body, border_top_left_radius=body.width // 2,
                     border_top_right_radius=body.width // 2)
    return body.union(pygame.Rect(x - head, y - size, 2 * head, 2 * head))


def draw_envelope(surface: pygame.Surface, colour, rect: pygame.Rect, edge) -> None:
    pygame.draw.rect(surface, colour, rect)
    pygame.draw.lines(surface, edge, False, [rect.topleft, rect.center, rect.topright], 1)


class FloorScreen(Screen):
    name = "floor"
    title = "The operations floor"

    def __init__(self, app, play: Play):
        super().__init__(app)
        self.play = play
        steps = app.theme.speed_steps
        default = app.theme.default_speed
        self.speed_index = steps.index(default) if default in steps else 0
        self.paused = False
        self.overlay: Overlay | None = None
        self.leaving: list[Leaving] = []
        self.pinned: list[str] | None = None
        self.pinned_at = (0, 0)
        #: where those who hung up walk, as last drawn: from x to x, at the lane's foot
        #: (x_from, x_to, y); (0, 0, 0): no phone lane
        self.hang_up_path = (0, 0, 0)
        #: the figures of the phone lane as last drawn (tests look): "on hold", "hung up"
        self.lane_figures: dict[str, list[pygame.Rect]] = {"on hold": [], "hung up": []}
        #: each department's bar as last drawn, filled part and colour (tests look)
        self.gauges: dict[str, tuple[pygame.Rect, tuple]] = {}
        self._draw_cost_s = 0.0
        self._desk_rect = pygame.Rect(0, 0, 0, 0)
        #: what the layout measures of fixed words, by type size (and width): `_measured`
        self._measures: dict[tuple, object] = {}
        sc = play.scenario
        # the teams' and suppliers' names: short in their boxes, whole in their tips
        self._full_names = {tm.id: tm.name for tm in sc.teams}
        self._full_names.update({su.id: su.name for su in sc.suppliers})
        self._short_names = {tm.id: short_name(tm.name, tm.id) for tm in sc.teams}
        self._short_names.update({su.id: short_name(su.name, su.id) for su in sc.suppliers})
        # the ways contacts come in this run: a desk shows a lane for each
        self._channels = {ch for c in sc.categories for ch in sc.channels_of(c)}
        for change in sc.changes:
            self._channels |= set(change.channels or {})
        # the top bar, its date line and progress strip, as last drawn (tests look)
        self.top_rect = self.date_rect = self.progress_rect = pygame.Rect(0, 0, 0, 0)
        self._open_overlays()

    # -- speed ---------------------------------------------------------------------------------

    @property
    def speed(self) -> float | None:
        return self.app.theme.speed_steps[self.speed_index]

    def speed_words(self) -> str:
        if self.paused:
            return "paused"
        s = self.speed
        return "fastest" if s is None else f"{s:g} min/s"

    def faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(self.app.theme.speed_steps) - 1)
        self.paused = False

    def slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        self.paused = False

    def fastest(self) -> None:
        self.speed_index = len(self.app.theme.speed_steps) - 1
        self.paused = False

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    # -- overlays ------------------------------------------------------------------------------

    def _open_overlays(self) -> None:
        if self.overlay is not None:
            return
        if self.play.pending is not None:
            self.overlay = DecisionOverlay(self.play, self._decided)
            self.app.sound.play("decision")
        elif self.play.finished:
            self.overlay = EndOverlay(self.play, self.debrief)

    def _decided(self) -> None:
        self.overlay = None
        self._open_overlays()

    def open_levers(self) -> None:
        if self.overlay is None and self.play.anytime_levers():
            self.overlay = LeverPanelOverlay(self.play, self._levers_closed)

    def _levers_closed(self, message: str) -> None:
        self.overlay = None
        if message:
            self.say(message)
        self._open_overlays()

    def debrief(self) -> None:
        from game.screens.debrief import DebriefScreen

        self.app.show(DebriefScreen(self.app, self.play))

    def open_menu(self) -> None:
        if self.overlay is None:
            self.overlay = PauseOverlay(self._menu_closed, self.restart, self.leave_run)

    def _menu_closed(self) -> None:
        self.overlay = None
        self._open_overlays()

    def restart(self) -> None:
        from game.screens.preparation import begin_play

        begin_play(self.app, self.play.scenario, self.play.source, seed=self.play.seed)

    def leave_run(self) -> None:
        from game.screens.title import TitleScreen

        self.app.show(TitleScreen(self.app))

    # -- the three calls -----------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEMOTION:
            self.ui.mouse = event.pos
        if self.overlay is not None:
            self.overlay.notice(event)
        # Tab through the pop-up's cards and buttons, or the floor's parts (their details
        # show beside them); Esc lets go before it opens the menu
        if self.ui.handle_focus(event):
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.ui.clear_focus()
        if self.overlay is not None:
            if self.overlay.handle(event):
                return
            if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                self.ui.handle(event)  # the overlay's buttons are drawn last, on top
            elif event.type == pygame.KEYDOWN:
                self.ui.handle(event)
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.pinned is not None:
                self.pinned = None
            hit = next((b for b in reversed(self.ui.buttons) if b.rect.collidepoint(event.pos)),
                       None)
            if hit is not None and hit.action is not None:
                self.ui.handle(event)
                return
            # a team, a department, a desk, a queue: pin its details until the next click
            tip = next((t for t in reversed(self.ui.tips) if t.rect.collidepoint(event.pos)),
                       None)
            if tip is not None:
                self.pinned, self.pinned_at = tip.lines, event.pos
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE and self.pinned:
            self.pinned = None
            return
        self.ui.handle(event)

    def update(self, dt: float) -> None:
        for leaving in self.leaving:
            leaving.age_s += dt
        self.leaving = [p for p in self.leaving if p.age_s < HANG_UP_ANIMATION_S]
        if self.overlay is not None:
            return
        if self.paused:
            self.play.refresh(settled=True)  # a paused floor shows the clock's minute
            return
        theme = self.app.theme
        lines = self.play.step(dt, self.speed, theme.closed_factor, self._sim_budget_s())
        self._hang_ups(lines)
        self._open_overlays()

    def _sim_budget_s(self) -> float:
        """At the fastest speed, how much of this frame the simulation may have: what is
        left of a 60 fps frame (with some room to spare) after drawing the floor, which
        takes longer on a bigger window, and never more than the theme allows."""
        theme = self.app.theme
        room_s = 0.85 / theme.fps - self._draw_cost_s
        return min(theme.max_frame_budget_s, max(0.002, room_s))

    def message_spot(self, surface: pygame.Surface) -> tuple[int, int]:
        """On the floor a note goes at the foot of the service desk, clear of the ticker
        and the figures."""
        desk = self._desk_rect
        return (desk.centerx, desk.bottom - self.gap) if desk.width else \
            super().message_spot(surface)

    def draw(self, surface: pygame.Surface) -> None:
        started = time.perf_counter()
        super().draw(surface)
        took_s = time.perf_counter() - started
        # quick to rise, slow to fall: one slow frame shrinks the budget at once
        self._draw_cost_s = max(took_s, 0.9 * self._draw_cost_s + 0.1 * took_s)

    def _hang_ups(self, lines: list[TickerLine]) -> None:
        """Callers who just hung up walk off the floor (an animation in real time; the count
        beside them is the log's, `_hung_up_lines`). Only those the count counts: at top
        speed a frame reads hours of the log, and a caller who hung up at 17:00 walking
        off at 21:50 stood beside "On hold 0" with no count to explain them."""
        from game.session import HUNG_UP_WITHIN_MIN

        since = self.play.now_min - HUNG_UP_WITHIN_MIN
        hung_up = sum(1 for line in lines if line.hung_up and line.channel == "phone"
                      and line.time_min >= since)
        if not hung_up:
            return
        self.app.sound.play("hung_up")
        # they leave in single file, a few at a time
        last = min((p.age_s for p in self.leaving), default=LEAVING_APART_S)
        for i in range(min(hung_up, MAX_LEAVING - len(self.leaving))):
            self.leaving.append(Leaving(age_s=min(0.0, last - LEAVING_APART_S * (i + 1))))

    @staticmethod
    def _window_words() -> str:
        from game.session import HUNG_UP_WITHIN_MIN

        return "hour" if HUNG_UP_WITHIN_MIN == 60 else f"{HUNG_UP_WITHIN_MIN:g} min"

    # -- drawing -------------------------------------------------------------------------------

    def draw_screen(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        m, g, line = self.margin, self.gap, self.line
        top = pygame.Rect(m, m, w - 2 * m, self.top_height())
        bottom_h = round(line * 6.6)
        bottom = pygame.Rect(m, h - m - bottom_h, w - 2 * m, bottom_h)
        middle_y = top.bottom + g
        middle_h = bottom.top - g - middle_y
        # the customers' column wide enough for a name like "HR and Administration" in bold,
        # the resolvers' for "Infrastructure and telephony" whole
        left_w, right_w = self.side_widths(w - 2 * m)
        left = pygame.Rect(m, middle_y, left_w, middle_h)
        right = pygame.Rect(w - m - right_w, middle_y, right_w, middle_h)
        centre = pygame.Rect(left.right + g, middle_y, right.left - g - left.right - g,
                             middle_h)
        snap = self.play.snapshot
        self._draw_top(surface, top)
        self._draw_departments(surface, left)
        tier1 = [grp for grp in snap.groups if grp.kind == "team" and grp.tier == 1]
        others = [grp for grp in snap.groups if not (grp.kind == "team" and grp.tier == 1)]
        self._desk_rect = centre
        self._draw_desk(surface, centre, tier1)
        self._draw_resolvers(surface, right, others)
        ticker_w = round(bottom.width * 0.56)
        self._draw_ticker(surface, pygame.Rect(bottom.left, bottom.top, ticker_w, bottom.height))
        self._draw_figures(surface, pygame.Rect(bottom.left + ticker_w + g, bottom.top,
                                                bottom.width - ticker_w - g, bottom.height))
        self._draw_leaving(surface)
        if self.pinned and self.overlay is None:
            saved = self.ui.mouse
            self.ui.mouse = self.pinned_at
            self.ui.draw_tip(surface, self.pinned + ["(click anywhere to close)"])
            self.ui.mouse = saved
        if self.overlay is not None:
            self.ui.tips = []
            self._next_tips_off()
            self.overlay.draw(surface, self.ui)

    def _next_tips_off(self) -> None:
        # the floor's tooltips do not show through a pop-up
        self.ui._next_tips = []

    def _measured(self, key: tuple, measure: Callable[[], T]) -> T:
        """What `measure` works out from fixed words (`key` names it, with any width it
        depends on), once per type size: not again every frame."""
        key = (self.app.fonts.body_px, *key)
        if key not in self._measures:
            self._measures[key] = measure()
        return self._measures[key]

    def side_widths(self, width: int) -> tuple[int, int]:
        """The customers' and the resolvers' columns' widths in a floor `width` wide: each
        holds its longest name, bold where it can (a department's beside its face; a team's
        in its box), between its least share and SIDE_MOST of the width."""
        fonts, g = self.app.fonts, self.gap

        def measure() -> tuple[int, int]:
            sc = self.play.scenario
            face = 2 * round(self.line * 0.9) + g  # the face and the room beside it
            departments = [fonts.width(short_name(d.name, d.id), "small", True)
                           for d in sc.departments]
            left = 2 * g + face + max(departments, default=0) + 2
            names = [self._short_names[tm.id] for tm in sc.teams if tm.tier != 1]
            names += [self._short_names[su.id] for su in sc.suppliers]
            box = 2 * g + 12 + 2  # the panel's and the box's insides
            bold = box + max((fonts.width(n, "small", True) for n in names), default=0)
            regular = box + max((fonts.width(n, "small") for n in names), default=0)
            most = round(width * SIDE_MOST)
            right = bold if bold <= most else regular
            return (max(round(width * CUSTOMERS_LEAST), min(left, most)),
                    max(round(width * RESOLVERS_LEAST), min(right, most)))

        return self._measured(("sides", width), measure)

    def top_height(self) -> int:
        """The top bar holds the clock, the date line and the progress strip under it."""
        fonts = self.app.fonts
        return (self.gap + fonts.line_height("heading") + fonts.line_height("small")
                + PROGRESS_GAP_PX + PROGRESS_PX + self.gap)

    def date_words(self) -> str:
        """ "Monday 2 March · day 1 of 5", or "… · the end of the run"."""
        return self._date_words(self.play.snapshot.day, self.play.finished)

    def _date_words(self, day: int, finished: bool) -> str:
        calendar = self.play.sim.calendar
        days = self._days()
        date = ""
        if calendar.defined:
            d = calendar.date(day)
            date = f" {d.day} {d.strftime('%B')}"
        where = "the end of the run" if finished else f"day {min(day + 1, days)} of {days}"
        return f"{WEEKDAYS[calendar.weekday(day)].capitalize()}{date} · {where}"

    def _days(self) -> int:
        return max(1, round(self.play.snapshot.horizon_min / 1440))

    def _clock_column_width(self) -> int:
        """The width of the clock and its date line: the widest they get in this run, so
        that what is laid out beside them (the speed control) never moves as the week goes
        on."""
        fonts = self.app.fonts

        def measure() -> int:
            days = self._days()
            widest = max([fonts.width(self._date_words(day, False), "small")
                          for day in range(days)]
                         + [fonts.width(self._date_words(days - 1, True), "small")])
            return max(widest, fonts.width("Wed 00:00", "heading", True))

        return self._measured(("clock",), measure)

    def state_words(self) -> str:
        """Under the speed: is the desk open, and do nights pass quickly just now."""
        snap, play = self.play.snapshot, self.play
        if play.finished:
            return "run over"
        if not snap.is_open and play._quiet() and not self.paused:
            return f"night: ×{self.app.theme.closed_factor:g} faster"
        return "desk open" if snap.is_open else "desk closed"

    def _draw_top(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        ui, t, g, fonts = self.ui, self.app.theme, self.gap, self.app.fonts
        play, snap = self.play, self.play.snapshot
        ui.panel(surface, rect)
        pad = g
        column_w = self._clock_column_width()
        crect = ui.text(surface, play.clock_text(), (rect.left + pad, rect.top + pad // 2),
                        "heading", bold=True)
        sub = ui.text(surface, self.date_words(), (rect.left + pad, crect.bottom), "small",
                      t.text_dim)
        # how far through the run, clear of the date line above it
        strip = pygame.Rect(rect.left + pad, sub.bottom + PROGRESS_GAP_PX, column_w,
                            PROGRESS_PX)
        self.top_rect, self.date_rect, self.progress_rect = rect.copy(), sub, strip
        pygame.draw.rect(surface, t.panel_high, strip)
        done = strip.copy()
        done.width = round(strip.width * min(1.0, snap.now_min / max(1.0, snap.horizon_min)))
        pygame.draw.rect(surface, t.accent, done)
        bh = round(self.line * 1.6)
        # the lever panel, on the right
        right_edge = rect.right - pad
        if play.anytime_levers():
            label = "Levers"
            bw = fonts.width(f"[L]  {label}", bold=True) + fonts.px() * 2
            brect = pygame.Rect(right_edge - bw, rect.centery - bh // 2, bw, bh)
            ui.button(surface, "levers", brect, label, self.open_levers, pygame.K_l,
                      hint="[L]", primary=True)
            ui.tip(brect, ["Levers you may pull at any time, while the clock runs [L]"])
            right_edge = brect.left - 2 * g
        # the speed control, centred in the room between the clock's column (as wide as it
        # ever gets) and the levers: its labels depend on the window, never on the clock.
        # Every button shows its key: in its label where that fits, else on a line under
        # the buttons (then the labels may shrink to a sign); the tooltips have the rest.
        run = "Run" if self.paused else "Pause"
        items = [("pause", (run, run), pygame.K_SPACE, (), self.toggle_pause),
                 ("slower", ("Slower", "−"), MINUS_KEYS[0], MINUS_KEYS[1:], self.slower),
                 ("speed", None, None, (), None),
                 ("faster", ("Faster", "+"), PLUS_KEYS[0], PLUS_KEYS[1:], self.faster),
                 ("fastest", ("Fastest", "Fastest"), pygame.K_f, (), self.fastest)]
        tips = {"slower": "Slower [−] (or the keypad's −)",
                "faster": "Faster [+] (the + or = key, or the keypad's +)"}
        left_edge = rect.left + pad + column_w + 2 * g

        def label_w(bid: str, labels: tuple, key: int, size: str, hints: bool, short: int
                    ) -> int:
            # Pause and Run take turns on one button: as wide as the wider
            words = ("Pause", "Run") if bid == "pause" else (labels[short],)
            widest = max(fonts.width((f"{hint(key)}  " if hints else "") + w, size)
                         for w in words) + fonts.px(size) * 2
            # a key on the line underneath is no wider than its button
            return widest if hints else max(widest, fonts.width(hint(key), "small") + g)

        def style() -> tuple[str, bool, int, list[int], int]:
            """The first of SPEED_STYLES the room holds, the buttons' widths and all of it."""
            speed_w = max(fonts.width("240 min/s", bold=True),
                          fonts.width(f"night: ×{t.closed_factor:g} faster", "small")) + g
            for size, hints, short in SPEED_STYLES:
                widths = [speed_w if labels is None else label_w(bid, labels, key, size,
                                                                 hints, short)
                          for bid, labels, key, _, _ in items]
                total = sum(widths) + g // 2 * (len(items) - 1)
                if total <= right_edge - left_edge:
                    break
            return size, hints, short, widths, total

        size, hints, short, widths, total = self._measured(
            ("speed control", right_edge - left_edge), style)
        small = fonts.line_height("small")
        by = rect.centery - (bh if hints else bh + small) // 2
        x = max(left_edge, (left_edge + right_edge - total) // 2)
        for (bid, labels, key, also, action), bw in zip(items, widths, strict=True):
            if labels is None:
                centre = x + bw // 2
                ui.text(surface, self.speed_words(), (centre, by), bold=True,
                        anchor="midtop")
                ui.text(surface, self.state_words(), (centre, by + bh), "small",
                        t.text_dim, anchor="midbottom")
            else:
                brect = pygame.Rect(x, by, bw, bh)
                ui.button(surface, bid, brect, labels[short], action, key,
                          hint=hint(key) if hints else None,
                          selected=bid == "pause" and self.paused, size=size, also=also)
                if not hints:  # the key under its button
                    ui.text(surface, hint(key), (brect.centerx, brect.bottom), "small",
                            t.text_dim, anchor="midtop")
                ui.tip(brect, [tips.get(bid, f"{labels[0]} {hint(key)}")])
            x += bw + g // 2
        ui.area("menu", pygame.Rect(0, 0, 0, 0), self.open_menu, pygame.K_ESCAPE)

    def _draw_departments(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        ui, t, g, fonts = self.ui, self.app.theme, self.gap, self.app.fonts
        ui.panel(surface, rect)
        inner = rect.inflate(-2 * g, -2 * g)
        y = ui.text(surface, "Your customers", inner.topleft, bold=True).bottom + g // 2
        departments = self.play.scenario.departments
        if not departments:
            ui.text(surface, "(no departments in this scenario)", (inner.left, y), "small",
                    t.text_dim)
            return
        row_h = max(self.line * 2, min(round(self.line * 3.2),
                                       (inner.bottom - y) // len(departments)))
        radius = min(row_h // 2 - 3, round(self.line * 0.9))
        for d in departments:
            if y + row_h > inner.bottom + 2:
                break
            row = pygame.Rect(inner.left, y, inner.width, row_h)
            value = self.play.satisfaction.get(d.id, d.satisfaction)
            mood = self.play.mood(d.id)
            week = self.play.week_mood(d.id)
            # nobody lately (a night, the end of the week): the face keeps the run's mood
            face = mood if mood is not None else week if week is not None else value
            draw_face(surface, t, (row.left + radius, row.centery), radius, face)
            tx = row.left + 2 * radius + g
            small = fonts.line_height("small")
            # the whole name: bold, else regular, else on two lines when the row has room
            # (on a small window a name on two lines leaves out "lately …": the tip has it)
            styles = NAME_STYLES if row_h >= 3 * small + 2 else NAME_STYLES[:2]
            # the name before a bracket ("New Customer Service agents"); the tip has it all
            name_lines, size, bold = fit_lines(fonts, short_name(d.name, d.id), row.right - tx,
                                               styles)
            name_y = row.top + 2
            for line in name_lines:
                name_y = ui.text(surface, line, (tx, name_y), size, bold=bold).bottom
            # the bar: what the people who dealt with IT lately lived through (the face's
            # mood: a bad Monday and a good one differ by twenty points and more); the tick
            # on it: everybody's satisfaction, most of whom never called (a point or two a
            # week, `sim.moments`)
            lived = mood if mood is not None else week
            bar_colour = t.idle if lived is None else mood_colour(t, lived)
            change = value - d.satisfaction
            # the arrow from the same threshold as the tip's words: a point either way
            trend = "" if abs(change) < 1 else f" {'↓' if change < 0 else '↑'}{abs(change):.0f}"
            lately = ("nobody yet" if lived is None else
                      f"{'lately' if mood is not None else 'so far'} {lived:.0f}")
            # each number with its name, on the line under the bar where there is room
            # (else the bar's own number beside it, and the tip says the rest)
            gauge_line_y = name_y + 2
            words = None
            if gauge_line_y + 2 * small <= row.bottom + 2:
                mood_word = f" {mood_words(lived)}" if lived is not None else ""
                words = next((w for w in (
                    (f"{lately}{mood_word}", f" · everyone {value:.0f}{trend}"),
                    (lately, f" · everyone {value:.0f}{trend}"),
                    (lately, f" · all {value:.0f}{trend}"))
                    if fonts.width("".join(w), "small") <= row.right - tx), None)
            number_w = 0 if words is not None else self._measured(
                ("gauge number",), lambda: fonts.width("100", "small", bold=True) + g)
            gauge = pygame.Rect(tx, 0, row.right - tx - number_w, max(6, self.line // 3))
            gauge.centery = gauge_line_y + small // 2
            pygame.draw.rect(surface, t.panel_high, gauge)
            filled = gauge.copy()
            filled.width = round(gauge.width * max(0.0, min(1.0, (lived or 0.0) / 100.0)))
            pygame.draw.rect(surface, bar_colour, filled)
            self.gauges[d.id] = (filled, bar_colour)
            mx = gauge.left + round(gauge.width * value / 100.0)  # everybody's
            pygame.draw.line(surface, t.text, (mx, gauge.top - 3), (mx, gauge.bottom + 2), 2)
            words_colour = t.text_dim if lived is None or bar_colour == t.so_so else bar_colour
            if words is None:
                ui.text(surface, "—" if lived is None else f"{lived:.0f}",
                        (row.right, gauge.centery), "small", words_colour, bold=True,
                        anchor="midright")
            else:
                said = ui.text(surface, words[0], (tx, gauge_line_y + small), "small",
                               words_colour, bold=True)
                ui.text(surface, words[1], (said.right, said.top), "small", t.text)
            counts = self.play.moment_counts.get(d.id, {})
            ui.tip(row, [
                f"{d.name or d.id}: {d.headcount:,} people",
                "The face and the bar: how the people who dealt with IT lately felt about it "
                + (f"({mood:.0f} out of 100, their latest moments of truth)" if mood is not None
                   else f"(nobody lately; over the run so far {week:.0f})" if week is not None
                   else "(nobody yet)"),
                f"The tick, everyone: everybody's satisfaction with IT, {value:.1f} — all "
                f"{d.headcount:,} people, most of whom never called, so it moves a point or "
                f"two in a week (it started the week at {d.satisfaction:g})",
                f"Moments so far: {counts.get('good', 0)} good, {counts.get('neutral', 0)} "
                f"neutral, {counts.get('bad', 0)} bad; {counts.get('hung_up', 0)} gave up",
            ])
            ui.area(f"department:{d.id}", row, None)
            y += row_h

    def _draw_desk(self, surface: pygame.Surface, rect: pygame.Rect,
                   teams: list[GroupView]) -> None:
        ui, g, fonts = self.ui, self.gap, self.app.fonts
        ui.panel(surface, rect)
        inner = rect.inflate(-2 * g, -2 * g)
        # the keys for what the mouse does here, at the foot of the desk (lines as even as
        # they can be: no word alone on the second)
        keys = self._measured(("keys", inner.width),
                              lambda: wrap_balanced(fonts, FLOOR_KEYS, inner.width, "small"))
        step = fonts.line_height("small")
        for k, line in enumerate(keys):
            ui.text(surface, line, (inner.centerx, inner.bottom - (len(keys) - k) * step),
                    "small", self.app.theme.text_dim, anchor="midtop")
        inner.height -= len(keys) * step + g // 2
        if not teams:
            return
        share = inner.height // len(teams)
        for i, team in enumerate(teams):
            part = pygame.Rect(inner.left, inner.top + i * share, inner.width, share - g)
            self._draw_one_desk(surface, part, team)

    def _draw_one_desk(self, surface: pygame.Surface, rect: pygame.Rect,
                       team: GroupView) -> None:
        ui, t, g, fonts = self.ui, self.app.theme, self.gap, self.app.fonts
        name = self._full_names.get(team.id) or team.id
        # the whole line, in smaller type on a narrow window: the type chosen for the widest
        # it gets (so it does not change size as the queue grows)
        head = f"{name}: {team.waiting} waiting · {team.busy} of {team.on_duty} busy"
        widest = f"{name}: 999 waiting · 99 of 99 busy"
        size = "body" if fonts.width(widest, "body", True) <= rect.width else "small"
        lines, size, _ = fit_lines(fonts, head, rect.width, ((size, True, 1),
                                                             ("small", True, 2)))
        y = rect.top
        for line in lines:
            y = ui.text(surface, line, (rect.left, y), size, bold=True).bottom
        y += 2
        # the queue: people in line (phone, walk-in) and the inboxes (e-mail, portal)
        lanes = [("phone", "On hold", t.phone), ("walk_in", "At the desk", t.walk_in),
                 ("email", "E-mail", t.ticket), ("portal", "Portal", t.ticket)]
        used = [lane for lane in lanes if lane[0] in self._channels
                or team.waiting_by_channel.get(lane[0], 0)]
        # lanes and desks share the height: lanes first, at most 2 lines each
        lane_h = max(self.line, min(round(self.line * 1.9),
                                    (rect.bottom - y) * 2 // 5 // max(1, len(used))))
        label_w = self._measured(("lane label",),
                                 lambda: fonts.width("At the desk 999", "small", bold=True)) + g
        small = fonts.line_height("small")
        person = round(lane_h * 0.92)
        for channel, label, colour in used:
            n = team.waiting_by_channel.get(channel, 0)
            lane = pygame.Rect(rect.left, y, rect.width, lane_h)
            x0 = lane.left + label_w
            room = lane.right - x0 - fonts.width("+999", "small")
            if channel == "phone":
                # "9 hung up in the last hour" at the end of the lane, and before it the
                # room where those who hang up walk off towards it, apart from the queue;
                # both kept whether or not anyone has, so the queue never jumps
                count_lines, count_w = self._hung_up_lines(room // 2)
                room -= count_w + g
                # (on a narrow window the queue keeps room for one caller, "+3" beside)
                walk_w = max(0, min(round(self.line * HANG_UP_WALK_LINES),
                                    room - self._person_step(person)))
                room -= walk_w
                walk_to = lane.right - count_w - g // 2
                self.hang_up_path = (walk_to - walk_w, walk_to, lane.bottom)
                if len(count_lines) * small > lane.height:
                    lane.height = len(count_lines) * small
                for k, line in enumerate(count_lines):
                    ui.text(surface, line, (lane.right, lane.top + k * small), "small", t.bad,
                            bold=True, anchor="topright")
            pygame.draw.line(surface, t.panel_high, lane.bottomleft, lane.bottomright)
            ui.text(surface, f"{label} {n}", (lane.left, lane.centery), "small", colour,
                    bold=True, anchor="midleft")
            in_lane = [wv for wv in team.queue if wv.channel == channel]
            tip = [f"{label}: {n} waiting"]
            if in_lane:
                tip.append(f"Longest so far: {max(wv.waited_min for wv in in_lane):.0f} min")
                for wv in in_lane[:6]:
                    tip.append(f"• {self._department_name(wv.department)}, "
                               f"{self._category_name(wv.category)}: {wv.waited_min:.0f} min")
            ui.tip(lane, tip)
            ui.area(f"queue:{team.id}:{channel}", lane, None)
            people = channel in ("phone", "walk_in")
            step = self._person_step(person) if people else max(6, person * 2 // 3)
            fits = max(0, room // step)
            figures = []
            for k in range(min(n, fits)):
                if people:
                    figures.append(draw_person(surface, colour, x0 + k * step + step // 2,
                                               lane.bottom - 2, person - 2))
                    item = pygame.Rect(x0 + k * step, lane.top, step, lane_h)
                else:
                    item = pygame.Rect(x0 + k * step, lane.top + lane_h // 4, step - 3,
                                       lane_h // 2)
                    draw_envelope(surface, colour, item, t.background)
                if k < len(in_lane):  # hovering one person or ticket: who and what
                    ui.tip(item, self._waiting_lines(in_lane[k], k, label))
            shown = min(n, fits)
            if channel == "phone":
                self.lane_figures["on hold"] = figures
            if n > shown:
                ui.text(surface, f"+{n - shown}", (x0 + shown * step + 4, lane.centery),
                        "small", colour, bold=True, anchor="midleft")
            y = lane.bottom + 2
        # the desks
        y += g
        agents = team.agents
        if not agents:
            ui.text(surface, "Nobody on duty.", (rect.left, y), "small", t.text_dim)
            return
        room_h = rect.bottom - y
        per_row = min(len(agents), max(3, rect.width // (self.line * 7)))
        rows = -(-len(agents) // per_row)
        desk_w = min(self.line * 9, (rect.width - g * (per_row - 1)) // per_row)
        desk_h = max(self.line * 2, min(round(self.line * 4.2), (room_h - g * (rows - 1))
                                        // rows))
        for k, agent in enumerate(agents):
            r, c = divmod(k, per_row)
            desk = pygame.Rect(rect.left + c * (desk_w + g), y + r * (desk_h + g), desk_w,
                               desk_h)
            if desk.bottom > rect.bottom + 2:
                ui.text(surface, f"… and {len(agents) - k} more", (rect.left,
                        rect.bottom - self.line), "small", t.text_dim)
                break
            self._draw_agent(surface, desk, agent, team.id, k)

    @staticmethod
    def _person_step(person: int) -> int:
        """How far apart the people waiting in a lane stand: a little closer than their
        size, a line of people."""
        return max(6, person * 3 // 5)

    def _hung_up_lines(self, most_w: int) -> tuple[list[str], int]:
        """The hang-up count's lines — "9 hung up in the last hour", or where that is wider
        than `most_w`, "9 hung up" over "in the last hour"; none while nobody has — and the
        width kept for it: that of the widest count it shows in a run (99). The count is of
        phone callers who hung up within the last hour of the simulated clock, as the event
        log has them (`Play.hung_up_lately`)."""
        fonts = self.app.fonts
        when = f"in the last {self._window_words()}"

        def lines_of(n: int) -> list[str]:
            one = f"{n} hung up {when}"
            return [one] if fonts.width(one, "small", True) <= most_w else [f"{n} hung up", when]

        width = self._measured(("hung up", most_w), lambda: max(
            fonts.width(line, "small", True) for line in lines_of(99)))
        n = self.play.hung_up_lately
        return (lines_of(n) if n else []), width

    def _waiting_lines(self, wv, place: int, lane: str) -> list[str]:
        """One waiting contact's details, as its tip."""
        what = "A ticket passed on" if wv.ticket else f"Contact #{wv.contact}"
        return [f"{what} — {lane}, number {place + 1} in line",
                f"{self._department_name(wv.department)}: {self._category_name(wv.category)}",
                f"Waiting for {wv.waited_min:.0f} min so far"]

    def _draw_agent(self, surface: pygame.Surface, desk: pygame.Rect, agent, team_id: str,
                    k: int) -> None:
        ui, t = self.ui, self.app.theme
        if agent.contact is None:
            colour, word = t.idle, "free"
        elif agent.ticket:
            colour, word = t.ticket, "ticket"
        else:
            colour = {"phone": t.phone, "walk_in": t.walk_in}.get(agent.channel, t.ticket)
            word = AGENT_WORDS.get(agent.channel, agent.channel or "")
        pygame.draw.rect(surface, t.panel_high, desk, border_radius=8)
        pygame.draw.rect(surface, colour, desk, 4 if agent.contact is not None else 2,
                         border_radius=8)
        # the figure gives way on a narrow desk, so that its words fit beside it: the room
        # for "visitor" and "999 min" is kept, right of a visitor (the widest drawing, about
        # 1.75 figures and 24 pixels wide)
        fonts = self.app.fonts
        words_w = self._measured(("desk words",), lambda: max(
            fonts.width("999 min", "small"), fonts.width("visitor", "small", True))) + 8
        size = round(min(desk.height * 0.62, desk.width * 0.3,
                         (desk.width - words_w - 28) * 4 / 7))
        cx = desk.left + size // 2 + 8
        # the agent behind the desk, and what they are doing in front of them
        draw_person(surface, colour, cx, desk.top + size + 6, size)
        table = pygame.Rect(desk.left + 4, desk.top + size + 4, size + 12, max(4, size // 6))
        pygame.draw.rect(surface, t.edge, table)
        # the words go right of whatever is drawn in front of the agent
        tx = table.right + 8
        if agent.contact is not None and not agent.ticket and agent.channel == "walk_in":
            draw_person(surface, t.walk_in, table.right + size // 3, desk.top + size + 6,
                        size * 4 // 5)
            tx = table.right + size * 3 // 4 + 8
        elif agent.contact is not None and agent.channel == "phone" and not agent.ticket:
            tx = ui.text(surface, "☎", (cx + size // 2, desk.top + 4), "heading", colour,
                         bold=True).right + 6
        elif agent.contact is not None:
            env = pygame.Rect(cx + size // 3, desk.top + 6, size // 2, size // 3)
            draw_envelope(surface, colour, env, t.background)
            tx = max(tx, env.right + 8)
        tx = min(tx, desk.right - words_w)
        # (a free desk's figure is grey, a shape; its word must be readable)
        words, size_name, bold = fit_lines(fonts, word, desk.right - tx - 4,
                                           NAME_STYLES[:2])
        ui.text(surface, words[0], (tx, desk.top + 6), size_name,
                t.text_dim if agent.contact is None else colour, bold=bold)
        if agent.contact is not None:
            busy, size_name, _ = fit_lines(fonts, f"{agent.busy_min:.0f} min",
                                           desk.right - tx - 4, NAME_STYLES[1:2])
            ui.text(surface, busy[0], (tx, desk.top + 6 + self.line), size_name, t.text_dim)
        lines = [f"Agent {agent.number + 1} of {team_id}"]
        if agent.contact is None:
            lines.append("Free: ready for the next contact")
        else:
            kind = "a ticket passed on" if agent.ticket else \
                f"a contact {CHANNEL_WORDS.get(agent.channel, '')}"
            lines += [f"Working on {kind} for {agent.busy_min:.0f} min",
                      f"{self._department_name(agent.department)}: "
                      f"{self._category_name(agent.category)}"]
        ui.tip(desk, lines)
        ui.area(f"agent:{team_id}:{k}", desk, None)

    def _draw_resolvers(self, surface: pygame.Surface, rect: pygame.Rect,
                        groups: list[GroupView]) -> None:
        ui, t, g, fonts = self.ui, self.app.theme, self.gap, self.app.fonts
        ui.panel(surface, rect)
        inner = rect.inflate(-2 * g, -2 * g)
        y = inner.top
        story = self._story_lines()
        small = fonts.line_height("small")
        for text, colour in story:
            # the change's whole name, on two lines if need be
            lines, size, bold = fit_lines(fonts, text, inner.width, (
                ("small", True, 1), ("small", False, 1), ("small", True, 2),
                ("small", False, 2)))
            for line in lines:
                ui.text(surface, line, (inner.left, y), size, colour, bold=bold)
                y += small
        if story:
            y += g // 2
        heading, size, bold = fit_lines(fonts, "Resolvers and suppliers", inner.width,
                                        (("body", True, 1), ("small", True, 1)))
        y = ui.text(surface, heading[0], (inner.left, y), size, bold=bold).bottom + g // 2
        if not groups:
            return
        box_h = max(round(self.line * 2.6), min(round(self.line * 3.4),
                                                 (inner.bottom - y) // len(groups) - g // 2))
        # a name that needs two lines gets them where every box can be a line taller
        tall = (inner.bottom - y) // len(groups) - g // 2 >= 4 * small + 8
        # short names in the boxes ("Softphone vendor"), the whole name in the tip
        full, short = self._full_names, self._short_names
        kpis = self.play.kpis
        for grp in groups:
            if y + box_h > inner.bottom + 2:
                break
            box = pygame.Rect(inner.left, y, inner.width, box_h)
            pygame.draw.rect(surface, t.panel_high, box, border_radius=6)
            label = full.get(grp.id) or grp.id
            kind = "supplier" if grp.kind == "supplier" else f"tier {grp.tier}"
            name_lines, size, bold = fit_lines(fonts, short.get(grp.id) or grp.id,
                                               box.width - 12,
                                               NAME_STYLES if tall else NAME_STYLES[:2])
            if len(name_lines) > 1:
                box.height = max(box.height, (len(name_lines) + 2) * small + 8)
                pygame.draw.rect(surface, t.panel_high, box, border_radius=6)
            for k, line in enumerate(name_lines):
                ui.text(surface, line, (box.left + 6, box.top + 3 + k * small), size,
                        bold=bold)
            # slots: one square per person on duty (or per ticket a supplier holds)
            sq = max(6, self.line // 2)
            x = box.left + 6
            sy = box.top + 4 + len(name_lines) * small
            slots = grp.busy if grp.kind == "supplier" else grp.on_duty
            busy = grp.busy
            who = ("ticket in hand" if busy == 1 else "tickets in hand") \
                if grp.kind == "supplier" else "busy"
            # as many squares as leave room for the words after them ("+3 10 busy")
            words_w = fonts.width(f"+{slots} {busy} {who}", "small") + 4
            shown = max(0, min(slots, 14, (box.right - 6 - x - words_w) // (sq + 3)))
            for s in range(shown):
                colour = t.ticket if s < busy else t.idle
                pygame.draw.rect(surface, colour, (x + s * (sq + 3), sy, sq, sq))
            extra = f"+{slots - shown} " if slots > shown else ""
            ui.text(surface, f"{extra}{busy} {who}", (x + shown * (sq + 3) + 4,
                    sy + sq // 2), "small", t.text_dim, anchor="midleft")
            wait_colour = t.bad if grp.waiting > 10 else t.warn if grp.waiting else t.text_dim
            longest = f", longest {grp.longest_wait_min / 60:.1f} h" if grp.waiting else ""
            ui.text(surface, f"{grp.waiting} waiting{longest}", (box.left + 6, box.bottom - 3),
                    "small", wait_colour, anchor="bottomleft", max_width=box.width - 12)
            util = kpis.get(f"utilisation_{grp.id}")
            mean_wait = kpis.get(f"mean_wait_min_{grp.id}")
            tip = [f"{label} ({kind})", f"{grp.busy} busy, {grp.waiting} waiting"]
            if util is not None:
                tip.append(f"Busy {util * 100:.0f}% of its time on duty so far")
            if mean_wait is not None:
                tip.append(f"Mean wait in its queue so far: {format_figure(mean_wait, 'min')}")
            ui.tip(box, tip)
            ui.area(f"group:{grp.id}", box, None)
            y += box.height + g // 2

    def _story_lines(self) -> list[tuple[str, tuple]]:
        """The changes and injects that are live or done, in a word each."""
        t, snap, sc = self.app.theme, self.play.snapshot, self.play.scenario
        out = []
        for change in sc.changes:
            state = snap.changes.get(change.id, "")
            if state in ("live", "failed", "rolled_back"):
                words = {"live": "live", "failed": "FAILED", "rolled_back": "rolled back"}
                colour = t.bad if state == "failed" else t.warn if state == "live" else \
                    t.text_dim
                name = short_name(change.name, change.id)
                out.append((f"Change: {name} — {words[state]}", colour))
        for inject in sc.injects:
            if snap.injects.get(inject.id) == "running":
                out.append((f"Now: {short_name(inject.name, inject.id)}", t.bad))
        return out[:4]

    def _small_panel(self, surface: pygame.Surface, rect: pygame.Rect,
                     heading: str) -> tuple[pygame.Rect, int, int]:
        """A panel with a small bold heading: its inside, the first line's y, the line step."""
        self.ui.panel(surface, rect)
        inner = rect.inflate(-2 * self.gap, -self.gap)
        self.ui.text(surface, heading, inner.topleft, "small", bold=True)
        step = self.app.fonts.line_height("small")
        return inner, inner.top + step, step

    def _draw_ticker(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        t, fonts = self.app.theme, self.app.fonts
        inner, y, step = self._small_panel(surface, rect, "Moments of truth, as they happen")
        ui = self.ui
        rows = max(1, (inner.bottom - y) // step)
        lines = list(self.play.ticker)[-rows:]
        if not lines:
            ui.text(surface, "Nothing yet: the first contacts are on their way.",
                    (inner.left, y), "small", t.text_dim)
            return
        marks = {"good": ("✓", t.good), "bad": ("✗", t.bad), "neutral": ("•", t.text_dim)}
        mx = inner.left + max(fonts.width(line.clock, "small") for line in lines) \
            + fonts.width(" ", "small")
        tx = mx + fonts.width("✓ ", "small", bold=True)
        for line in reversed(lines):  # newest first
            # each moment whole, on as many lines as it takes: who, what happened and what
            # it was about (a cut line lost the last, the cause)
            room = (inner.bottom - y) // step
            if room <= 0:
                break
            wrapped = wrap(fonts, line.text, inner.right - tx, "small")
            if len(wrapped) > room:
                if line is not lines[-1]:
                    break  # an older moment that does not fit whole waits off screen
                wrapped = wrap_fit(fonts, line.text, inner.right - tx, room, "small")
            mark, colour = marks[line.verdict]
            ui.text(surface, line.clock, (inner.left, y), "small", t.text_dim)
            ui.text(surface, mark, (mx, y), "small", colour, bold=True)
            for part in wrapped:
                # a bad moment in its colour from end to end: a bad morning reads at a glance
                ui.text(surface, part, (tx, y), "small",
                        colour if line.verdict == "bad" else None)
                y += step

    def _draw_figures(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        t = self.app.theme
        inner, y, step = self._small_panel(surface, rect, "So far, against your targets")
        ui = self.ui
        currency = self.play.scenario.currency
        for fig in self.play.figures:
            if y + step > inner.bottom + 2:
                break
            label = SHORT_LABELS.get(fig.name, fig.label)
            value = format_figure(fig.value, fig.unit, currency)
            if fig.basis:
                value = f"{value} ({fig.basis})"
            if fig.met is None:
                mark, colour = " ", t.text_dim
            elif fig.met:
                mark, colour = "✓", t.good
            else:
                mark, colour = "✗", t.bad
            ui.text(surface, mark, (inner.left, y), "small", colour, bold=True)
            x = inner.left + self.app.fonts.width("✓ ", "small", bold=True)
            value_w = self.app.fonts.width(value, "small", bold=True)
            ui.text(surface, value, (inner.right, y), "small", colour, bold=True,
                    anchor="topright")
            goal = f" ({goal_symbol(fig.goal_text)})" if fig.goal_text else ""
            # the label with its target; on a narrow window the fewest words, then without
            # the target (the pop-ups and the debrief have both)
            tight = TIGHT_LABELS.get(fig.name, label)
            room = inner.right - value_w - x - 6
            shown = next((w for w in (f"{label}{goal}", f"{tight}{goal}", tight)
                          if self.app.fonts.width(w, "small") <= room), tight)
            ui.text(surface, shown, (x, y), "small", max_width=room)
            y += step
        if y + step <= inner.bottom + 2:
            x = inner.left + self.app.fonts.width("✓ ", "small", bold=True)
            ui.text(surface, "Spent on levers", (x, y), "small", t.text_dim)
            ui.text(surface, f"{self.play.spent:,.0f} {currency}", (inner.right, y), "small",
                    t.text_dim, anchor="topright")

    def _draw_leaving(self, surface: pygame.Surface) -> None:
        """Those who just hung up, walking from the far end of the queue towards their count,
        and shrinking as they go; never without the count beside them (a figure walking off
        beside "On hold 0" and no count would say something the figures do not)."""
        t = self.app.theme
        drawn = self.lane_figures["hung up"] = []
        x_from, x_to, y = self.hang_up_path
        if x_to <= x_from or not self.play.hung_up_lately:
            return
        size = round(self.line * 1.2)
        for p in self.leaving:
            if p.age_s < 0:
                continue
            k = p.age_s / HANG_UP_ANIMATION_S
            x = round(x_from + k * (x_to - x_from))
            tall = max(4, round(size * (1 - 0.5 * k)))
            drawn.append(draw_person(surface, t.bad, x, y - 2, tall))

    # -- names -----------------------------------------------------------------------------

    def _department_name(self, department_id: str | None) -> str:
        if department_id is None:
            return "Someone"
        d = next((d for d in self.play.scenario.departments if d.id == department_id), None)
        return (d.name or d.id) if d else department_id

    def _category_name(self, category_id: str | None) -> str:
        c = next((c for c in self.play.scenario.categories if c.id == category_id), None)
        return (c.name or c.id) if c else (category_id or "")

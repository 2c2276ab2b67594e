"""The scenario picker: the built-in library (title, length, what it teaches) and "open a
file". A file with mistakes shows its located problems here — never a crash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygame

from game.screens.base import Screen
from game.ui import (
    MINUS_KEYS,
    PLUS_KEYS,
    Scroll,
    TextField,
    fit_lines,
    number_keys,
    wrap,
    wrap_fit,
)
from sim.builtin import list_builtin
from sim.loader import ScenarioError
from sim.scenario import Scenario

#: The scenarios' titles in the list, all in one size: the first of these (size, bold, at
#: most how many lines) that holds every title whole.
TITLE_STYLES = (("body", True, 1), ("small", True, 1), ("small", True, 2))


@dataclass
class Entry:
    source: str          # the id or path the scenario was opened with
    scenario: Scenario


def length_words(scenario: Scenario) -> str:
    """How long the scenario runs, in days or weeks of the clock."""
    days = scenario.clock.duration / 1440.0
    if days >= 13.5:
        return f"{days / 7:.0f} weeks"
    if days >= 1:
        return f"{days:.0f} day{'s' if round(days) != 1 else ''}"
    return f"{scenario.clock.duration / 60:.0f} hours"


def teaches(scenario: Scenario) -> str:
    """What the scenario teaches: its description, else its trainer note's first lines."""
    text = (scenario.description or scenario.trainer_note or "").strip()
    return " ".join(text.split())


def load(source: str) -> tuple[Scenario | None, list[str]]:
    """A scenario by built-in id or path, or the problems that stop it loading."""
    from sim.builtin import resolve_scenario

    try:
        return resolve_scenario(source), []
    except ScenarioError as error:
        return None, [str(p) for p in error.problems] or [str(error)]
    except OSError as error:  # a folder, a device, no permission
        return None, [f"{source}: cannot read it ({error.strerror or error})"]


def open_scenario(app, source: str) -> bool:
    """Go to the briefing of the scenario `source`, or show the picker with its problems."""
    scenario, problems = load(source)
    if scenario is None:
        picker = PickerScreen(app)
        picker.problems = problems
        picker.path.text = source
        app.show(picker)
        return False
    from game.screens.briefing import BriefingScreen

    app.show(BriefingScreen(app, scenario, source))
    return True


class PickerScreen(Screen):
    name = "picker"
    title = "Choose a scenario"

    def __init__(self, app):
        super().__init__(app)
        self.entries = [Entry(b.id, _load_builtin(b.path)) for b in list_builtin()]
        self.entries = [e for e in self.entries if e.scenario is not None]
        # the scenario people come for first
        ids = [e.source for e in self.entries]
        self.selected = ids.index("softphone-cutover") if "softphone-cutover" in ids else 0
        self.path = TextField("", max_length=400, on_enter=self.open_path)
        self.problems: list[str] = []
        self.problem_scroll = Scroll()
        self._list_first = 0  # the first scenario in sight in the list

    # -- actions -------------------------------------------------------------------------------

    def choose(self, index: int) -> None:
        self.selected = index
        self.path.focused = False

    def start(self) -> None:
        if not self.entries:
            return
        entry = self.entries[self.selected]
        from game.screens.briefing import BriefingScreen

        self.app.show(BriefingScreen(self.app, entry.scenario, entry.source))

    def open_path(self, text: str) -> None:
        source = text.strip()
        if not source:
            self.problems = ["Type the path of a scenario file (YAML), then press Enter."]
            return
        source = str(Path(source).expanduser())
        self.problems = []
        self.path.focused = False
        open_scenario(self.app, source)

    def luck(self, change: int) -> None:
        self.app.seed = max(0, self.app.seed + change)

    def back(self) -> None:
        from game.screens.title import TitleScreen

        self.app.show(TitleScreen(self.app))

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if self.problems:
            if event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_RETURN):
                self.close_problems()
                return True
            if self.problem_scroll.handle(event):
                return True
        if self.path.handle(event):
            return True
        if (event.type == pygame.KEYDOWN and event.key == pygame.K_o
                and event.mod & pygame.KMOD_CTRL):
            self.path.focus()  # the keyboard's way into the file path
            return True
        if event.type == pygame.KEYDOWN and self.entries:
            if event.key == pygame.K_DOWN:
                self.choose((self.selected + 1) % len(self.entries))
                return True
            if event.key == pygame.K_UP:
                self.choose((self.selected - 1) % len(self.entries))
                return True
            if pygame.K_1 <= event.key <= pygame.K_9:
                index = event.key - pygame.K_1
                if index < len(self.entries):
                    self.choose(index)
                return True
        return False

    # -- drawing -------------------------------------------------------------------------------

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, t, m, g = self.ui, self.app.theme, self.margin, self.gap
        w, h = surface.get_size()
        who = f" — {self.app.team}" if self.app.team else ""
        y = self.header(surface, f"Choose a scenario{who}",
                        f"↑ ↓ or {number_keys(len(self.entries))} to choose, Enter to read "
                        "its briefing · Tab moves between the buttons")
        bottom = h - m - round(self.line * 1.7) - g
        list_w = round((w - 2 * m) * 0.42)
        self._draw_list(surface, pygame.Rect(m, y, list_w, bottom - 5 * self.line - y))
        # the selected scenario, on the right
        detail = pygame.Rect(m + list_w + 2 * g, y, w - 2 * m - list_w - 2 * g,
                             bottom - y - 5 * self.line)
        ui.panel(surface, detail)
        if self.entries:
            self._draw_detail(surface, detail.inflate(-2 * g, -2 * g),
                              self.entries[self.selected].scenario)
        # open a file
        y2 = bottom - 4 * self.line - g
        ui.text(surface, "… or open a scenario file: Ctrl+O (or a click) in the box, type its "
                "path, then Enter", (m, y2), max_width=w - 2 * m)
        field = pygame.Rect(m, y2 + self.line + g // 2, w - 2 * m - self.line * 8,
                            round(self.line * 1.5))
        self.path.draw(ui, surface, field, "path", placeholder="e.g. scenarios/normal-week.yaml")
        ui.button(surface, "open", pygame.Rect(field.right + g, field.top, self.line * 8 - g,
                  field.height), "Open", lambda: self.open_path(self.path.text))
        self.button_row(surface, [
            ("start", "Read the briefing", pygame.K_RETURN, self.start, bool(self.entries), True),
            ("luck-down", "Luck −1", MINUS_KEYS[0], lambda: self.luck(-1), True, False,
             MINUS_KEYS[1:]),
            ("luck-up", "Luck +1", PLUS_KEYS[0], lambda: self.luck(+1), True, False,
             PLUS_KEYS[1:]),
            ("back", "Back", pygame.K_ESCAPE, self.back),
        ])
        ui.text(surface, f"Luck (seed): {self.app.seed} — the same luck gives every team the "
                "same callers at the same moments", (m, bottom - self.line), "small",
                t.text_dim, max_width=w - 2 * m)
        if self.problems:
            self._draw_problems(surface)  # last: on top of everything

    def _draw_list(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        """Every scenario in the list, each title whole and all in one size (the first of
        TITLE_STYLES that holds them all), on two lines where a title needs them, under the
        number that chooses it. Under each title its length and id where there is room;
        when even without them the rows do not fit, the list scrolls with the selection
        (▲ and ▼ say how many are out of sight)."""
        ui, t, fonts, g = self.ui, self.app.theme, self.app.fonts, self.gap
        if not self.entries:
            return
        pad = fonts.px() // 2
        numbers = [f"[{i + 1}]  " for i in range(len(self.entries))]
        more_w = fonts.width(f" ▼{len(self.entries)}")

        def title_lines(i: int, size: str, bold: bool) -> list[str]:
            room = area.width - 2 * pad - fonts.width(numbers[i], size, bold) - more_w
            return wrap(fonts, self.entries[i].scenario.title, room, size, bold)

        size, bold, most = next(
            (style for style in TITLE_STYLES
             if all(len(title_lines(i, style[0], style[1])) <= style[2]
                    for i in range(len(self.entries)))), TITLE_STYLES[-1])
        titles = [title_lines(i, size, bold) for i in range(len(self.entries))]
        step, small = fonts.line_height(size), fonts.line_height("small")

        def heights(details: bool) -> list[int]:
            return [pad + len(lines[:most]) * step + (small if details else 0)
                    for lines in titles]

        details = sum(heights(True)) + g // 2 * (len(titles) - 1) <= area.height
        tall = heights(details)
        # the rows in sight: from the first shown before, moved just enough to keep the
        # selected row in sight
        first = min(self._list_first, self.selected)
        while first < self.selected and \
                sum(tall[first:self.selected + 1]) + g // 2 * (self.selected - first) > area.height:
            first += 1
        last, used = first, 0
        while last < len(tall) and used + tall[last] <= area.height:
            used += tall[last] + g // 2
            last += 1
        self._list_first = first
        y = area.top
        for i in range(first, max(last, first + 1)):
            rect = pygame.Rect(area.left, y, area.width, tall[i])
            selected = i == self.selected
            ui.panel(surface, rect, t.panel_high if selected else t.panel,
                     t.accent if selected else t.edge, 3 if selected else 1)
            more = f" ▲{first}" if i == first and first > 0 else \
                f" ▼{len(tall) - last}" if i == last - 1 and last < len(tall) else ""
            top = rect.top + pad // 2
            ui.text(surface, numbers[i].strip(), (rect.left + pad, top), size, bold=bold)
            indent = rect.left + pad + fonts.width(numbers[i], size, bold)
            lines = titles[i] if len(titles[i]) <= most else \
                wrap_fit(fonts, self.entries[i].scenario.title, rect.right - pad - more_w
                         - indent, most, size, bold)
            for k, line in enumerate(lines):
                ui.text(surface, line, (indent, top + k * step), size, bold=bold)
            if more:
                ui.text(surface, more, (rect.right - pad, top), colour=t.accent,
                        anchor="topright")
            if details:
                entry = self.entries[i]
                ui.text(surface, f"{length_words(entry.scenario)} · {entry.source}",
                        (indent, top + len(lines) * step), "small", t.text_dim,
                        max_width=rect.right - pad - indent)
            ui.area(f"scenario:{self.entries[i].source}", rect, lambda i=i: self.choose(i))
            y += tall[i] + g // 2

    def _draw_detail(self, surface: pygame.Surface, rect: pygame.Rect,
                     scenario: Scenario) -> None:
        ui, t = self.ui, self.app.theme
        lines, size, _ = fit_lines(self.app.fonts, scenario.title, rect.width,
                                   (("heading", True, 1), ("heading", True, 2),
                                    ("body", True, 2)))
        y = rect.top
        for line in lines:
            y = ui.text(surface, line, (rect.left, y), size, bold=True).bottom
        y += self.gap
        facts = (f"{length_words(scenario)} · {len(scenario.departments)} departments, "
                 f"{sum(d.headcount for d in scenario.departments):,} people · "
                 f"{len(scenario.teams)} teams · {len(scenario.decision_points)} decisions")
        y = ui.text(surface, facts, (rect.left, y), "small", t.text_dim,
                    max_width=rect.width).bottom + self.gap
        ui.text(surface, "What it teaches", (rect.left, y), bold=True)
        y += self.line
        ui.paragraph(surface, teaches(scenario) or "(no description)",
                     pygame.Rect(rect.left, y, rect.width, rect.bottom - y))

    def _draw_problems(self, surface: pygame.Surface) -> None:
        ui, t, m = self.ui, self.app.theme, self.margin
        w, h = surface.get_size()
        box = pygame.Rect(m * 2, h // 5, w - 4 * m, h * 3 // 5)
        ui.panel(surface, box, t.panel_high, t.bad, 3)
        # clicks on the box do not reach what is below, nor does the focus
        ui.area("problems-box", box, None, modal=True)
        inner = box.inflate(-2 * self.gap, -2 * self.gap)
        y = ui.text(surface, "This scenario cannot be opened:", inner.topleft, "heading",
                    t.bad, bold=True).bottom + self.gap
        lines = [line for problem in self.problems
                 for line in wrap(self.app.fonts, problem, inner.width - 10, "small")]
        step = self.app.fonts.line_height("small")
        fits = (inner.bottom - y - self.line * 2) // step
        visible = self.problem_scroll.cue_lines(len(lines), fits)
        self.problem_scroll.set_size(len(lines), visible)
        for i, line in enumerate(lines[self.problem_scroll.top:
                                       self.problem_scroll.top + visible]):
            ui.text(surface, line, (inner.left, y + i * step), "small")
        listed = pygame.Rect(inner.left, y, inner.width, fits * step)
        self.problem_scroll.draw_bar(ui, surface, listed)
        self.problem_scroll.draw_cue(ui, surface, listed)
        close = pygame.Rect(0, 0, self.line * 10, round(self.line * 1.5))
        close.bottomright = inner.bottomright
        ui.button(surface, "close-problems", close, "Close", self.close_problems,
                  pygame.K_ESCAPE, hint="[Esc]")

    def close_problems(self) -> None:
        self.problems = []


def _load_builtin(path: Path) -> Scenario | None:
    from sim.loader import load_scenario

    try:
        return load_scenario(path)
    except ScenarioError:
        return None

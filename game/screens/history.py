"""The run history and the leaderboard, per scenario: every run kept (newest first) and
the best score per team — for a workshop's projector, or to see today's run beside
yesterday's. Read from the run history (`sim.history`)."""

from __future__ import annotations

import pygame

from game.screens.base import Screen
from game.ui import Scroll, wrap_fit
from reports.narrative import format_figure
from sim.builtin import list_builtin


class HistoryScreen(Screen):
    name = "history"
    title = "History and leaderboard"

    def __init__(self, app, back: Screen | None = None, scenario_id: str | None = None):
        super().__init__(app)
        self.back_to = back
        self.scenarios = [(b.id, b.title) for b in list_builtin()]
        ids = [s[0] for s in self.scenarios]
        if scenario_id and scenario_id not in ids:
            self.scenarios.append((scenario_id, scenario_id))
            ids.append(scenario_id)
        self.index = ids.index(scenario_id) if scenario_id in ids else (
            ids.index("softphone-cutover") if "softphone-cutover" in ids else 0)
        self.per_team = True
        self.scroll = Scroll()
        self.error = ""
        self.runs = []
        self.rows: list[list[str]] = []
        self.board = []
        self.total = 0
        #: the runs table's column widths (with the full and the short headings), and the
        #: type size they were measured for
        self._widths: tuple[tuple, list[list[int]]] = ((), [])
        #: each run's team name as its lines, and what they were wrapped for
        self._teams: tuple[tuple, list[list[str]]] = ((), [])
        self._load()

    @property
    def scenario_id(self) -> str | None:
        return self.scenarios[self.index][0] if self.scenarios else None

    def _load(self) -> None:
        from sim.history import History, HistoryError

        self.error = ""
        if self.scenario_id is None:
            return
        try:
            with History(self.app.options.db) as history:
                self.runs = history.runs(self.scenario_id, limit=200)
                self.total = history.count(self.scenario_id)
                self.board = history.leaderboard(self.scenario_id, "score", limit=10,
                                                 per_team=self.per_team)
        except HistoryError as error:
            self.runs, self.board, self.total = [], [], 0
            self.error = str(error)
        # the runs table's cells, as they read (`HEADS`); their widths measured anew
        self.rows = [[r.saved_at.astimezone().strftime("%d %b %H:%M"), r.team or "—",
                      str(r.seed), score_words(r.score),
                      format_figure(r.abandonment_rate, "share"),
                      format_figure(r.satisfaction, "points"), _num(r.cost_total, "{:,.0f}")]
                     for r in self.runs]
        self._widths = self._teams = ((), [])

    def switch(self, step: int) -> None:
        if self.scenarios:
            self.index = (self.index + step) % len(self.scenarios)
            self.scroll = Scroll()
            self._load()

    def toggle_per_team(self) -> None:
        self.per_team = not self.per_team
        self._load()

    def back(self) -> None:
        if self.back_to is not None:
            self.app.show(self.back_to)
        else:
            from game.screens.title import TitleScreen

            self.app.show(TitleScreen(self.app))

    def handle_screen(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_LEFT, pygame.K_RIGHT):
            self.switch(1 if event.key == pygame.K_RIGHT else -1)
            return True
        return self.scroll.handle(event)

    def draw_screen(self, surface: pygame.Surface) -> None:
        ui, t, m, g = self.ui, self.app.theme, self.margin, self.gap
        w, h = surface.get_size()
        title = self.scenarios[self.index][1] if self.scenarios else "no scenarios"
        y = self.header(surface, f"History and leaderboard: {title}",
                        "← → another scenario · the runs kept on this computer")
        bottom = h - m - round(self.line * 1.7) - g
        if self.error:
            ui.text(surface, self.error, (m, y), colour=t.bad, max_width=w - 2 * m)
            y += self.line * 2
        left = pygame.Rect(m, y, self._board_width(w - 2 * m), bottom - y)
        right = pygame.Rect(left.right + 2 * g, y, w - m - left.right - 2 * g, left.height)
        ui.panel(surface, left)
        ui.panel(surface, right)
        inner = left.inflate(-2 * g, -2 * g)
        who = "best run per team" if self.per_team else "best runs"
        ly = ui.text(surface, "Leaderboard by score", inner.topleft, bold=True,
                     max_width=inner.width).bottom
        ly = ui.text(surface, f"{who} · T switches", (inner.left, ly), "small", t.text_dim,
                     max_width=inner.width).bottom + 2
        step = self.app.fonts.line_height("small")
        if not self.board:
            ui.text(surface, "No runs yet: play one!", (inner.left, ly + 4), "small",
                    t.text_dim)
        for rank, r in enumerate(self.board, start=1):
            if ly + step > inner.bottom:
                break
            team = r.team or "(no name)"
            colour = t.accent if team == (self.app.team or "(no name)") else t.text
            # the score whole on the right, the team's name whole in the rest where it fits
            score = ui.text(surface, f"{score_words(r.score)}  (luck {r.seed})",
                            (inner.right, ly), "small", colour, anchor="topright")
            ui.text(surface, f"{rank:>2}. {team}", (inner.left, ly), "small", colour,
                    bold=rank == 1, max_width=score.left - inner.left - g)
            ly += step
        inner = right.inflate(-2 * g, -2 * g)
        ry = ui.text(surface, f"Runs kept: {self.total}", inner.topleft, bold=True,
                     max_width=inner.width).bottom + 2
        heads, lefts = self._columns(inner.width)
        widths = [b - a for a, b in zip(lefts, lefts[1:] + [inner.width], strict=True)]
        for left, head in zip(lefts, heads, strict=True):
            ui.text(surface, head, (inner.left + left, ry), "small", bold=True)
        ry += step
        # a team's name too long for its column goes on two lines (its row is taller)
        # rather than being cut; the list scrolls by runs
        pad = self.column_gap
        teams = self._team_lines(widths[TEAM] - pad)
        heights = [len(lines) * step for lines in teams]
        last = inner.bottom  # where the rows end: above the cue when they do not all fit
        if sum(heights) > last - ry:
            last -= step
        at_end, used = 0, 0  # how many runs fit at the end of the list: as far as it scrolls
        for height in reversed(heights):
            if used + height > last - ry:
                break
            used += height
            at_end += 1
        self.scroll.set_size(len(self.rows), max(1, at_end))
        below = False
        for k in range(self.scroll.top, len(self.rows)):
            if ry + heights[k] > last + 1:
                below = True
                break
            for column, (left, width, cell) in enumerate(zip(lefts, widths, self.rows[k],
                                                             strict=True)):
                lines = teams[k] if column == TEAM else [cell]
                for j, line in enumerate(lines):
                    ui.text(surface, line, (inner.left + left, ry + j * step), "small",
                            max_width=width - pad)
            ry += heights[k]
        self.scroll.draw_bar(ui, surface, pygame.Rect(inner.left, inner.top + 2 * step,
                                                      inner.width, inner.height - 2 * step))
        self.scroll.draw_cue(ui, surface, inner, below)
        self.button_row(surface, [
            ("back", "Back", pygame.K_ESCAPE, self.back, True, True),
            ("prev-scenario", "Previous scenario", pygame.K_LEFT, lambda: self.switch(-1)),
            ("next-scenario", "Next scenario", pygame.K_RIGHT, lambda: self.switch(1)),
            ("per-team", "All runs" if self.per_team else "Best per team", pygame.K_t,
             self.toggle_per_team),
        ])


    @property
    def column_gap(self) -> int:
        """The room between two columns of the runs table: half a letter of its type."""
        return max(4, self.app.fonts.px("small") // 2)

    def _team_lines(self, width: int) -> list[list[str]]:
        """Each run's team name on the lines it takes in a column `width` wide (at most
        two, the second ending in "…" only for a name longer than that)."""
        key = (self.app.fonts.body_px, width)
        if self._teams[0] != key:  # once per list of runs, type size and column width
            self._teams = (key, [wrap_fit(self.app.fonts, cells[TEAM], width, 2, "small")
                                 for cells in self.rows])
        return self._teams[1]

    def _board_width(self, width: int) -> int:
        """The leaderboard's panel: as wide as its longest line (a rank, a team, a score and
        its luck), between BOARD_LEAST and BOARD_MOST of `width`; the runs table has the
        rest."""
        fonts, g = self.app.fonts, self.gap
        lines = [fonts.width(f"{rank:>2}. {r.team or '(no name)'}", "small", rank == 1)
                 + g + fonts.width(f"{score_words(r.score)}  (luck {r.seed})", "small")
                 for rank, r in enumerate(self.board, start=1)]
        needed = max(lines, default=0) + 2 * g + 4
        return max(round(width * BOARD_LEAST), min(needed, round(width * BOARD_MOST)))

    def _columns(self, width: int) -> tuple[tuple[str, ...], list[int]]:
        """The runs table's headings and where each column starts, from the table's left:
        each column as wide as its widest cell or heading, the room to spare shared out
        between them; where room is short, the short headings ("Satisf."), and then the
        team's column has what the others leave (a team's name was cut, "Table prepa…",
        with room to spare at 1920×1080, and "Hung up" at 960×600)."""
        fonts, g = self.app.fonts, self.column_gap

        def measure(heads: tuple[str, ...]) -> list[int]:
            return [max([fonts.width(head, "small", True)]
                        + [fonts.width(cells[k], "small") for cells in self.rows]) + g
                    for k, head in enumerate(heads)]

        if self._widths[0] != (fonts.body_px,):  # once per list of runs and type size
            self._widths = ((fonts.body_px,), [measure(HEADS), measure(SHORT_HEADS)])
        full, short = self._widths[1]
        heads, needed = (HEADS, list(full)) if sum(full) <= width else (SHORT_HEADS,
                                                                          list(short))
        spare = width - sum(needed)
        if spare >= 0:
            needed = [w + spare // len(needed) for w in needed]
        else:
            needed[TEAM] = max(needed[TEAM] + spare, fonts.width("Team", "small", True) + g)
        lefts = [0]
        for w in needed[:-1]:
            lefts.append(lefts[-1] + w)
        return heads, lefts


#: The runs table's headings, and where room is short; then the team's column gives way.
HEADS = ("Saved", "Team", "Luck", "Score", "Hung up", "Satisfaction", "Cost")
SHORT_HEADS = ("Saved", "Team", "Luck", "Score", "Hung up", "Satisf.", "Cost")
TEAM = HEADS.index("Team")
#: The leaderboard's panel, as shares of the window's width: at least, at most.
BOARD_LEAST, BOARD_MOST = 0.26, 0.34


def score_words(score: float | None) -> str:
    """A run's score as the debrief shows it (one decimal: `reports.narrative.format_figure`
    of a 0-100 figure), so the same run reads the same here and there."""
    return format_figure(score, "points")


def _num(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)

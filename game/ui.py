"""The game's small widget kit: type that grows with the window, text that wraps, buttons
with keyboard shortcuts, a text field, scrolling lists, panels and tooltips.

Why not pygame_gui: its layouts are in fixed pixels and its theme is a separate JSON
language; the game needs type and layout that scale with the window (a projector at the
back of a room) from the one theme file, a shortcut on every button, and widgets a test can
find by name. That is a few hundred lines here, on pygame-ce alone.

Screens draw "immediate mode": each frame `draw` lays out the screen for the window's size
and registers its buttons with the screen's `Ui`; events are matched against the buttons of
the last frame drawn. So a resized window needs no relayout code, and a test finds a button
by its id (`ui.find("start")`) and clicks its centre.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import pygame

from game.theme import Theme, font_path

Colour = tuple[int, ...]

#: Rendered lines of text kept for reuse (text is the costliest thing a frame draws).
TEXT_CACHE_SIZE = 3000


class Fonts:
    """The two packaged faces in every size the theme names, scaled to the window."""

    def __init__(self, theme: Theme):
        self.theme = theme
        self.body_px = theme.min_px
        self._fonts: dict[tuple[str, bool, int], pygame.font.Font] = {}
        self._rendered: OrderedDict[tuple, pygame.Surface] = OrderedDict()

    def fit(self, window_height: int) -> None:
        """Size the body text so the window holds `lines_per_window` lines of it."""
        px = max(self.theme.min_px, round(window_height / self.theme.lines_per_window))
        if px != self.body_px:
            self.body_px = px
            self._rendered.clear()

    def px(self, size: str = "body") -> int:
        return max(8, round(self.body_px * self.theme.scale[size]))

    def get(self, size: str = "body", bold: bool = False) -> pygame.font.Font:
        px = self.px(size)
        key = (size, bold, px)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(str(font_path(bold)), px)
            self._fonts[key] = font
        return font

    def line_height(self, size: str = "body") -> int:
        return self.get(size).get_linesize()

    def render(self, text: str, size: str = "body", colour: Colour = (255, 255, 255),
               bold: bool = False) -> pygame.Surface:
        key = (text, size, bold, self.body_px, colour)
        surface = self._rendered.get(key)
        if surface is None:
            surface = self.get(size, bold).render(text, True, colour)
            self._rendered[key] = surface
            if len(self._rendered) > TEXT_CACHE_SIZE:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(key)
        return surface

    def width(self, text: str, size: str = "body", bold: bool = False) -> int:
        return self.get(size, bold).size(text)[0]


def wrap(fonts: Fonts, text: str, width: int, size: str = "body", bold: bool = False
         ) -> list[str]:
    """Break text into lines no wider than `width` pixels (paragraphs kept)."""
    font = fonts.get(size, bold)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        line = words[0]
        for word in words[1:]:
            candidate = f"{line} {word}"
            if font.size(candidate)[0] <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        while font.size(line)[0] > width and len(line) > 1:  # one very long word
            cut = len(line)
            while cut > 1 and font.size(line[:cut])[0] > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def ellipsize(fonts: Fonts, text: str, width: int, size: str = "body", bold: bool = False
              ) -> str:
    """The text cut with "…" to fit `width` pixels."""
    font = fonts.get(size, bold)
    if font.size(text)[0] <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if font.size(text[:mid] + "…")[0] <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


def wrap_fit(fonts: Fonts, text: str, width: int, max_lines: int, size: str = "body",
             bold: bool = False) -> list[str]:
    """Wrapped lines, at most `max_lines`; the last ends with "…" when text was left out,
    so that a reader sees it was cut rather than a sentence that stops mid-way."""
    lines = wrap(fonts, text, width, size, bold)
    if max_lines <= 0:
        return []
    if len(lines) <= max_lines:
        return lines
    last = " ".join(lines[max_lines - 1:])
    return lines[:max_lines - 1] + [ellipsize(fonts, last, width, size, bold)]


@dataclass
class Button:
    """A clickable area registered for one frame."""

    id: str
    rect: pygame.Rect
    action: Callable[[], None] | None
    key: int | None = None
    enabled: bool = True


@dataclass
class Tip:
    rect: pygame.Rect
    lines: list[str]


@dataclass
class Ui:
    """One screen's widgets of the last frame drawn, and the mouse."""

    app: object
    buttons: list[Button] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    mouse: tuple[int, int] = (-1, -1)
    _next_buttons: list[Button] = field(default_factory=list)
    _next_tips: list[Tip] = field(default_factory=list)

    @property
    def theme(self) -> Theme:
        return self.app.theme

    @property
    def fonts(self) -> Fonts:
        return self.app.fonts

    def begin(self) -> None:
        self._next_buttons = []
        self._next_tips = []

    def end(self, surface: pygame.Surface) -> None:
        self.buttons = self._next_buttons
        self.tips = self._next_tips
        for tip in reversed(self.tips):
            if tip.rect.collidepoint(self.mouse):
                self.draw_tip(surface, tip.lines)
                break

    def find(self, button_id: str) -> Button | None:
        return next((b for b in self.buttons if b.id == button_id), None)

    def ids(self) -> list[str]:
        return [b.id for b in self.buttons]

    # -- events --------------------------------------------------------------------------------

    def handle(self, event: pygame.event.Event) -> bool:
        """Click or shortcut a button; True when the event was used."""
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
            return False
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.mouse = event.pos
            for b in reversed(self.buttons):  # the last drawn is on top
                if b.rect.collidepoint(event.pos):
                    if b.enabled and b.action is not None:
                        self._press(b)
                    return True
            return False
        if event.type == pygame.KEYDOWN:
            for b in self.buttons:
                if b.key is not None and b.key == event.key and b.enabled and b.action:
                    self._press(b)
                    return True
        return False

    def _press(self, button: Button) -> None:
        # what was on screen may be gone now (a pop-up closed, a screen changed): until the
        # next frame draws what is there, a second click or key in the same frame must not
        # reach a button of the old picture (Enter then a click on 'Decide' answered twice)
        self.buttons, self.tips = [], []
        button.action()

    def hovered(self, rect: pygame.Rect) -> bool:
        return rect.collidepoint(self.mouse)

    # -- drawing -------------------------------------------------------------------------------

    def panel(self, surface: pygame.Surface, rect: pygame.Rect, colour: Colour | None = None,
              edge: Colour | None = None, width: int = 1) -> None:
        t = self.theme
        pygame.draw.rect(surface, colour or t.panel, rect, border_radius=t.corner_px)
        if width:
            pygame.draw.rect(surface, edge or t.edge, rect, width, border_radius=t.corner_px)

    def text(self, surface: pygame.Surface, text: str, pos: tuple[int, int],
             size: str = "body", colour: Colour | None = None, bold: bool = False,
             anchor: str = "topleft", max_width: int | None = None) -> pygame.Rect:
        if max_width is not None:
            text = ellipsize(self.fonts, text, max_width, size, bold)
        image = self.fonts.render(text, size, colour or self.theme.text, bold)
        rect = image.get_rect(**{anchor: pos})
        surface.blit(image, rect)
        return rect

    def paragraph(self, surface: pygame.Surface, text: str, rect: pygame.Rect,
                  size: str = "body", colour: Colour | None = None, bold: bool = False,
                  skip_lines: int = 0) -> int:
        """Wrapped text in `rect` (clipped); returns the height the whole text needs."""
        lines = wrap(self.fonts, text, rect.width, size, bold)
        step = self.fonts.line_height(size)
        y = rect.top
        for line in lines[skip_lines:]:
            if y + step > rect.bottom + 1:
                break
            if line:
                surface.blit(self.fonts.render(line, size, colour or self.theme.text, bold),
                             (rect.left, y))
            y += step
        return len(lines) * step

    def button(self, surface: pygame.Surface, button_id: str, rect: pygame.Rect, label: str,
               action: Callable[[], None] | None, key: int | None = None,
               enabled: bool = True, selected: bool = False, hint: str | None = None,
               size: str = "body", primary: bool = False) -> Button:
        """A button with its shortcut shown: "[Enter] Start"."""
        t = self.theme
        hover = enabled and rect.collidepoint(self.mouse)
        if selected:
            fill, text_colour = t.accent, t.background
        elif primary and enabled:
            fill, text_colour = (t.panel_high if hover else t.panel), t.text
        else:
            fill, text_colour = (t.panel_high if hover else t.panel), t.text
        if not enabled:
            text_colour = t.idle
        pygame.draw.rect(surface, fill, rect, border_radius=t.corner_px)
        edge = t.accent if (enabled and (hover or primary)) else t.edge
        pygame.draw.rect(surface, edge, rect, 3 if (primary or hover) and enabled else 1,
                         border_radius=t.corner_px)
        shown = f"{hint}  {label}" if hint else label
        pad = self.fonts.px(size) // 2
        self.text(surface, shown, rect.center, size, text_colour, bold=primary,
                  anchor="center", max_width=rect.width - 2 * pad)
        b = Button(button_id, rect.copy(), action, key, enabled)
        self._next_buttons.append(b)
        return b

    def area(self, button_id: str, rect: pygame.Rect, action: Callable[[], None] | None,
             key: int | None = None) -> Button:
        """A clickable area drawn by the caller (a card, a desk, a department)."""
        b = Button(button_id, rect.copy(), action, key, True)
        self._next_buttons.append(b)
        return b

    def tip(self, rect: pygame.Rect, lines: list[str]) -> None:
        """Lines shown in a box beside the mouse while it hovers `rect`."""
        self._next_tips.append(Tip(rect.copy(), lines))

    def draw_tip(self, surface: pygame.Surface, lines: list[str]) -> None:
        fonts, t = self.fonts, self.theme
        width = min(surface.get_width() // 2, max(fonts.width(line, "small") for line in lines)
                    + fonts.px("small") * 2)
        wrapped = [w for line in lines for w in wrap(fonts, line, width - fonts.px("small") * 2,
                                                     "small")]
        step = fonts.line_height("small")
        height = step * len(wrapped) + fonts.px("small")
        x = min(self.mouse[0] + 16, surface.get_width() - width - 4)
        y = min(self.mouse[1] + 16, surface.get_height() - height - 4)
        if y < 0:
            y = 0
        box = pygame.Rect(x, y, width, height)
        pygame.draw.rect(surface, t.panel_high, box, border_radius=t.corner_px)
        pygame.draw.rect(surface, t.accent, box, 2, border_radius=t.corner_px)
        for i, line in enumerate(wrapped):
            surface.blit(fonts.render(line, "small", t.text),
                         (x + fonts.px("small"), y + fonts.px("small") // 2 + i * step))


class TextField:
    """A one-line text entry: typing, backspace, Enter to accept."""

    def __init__(self, text: str = "", max_length: int = 60,
                 on_enter: Callable[[str], None] | None = None):
        self.text = text
        self.max_length = max_length
        self.on_enter = on_enter
        self.focused = False

    def handle(self, event: pygame.event.Event) -> bool:
        if not self.focused:
            return False
        if event.type == pygame.TEXTINPUT:
            printable = "".join(ch for ch in event.text if ch.isprintable())
            self.text = (self.text + printable)[: self.max_length]
            return True
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_BACKSPACE:
                self.text = self.text[:-1]
                return True
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                if self.on_enter is not None:
                    self.on_enter(self.text)
                return True
            if event.key == pygame.K_ESCAPE:
                self.focused = False
                return True
            # letters arrive as TEXTINPUT; keep other keys from reaching shortcuts
            return event.unicode.isprintable() and event.unicode != ""
        return False

    def draw(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect, field_id: str,
             placeholder: str = "") -> None:
        t = ui.theme
        pygame.draw.rect(surface, t.background, rect, border_radius=t.corner_px)
        pygame.draw.rect(surface, t.accent if self.focused else t.edge, rect,
                         3 if self.focused else 1, border_radius=t.corner_px)
        pad = ui.fonts.px() // 2
        shown = self.text or placeholder
        colour = t.text if self.text else t.text_dim
        cursor = "|" if self.focused and (pygame.time.get_ticks() // 500) % 2 == 0 else ""
        inner = rect.width - 2 * pad
        text = shown + (cursor if self.text else "")
        # show the end of a long text (where the typing happens)
        while ui.fonts.width(text) > inner and len(text) > 1:
            text = text[1:]
        ui.text(surface, text, (rect.left + pad, rect.centery), colour=colour,
                anchor="midleft")

        def focus() -> None:
            self.focused = True
            pygame.key.start_text_input()

        ui.area(field_id, rect, focus)


class Scroll:
    """A scroll position for a list taller than its box (wheel, arrows, PgUp/PgDn)."""

    def __init__(self) -> None:
        self.top = 0
        self.total = 0
        self.visible = 1

    def set_size(self, total: int, visible: int) -> None:
        self.total, self.visible = total, max(1, visible)
        self.top = max(0, min(self.top, self.total - self.visible))

    def by(self, lines: int) -> None:
        self.top = max(0, min(self.top + lines, self.total - self.visible))

    def end(self) -> None:
        self.top = max(0, self.total - self.visible)

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEWHEEL:
            self.by(-3 * event.y)
            return True
        if event.type == pygame.KEYDOWN:
            step = {pygame.K_UP: -1, pygame.K_DOWN: 1, pygame.K_PAGEUP: -self.visible,
                    pygame.K_PAGEDOWN: self.visible}.get(event.key)
            if step is not None:
                self.by(step)
                return True
            if event.key == pygame.K_HOME:
                self.top = 0
                return True
            if event.key == pygame.K_END:
                self.end()
                return True
        return False

    def draw_bar(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """A thin bar on the right of `rect` showing where the view is."""
        if self.total <= self.visible:
            return
        t = ui.theme
        track = pygame.Rect(rect.right - 6, rect.top, 4, rect.height)
        pygame.draw.rect(surface, t.panel_high, track)
        h = max(12, rect.height * self.visible // self.total)
        y = rect.top + (rect.height - h) * self.top // max(1, self.total - self.visible)
        pygame.draw.rect(surface, t.accent, (track.left, y, 4, h))


def key_name(key: int | None) -> str:
    """How a shortcut is shown on its button."""
    if key is None:
        return ""
    special = {pygame.K_RETURN: "Enter", pygame.K_ESCAPE: "Esc", pygame.K_SPACE: "Space",
               pygame.K_TAB: "Tab", pygame.K_LEFT: "←", pygame.K_RIGHT: "→",
               pygame.K_UP: "↑", pygame.K_DOWN: "↓", pygame.K_PLUS: "+",
               pygame.K_MINUS: "−", pygame.K_EQUALS: "+", pygame.K_F11: "F11",
               pygame.K_BACKSPACE: "Backspace", pygame.K_DELETE: "Del"}
    return special.get(key, pygame.key.name(key).upper())


def hint(key: int | None) -> str | None:
    name = key_name(key)
    return f"[{name}]" if name else None


def reflow(text: str) -> str:
    """Text written in a YAML block (hard line breaks inside paragraphs) as paragraphs that
    wrap to the screen: lines are joined, blank lines and list items start a new line."""
    out: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            out.append("")
        elif out and out[-1] and not line.startswith(("- ", "* ", "• ")):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)

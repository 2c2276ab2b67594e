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

The keyboard reaches everything the mouse does: Tab and Shift+Tab move a focus ring through
the text fields, buttons and cards of the last frame in the order they were drawn (only
those of the top pop-up while one is open), and through the parts that have details (a
department, a desk): the focused part shows its details beside it, as hovering does. Enter
presses a focused button, Space a focused button or card, Esc lets go of the focus.

With `Fonts.tracking` on (tests switch it on: `tests/game_driver.Driver`; the game does not
pay for it), `Fonts` keeps the words drawn in the last frame and the ones that were cut
short, and `Ui` where each text was placed, so that a test can read the screen as a person
would. A text is cut short when it had to end in "…", when lines of it were left out for
want of room (`note_cut`: a hint wrapped to three lines of which two were drawn ends
mid-sentence, with no "…" to say so), or when it was drawn past the edge of the panel, box
or button it sits in, or of the window (`Ui.text` checks every text against the last such
area drawn under it).
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

    #: keep what each frame drew and cut short (`drawn`, `cuts`, `Ui.placed`) for tests to
    #: read; off in the game, where it is work nobody reads
    tracking: bool = False

    def __init__(self, theme: Theme):
        self.theme = theme
        self.body_px = theme.min_px
        self._fonts: dict[tuple[str, bool, int], pygame.font.Font] = {}
        self._rendered: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        #: with `tracking` on, every text drawn since `new_frame`, and every (text, what was
        #: shown) cut short: ended with "…", lines left out, or drawn past the edge of its area
        self.drawn: list[str] = []
        self.cuts: list[tuple[str, str]] = []

    def new_frame(self) -> None:
        self.drawn = []
        self.cuts = []

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
        if self.tracking:
            self.drawn.append(text)
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


def wrap_balanced(fonts: Fonts, text: str, width: int, size: str = "body",
                  bold: bool = False) -> list[str]:
    """`wrap`, with the lines as even as they can be on as few lines: a keys line that
    needs two lines breaks in the middle, not with one word ("quit") on a line of its own."""
    lines = wrap(fonts, text, width, size, bold)
    if len(lines) < 2:
        return lines
    low, high = 1, width  # the narrowest width that still needs no more lines
    while low < high:
        mid = (low + high) // 2
        if len(wrap(fonts, text, mid, size, bold)) <= len(lines):
            high = mid
        else:
            low = mid + 1
    lines = wrap(fonts, text, high, size, bold)
    # a separator ends the line before it rather than starting the next ("· Tab: …")
    for k in range(1, len(lines)):
        head, _, rest = lines[k].partition(" ")
        moved = f"{lines[k - 1]} {head}"
        if head in ("·", "—") and rest and fonts.get(size, bold).size(moved)[0] <= width:
            lines[k - 1], lines[k] = moved, rest
    return lines


def note_cut(fonts: Fonts, text: str, shown: str) -> None:
    """Say that `text` was drawn as `shown` only: lines of it were left out for want of room
    (the tracker's record of text cut short without a "…")."""
    if fonts.tracking:
        fonts.cuts.append((text, shown))


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
    shown = text[:low].rstrip() + "…"
    note_cut(fonts, text, shown)
    return shown


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


#: A style to try for text that must be whole: (size, bold, at most how many lines).
Style = tuple[str, bool, int]


def fit_lines(fonts: Fonts, text: str, width: int, styles: tuple[Style, ...]
              ) -> tuple[list[str], str, bool]:
    """The text wrapped in the first of `styles` (size, bold, lines) that holds it whole,
    in the order of preference given; failing all, the last style with "…". Returns the
    lines, the size and the boldness: the whole name in smaller type or on two lines rather
    than a name cut short."""
    for size, bold, max_lines in styles:
        lines = wrap(fonts, text, width, size, bold)
        if len(lines) <= max_lines:
            return lines, size, bold
    size, bold, max_lines = styles[-1]
    return wrap_fit(fonts, text, width, max_lines, size, bold), size, bold


@dataclass
class Button:
    """A clickable area registered for one frame."""

    id: str
    rect: pygame.Rect
    action: Callable[[], None] | None
    key: int | None = None
    enabled: bool = True
    #: "button" (Enter or Space presses it when focused), "card" (Space: a choice to toggle,
    #: Enter stays the screen's own), "field" (a text field) or "area" (details only)
    kind: str = "button"
    #: a text field's way to let go of the typing when the focus moves on
    blur: Callable[[], None] | None = None
    #: a pop-up's box: what was drawn before it is underneath, out of the focus's reach
    modal: bool = False
    #: other keys that press it too ("=" and the keypad's "+" for a "[+]" button)
    also: tuple[int, ...] = ()


@dataclass
class Tip:
    rect: pygame.Rect
    lines: list[str]


#: How the focus ring stands off what it surrounds, pixels.
FOCUS_RING_PX = 4
#: How far a text's box may reach past the area it sits in before it counts as cut, pixels
#: (a glyph box is a little taller than the ink in it).
OVERFLOW_PX = 2


@dataclass
class Ui:
    """One screen's widgets of the last frame drawn, the mouse and the keyboard's focus."""

    app: object
    buttons: list[Button] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    mouse: tuple[int, int] = (-1, -1)
    #: the id of the button, card, field or part that Tab moved to (None: none)
    focus_id: str | None = None
    #: texts a tip must leave readable, as buttons are (a pop-up's keys line and its
    #: message): `keep_clear`
    clear: list[pygame.Rect] = field(default_factory=list)
    #: where the last frame drew a tip (None: no tip), for tests that check what it hides
    tip_box: pygame.Rect | None = None
    _next_buttons: list[Button] = field(default_factory=list)
    _next_tips: list[Tip] = field(default_factory=list)
    _next_clear: list[pygame.Rect] = field(default_factory=list)
    #: the panels, boxes and buttons drawn so far this frame: a text must stay inside the
    #: last of them drawn under it (or inside the window); kept with `Fonts.tracking` on
    _areas: list[pygame.Rect] = field(default_factory=list)
    #: with `Fonts.tracking` on, every text of the last frame with where and how it was
    #: drawn: (text, rect, size, bold), for tests that look at the screen as a person does
    placed: list[tuple[str, pygame.Rect, str, bool]] = field(default_factory=list)

    @property
    def theme(self) -> Theme:
        return self.app.theme

    @property
    def fonts(self) -> Fonts:
        return self.app.fonts

    def begin(self) -> None:
        self._next_buttons = []
        self._next_tips = []
        self._next_clear = []
        self._areas = []
        self.placed = []

    def end(self, surface: pygame.Surface) -> None:
        self.buttons = self._next_buttons
        self.tips = self._next_tips
        self.clear = self._next_clear
        self.tip_box = None
        focused = self.focused()
        if self.focus_id is not None and focused is None:
            self.focus_id = None  # what had the focus is gone (a pop-up closed)
        if focused is not None:
            ring = focused.rect.inflate(2 * FOCUS_RING_PX, 2 * FOCUS_RING_PX)
            pygame.draw.rect(surface, self.theme.text, ring, 2,
                             border_radius=self.theme.corner_px + FOCUS_RING_PX)
            tip = self._tip_of(focused)
            if tip is not None:  # the keyboard's way to what hovering shows
                self.tip_box = self.draw_tip(surface, tip.lines, beside=focused.rect)
                return
        for tip in reversed(self.tips):
            if tip.rect.collidepoint(self.mouse):
                self.tip_box = self.draw_tip(surface, tip.lines)
                break

    def find(self, button_id: str) -> Button | None:
        return next((b for b in self.buttons if b.id == button_id), None)

    def ids(self) -> list[str]:
        return [b.id for b in self.buttons]

    # -- the keyboard's focus ------------------------------------------------------------------

    def _tip_of(self, button: Button) -> Tip | None:
        return next((t for t in reversed(self.tips) if t.rect == button.rect), None)

    def focusable(self) -> list[Button]:
        """What Tab moves through, in the order drawn: fields, buttons and cards that can be
        pressed, and parts that have details to show; only the top pop-up's while one is
        open."""
        start = max((i for i, b in enumerate(self.buttons) if b.modal), default=-1) + 1
        tipped = {tuple(t.rect) for t in self.tips}
        return [b for b in self.buttons[start:]
                if b.rect.width > 0 and b.rect.height > 0 and not b.modal
                and ((b.enabled and b.action is not None) or tuple(b.rect) in tipped)]

    def focused(self) -> Button | None:
        if self.focus_id is None:
            return None
        return next((b for b in self.focusable() if b.id == self.focus_id), None)

    def move_focus(self, step: int) -> None:
        items = self.focusable()
        old = self.focused()
        if not items:
            self.clear_focus()
            return
        if old is None:
            new = items[0] if step > 0 else items[-1]
        else:
            new = items[(items.index(old) + step) % len(items)]
        if old is not None and old.blur is not None:
            old.blur()
        self.focus_id = new.id
        if new.kind == "field" and new.action is not None:
            new.action()  # the field takes the typing

    def clear_focus(self) -> None:
        old = self.focused()
        if old is not None and old.blur is not None:
            old.blur()
        self.focus_id = None

    def handle_focus(self, event: pygame.event.Event) -> bool:
        """Tab, Shift+Tab, and Enter, Space or Esc on what has the focus; True when used.
        Screens call this before their own keys, so that Enter on a focused button presses
        that button rather than the screen's default one."""
        if event.type != pygame.KEYDOWN:
            return False
        if event.key == pygame.K_TAB and not event.mod & pygame.KMOD_CTRL:
            self.move_focus(-1 if event.mod & pygame.KMOD_SHIFT else 1)
            return True
        focused = self.focused()
        if focused is None or focused.kind == "field":
            return False  # a field takes its own keys (Enter accepts, Esc leaves it)
        if event.key == pygame.K_ESCAPE:
            self.clear_focus()
            return True
        pressed = (event.key in (pygame.K_RETURN, pygame.K_KP_ENTER) and focused.kind == "button"
                   or event.key == pygame.K_SPACE and focused.kind in ("button", "card"))
        if pressed and focused.enabled and focused.action is not None:
            self._press(focused, keep_focus=True)
            return True
        return False

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
                    if b.kind != "field":
                        self.clear_focus()  # the mouse took over
                    if b.enabled and b.action is not None:
                        self._press(b, keep_focus=b.kind == "field")
                    return True
            self.clear_focus()
            return False
        if event.type == pygame.KEYDOWN:
            for b in self.buttons:
                if ((b.key is not None and b.key == event.key or event.key in b.also)
                        and b.enabled and b.action):
                    self._press(b, keep_focus=True)
                    return True
        return False

    def _press(self, button: Button, keep_focus: bool = False) -> None:
        # what was on screen may be gone now (a pop-up closed, a screen changed): until the
        # next frame draws what is there, a second click or key in the same frame must not
        # reach a button of the old picture (Enter then a click on 'Decide' answered twice).
        # The focus id stays: if the next frame still has the button, it keeps the ring.
        focus = self.focus_id if keep_focus else None
        self.buttons, self.tips = [], []
        self.focus_id = focus
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
        self.region(rect)

    def region(self, rect: pygame.Rect) -> None:
        """An area drawn by the caller (a desk, a team's box) that its texts must stay in."""
        if self.fonts.tracking:
            self._areas.append(rect.copy())

    def text(self, surface: pygame.Surface, text: str, pos: tuple[int, int],
             size: str = "body", colour: Colour | None = None, bold: bool = False,
             anchor: str = "topleft", max_width: int | None = None) -> pygame.Rect:
        if max_width is not None:
            text = ellipsize(self.fonts, text, max_width, size, bold)
        image = self.fonts.render(text, size, colour or self.theme.text, bold)
        rect = image.get_rect(**{anchor: pos})
        surface.blit(image, rect)
        if self.fonts.tracking:
            self.placed.append((text, rect, size, bold))
            self._check_inside(surface, text, rect, pos, size, bold)
        return rect

    def _check_inside(self, surface: pygame.Surface, text: str, rect: pygame.Rect,
                      pos: tuple[int, int], size: str, bold: bool) -> None:
        """A text past the edge of the area it was placed in (the last panel, box or button
        drawn under the point it was placed at; else the window) is cut short: note it."""
        window = surface.get_rect()
        area = next((a for a in reversed(self._areas) if a.collidepoint(pos)), window)
        if area.inflate(2 * OVERFLOW_PX, 2 * OVERFLOW_PX).contains(rect):
            return
        if rect.top >= area.top - OVERFLOW_PX and rect.bottom <= area.bottom + OVERFLOW_PX:
            # past a side: what can be read is what lies inside it
            font, inside = self.fonts.get(size, bold), ""
            for k in range(len(text), 0, -1):
                if rect.left + font.size(text[:k])[0] <= area.right and rect.left >= area.left:
                    inside = text[:k]
                    break
            note_cut(self.fonts, text, inside)
        else:
            note_cut(self.fonts, text, "")  # above or below its area

    def paragraph(self, surface: pygame.Surface, text: str, rect: pygame.Rect,
                  size: str = "body", colour: Colour | None = None, bold: bool = False
                  ) -> int:
        """Wrapped text in `rect`; returns the height the whole text needs. Lines that do
        not fit are left out, and noted as a cut (`note_cut`)."""
        lines = wrap(self.fonts, text, rect.width, size, bold)
        step = self.fonts.line_height(size)
        y = rect.top
        for k, line in enumerate(lines):
            if y + step > rect.bottom + 1:
                note_cut(self.fonts, text, " ".join(lines[:k]))
                break
            if line:
                self.text(surface, line, (rect.left, y), size, colour, bold)
            y += step
        return len(lines) * step

    def button(self, surface: pygame.Surface, button_id: str, rect: pygame.Rect, label: str,
               action: Callable[[], None] | None, key: int | None = None,
               enabled: bool = True, selected: bool = False, hint: str | None = None,
               size: str = "body", primary: bool = False, also: tuple[int, ...] = ()
               ) -> Button:
        """A button with its shortcut shown: "[Enter] Start"; `also`: other keys that
        press it."""
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
        self.region(rect)
        shown = f"{hint}  {label}" if hint else label
        pad = self.fonts.px(size) // 2
        self.text(surface, shown, rect.center, size, text_colour, bold=primary,
                  anchor="center", max_width=rect.width - 2 * pad)
        b = Button(button_id, rect.copy(), action, key, enabled, also=also)
        self._next_buttons.append(b)
        return b

    def area(self, button_id: str, rect: pygame.Rect, action: Callable[[], None] | None,
             key: int | None = None, kind: str | None = None, modal: bool = False,
             blur: Callable[[], None] | None = None) -> Button:
        """A clickable area drawn by the caller (a card, a desk, a department). With an
        action it is a "card" for the focus (Space presses it) unless `kind` says otherwise;
        `modal` marks a pop-up's box (see `focusable`)."""
        kind = kind or ("card" if action is not None else "area")
        b = Button(button_id, rect.copy(), action, key, True, kind=kind, blur=blur,
                   modal=modal)
        self._next_buttons.append(b)
        return b

    def tip(self, rect: pygame.Rect, lines: list[str]) -> None:
        """Lines shown in a box beside the mouse while it hovers `rect` (or beside `rect`
        while the area of the same rectangle has the keyboard's focus)."""
        self._next_tips.append(Tip(rect.copy(), lines))

    def keep_clear(self, rect: pygame.Rect) -> None:
        """A text a tip must not hide where it has anywhere else to go, as it must not hide
        a button: what a pop-up says to do next (its keys line, its message)."""
        self._next_clear.append(rect.copy())

    def _hidden_by(self, box: pygame.Rect, own: pygame.Rect) -> tuple[int, int]:
        """What a tip at `box` would hide, in pixels: of the buttons, text fields and texts
        kept clear, and of the cards (choosing one card while the tip of another hides a
        third is less harm than hiding "Decide"). `own`: what the tip is about, which it
        may cover."""
        start = max((i for i, b in enumerate(self.buttons) if b.modal), default=-1) + 1
        controls = cards = 0
        for b in self.buttons[start:]:  # what a pop-up covers cannot be pressed anyway
            if b.modal or not (b.enabled and b.action is not None) or b.rect == own:
                continue
            overlap = box.clip(b.rect)
            if b.kind == "card":
                cards += overlap.width * overlap.height
            else:
                controls += overlap.width * overlap.height
        for rect in self.clear:
            overlap = box.clip(rect)
            controls += overlap.width * overlap.height
        return controls, cards

    def draw_tip(self, surface: pygame.Surface, lines: list[str],
                 beside: pygame.Rect | None = None) -> pygame.Rect:
        """The tip box beside the mouse (at one of its four corners), or beside `beside`
        (right of it, else below, above or left), wherever it hides no button and no text
        kept clear (`keep_clear`); failing that, where it hides the least of them. Returns
        where it was drawn."""
        fonts, t = self.fonts, self.theme
        width = min(surface.get_width() // 2, max(fonts.width(line, "small") for line in lines)
                    + fonts.px("small") * 2)
        wrapped = [w for line in lines for w in wrap(fonts, line, width - fonts.px("small") * 2,
                                                     "small")]
        step = fonts.line_height("small")
        height = step * len(wrapped) + fonts.px("small")
        if beside is None:
            mx, my = self.mouse
            own = next((b.rect for b in reversed(self.buttons) if b.rect.collidepoint(mx, my)),
                       pygame.Rect(mx, my, 1, 1))
            spots = [(mx + 16, my + 16), (mx - 16 - width, my + 16),
                     (mx + 16, my - 16 - height), (mx - 16 - width, my - 16 - height)]
            box = self._least_hiding(surface, spots, width, height, own,
                                     pygame.Rect(mx - 8, my - 8, 16, 16))
        else:
            gap = FOCUS_RING_PX + 4
            spots = [(beside.right + gap, beside.top), (beside.left, beside.bottom + gap),
                     (beside.left, beside.top - gap - height),
                     (beside.left - gap - width, beside.top)]
            box = self._least_hiding(surface, spots, width, height, beside, beside)
        x, y = box.topleft
        pygame.draw.rect(surface, t.panel_high, box, border_radius=t.corner_px)
        pygame.draw.rect(surface, t.accent, box, 2, border_radius=t.corner_px)
        for i, line in enumerate(wrapped):
            surface.blit(fonts.render(line, "small", t.text),
                         (x + fonts.px("small"), y + fonts.px("small") // 2 + i * step))
        return box

    def _least_hiding(self, surface: pygame.Surface, spots: list[tuple[int, int]], width: int,
                      height: int, own: pygame.Rect, subject: pygame.Rect) -> pygame.Rect:
        """Of a tip's places (top-left corners, in order of preference; each moved inside the
        window), the first that hides nothing (`_hidden_by`) and leaves `subject` (the mouse,
        or what the tip is about) in sight; else the one that hides the least."""
        sw, sh = surface.get_size()

        def placed(x: int, y: int) -> pygame.Rect:
            return pygame.Rect(max(4, min(x, sw - width - 4)), max(0, min(y, sh - height - 4)),
                               width, height)

        def harm(box: pygame.Rect) -> tuple[int, int, int]:
            controls, cards = self._hidden_by(box, own)
            over = box.clip(subject)
            return controls, over.width * over.height, cards

        boxes = [placed(x, y) for x, y in spots]
        return min(boxes, key=harm)  # min keeps the first of equals: the order of preference


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
        # the field's own state and the Ui's focus agree (a click, Esc, Enter may change
        # either)
        if self.focused:
            ui.focus_id = field_id
        elif ui.focus_id == field_id:
            ui.focus_id = None

        ui.area(field_id, rect, self.focus, kind="field", blur=self.blur)

    def focus(self) -> None:
        """Typing goes here now."""
        self.focused = True
        pygame.key.start_text_input()

    def blur(self) -> None:
        self.focused = False


#: The keys that scroll a list down and up, as its cue says them; a second list on the same
#: screen scrolls with Shift and the same keys.
SCROLL_KEYS = ("↓ / PgDn", "↑ / PgUp")
SHIFT_SCROLL_KEYS = ("Shift+↓ / PgDn", "Shift+↑ / PgUp")


class Scroll:
    """A scroll position for a list taller than its box (wheel, arrows, PgUp/PgDn), and the
    cue at its foot that says there is more (`draw_cue`). A `shift` scroll is a screen's
    second list: it takes the keys only with Shift held (the screen offers it them first)."""

    def __init__(self, shift: bool = False) -> None:
        self.top = 0
        self.total = 0
        self.visible = 1
        self.shift = shift

    @property
    def keys(self) -> tuple[str, str]:
        return SHIFT_SCROLL_KEYS if self.shift else SCROLL_KEYS

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
            if self.shift and not event.mod & pygame.KMOD_SHIFT:
                return False
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

    def cue_words(self, below: bool | None = None) -> str:
        """What the foot of a scrolled list says: "▼ more below (↓ / PgDn)" while there is
        more below, "▲ more above (↑ / PgUp)" at its end; "" when it all fits. `below`:
        whether lines were left below (when the caller knows better than the line count,
        for lines of mixed heights)."""
        down, up = self.keys
        if self.top + self.visible < self.total if below is None else below:
            return f"▼ more below ({down})"
        return f"▲ more above ({up})" if self.top > 0 else ""

    def draw_cue(self, ui: Ui, surface: pygame.Surface, rect: pygame.Rect,
                 below: bool | None = None) -> None:
        """The cue on the last line of `rect` (which the list leaves free for it: see
        `cue_lines`), right-aligned, clear of the bar."""
        words = self.cue_words(below)
        if words:
            ui.text(surface, words, (rect.right - 10, rect.bottom), "small", ui.theme.accent,
                    bold=True, anchor="bottomright")

    @staticmethod
    def cue_lines(total: int, fits: int) -> int:
        """How many of `fits` lines a list of `total` lines may fill: all of them when it
        fits whole, else one fewer (the last line is the cue's)."""
        return fits if total <= fits else max(1, fits - 1)


#: A line of a scrolled panel: (text, size, colour or None, bold[, indent in pixels]).
Line = tuple


def scrolled_lines(ui: Ui, surface: pygame.Surface, rect: pygame.Rect, lines: list[Line],
                   scroll: Scroll) -> None:
    """Wrapped lines of mixed sizes in `rect` from the scroll's top line, with its bar; when
    they do not all fit, the last line of `rect` is the cue's ("▼ more below (↓ / PgDn)"),
    and the list scrolls exactly as far as its end."""
    fonts = ui.fonts
    heights = [fonts.line_height(line[1]) for line in lines]
    room = rect.height
    if sum(heights) > room:
        room -= fonts.line_height("small")  # the cue's line
    at_end, used = 0, 0  # how many lines fit at the end of the list: the furthest it scrolls
    for height in reversed(heights):
        if used + height > room:
            break
        used += height
        at_end += 1
    scroll.set_size(len(lines), max(1, at_end))
    y, below = rect.top, False
    for k in range(scroll.top, len(lines)):
        text, size, colour, bold = lines[k][:4]
        if y + heights[k] > rect.top + room + 1:
            below = True
            break
        if text:
            indent = lines[k][4] if len(lines[k]) > 4 else 0
            ui.text(surface, text, (rect.left + indent, y), size, colour, bold)
        y += heights[k]
    scroll.draw_bar(ui, surface, rect)
    scroll.draw_cue(ui, surface, rect, below)


def key_name(key: int | None) -> str:
    """How a shortcut is shown on its button."""
    if key is None:
        return ""
    special = {pygame.K_RETURN: "Enter", pygame.K_ESCAPE: "Esc", pygame.K_SPACE: "Space",
               pygame.K_TAB: "Tab", pygame.K_LEFT: "←", pygame.K_RIGHT: "→",
               pygame.K_UP: "↑", pygame.K_DOWN: "↓", pygame.K_PLUS: "+",
               pygame.K_MINUS: "−", pygame.K_EQUALS: "+", pygame.K_KP_PLUS: "+",
               pygame.K_KP_MINUS: "−", pygame.K_F11: "F11",
               pygame.K_BACKSPACE: "Backspace", pygame.K_DELETE: "Del"}
    return special.get(key, pygame.key.name(key).upper())


#: The keys a person presses for "+" and "−": the main keyboard's (on many layouts "+" is
#: Shift and "=", which arrives as "="; on others a key of its own) and the keypad's.
PLUS_KEYS = (pygame.K_EQUALS, pygame.K_PLUS, pygame.K_KP_PLUS)
MINUS_KEYS = (pygame.K_MINUS, pygame.K_KP_MINUS)


def number_keys(n: int) -> str:
    """The number keys that choose one of `n` things, as a hint says them: "1-5" for five
    (not "1-9" whatever the count), "1" for one; the keys stop at 9."""
    n = min(n, 9)
    return f"1-{n}" if n > 1 else "1"


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

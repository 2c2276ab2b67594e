"""The game's looks, read from `theme.yaml`: colours (two palettes, switched with F10),
type sizes that grow with the window, spacing and the speed steps.

The theme file is data, read with the same safe YAML loader as scenarios. A broken theme
file is a programming error of the project (it ships inside the package), so it fails loudly
in tests rather than at a workshop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

COLOUR_NAMES = ("background", "panel", "panel_high", "edge", "text", "text_dim", "accent",
                "good", "bad", "warn", "so_so", "phone", "ticket", "walk_in", "idle", "shadow")


@dataclass
class Theme:
    palettes: dict[str, dict[str, tuple[int, ...]]]
    palette_name: str
    lines_per_window: float
    min_px: int
    scale: dict[str, float]
    margin_lines: float
    gap_lines: float
    corner_px: int
    speed_steps: list[float | None]  # None is "max"
    default_speed: float
    closed_factor: float
    max_frame_budget_s: float
    window_size: tuple[int, int]
    window_min_size: tuple[int, int]
    fps: int
    #: a chart is shrunk to fit its panel while its smallest text stays this high (pixels)
    chart_least_px: int = 9
    colours: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.use(self.palette_name)

    def use(self, name: str) -> None:
        self.palette_name = name
        self.colours = self.palettes[name]

    def next_palette(self) -> str:
        names = list(self.palettes)
        self.use(names[(names.index(self.palette_name) + 1) % len(names)])
        return self.palette_name

    def __getattr__(self, name: str):
        # theme.text, theme.good ...: the colour of the palette in use
        colours = self.__dict__.get("colours", {})
        if name in colours:
            return colours[name]
        raise AttributeError(name)


def _colour(value, where: str) -> tuple[int, ...]:
    if not (isinstance(value, list) and len(value) in (3, 4)
            and all(isinstance(v, int) and 0 <= v <= 255 for v in value)):
        raise ValueError(f"theme.yaml: {where}: expected [r, g, b] or [r, g, b, a] of 0-255")
    return tuple(value)


def load_theme(path: str | Path | None = None, palette: str | None = None) -> Theme:
    """Read the theme (the packaged `theme.yaml` unless `path` says otherwise)."""
    if path is None:
        text = resources.files("game").joinpath("theme.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    palettes = {}
    for name, colours in data["palettes"].items():
        missing = [c for c in COLOUR_NAMES if c not in colours]
        if missing:
            raise ValueError(f"theme.yaml: palettes.{name}: missing {', '.join(missing)}")
        palettes[name] = {c: _colour(v, f"palettes.{name}.{c}") for c, v in colours.items()}
    chosen = palette or data.get("default_palette", next(iter(palettes)))
    if chosen not in palettes:
        raise ValueError(f"no palette {chosen!r} (the theme has: {', '.join(palettes)})")
    type_ = data["type"]
    speeds = data["speeds"]
    steps = [None if s == "max" else float(s) for s in speeds["steps"]]
    return Theme(
        palettes=palettes, palette_name=chosen,
        lines_per_window=float(type_["lines_per_window"]), min_px=int(type_["min_px"]),
        scale={k: float(v) for k, v in type_["scale"].items()},
        margin_lines=float(data["layout"]["margin"]), gap_lines=float(data["layout"]["gap"]),
        corner_px=int(data["layout"]["corner"]),
        speed_steps=steps, default_speed=float(speeds["default"]),
        closed_factor=float(speeds["closed_factor"]),
        max_frame_budget_s=float(speeds["max_frame_budget_s"]),
        window_size=tuple(data["window"]["size"]),
        window_min_size=tuple(data["window"]["min_size"]),
        fps=int(data["window"]["fps"]),
        chart_least_px=int(type_.get("chart_least_px", 9)),
    )


def font_path(bold: bool = False) -> Path:
    """The packaged font (DejaVu Sans, see assets/fonts/LICENSE-DejaVu.txt)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(str(resources.files("game").joinpath("assets", "fonts", name)))

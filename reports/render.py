"""Figures to bytes: PNG, SVG and data URIs for a self-contained HTML debrief.

Everything goes through the Agg canvas (`FigureCanvasAgg`), attached to the figure here, so
no display, no pyplot and no global backend are needed: a headless trainer's laptop, a CI
machine and the game's process all render the same way.
"""

from __future__ import annotations

import base64
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def agg_canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (attached now if it has none: a Figure made with the object
    API has a bare canvas), whose renderer measures what the figure draws."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas


def png_bytes(fig: Figure, dpi: float = 110) -> bytes:
    """The figure as a PNG image (white background, `dpi` dots per inch)."""
    agg_canvas(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def svg_text(fig: Figure) -> str:
    """The figure as SVG text (scalable: for print and slides), without a date."""
    agg_canvas(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(fig: Figure, dpi: float = 110) -> str:
    """"data:image/png;base64,..." for an <img src=...> in a self-contained HTML page."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi)).decode("ascii")



def smallest_text_pt(fig: Figure) -> float | None:
    """The size (points) of the smallest text drawn on the figure: titles, labels, tick
    labels, legends, notes. Render the figure first, so that its tick labels exist; the
    unused ticks of an axes drawn without axes (a column of text) do not count."""
    from matplotlib.text import Text

    sizes = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        ax = text.axes
        if ax is not None and not ax.axison and text not in ax.texts \
                and text is not ax.title:
            continue  # a tick label of an axes drawn as a text column: never drawn
        sizes.append(text.get_fontsize())
    return float(min(sizes)) if sizes else None

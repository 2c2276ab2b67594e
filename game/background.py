"""Slow work off the frame loop: drawing charts with matplotlib and running twin runs.

One worker thread, so matplotlib is only ever used by one thread at a time (its object API
on separate figures; no pyplot). The screens poll the futures each frame and show "working"
until a result is there; nothing here touches pygame's display.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_worker: ThreadPoolExecutor | None = None


def submit(fn: Callable[..., Any], *args, **kwargs) -> Future:
    global _worker
    if _worker is None:
        _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="itsm-game")
    return _worker.submit(fn, *args, **kwargs)


def chart_png(make: Callable[..., Any], *args, dpi: float = 100, **kwargs) -> bytes:
    """A chart from `reports.charts` rendered to PNG bytes."""
    from reports.render import png_bytes

    return png_bytes(make(*args, **kwargs), dpi=dpi)


def png_to_surface(png: bytes):
    """PNG bytes as a pygame surface (on the main thread)."""
    import pygame

    return pygame.image.load(io.BytesIO(png), "chart.png")


def wait_all(timeout_s: float = 120.0) -> None:
    """Block until the work submitted so far is done (tests, and before quitting)."""
    done = submit(lambda: None)
    done.result(timeout=timeout_s)

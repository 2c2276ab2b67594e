"""The game's frame time with the simulation at top speed, on the softphone scenario.

What a trainer needs to know: does the operations floor stay smooth (a frame within 16 ms,
so 60 frames a second) while the week runs as fast as the machine allows, and how many
simulated minutes pass per real second at that top speed?

Measured on SDL's dummy video driver (no display on a benchmark machine), so a frame here
is the game's own work — events, the simulation step, drawing the whole floor — and not
the copy to a real screen. Alternating, round by round, so that drift hits all alike:

- **game, fastest**: the softphone week on the floor at the "fastest" speed, decisions
  answered at once with "do nothing" (their pop-ups are not timed as a player reads them);
- **game, 240 min/s**: Monday and Tuesday (the cutover and the day after) at the fastest
  fixed speed: many more frames, so a steady 95th percentile; uncapped (no 60 fps sleep),
  each frame's dt the real time it took;
- **headless**: the same week, same seed, run by `Simulation.run()` with nothing drawn —
  the peer: the top speed's simulated minutes per second against the engine's own.

    .venv/bin/python bench/bench_game.py [--rounds R] [--size 1280x720] [--record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCENARIO = "softphone-cutover"
SEED = 1
FRAME_TARGET_MS = 16.0
FASTEST_WEEKS_PER_ROUND = 10


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _game_week(size: tuple[int, int], speed: float | None, until_min: float | None = None) -> dict:
    """Play the softphone week on the floor at `speed` (None: fastest) to its end or to
    `until_min`; every frame timed."""
    import pygame

    from game.app import App, Options
    from game.screens.floor import FloorScreen
    from game.screens.overlays import DecisionOverlay, EndOverlay
    from game.screens.preparation import begin_play
    from sim import load_builtin

    app = App(Options(db=os.devnull), size=size)
    scenario = load_builtin(SCENARIO)
    play = begin_play(app, scenario, SCENARIO, seed=SEED)
    play.decide([])  # preparation: nothing
    floor = FloorScreen(app, play)
    app.show(floor)
    steps = app.theme.speed_steps
    floor.speed_index = steps.index(speed)
    app.frame_times_s.clear()
    dt = 1 / 60
    started = time.perf_counter()
    while True:
        overlay = floor.overlay
        if isinstance(overlay, EndOverlay) or (until_min and play.now_min >= until_min):
            break
        if isinstance(overlay, DecisionOverlay):
            overlay.go()
        before = time.perf_counter()
        app.step(dt)
        dt = time.perf_counter() - before
    wall_s = time.perf_counter() - started
    frames_ms = [t * 1000 for t in app.frame_times_s]
    pygame.display.quit()
    return {"wall_s": wall_s, "frames_ms": frames_ms, "sim_min": play.now_min}


def _headless_week() -> dict:
    from sim import Simulation, load_builtin

    scenario = load_builtin(SCENARIO)
    started = time.perf_counter()
    outcome = Simulation(scenario, seed=SEED).run()
    return {"wall_s": time.perf_counter() - started, "sim_min": outcome.end_min}


def measure(rounds: int = 3, size: tuple[int, int] = (1280, 720)) -> dict:
    runs: dict[str, list[dict]] = {"fastest": [], "240 min/s": [], "headless": []}
    _game_week(size, None)  # warm up: imports, fonts, the first glyphs rendered
    for _ in range(rounds):
        # the week at top speed is a handful of frames: several weeks per round
        runs["fastest"] += [_game_week(size, None) for _ in range(FASTEST_WEEKS_PER_ROUND)]
        runs["240 min/s"].append(_game_week(size, 240, until_min=2 * 1440))
        runs["headless"].append(_headless_week())
    out: dict = {"scenario": SCENARIO, "seed": SEED, "rounds": rounds,
                 "window": f"{size[0]}x{size[1]}", "video_driver": os.environ["SDL_VIDEODRIVER"],
                 "frame_target_ms_p95": FRAME_TARGET_MS}
    for name in ("fastest", "240 min/s"):
        frames = [f for run in runs[name] for f in run["frames_ms"][1:]]  # not the first
        rates = [run["sim_min"] / run["wall_s"] for run in runs[name]]
        out[name] = {
            "frames": len(frames),
            "frame_ms_p50": statistics.median(frames),
            "frame_ms_p95": _percentile(frames, 0.95),
            "frame_ms_p99": _percentile(frames, 0.99),
            "frame_ms_max": max(frames),
            "sim_min_per_real_s": statistics.median(rates),
            "week_wall_s": statistics.median(run["wall_s"] for run in runs[name]),
            "simulated_min": runs[name][0]["sim_min"],
        }
    headless = statistics.median(run["sim_min"] / run["wall_s"] for run in runs["headless"])
    out["headless"] = {"sim_min_per_real_s": headless,
                       "week_wall_s": statistics.median(r["wall_s"] for r in runs["headless"])}
    out["top_speed_sim_min_per_real_s"] = out["fastest"]["sim_min_per_real_s"]
    out["top_speed_vs_headless"] = out["fastest"]["sim_min_per_real_s"] / headless
    out["frame_ms_p95_at_top_speed"] = out["fastest"]["frame_ms_p95"]
    out["meets_60_fps"] = all(out[n]["frame_ms_p95"] <= FRAME_TARGET_MS
                              for n in ("fastest", "240 min/s"))
    return out


def report(figures: dict) -> None:
    for name in ("fastest", "240 min/s"):
        f = figures[name]
        print(f"  game at {name:10s} frame p50 {f['frame_ms_p50']:5.1f} ms  "
              f"p95 {f['frame_ms_p95']:5.1f} ms  p99 {f['frame_ms_p99']:5.1f} ms  "
              f"max {f['frame_ms_max']:5.1f} ms  ({f['frames']:,} frames)  "
              f"{f['sim_min_per_real_s']:>8,.0f} sim-min/s  in {f['week_wall_s']:.1f} s")
    h = figures["headless"]
    print(f"  headless (peer)      {h['sim_min_per_real_s']:>8,.0f} sim-min/s  "
          f"week in {h['week_wall_s']:.2f} s")
    print(f"  top speed vs headless {figures['top_speed_vs_headless']:.2f}  "
          f"(the share of the engine's own speed the floor keeps while drawing)")
    verdict = "yes" if figures["meets_60_fps"] else "NO"
    print(f"  95th percentile frame <= {FRAME_TARGET_MS:.0f} ms (60 fps): {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="1280x720", help="window size, WxH")
    parser.add_argument("--record", action="store_true", help="write bench/results.json")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    figures = measure(args.rounds, (w, h))
    print(f"game: {SCENARIO}, seed {SEED}, {figures['window']}, {args.rounds} rounds, "
          f"alternating:")
    report(figures)
    if args.record:
        from run import record

        record("game", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

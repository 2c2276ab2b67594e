"""The package as a user outside the clone gets it: a wheel built from the project holds the
built-in scenario library and the game's looks and fonts, and `itsm` run from that wheel
alone (not from the source tree) finds the scenarios by id.

The wheel is built from a copy of the project's files in a temporary folder, so that the
build's scratch (build/, *.egg-info) never lands in the clone while other tests run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("pyproject.toml", "README.md", "sim", "cli", "game", "reports", "scenarios")


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in SHIPPED:
        here = ROOT / name
        if here.is_dir():
            shutil.copytree(here, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(here, source / name)
    out = tmp_path / "wheel"
    # no build isolation: the venv's setuptools builds it, with no download
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_ships_the_scenarios_and_runs_them_by_id_outside_the_clone(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    library = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    assert library and {f"scenarios/{name}" for name in library} <= names
    assert "game/theme.yaml" in names
    assert any(n.startswith("game/assets/fonts/") and n.endswith(".ttf") for n in names)

    # unpacked beside nothing else: the clone is not on the path, and neither is the
    # editable install's finder (-S skips site-packages; the dependencies come on
    # PYTHONPATH after the unpacked wheel)
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    import numpy  # noqa: F401  (where the dependencies live)
    site_dirs = sorted({str(Path(m.__file__).resolve().parent.parent)
                        for m in (sys.modules["numpy"],)})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(installed), *site_dirs]))
    env.pop("ITSM_SCENARIOS", None)
    probe = ("import json, sim, sim.builtin, cli.main\n"
             "print(json.dumps([sim.__file__, [s.id for s in sim.builtin.list_builtin()]]))\n")
    result = subprocess.run([sys.executable, "-S", "-c", probe], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    sim_file, ids = json.loads(result.stdout)
    assert Path(sim_file).is_relative_to(installed), sim_file
    assert sorted(f"{i}.yaml" for i in ids) == library

    run = subprocess.run([sys.executable, "-S", "-m", "cli.main", "run", "normal-week",
                          "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert figures["scenario"] == "normal-week"
    assert figures["kpis"]["contacts"]["mean"] > 0

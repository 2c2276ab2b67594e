"""The architecture rules of DESIGN.md that the code itself must keep.

- `sim` is the model: importing it (and every one of its modules) in a fresh interpreter
  pulls in no front end: no pygame, matplotlib, `game` or `reports`;
- a scenario file is data, never code: no module of sim/, cli/, game/ or reports/ calls
  `eval` or `exec`, touches `pickle`, or reads YAML with `yaml.load` / `yaml.unsafe_load`
  (the source is parsed with `ast`, so a docstring that explains why they are avoided is
  fine);
- every module of sim/ and cli/ says what it is for in a module docstring.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRONT_ENDS = ("pygame", "matplotlib", "game", "reports")
CHECKED_PACKAGES = ("sim", "cli", "game", "reports")
DOCUMENTED_PACKAGES = ("sim", "cli")


def python_files(*packages: str) -> list[Path]:
    files = sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))
    assert files, packages
    return files


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# -- sim imports no front end ---------------------------------------------------------------------


def test_importing_sim_and_all_its_modules_loads_no_front_end():
    modules = [module_name(p) for p in python_files("sim")]
    assert "sim" in modules and "sim.engine" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert set(modules) <= set(loaded)
    # pygame_ce, matplotlib.pyplot, game.screens, reports.debrief ... all count
    offending = [name for name in loaded if name.split(".")[0].startswith(FRONT_ENDS)]
    assert offending == []


def front_end_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import of a front end anywhere in the code, a function's body included (an
    import at call time escapes the check above until someone calls it), as 'line: name';
    `importlib.import_module("...")` and `__import__("...")` with a literal name count too."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module"
                   or getattr(node.func, "id", None) in ("__import__", "import_module"))):
            names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] in FRONT_ENDS or name.split(".")[0] == "pygame_ce":
                found.append((node.lineno, f"{node.lineno}: {name}"))
    return [text for _, text in sorted(found)]


def test_the_front_end_import_check_finds_imports_inside_functions():
    bad = ("import numpy\n"
           "def plot():\n"
           "    import matplotlib.pyplot as plt\n"
           "    from reports.charts import backlog\n"
           "    return importlib.import_module('pygame')\n"
           "from game import app\n")
    assert front_end_imports(bad) == ["3: matplotlib.pyplot", "4: reports.charts",
                                      "5: pygame", "6: game"]
    fine = ('"""Never import pygame or matplotlib here."""\n'
            "import gamma_tables\nfrom sim.reporting import x\nfrom . import reports\n")
    assert front_end_imports(fine) == []


@pytest.mark.parametrize("path", python_files("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_of_sim_imports_a_front_end_even_inside_a_function(path):
    assert front_end_imports(path.read_text(encoding="utf-8"), str(path)) == []


# -- no code from data ------------------------------------------------------------------------------

UNSAFE_YAML = {"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load",
               "full_load_all", "UnsafeLoader", "FullLoader", "Loader"}
PICKLES = {"pickle", "_pickle", "cPickle", "cloudpickle", "dill", "shelve"}


def unsafe_uses(source: str, filename: str = "<source>") -> list[str]:
    """Every use of eval/exec, pickle and yaml's unsafe loaders in the code (not in strings,
    comments or docstrings), as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name) and node.id in ("eval", "exec"):
            found.append(f"{line}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in ("eval", "exec"):
            found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in PICKLES:
            found.append(f"{line}: {node.id}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PICKLES:
                    found.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if top in PICKLES:
                found.append(f"{line}: from {node.module} import ...")
            if top == "yaml":
                for alias in node.names:
                    if alias.name in UNSAFE_YAML:
                        found.append(f"{line}: from yaml import {alias.name}")
        elif (isinstance(node, ast.Attribute) and node.attr in UNSAFE_YAML
              and isinstance(node.value, ast.Name) and node.value.id == "yaml"):
            found.append(f"{line}: yaml.{node.attr}")
    return found


def test_the_unsafe_code_check_finds_what_it_looks_for():
    """The checker itself: it flags real uses and ignores words in docstrings and comments."""
    bad = (
        "import pickle\n"
        "import yaml\n"
        "def f(text):\n"
        "    data = yaml.load(text, Loader=yaml.Loader)\n"
        "    other = yaml.unsafe_load(text)\n"
        "    return eval(text), exec(text), pickle.loads(text)\n"
        "from yaml import full_load\n"
    )
    found = unsafe_uses(bad)
    for expected in ("1: import pickle", "4: yaml.load", "4: yaml.Loader",
                     "5: yaml.unsafe_load", "6: eval", "6: exec", "6: pickle",
                     "7: from yaml import full_load"):
        assert expected in found, (expected, found)
    fine = (
        '"""We never call yaml.load( or eval( here, and never unpickle (pickle)."""\n'
        "import yaml\n"
        "# exec( would run code from a file\n"
        "events = yaml.parse('a: 1', Loader=yaml.SafeLoader)\n"
        "label = 'eval(' + 'pickle'\n"
    )
    assert unsafe_uses(fine) == []


@pytest.mark.parametrize("path", python_files(*CHECKED_PACKAGES),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_can_run_code_from_data(path):
    source = path.read_text(encoding="utf-8")
    assert unsafe_uses(source, str(path)) == []


# -- module docstrings ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", python_files(*DOCUMENTED_PACKAGES),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_says_what_it_is_for(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    assert docstring and len(docstring.split()) >= 3, f"{path} has no module docstring"

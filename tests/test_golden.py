"""The golden run: the built-in scenario with one seed, its key figures and the digest of its
event log, kept in tests/golden/ and compared on every test run.

Any change to the engine's behaviour shows up here. When a change is intended, regenerate
the file and explain the difference in the commit:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from sim import ENGINE_VERSION, load_builtin, run_scenario

GOLDEN = Path(__file__).parent / "golden" / "normal-week-seed1.json"


def current() -> dict:
    outcome = run_scenario(load_builtin("normal-week"), seed=1)
    return {
        "scenario": "normal-week",
        "seed": 1,
        "engine_version": ENGINE_VERSION,
        "event_log_rows": len(outcome.log),
        "event_log_sha256": outcome.log.digest(),
        "kpis": outcome.kpis(),
    }


def test_golden_run_is_unchanged():
    now = current()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
        pytest.skip("golden file rewritten")
    golden = json.loads(GOLDEN.read_text())
    assert set(now["kpis"]) == set(golden["kpis"]), "the set of key figures changed"
    for name, value in golden["kpis"].items():
        got = now["kpis"][name]
        if value is None:
            assert got is None, name
        else:
            assert got is not None and math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-12), \
                (name, got, value)
    assert now["event_log_rows"] == golden["event_log_rows"]
    assert now["event_log_sha256"] == golden["event_log_sha256"]

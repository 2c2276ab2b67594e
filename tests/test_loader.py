"""The loader turns every bad scenario file into located, readable problems — and nothing else.

Each test feeds one kind of mistake a trainer (or a hostile file) could make and checks the
exact line and the key words of the message. The property tests at the end check the promise
the CLI relies on: whatever the input, the loader returns a Scenario or raises ScenarioError.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.loader import (
    Problem,
    ScenarioError,
    load_scenario,
    scenario_from_data,
    scenario_from_text,
    validate_files,
)
from sim.scenario import Scenario
from sim.yamlsafe import read_yaml

# The minimal scenario of DESIGN.md, exactly as written there.
MINIMAL = """\
id: mm10-desk
title: One queue, ten agents
clock: {duration: 20000, warmup: 2000}   # minutes; no calendar: always open;
                                          # contacts arriving in the warm-up are not counted
teams:
  - {id: desk, staff: 10}
categories:
  - id: call
    arrivals: {per_minute: 1.7}       # Poisson
    channel: phone
    handle: {dist: exponential, mean: 5}
    patience: {dist: exponential, mean: 3}   # optional; absent = callers never hang up
    team: desk
    fcr: 1.0                          # share resolved at first contact
"""


def problems_of(text: str) -> list[Problem]:
    """The problems the loader reports for `text` (which must be refused)."""
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source_name="s.yaml")
    return caught.value.problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def replaced(old: str, new: str) -> str:
    """The minimal scenario with one line changed (the line numbers stay as they are)."""
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


# ---------------------------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------------------------


def test_minimal_scenario_from_design_loads_as_written():
    scenario = scenario_from_text(MINIMAL)
    assert isinstance(scenario, Scenario)
    assert scenario.id == "mm10-desk"
    assert scenario.clock.duration == 20000 and scenario.clock.warmup == 2000
    assert scenario.teams[0].staff == 10
    call = scenario.categories[0]
    assert call.arrivals.per_minute == 1.7
    assert call.handle.dist == "exponential" and call.handle.mean == 5
    assert call.team == "desk" and call.fcr == 1.0


def test_load_scenario_reads_a_file_with_a_byte_order_mark(tmp_path: Path):
    path = tmp_path / "mm10.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).id == "mm10-desk"
    assert validate_files([path]) == []


def test_aliases_and_merge_keys_are_read():
    text = MINIMAL.replace(
        "handle: {dist: exponential, mean: 5}", "handle: &five {dist: exponential, mean: 5}"
    ).replace("patience: {dist: exponential, mean: 3}", "patience: {<<: *five, mean: 3}")
    call = scenario_from_text(text).categories[0]
    assert call.handle.mean == 5 and call.patience.mean == 3


def test_time_of_day_written_unquoted_is_minutes_after_midnight():
    data, marks = read_yaml("start: 8:30\n", source_name="t")
    assert data == {"start": 510}
    assert marks[("start",)] == 1


def test_marks_record_the_line_of_values_and_of_keys():
    data, marks = read_yaml(MINIMAL, source_name="t")
    assert marks[("teams", 0, "staff")] == 6
    assert marks[("categories", 0, "handle", "mean")] == 11
    assert marks.key_lines[("categories", 0, "fcr")] == 14
    assert marks.line_of(("categories", 0, "handle", "nothing", "here")) == 11


# ---------------------------------------------------------------------------------------------
# Reading: syntax, structure, safety
# ---------------------------------------------------------------------------------------------


def test_syntax_error_is_located():
    problem = only_problem(replaced("  - {id: desk, staff: 10}", "  - {id: desk, staff: 10"))
    assert problem.line in (6, 7)  # libyaml and PyYAML notice the missing '}' on line 7
    assert "YAML syntax error" in problem.message
    assert "flow mapping" in problem.message


def test_bad_indentation_is_a_located_syntax_error():
    problem = only_problem("id: x\ntitle: t\n  clock: 5\n")
    assert problem.line == 3
    assert "YAML syntax error" in problem.message


def test_duplicate_key_is_reported_at_the_second_one():
    problem = only_problem(replaced("    fcr: 1.0", "    fcr: 1.0\n    team: desk"))
    assert problem.line == 15
    assert str(problem) == ("s.yaml:15: categories[call].team: duplicate key: given already at "
                            "line 13 (YAML would silently keep only the last one)")


def test_a_duplicate_top_level_key_names_it_as_its_path():
    problem = only_problem(MINIMAL + "title: Again\n")
    assert str(problem).startswith("s.yaml:15: title: duplicate key: given already at line 2")


def test_empty_file():
    problem = only_problem("")
    assert problem.line == 1  # every problem has a line, even when the file has none
    assert str(problem).startswith("s.yaml:1: the file is empty: expected a scenario")
    assert problem.message.startswith("the file is empty: expected a scenario")
    assert "id, title, clock, teams, categories" in problem.message


def test_comments_only_file():
    problem = only_problem("# a scenario, one day\n\n   # not yet written\n")
    assert problem.line == 1
    assert "the file is empty" in problem.message


def test_list_at_top_level():
    problem = only_problem("\n- id: desk\n- id: call\n")
    assert problem.line == 2
    assert "the top level is a list" in problem.message
    assert "expected a scenario" in problem.message


def test_text_at_top_level():
    assert "the top level is the text 'hello'" in only_problem("hello\n").message


def test_non_utf8_bytes_report_the_line_of_the_first_bad_byte():
    raw = MINIMAL.replace("title: One queue, ten agents", "title: Caf\xe9 desk").encode("latin-1")
    with pytest.raises(ScenarioError) as caught:
        read_yaml(raw, source_name="s.yaml")
    (problem,) = caught.value.problems
    assert problem.line == 2
    assert "not UTF-8 text: byte 0xe9 at line 2" in problem.message


def test_non_utf8_file(tmp_path: Path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"id: x\ntitle: \xff\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [p.line for p in caught.value.problems] == [2]
    assert str(caught.value).startswith(f"{path}:2: not UTF-8 text: byte 0xff")


def test_control_character_is_located():
    problem = only_problem("id: x\ntitle: a\x00b\n")
    assert problem.line == 2
    assert "U+0000" in problem.message


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "cannot read the file" in str(caught.value)
    assert validate_files([path])[0].file == str(path)


def test_too_large_file_is_refused(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# padding\n" * 600_000)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "too large" in str(caught.value)


def test_alias_bomb_is_refused():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    problem = only_problem("\n".join(lines) + "\n")
    assert "too many values" in problem.message
    assert problem.line is not None and problem.line <= 10


def test_deep_nesting_is_refused_without_recursion():
    problem = only_problem("[" * 100_000)
    assert problem.line == 1
    assert "nested deeper than 64 levels" in problem.message


def test_alias_that_contains_itself_is_refused():
    problem = only_problem("id: x\nloop: &a [1, *a]\n")
    assert problem.line == 2
    assert "cannot contain itself" in problem.message


def test_python_tag_is_refused_and_nothing_runs(tmp_path: Path):
    target = tmp_path / f"pwned-{uuid.uuid4().hex}"
    existed_before = os.path.exists("/tmp/pwned")
    for command in ("touch /tmp/pwned", f"touch {target}"):
        problem = only_problem(f'id: x\ntitle: !!python/object/apply:os.system ["{command}"]\n')
        assert problem.line == 2
        assert "tag !!python/object/apply:os.system is not allowed" in problem.message
        assert "scenario files are data" in problem.message
    assert not target.exists()
    assert os.path.exists("/tmp/pwned") == existed_before


def test_custom_tag_is_refused():
    problem = only_problem(MINIMAL.replace("staff: 10", "staff: !secret 10"))
    assert problem.line == 6
    assert "tag !secret is not allowed" in problem.message


# ---------------------------------------------------------------------------------------------
# Validating: types, names, ranges, references
# ---------------------------------------------------------------------------------------------


def test_wrong_type():
    problem = only_problem(replaced("staff: 10}", "staff: ten}"))
    assert (problem.line, problem.path) == (6, "teams[desk].staff")
    assert problem.message == "expected a whole number, got 'ten'"


def test_misspelt_key_suggests_the_right_one():
    problem = only_problem(replaced("staff: 10}", "stafff: 10}"))
    assert problem.line == 6
    assert problem.path == "teams[desk]"
    assert problem.message == "unknown field 'stafff' (did you mean 'staff'?)"
    assert str(problem) == "s.yaml:6: teams[desk]: unknown field 'stafff' (did you mean 'staff'?)"


def test_misspelt_key_inside_a_distribution():
    problems = problems_of(replaced("mean: 5}", "meen: 5}"))
    assert [(p.line, p.path, p.message) for p in problems] == [
        (11, "categories[call].handle.mean", "missing required field"),
        (11, "categories[call].handle", "unknown field 'meen' (did you mean 'mean'?)"),
    ]


def test_missing_required_field_points_at_the_mapping_that_lacks_it():
    problem = only_problem(replaced("    handle: {dist: exponential, mean: 5}\n", ""))
    assert problem.line == 8
    assert str(problem) == "s.yaml:8: categories[call].handle: missing required field"


def test_a_missing_top_level_field_is_named_as_its_path():
    problem = only_problem(replaced("clock: {duration: 20000, warmup: 2000}", "# no clock"))
    assert str(problem) == "s.yaml:1: clock: missing required field"


def test_a_distribution_without_its_kind_names_dist():
    problem = only_problem(replaced("{dist: exponential, mean: 5}", "{mean: 5}"))
    assert (problem.line, problem.path) == (11, "categories[call].handle.dist")
    assert problem.message.startswith("missing required field: which distribution, one of: "
                                      "exponential, lognormal")


def test_a_channel_mix_that_does_not_add_up_is_located_at_its_channels():
    text = MINIMAL.replace("    channel: phone\n", "") + (
        "departments:\n"
        "  - id: sales\n"
        "    headcount: 10\n"
        "    channels: {phone: 0.5, email: 0.3}\n")
    assert str(only_problem(text)) == ("s.yaml:17: departments[sales].channels: channel shares "
                                       "must add up to 1, they add up to 0.8")


def test_unknown_distribution_lists_the_kinds():
    problem = only_problem(replaced("dist: exponential, mean: 5", "dist: expo, mean: 5"))
    assert (problem.line, problem.path) == (11, "categories[call].handle.dist")
    assert "unknown distribution 'expo' (did you mean 'exponential'?)" in problem.message
    assert "lognormal" in problem.message and "empirical" in problem.message
    assert ".exponential." not in str(problem)


def test_duplicate_id():
    problem = only_problem(replaced("  - {id: desk, staff: 10}",
                                    "  - {id: desk, staff: 10}\n  - {id: desk, staff: 2}"))
    assert problem.line == 7
    assert problem.path == "teams[desk].id"
    assert "duplicate id 'desk'" in problem.message and "line 6" in problem.message


def test_same_id_for_a_team_and_a_supplier():
    text = MINIMAL + "suppliers:\n  - {id: desk, resolve: {dist: exponential, mean: 60}}\n"
    problem = only_problem(text)
    assert problem.line == 16
    assert "used by a team (line 6) and by a supplier" in problem.message


@pytest.mark.parametrize(
    ("line", "new", "line_number", "path", "what"),
    [
        ("    team: desk", "    team: dsk", 13, "categories[call].team", "no team with id 'dsk'"),
        ("    team: desk", "    team: desk\n    service: mail", 14, "categories[call].service",
         "no service with id 'mail'"),
        ("    fcr: 1.0", "    fcr: 1.0\nservices:\n  - {id: phone, supplier: telco}", 16,
         "services[phone].supplier", "no supplier with id 'telco'"),
        ("    fcr: 1.0", "    fcr: 0.8\n    escalate_to: vendor", 15,
         "categories[call].escalate_to", "no team or supplier with id 'vendor'"),
    ],
)
def test_reference_to_an_unknown_id(line, new, line_number, path, what):
    problem = only_problem(replaced(line, new))
    assert (problem.line, problem.path) == (line_number, path)
    assert what in problem.message
    assert "declared" in problem.message


def test_negative_staff():
    problem = only_problem(replaced("staff: 10}", "staff: -3}"))
    assert (problem.line, problem.path) == (6, "teams[desk].staff")
    assert problem.message == "expected a whole number >= 0, got -3"


def test_absurd_staff():
    problem = only_problem(replaced("staff: 10}", "staff: 250000}"))
    assert problem.line == 6
    assert problem.message == "expected a whole number <= 10000, got 250000"


def test_share_outside_zero_to_one():
    problem = only_problem(replaced("fcr: 1.0 ", "fcr: 1.4 "))
    assert (problem.line, problem.path) == (14, "categories[call].fcr")
    assert problem.message == "expected a number between 0 and 1, got 1.4"


def test_zero_time():
    problem = only_problem(replaced("mean: 5}", "mean: 0}"))
    assert (problem.line, problem.path) == (11, "categories[call].handle.mean")
    assert problem.message == "expected a number > 0, got 0"


def test_nan_time():
    problem = only_problem(replaced("mean: 3}", "mean: .nan}"))
    assert (problem.line, problem.path) == (12, "categories[call].patience.mean")
    assert problem.message == "expected a finite number, got .nan"


def test_zero_rate():
    problem = only_problem(replaced("per_minute: 1.7", "per_minute: 0"))
    assert (problem.line, problem.path) == (9, "categories[call].arrivals.per_minute")
    assert problem.message == "expected a number > 0, got 0"


def test_wrong_choice_suggests_the_nearest():
    problem = only_problem(replaced("channel: phone", "channel: walkin"))
    assert problem.line == 10
    assert "got 'walkin' (did you mean 'walk_in'?)" in problem.message


def test_several_problems_reported_at_once_sorted_by_line():
    text = (
        MINIMAL.replace("staff: 10}", "stafff: 10}")
        .replace("per_minute: 1.7", "per_minute: -1")
        .replace("mean: 3}", "mean: .inf}")
        .replace("fcr: 1.0 ", "fcr: 2 ")
        .replace("title: One queue, ten agents", "title: One queue\ntitle: again")
    )
    problems = problems_of(text)
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert lines == [3, 7, 10, 13, 15]
    messages = " | ".join(str(p) for p in problems)
    for words in ("title: duplicate key", "unknown field 'stafff'", "got -1",
                  "expected a finite number", "between 0 and 1, got 2"):
        assert words in messages
    assert str(ScenarioError(problems)).count("\n") == len(problems) - 1


def test_union_reports_only_the_branch_that_was_meant():
    text = MINIMAL + "profiles:\n  day: {hourly: [1, 1, 1, -1]}\n  flat: {hourly: 5}\n"
    problems = problems_of(text)
    assert [p.line for p in problems] == [16, 17]
    # Not also "expected a mapping": the list branch is plainly the one that was meant.
    assert str(problems[0]) == "s.yaml:16: profiles.day.hourly[3]: expected a number >= 0, got -1"
    assert problems[1].message == "expected a list or a mapping (key: value pairs), got 5"
    assert all("list[" not in str(p) and "dict[" not in str(p) for p in problems)


def test_problem_format_without_line_or_path():
    assert str(Problem("a.yaml", None, "", "the file is empty")) == "a.yaml: the file is empty"
    assert str(Problem("a.yaml", 3, "teams[desk]", "x")) == "a.yaml:3: teams[desk]: x"


def test_scenario_from_data_without_marks_has_no_lines():
    data = yaml.safe_load(replaced("staff: 10}", "staff: -3}"))
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data, "built-in")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("built-in", None, "teams[desk].staff")


def test_no_pydantic_urls_in_messages():
    text = MINIMAL.replace("staff: 10}", "staff: x}").replace("phone", "fax")
    assert all("pydantic" not in str(p) for p in problems_of(text))


# ---------------------------------------------------------------------------------------------
# Properties: a Scenario or a ScenarioError, never anything else
# ---------------------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def loads_or_refuses(text: str) -> None:
    try:
        result = scenario_from_text(text, source_name="h.yaml")
    except ScenarioError as exc:
        assert exc.problems
        assert all(isinstance(p, Problem) for p in exc.problems)
        assert all("pydantic.dev" not in str(p) for p in exc.problems)
    else:
        assert isinstance(result, Scenario)


@PROPERTY_SETTINGS
@given(st.text())
def test_any_text_loads_or_is_refused(text):
    loads_or_refuses(text)


YAML_PIECES = st.sampled_from(
    ["[", "]", "{", "}", ":", ": ", "- ", "\n", "  ", "&a ", "*a", "<<: ", "!!str ", "? ",
     "'", '"', "#", "---", "...", ".nan", "id", "teams", "staff", "-3", "1.7", "8:30", ","]
)


@PROPERTY_SETTINGS
@given(st.lists(YAML_PIECES, max_size=40).map("".join))
def test_yaml_like_text_loads_or_is_refused(text):
    loads_or_refuses(text)


SCALARS = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=True, allow_infinity=True)
)
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4),
    max_leaves=20,
)


@PROPERTY_SETTINGS
@given(NESTED)
def test_any_data_dumped_to_yaml_loads_or_is_refused(data):
    loads_or_refuses(yaml.safe_dump(data))


MINIMAL_DATA = yaml.safe_load(MINIMAL)
FIELD_NAMES = st.sampled_from(
    ["id", "staff", "handle", "dist", "mean", "fcr", "hourly", "arrivals", "per_minute",
     "channel", "team", "shifts", "stafff", "calendar", "profiles", "suppliers", "sla"]
)


def paths_into(data, prefix=()):
    """Every path into the minimal scenario, so that a random one can be spoilt."""
    yield prefix
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        items = ()
    for key, value in items:
        yield from paths_into(value, (*prefix, key))


MINIMAL_PATHS = list(paths_into(MINIMAL_DATA))


def spoilt(path, replacement, extra_key):
    """The minimal scenario with the value at `path` replaced (a mapping also gets one more
    key, often a real field name, so that deeper checks are reached)."""
    data = yaml.safe_load(MINIMAL)  # a fresh copy
    if isinstance(replacement, dict):
        replacement.setdefault(extra_key, 1)
    if not path:
        return replacement
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    return data


@PROPERTY_SETTINGS
@given(st.sampled_from(MINIMAL_PATHS), NESTED, FIELD_NAMES)
def test_a_spoilt_minimal_scenario_loads_or_is_refused(path, replacement, extra_key):
    data = spoilt(path, replacement, extra_key)
    loads_or_refuses(yaml.safe_dump(data))
    with contextlib.suppress(ScenarioError):  # data built in code: no lines, same promise
        scenario_from_data(data, "d")


def test_nan_written_by_safe_dump_is_refused():
    data = yaml.safe_load(MINIMAL)
    data["clock"]["duration"] = math.nan
    assert "finite" in only_problem(yaml.safe_dump(data)).message


# -- mistakes a first-time author makes that must not pass silently --------------------------


def _problems_of(text: str) -> list:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, source_name="s.yaml")
    return caught.value.problems


MINIMAL_HEAD = """id: t
title: t
clock: {duration: 600}
"""


def test_a_bare_number_as_a_time_of_day_is_refused():
    problems = _problems_of(MINIMAL_HEAD + """calendar:
  business_hours: {start: 8, end: 17:00}
teams: [{id: desk, staff: 1}]
categories: [{id: c, arrivals: {per_minute: 1}, handle: {dist: exponential, mean: 3}}]
""")
    assert [(p.line, p.path) for p in problems] == [(5, "calendar.business_hours.start")]
    assert '"08:00"' in problems[0].message


def test_yes_and_true_are_not_numbers():
    problems = _problems_of(MINIMAL_HEAD + """teams: [{id: desk, staff: yes}]
categories: [{id: c, impact: true, arrivals: {per_minute: 1}, fcr: yes,
              handle: {dist: exponential, mean: 3}}]
""")
    assert {p.path for p in problems} == {"teams[desk].staff", "categories[c].impact",
                                          "categories[c].fcr"}
    assert all("got true" in p.message for p in problems)


def test_a_run_too_big_to_simulate_is_refused_where_the_rate_is():
    problems = _problems_of("""id: t
title: t
clock: {duration: 5270400}
teams: [{id: desk, staff: 1}]
categories:
  - id: c
    arrivals: {per_minute: 10000}
    handle: {dist: exponential, mean: 3}
""")
    assert [(p.line, p.path) for p in problems] == [(7, "categories[c].arrivals")]
    assert "52,704,000,000 contacts" in problems[0].message


def test_tabs_and_bad_indentation_are_explained_in_plain_words():
    tab = _problems_of(MINIMAL_HEAD + "teams:\n\t- {id: desk, staff: 1}\n")
    assert tab[0].line == 5 and "tab" in tab[0].message
    indent = _problems_of(MINIMAL_HEAD + "teams:\n  - id: desk\n   staff: 1\n")
    assert indent[0].line == 6 and "indented" in indent[0].message


def validate(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    """`itsm validate s.yaml` on `text`: its exit status and what it printed on stderr (it
    prints nothing on stdout for a refused file)."""
    from cli.main import main

    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()) as err, \
            contextlib.redirect_stdout(io.StringIO()) as out:
        status = main(["validate", str(tmp_path / "s.yaml")])
    assert status != 2 or out.getvalue() == ""
    return status, [line.replace(f"{tmp_path}/", "") for line in err.getvalue().splitlines()]


CHECKED_OFTEN = """\
id: t
title: t
clock: {duration: 7200}
teams: [{id: desk, staff: 2}]
categories: [{id: c, arrivals: {per_hour: 3}, handle: {dist: exponential, mean: 5}}]
levers:
  - {id: more, name: More, repeatable: true, effects: [{target: teams.desk.staff, add: 1}]}
decision_points:
  - {id: q, prompt: Q?, when: {metric: backlog, above: 1000}, levers: [more]}
check_every_min: 0.001
"""


def test_conditions_checked_too_often_are_refused_saying_the_limit_and_what_to_change(
        tmp_path):
    """Checking a condition every 0.001 minutes over a week is 7.2 million checks: the run
    would crawl (and over ten years never end), so the file is refused where it says so."""
    assert validate(tmp_path, CHECKED_OFTEN) == (2, [
        "s.yaml:10: check_every_min: 1 decision point with a condition, checked every 0.001 "
        "minutes over the run's 7,200 minutes: 7,200,000 checks, more than the 1,000,000 one "
        "run may make; check less often (check_every_min: 0.01 or more), or give fewer "
        "points a condition"])
    # the default interval over ten years: located at the decision points
    ten_years = CHECKED_OFTEN.replace("7200", "5270400").replace("check_every_min: 0.001\n",
                                                                  "")
    assert validate(tmp_path, ten_years) == (2, [
        "s.yaml:9: decision_points: 1 decision point with a condition, checked every 5 "
        "minutes over the run's 5,270,400 minutes: 1,054,080 checks, more than the 1,000,000 "
        "one run may make; check less often (check_every_min: 6 or more), or give fewer "
        "points a condition"])
    assert validate(tmp_path, CHECKED_OFTEN.replace("0.001", "0.01"))[0] == 0


NO_DEPARTMENTS_GOALS = MINIMAL + """\
goals:
  satisfaction: {at_least: 70}
  csat: {at_least: 90}
  happiness: {at_least: 1}
"""


def test_a_goal_about_people_without_departments_says_it_needs_departments_once(tmp_path):
    """Not "not a key figure (... e.g. satisfaction)" for satisfaction itself, and one line
    for csat in percent, not two: the figure is what is wrong, not its bound."""
    assert validate(tmp_path, NO_DEPARTMENTS_GOALS) == (2, [
        "s.yaml:16: goals.satisfaction: satisfaction is measured on the people IT serves, and "
        "this scenario declares no departments: declare them (with their headcount), or leave "
        "this goal out",
        "s.yaml:17: goals.csat: csat is measured on the people IT serves, and this scenario "
        "declares no departments: declare them (with their headcount), or leave this goal out",
        "s.yaml:18: goals.happiness: not a key figure (see the figures `itsm run` prints, e.g. "
        "abandonment_rate, asa_min, fcr, mean_wait_min)"])


def test_an_unknown_goal_is_reported_with_the_other_problems_of_the_goals(tmp_path):
    text = NO_DEPARTMENTS_GOALS.replace("{at_least: 70}", "{at_least: 70, at_most: 90}")
    status, lines = validate(tmp_path, text.replace("happiness", "abandonmnet_rate"))
    assert status == 2
    assert "s.yaml:16: goals.satisfaction: give exactly one of at_most, at_least" in lines
    assert lines[-1] == ("s.yaml:18: goals.abandonmnet_rate: not a key figure (did you mean "
                         "'abandonment_rate'?)")


def test_a_number_yaml_reads_as_text_is_refused_saying_how_to_write_it(tmp_path):
    """YAML 1.1 reads `1e1` as the text "1e1" (an exponent needs a dot and a sign): it stays
    refused, and the message says what to write instead."""
    text = replaced("mean: 5}", "mean: 1e1}").replace("staff: 10", "staff: 1E2")
    assert validate(tmp_path, text) == (2, [
        "s.yaml:6: teams[desk].staff: expected a whole number, got '1E2' (YAML reads 1E2 as "
        "text, not as a number: write 100)",
        "s.yaml:11: categories[call].handle.mean: expected a number, got '1e1' (YAML reads 1e1 "
        "as text, not as a number: write 10, or 1.0e+1 with a dot and a signed exponent)"])
    # ... and what it says to write is read as a number
    assert validate(tmp_path, replaced("mean: 5}", "mean: 1.0e+1}"))[0] == 0
    assert "write 0.005, or 5.0e-3 with" in validate(tmp_path, replaced("mean: 5}",
                                                                        "mean: 5e-3}"))[1][0]


def test_a_category_with_a_wrong_field_still_has_its_rules_checked(tmp_path):
    """`channel: fax` and `fcr: 0.5` without escalate_to: both at once, not the second only
    after the first is fixed (and once each when the category is otherwise right)."""
    text = replaced("channel: phone", "channel: fax").replace("fcr: 1.0", "fcr: 0.5")
    assert validate(tmp_path, text) == (2, [
        "s.yaml:8: categories[call]: fcr is below 1, so escalate_to is required: the team or "
        "supplier that takes the tickets the service desk cannot resolve (or route: a "
        "workflow)",
        "s.yaml:10: categories[call].channel: expected 'phone', 'email', 'portal' or 'walk_in', "
        "got 'fax'"])
    assert validate(tmp_path, replaced("fcr: 1.0", "fcr: 0.5"))[1] == [
        "s.yaml:8: categories[call]: fcr is below 1, so escalate_to is required: the team or "
        "supplier that takes the tickets the service desk cannot resolve (or route: a "
        "workflow)"]

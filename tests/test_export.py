"""The CSV export of a run's event log (`sim.export`), read the way an analyst would read it.

A simulated week of `normal-week` is written with `write_events_csv` and read back with the
csv module. The checks: the columns carry the names of the real UCI ServiceNow incident log;
there is one CSV row per log row, in the log's order; each ticket's rows are in time order
and agree with the event log (opened_at is the arrival, reassignment_count counts the
escalations so far, priority reads like "3 - Moderate"); made_sla is 'false' exactly for the
tickets whose resolution took longer than their SLA target in business minutes (checked
against an independent business-hours count and against the key figure); every time is an
ISO datetime in the scenario's week.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict

import numpy as np
import pytest

import sim
from sim.eventlog import EVENTS
from sim.export import write_events_csv
from sim.kpis import LogView
from sim.scenario import Sla

# The header of the UCI "Incident management process enriched event log" (Amaral et al. 2018).
UCI_HEADER = (
    "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,"
    "caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,"
    "contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,"
    "assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,"
    "vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at"
)
UCI_COLUMNS = UCI_HEADER.split(",")
OWN_COLUMNS = ["event", "time_min", "department"]

WEEK_START = dt.datetime(2026, 3, 2)      # normal-week's calendar start date, a Monday
WEEK_END = dt.datetime(2026, 3, 7)        # its clock ends after 7200 minutes: Saturday 00:00
TIME_COLUMNS = ("opened_at", "sys_updated_at", "resolved_at", "closed_at")


def read_csv(path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


@pytest.fixture(scope="module")
def week():
    scenario = sim.load_builtin("normal-week")
    return sim.run_scenario(scenario, seed=1)


@pytest.fixture(scope="module")
def exported(week, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "events.csv"
    written = write_events_csv(week, path)
    header, rows = read_csv(path)
    return written, header, rows


def ticket_rows(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    by_number: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["number"]:
            by_number[row["number"]].append(row)
    return by_number


def contact_index(number: str) -> int:
    """INC0000012 -> contact 11 of the event log."""
    return int(number[3:]) - 1


def business_minutes(t0: float, t1: float) -> float:
    """Business minutes of normal-week's calendar (Mon-Fri 08:00-18:00, no holidays, minute 0
    a Monday) between two moments, counted day by day independently of sim.calendar."""
    total = 0.0
    for day in range(int(t0 // 1440), int(t1 // 1440) + 1):
        if day % 7 < 5:
            total += max(0.0, min(t1, day * 1440 + 1080) - max(t0, day * 1440 + 480))
    return total


# -- columns and rows -------------------------------------------------------------------------


def test_the_first_17_columns_are_names_from_the_uci_servicenow_log(exported):
    _, header, _ = exported
    assert len(header) == 20
    ours = header[:17]
    assert len(set(ours)) == 17
    assert [name for name in ours if name not in UCI_COLUMNS] == []
    # the ones an analyst joins and filters on are all there
    for name in ("number", "incident_state", "opened_at", "priority", "made_sla",
                 "assignment_group", "resolved_at", "closed_at"):
        assert name in ours
    assert header[17:] == OWN_COLUMNS


def test_one_csv_row_per_ticket_event_in_the_same_order(week, exported):
    """Every log row about a contact or ticket, in log order; staffing and overtime rows are
    about teams, not tickets, and are left out."""
    written, _, rows = exported
    log = week.log.columns()
    about_tickets = ~np.isin(log["event"], [EVENTS.index("staff"), EVENTS.index("overtime")])
    assert (log["event"] == EVENTS.index("overtime")).any()  # the week has some to leave out
    assert written == len(rows) == int(about_tickets.sum()) > 0
    assert [row["event"] for row in rows] == [EVENTS[int(e)] for e in log["event"][about_tickets]]
    np.testing.assert_allclose([float(row["time_min"]) for row in rows],
                               log["time_min"][about_tickets], atol=1e-4)


def test_writing_to_an_open_text_stream_gives_the_same_csv(week, tmp_path):
    path = tmp_path / "events.csv"
    write_events_csv(week, str(path))
    buffer = io.StringIO(newline="")
    write_events_csv(week, buffer)
    assert buffer.getvalue() == path.read_bytes().decode("utf-8")


def test_ticket_numbers_say_incident_or_request_and_name_the_contact(week, exported):
    _, _, rows = exported
    scenario = week.scenario
    kind = {c.id: c.kind for c in scenario.categories}
    numbers = ticket_rows(rows)
    assert len(numbers) == week.log.n_contacts
    for number, its_rows in numbers.items():
        assert re.fullmatch(r"(INC|REQ)\d{7}", number)
        category = its_rows[0]["category"]
        assert number.startswith("REQ" if kind[category] == "request" else "INC")
        # a ticket keeps its category, channel and department on every row
        for column in ("category", "contact_type", "department", "priority", "opened_at"):
            assert len({row[column] for row in its_rows}) == 1, (number, column)


def test_each_tickets_rows_are_in_time_order(exported):
    _, _, rows = exported
    for number, its_rows in ticket_rows(rows).items():
        minutes = [float(row["time_min"]) for row in its_rows]
        assert minutes == sorted(minutes), number
        stamps = [row["sys_updated_at"] for row in its_rows]
        assert stamps == sorted(stamps), number
        assert its_rows[0]["event"] == "arrival"
        assert its_rows[0]["incident_state"] == "New"


def test_opened_at_is_the_arrival_time(week, exported):
    _, _, rows = exported
    view = LogView(week)
    for number, its_rows in ticket_rows(rows).items():
        arrival = its_rows[0]
        assert arrival["opened_at"] == arrival["sys_updated_at"]
        minute = view.arrived[contact_index(number)]
        assert float(arrival["time_min"]) == pytest.approx(minute, abs=1e-4)
        opened = dt.datetime.fromisoformat(arrival["opened_at"])
        # written to the second
        assert abs((opened - (WEEK_START + dt.timedelta(minutes=minute))).total_seconds()) < 1


def test_reassignment_count_counts_the_escalations_so_far(week, exported):
    _, _, rows = exported
    view = LogView(week)
    escalated_tickets = 0
    for number, its_rows in ticket_rows(rows).items():
        counts = [int(row["reassignment_count"]) for row in its_rows]
        assert counts[0] == 0
        assert counts == sorted(counts)
        for before, row in itertools.pairwise(its_rows):
            # each escalation raises the count by one, and nothing else does
            step = int(row["reassignment_count"]) - int(before["reassignment_count"])
            assert step == (1 if row["event"] == "escalated" else 0), number
        assert counts[-1] == view.escalations[contact_index(number)]
        escalated_tickets += counts[-1] > 0
    # a normal week has plenty of tickets the desk passes on (FCR ~65%)
    assert escalated_tickets >= 20


def test_priority_impact_and_urgency_read_like_the_uci_log(week, exported):
    _, _, rows = exported
    categories = {c.id: c for c in week.scenario.categories}
    levels = {1: "1 - High", 2: "2 - Medium", 3: "3 - Low"}
    priorities = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low",
                  5: "5 - Planning"}
    seen = set()
    for row in rows:
        if not row["number"]:
            continue
        category = categories[row["category"]]
        assert row["priority"] == priorities[category.priority]
        assert row["impact"] == levels[category.impact]
        assert row["urgency"] == levels[category.urgency]
        seen.add(row["priority"])
    # normal-week has P2 (order entry down) to P5 (how-to questions)
    assert "3 - Moderate" in seen and "5 - Planning" in seen


def test_channels_and_states_use_the_uci_words(exported):
    _, _, rows = exported
    tickets = [row for row in rows if row["number"]]
    assert {row["contact_type"] for row in tickets} <= {"Phone", "Email", "Self service",
                                                         "Walk-in"}
    assert {row["incident_state"] for row in tickets} <= {
        "New", "Active", "Awaiting Vendor", "Awaiting User Info", "Abandoned", "Resolved",
        "Closed"}
    # a ticket with a supplier is awaiting the vendor, as ServiceNow says
    for row in tickets:
        if row["assignment_group"] in ("hardware-vendor", "telecom") and \
                row["event"] in ("escalated", "assigned", "handled"):
            assert row["incident_state"] == "Awaiting Vendor"
    assert {row["active"] for row in tickets} == {"true", "false"}
    for row in tickets:
        if row["event"] in ("closed", "abandoned"):
            assert row["active"] == "false"


def test_staffing_rows_are_not_exported_as_tickets(exported):
    _, _, rows = exported
    assert rows and all(row["event"] != "staff" for row in rows)
    assert all(re.fullmatch(r"(INC|REQ)\d{7}", row["number"]) for row in rows)


def test_times_are_iso_datetimes_in_the_scenarios_week(exported):
    _, _, rows = exported
    for row in rows:
        for column in TIME_COLUMNS:
            text = row[column]
            if text in ("", "?"):
                # only the resolution of a ticket still open (or abandoned) may be unknown
                assert column in ("resolved_at", "closed_at") or not row["number"], column
                continue
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text), text
            moment = dt.datetime.fromisoformat(text)
            assert WEEK_START <= moment <= WEEK_END, (column, text)


# -- made_sla ----------------------------------------------------------------------------------


def check_made_sla(outcome, rows) -> tuple[int, int]:
    """made_sla against the SLA targets, with business minutes counted independently.
    Returns how many tickets made and missed their SLA."""
    view = LogView(outcome)
    sla = outcome.scenario.sla
    made = missed = 0
    assert {row["made_sla"] for row in rows if row["number"]} <= {"true", "false", "?"}
    for number, its_rows in ticket_rows(rows).items():
        c = contact_index(number)
        values = {row["made_sla"] for row in its_rows}
        assert len(values) == 1, number
        value = values.pop()
        target = sla.target(int(view.contact_priority[c])).resolve
        if not np.isnan(view.abandoned[c]):
            assert value == "?", number  # hung up: never a ticket
            continue
        end = view.resolved[c] if not np.isnan(view.resolved[c]) else view.end_min
        if sla.basis == "business":
            took = business_minutes(view.arrived[c], end)
        else:
            took = end - view.arrived[c]
        if took > target:
            assert value == "false", (number, took, target)
            missed += 1
        elif np.isnan(view.resolved[c]):
            assert value == "?", number  # still open, within its target so far
        else:
            assert value == "true", (number, took, target)
            made += 1
    return made, missed


def test_made_sla_in_a_normal_week(week, exported):
    _, _, rows = exported
    made, missed = check_made_sla(week, rows)
    assert made > 100


@pytest.mark.parametrize("basis", ["business", "clock"])
def test_made_sla_is_false_exactly_for_tickets_resolved_past_their_target(basis, tmp_path):
    """Tight targets (1-2 hours) so that the week has both kinds of ticket."""
    scenario = sim.load_builtin("normal-week")
    tight = Sla(basis=basis, P1={"resolve": 60}, P2={"resolve": 60}, P3={"resolve": 90},
                P4={"resolve": 30}, P5={"resolve": 120})
    outcome = sim.run_scenario(scenario.model_copy(update={"sla": tight}), seed=1)
    path = tmp_path / "events.csv"
    write_events_csv(outcome, path)
    _, rows = read_csv(path)
    made, missed = check_made_sla(outcome, rows)
    assert made > 20 and missed > 5
    # the CSV and the key figure tell the same story (no warm-up: every ticket counts)
    assert outcome.kpis()["sla_breach_rate"] == pytest.approx(missed / (made + missed))


def test_made_sla_is_unknown_without_an_sla(week, tmp_path):
    outcome = sim.run_scenario(week.scenario.model_copy(update={"sla": None}), seed=1)
    path = tmp_path / "events.csv"
    write_events_csv(outcome, path)
    _, rows = read_csv(path)
    assert {row["made_sla"] for row in rows if row["number"]} == {"?"}

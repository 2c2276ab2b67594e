"""The debrief (reports/debrief.py, reports/narrative.py, `itsm report`).

The HTML must open anywhere with no network (styles inline, charts embedded), lead with the
story of the run told from its event log, and show what a trainer checks: figures against
goals, decisions and their cost, three people's experience, the twin, questions. The PDF has
one page per section and one per chart, its chart text printed at 8 pt or more. In CI the
HTML is also opened in headless Chromium (Debian's chromium and chromium-driver, installed
by .ci/run): the page must not be blank, every image must have loaded, and no text, in the
page or on a chart, may be smaller than 16 px on a projector's 1280 px wide screen.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reports import debrief, narrative
from sim import load_builtin
from sim.decisions import Decision, DecisionPlan
from sim.engine import Simulation
from sim.eventlog import ARRIVAL
from sim.kpis import LogView, kpi_label
from sim.twin import compare

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def softphone():
    return load_builtin("softphone-cutover")


@pytest.fixture(scope="module")
def unprepared(softphone):
    return Simulation(softphone, seed=1,
                      decisions=DecisionPlan.from_policy(softphone, "unprepared")).run()


@pytest.fixture(scope="module")
def firefighting(softphone):
    return Simulation(softphone, seed=1,
                      decisions=DecisionPlan.from_policy(softphone, "firefighting")).run()


@pytest.fixture(scope="module")
def prepared(softphone):
    return Simulation(softphone, seed=1,
                      decisions=DecisionPlan.from_policy(softphone, "prepared")).run()


def with_levers(scenario, policy: str, levers: tuple[str, ...], at_min: float):
    """A policy's run with levers pulled from the lever panel at a moment (a free decision,
    as the game and a decisions file pull them)."""
    plan = DecisionPlan([Decision(levers=levers, at_min=at_min)],
                        policy=scenario.policies[policy], policy_name=policy)
    return Simulation(scenario, seed=1, decisions=plan).run()


def hung_up(outcome, t0: float, t1: float) -> tuple[int, int]:
    """Of the phone calls that came in [t0, t1), how many hung up, and how many came:
    counted here from the log, independently of the narrative."""
    v = LogView(outcome)
    phone = v.contact_channel == outcome.log.names.channels.index("phone")
    came = phone & (v.arrived >= t0) & (v.arrived < t1)
    return int((came & ~np.isnan(v.abandoned)).sum()), int(came.sum())


LEVER_ON_THE_DESK = (r"in the rest of Monday (\d+) of (\d+) callers hung up \((\d+)%\); "
                     r"without (?:it|them), (\d+) of (\d+) \((\d+)%\) would have")


@pytest.fixture(scope="module")
def made(firefighting, unprepared):
    return debrief.build(firefighting, team="Blue table", twin=unprepared,
                         labels=("Blue table", "nobody prepared"))


def test_the_story_of_day_one_is_told_from_the_log(unprepared):
    beats = narrative.story(unprepared)
    first = beats[0]
    assert first.when == "Mon 08:00"
    assert "went live" in first.cause and "had not been told" in first.cause
    text = first.text
    assert re.search(r"\d+ contacts in the next two hours against \d+ on a usual day", text)
    assert re.search(r"\d+% of callers hung up that day", text)
    assert re.search(r"satisfaction in Management fell from 75\.0 to \d\d\.\d \(out of 100\) "
                     r"by 18:00", text)
    # the worst wait, said plainly (not "waited up to 7.4 min on average in an hour")
    assert re.search(r"→ in the worst hour callers waited \d+\.\d min on average →", text)
    assert "in an hour" not in text and "up to" not in text
    # the figures in the story are the log's: the day's hang-ups agree with the key figures
    monday = next(b for b in beats if b.when.startswith("Mon (whole day)"))
    assert "% of callers hung up" in monday.text


def test_levers_pulled_together_are_one_beat_measured_against_the_run_without_them(
        softphone, firefighting):
    """What a lever did is the difference from the same run (same seed, same other
    decisions) without it, over the same hours: never a before-and-after."""
    beats = narrative.story(firefighting)
    pulled = [b for b in beats if b.cause.startswith("You pulled")]
    # the two levers pulled at 09:20 share one beat: what followed is told once, for both
    assert [b.when for b in pulled] == ["Mon 09:20", "Tue 07:30"]
    assert pulled[0].cause == ("You pulled “Two temporary agents for the rest of the week” "
                               "(1,500 EUR) and “Send an FAQ e-mail to everyone” (200 EUR) "
                               "together")
    words = " ".join(b.text for b in beats)
    assert not re.search(r"abandonment (fell|rose)|in the hour before", words)
    found = re.search(LEVER_ON_THE_DESK, pulled[0].text)
    assert found, pulled[0].text
    here, calls, share, there, calls_there, share_there = map(int, found.groups())
    # the figures are the logs': this run's, and that of the same week with the same luck
    # and the major incident on Tuesday, but nothing pulled at 09:20
    assert (here, calls) == hung_up(firefighting, 560.0, 1080.0)
    without = Simulation(softphone, seed=1, decisions=DecisionPlan(
        [Decision(levers=("major-incident",), at_min=1890.0)])).run()
    assert (there, calls_there) == hung_up(without, 560.0, 1080.0)
    assert share == round(100 * here / calls) and share_there == round(100 * there / calls_there)
    assert there - here >= 10  # the extra agents and the FAQ kept many callers on the line
    # a lever on a resolver team is measured by the tickets open there, not by the phones
    incident = pulled[1].text
    # (an average over time: in tenths, and said to be an average; each figure with its unit)
    found = re.search(r"→ over the rest of the week, on average (\d+\.\d) tickets were open "
                      r"at Infrastructure and telephony or about “Softphone does not work”; "
                      r"without it, (\d+\.\d) tickets$", incident)
    assert found, incident
    assert float(found[2]) > float(found[1]) + 1 and "callers" not in incident


def test_temp_staff_in_an_unprepared_run_is_credited_with_what_the_counterfactual_confirms(
        softphone, unprepared):
    """Nobody prepared, two temporary agents from Monday 09:00: the story credits them with
    the difference from the very run without them (the unprepared week, same luck)."""
    run = with_levers(softphone, "unprepared", ("temp-staff",), 540.0)
    beat = next(b for b in narrative.story(run) if b.cause.startswith("You pulled"))
    assert beat.when == "Mon 09:00"
    found = re.search(LEVER_ON_THE_DESK, beat.text)
    assert found, beat.text
    here, calls, _, there, calls_there, _ = map(int, found.groups())
    assert (here, calls) == hung_up(run, 540.0, 1080.0)
    assert (there, calls_there) == hung_up(unprepared, 540.0, 1080.0)
    assert there - here >= 10 and here / calls < there / calls_there


def test_the_faq_email_in_a_prepared_run_is_not_credited_with_a_fall(softphone, prepared):
    """The trial's run: prepared, and the FAQ e-mail from the lever panel at 10:00, when
    hypercare had emptied the queue. The e-mail is not credited with what hypercare did."""
    run = with_levers(softphone, "prepared", ("faq-email",), 600.0)
    beats = narrative.story(run)
    faq = next(b for b in beats if b.when == "Mon 10:00")
    assert faq.cause == "You pulled “Send an FAQ e-mail to everyone” (200 EUR)"
    assert faq.effects == [
        "made little difference to the queue: the desk was already keeping up (in the rest "
        "of Monday {} of {} callers hung up; without it, {} of {})".format(
            *hung_up(run, 600.0, 1080.0), *hung_up(prepared, 600.0, 1080.0))]
    assert not re.search(r"\b(fell|rose|would have)\b", faq.text)
    # the preparation is credited, against the week nobody prepared for with the same luck
    # (and the same FAQ e-mail at 10:00)
    preparation = next(b for b in beats if b.when == "Mon 00:00")
    found = re.search(r"on Monday (\d+) of (\d+) callers hung up \(\d+%\); without them, "
                      r"(\d+) of (\d+) \(\d+%\) would have", preparation.text)
    assert found, preparation.text
    unprepared_faq = with_levers(softphone, "unprepared", ("faq-email",), 600.0)
    assert tuple(map(int, found.groups())) == (*hung_up(run, 0.0, 1080.0),
                                                  *hung_up(unprepared_faq, 0.0, 1080.0))


def test_the_story_is_the_same_on_two_builds_of_the_same_run(softphone, firefighting):
    again = Simulation(softphone, seed=1,
                       decisions=DecisionPlan.from_policy(softphone, "firefighting")).run()
    told = [(b.when, b.text) for b in narrative.story(firefighting)]
    assert told == [(b.when, b.text) for b in narrative.story(again)]
    assert told == [(b.when, b.text) for b in narrative.story(firefighting)]


def test_the_counterfactual_keeps_every_other_decision_at_its_minute(firefighting):
    """Taking nothing away gives the run back, contact for contact: the decisions kept in a
    counterfactual are pulled at the minutes they were pulled, whatever the queue does."""
    same = compare(firefighting, narrative.without_beat(firefighting, -1.0))
    assert not (same.turned_out_differently or same.only_in_first or same.only_in_second)
    assert same.same == firefighting.log.n_contacts


def test_one_counterfactual_run_per_lever_beat(firefighting, unprepared, monkeypatch):
    """The story's cost: one run (about 0.05 s for the week) per lever beat, none without."""
    runs = []

    def counted(outcome, t_min):
        runs.append(t_min)
        return without_beat(outcome, t_min)

    without_beat = narrative.without_beat
    monkeypatch.setattr(narrative, "without_beat", counted)
    narrative.story(firefighting)
    assert runs == [560.0, 1890.0]
    narrative.story(unprepared)
    assert runs == [560.0, 1890.0]


def test_a_change_of_satisfaction_under_a_point_is_not_news(unprepared, firefighting,
                                                             prepared):
    for outcome in (unprepared, firefighting, prepared):
        for beat in narrative.story(outcome):
            for before, after in re.findall(r"fell from (\d+\.\d) to (\d+\.\d)", beat.text):
                assert float(before) - float(after) >= 1.0, beat.text
    # the firefighters' Monday cost Management 0.4 of a point: not told
    live = next(b for b in narrative.story(firefighting) if "went live" in b.cause)
    assert "satisfaction" not in live.text


def test_a_change_is_told_as_announced_when_a_lever_announced_it(prepared, unprepared):
    """Whether people had been told is read from the levers taken (their settings in the
    log), not from the scenario's starting value."""
    live = next(b for b in narrative.story(prepared) if "went live" in b.cause)
    assert live.cause.endswith("went live (people had been told: “Detailed communication”)")
    assert "not been told" not in " ".join(b.text for b in narrative.story(prepared))
    live = next(b for b in narrative.story(unprepared) if "went live" in b.cause)
    assert live.cause.endswith("(people had not been told properly)")


def test_the_story_never_compares_with_a_usual_day_of_nothing(softphone, tmp_path):
    """No "234.0× a usual day" when a usual day has no contacts, and no comparison at all
    in a run of one day (it has no other day)."""
    from sim.loader import load_scenario

    text = (ROOT / "scenarios" / "softphone-cutover.yaml").read_text()
    quiet = tmp_path / "quiet.yaml"  # almost nothing but what the cutover brings
    quiet.write_text(re.sub(r"per_user_per_day: 0\.0\d+", "per_user_per_day: 0.00001",
                               text))
    one_day = tmp_path / "one-day.yaml"
    one_day.write_text(text.replace("duration: 7200 ", "duration: 1440 "))
    plan = DecisionPlan.from_policy(softphone, "unprepared")
    story = narrative.story(Simulation(load_scenario(quiet), seed=1, decisions=plan).run())
    monday = next(b.text for b in story if b.when == "Mon (whole day)")
    assert re.fullmatch(r"\d+ contacts that day, where a usual day has none; \d+% of "
                           r"callers hung up", monday), monday
    live = next(b.text for b in story if "went live" in b.cause)
    assert re.search(r"→ \d+ contacts in the next two hours, where the same hours of a "
                        r"usual day bring none →", live), live
    assert "×" not in " ".join(b.text for b in story)
    story = narrative.story(Simulation(load_scenario(one_day), seed=1, decisions=plan).run())
    words = " ".join(b.text for b in story)
    assert "usual day" not in words and "×" not in words
    monday = next(b.text for b in story if b.when == "Mon (whole day)")
    assert re.fullmatch(r"\d+ contacts that day; \d+% of callers hung up", monday), monday


def test_goals_decisions_and_journeys(firefighting, softphone):
    goals = narrative.goals_table(firefighting)
    assert [g["kpi"] for g in goals] == list(softphone.goals)
    kpis = firefighting.kpis()
    abandonment = next(g for g in goals if g["kpi"] == "abandonment_rate")
    assert abandonment["value"] == f"{100 * kpis['abandonment_rate']:.1f}%"
    assert abandonment["met"] == (kpis["abandonment_rate"] <= 0.10)
    decisions = narrative.decisions_table(firefighting)
    assert [d["when"] for d in decisions] == ["Mon 00:00", "Mon 09:20", "Tue 07:30"]
    assert decisions[1]["cost"] == "1,700 EUR"
    people = narrative.journeys(firefighting)
    assert [j.kind for j in people] == ["good", "bad", "typical"]
    assert len({(j.department, j.user) for j in people}) == 3
    assert people[0].remembered >= people[2].remembered >= people[1].remembered
    assert all(j.moments for j in people)


def test_goals_are_met_or_missed_on_the_figures_as_shown(softphone, firefighting):
    """The firefighters end the week at 73.98 satisfaction, shown as 74.0 against a goal of
    at least 74.0: that reads as met, not as "74.0 · at least 74.0 · missed"."""
    assert firefighting.kpis()["satisfaction"] == pytest.approx(73.98, abs=0.005)
    rows = {g["kpi"]: g for g in narrative.goals_table(firefighting)}
    assert (rows["satisfaction"]["value"], rows["satisfaction"]["goal"],
            rows["satisfaction"]["met"]) == ("74.0", "at least 74.0", True)
    page = debrief.to_html(debrief.build(firefighting))
    assert re.search(r"<td class='num'>74\.0</td><td>at least 74\.0 .*?</td>"
                     r'<td><span class="met">met</span>', page)

    def table(**figures):
        """The goals table of the softphone week for made-up key figures."""
        run = type("Run", (), {"scenario": softphone, "kpis": lambda self: figures})()
        return {g["kpi"]: (g["value"], g["met"]) for g in narrative.goals_table(run)}

    rows = table(satisfaction=73.96, abandonment_rate=0.10049, asa_min=1.04, fcr=0.64951,
                 csat=0.8999)
    assert rows == {"satisfaction": ("74.0", True), "abandonment_rate": ("10.0%", True),
                    "asa_min": ("1.0 min", True), "fcr": ("65.0%", True),
                    "csat": ("90.0%", True)}
    rows = table(satisfaction=73.94, abandonment_rate=0.1006, asa_min=1.06, fcr=0.6494,
                 csat=None)
    assert rows == {"satisfaction": ("73.9", False), "abandonment_rate": ("10.1%", False),
                    "asa_min": ("1.1 min", False), "fcr": ("64.9%", False),
                    "csat": ("—", False)}


def test_benchmarks_without_goals_are_judged_as_shown():
    """A scenario without goals is held against the profession's bands, on the figures as
    shown: an FCR of 65.96% is shown as 66.0%, inside the 66–74% band."""
    from sim import load_builtin as builtin

    scenario = builtin("normal-week")
    assert not scenario.goals

    def table(**figures):
        run = type("Run", (), {"scenario": scenario, "kpis": lambda self: figures})()
        return {g["kpi"]: (g["value"], g["goal"], g["met"])
                for g in narrative.goals_table(run)}

    rows = table(fcr=0.6596, abandonment_rate=0.12049, handle_min=13.04)
    assert rows["fcr"] == ("66.0%", "66.0% – 74.0%", True)
    assert rows["abandonment_rate"] == ("12.0%", "5.0% – 12.0%", True)
    assert rows["handle_min"] == ("13.0 min", "7.0 min – 13.0 min", True)
    rows = table(fcr=0.6594, abandonment_rate=0.1206, handle_min=6.94)
    assert [row[2] for row in rows.values()] == [False, False, False]


#: what a trainer should never have to read out: grade letters, target paths, operations
#: in brackets, ids with numbers ("softphone-howto #4"), waits as tenths of many minutes
#: ("217.3 min")
JARGON = (r"\bAsm\b", r"\((?:A|B|C|A/B|B/C)[,)]", r"\b(?:teams|categories|changes|suppliers|"
          r"injects|departments)\.[\w-]+\.", r"\((?:add|set|multiply)\)",
          r"[\w-]+ #\d+", r"\b\d{2,}\.\d min\b")


def test_the_debrief_speaks_the_trainers_language(made, softphone):
    """Levers say what they do and where their sizes come from in words; the contacts that
    went differently in the twin are named by when, how and about what."""
    page = html.unescape(re.sub(r"<[^>]+>", " ", debrief.to_html(made)))
    text = " ".join(page.split())
    for pattern in JARGON:
        assert not re.search(pattern, text), (pattern, re.search(pattern, text))
    assert ("Two temporary agents for the rest of the week (1,500 EUR): +2 agents on the "
            "service desk") in text
    assert ("Send an FAQ e-mail to everyone (200 EUR): 15% fewer contacts about “How do I "
            "... on the softphone?” from the change “Desk phones switched off” Evidence: Our "
            "assumption (after the fact, weaker than communicating beforehand)") in text
    assert ("Open a major incident (1,500 EUR): +1 agent on the infrastructure and telephony "
            "team; time to fix “Softphone does not work” 40% shorter; callers to the service "
            "desk told the expected wait") in text
    # the twin's examples: who, as the log knows them, and how it went in each run
    who, here, there = made.twin.examples[1]
    assert re.fullmatch(r"Mon \d\d:\d\d, (a call|an e-mail|a portal request|a visit to the "
                        r"service desk) about “[^”]+”( \(brought by the change\))?", who), who
    assert re.fullmatch(r"answered (at once|after [\d.]+ (s|min|h|days)( \d+ min)?)"
                        r"(, fixed at first contact|, fixed after .+ and \d+ hand-offs?"
                        r"|, still open at the end|, told no)", here), here


def test_lever_effects_and_evidence_in_words(softphone):
    from sim.names import effect_sentence, evidence_words, parameter_words

    levers = {lever.id: lever for lever in softphone.levers}

    def does(lever_id: str) -> list[str]:
        return [effect_sentence(e, softphone) for e in levers[lever_id].effects]

    assert does("temp-staff") == ["+2 agents on the service desk"]
    assert does("brief-help-desk")[:2] == [
        "handle time of “How do I ... on the softphone?” 25% shorter",
        "+10 points fixed at first contact for “How do I ... on the softphone?”"]
    assert does("clear-communication") == [
        "23% fewer contacts about “How do I ... on the softphone?” from the change “Desk "
        "phones switched off”",
        "people told about the change “Desk phones switched off” in advance"]
    assert does("pilot-group")[1] == (
        "70% lower chance that the change “Desk phones switched off” fails")
    assert does("postpone") == ["the change “Desk phones switched off” goes live 7 days later"]
    assert does("escalate-to-vendor") == [
        "“Softphone does not work” passed on to the softphone vendor"]
    assert does("roll-back") == ["the change “Desk phones switched off” rolled back"]
    # on a card short of room a desk agent is "+2 agents", but a resolver team's keeps its
    # team: a bare "+1 agent" on the major incident's card read as one more on the desk
    assert [effect_sentence(e, softphone, short=True, acts_on=False)
            for e in levers["temp-staff"].effects] == ["+2 agents"]
    assert effect_sentence(levers["major-incident"].effects[0], softphone, short=True,
                           acts_on=False) == "+1 agent on the infrastructure and telephony team"
    assert narrative.lever_does(levers["hypercare"], softphone) == (
        "+2 agents on the service desk; time to fix “Softphone does not work” 50% shorter "
        "(for 2 days, then it wears off)")
    assert evidence_words("Asm") == "Our assumption"
    assert evidence_words("Gartner 2022, n ~ 4,800 (B) for the direction; sizes Asm") == (
        "Gartner 2022, n ~ 4,800 (industry benchmark) for the direction; the sizes are our "
        "assumption")
    assert evidence_words("KCS, Consortium for Service Innovation (B, an upper bound)") == (
        "KCS, Consortium for Service Innovation (industry benchmark, an upper bound)")
    assert evidence_words("practitioner reports (C) + Asm") == (
        "practitioner reports and our assumption")
    assert evidence_words("shift-left and KCS reports (B/C, an upper bound); sizes Asm") == (
        "shift-left and KCS reports (industry benchmark or practitioner report, an upper "
        "bound); the sizes are our assumption")
    assert evidence_words("hypercare is practice (C); faults resolved x 0.5 (Asm)") == (
        "hypercare is practice (practitioner report); faults resolved × 0.5 (our assumption)")
    assert parameter_words("teams.service-desk.staff", "add", softphone) == (
        "extra agents on the service desk")
    # without the scenario, from the ids
    assert parameter_words("teams.service-desk.staff", "set") == "agents on the service desk"


def test_every_lever_of_every_scenario_is_said_in_words():
    from sim import list_builtin
    from sim import load_builtin as builtin
    from sim.names import effect_sentence, evidence_words

    for entry in list_builtin():
        scenario = builtin(entry.id)
        for lever in scenario.levers:
            words = " ".join([narrative.lever_does(lever, scenario),
                              evidence_words(lever.evidence)])
            for pattern in JARGON:
                assert not re.search(pattern, words), (entry.id, lever.id, words)
            for effect in lever.effects:  # things by their names, never by their ids
                item = effect.target.split(".")[1]
                assert "-" not in item or item not in effect_sentence(effect, scenario), (
                    lever.id, effect)


def people_who_got_in_touch(outcome) -> int:
    """Counted here from the log's contacts: each department's user once."""
    contacts = outcome.log.contact_columns()
    mine = contacts["department"] >= 0
    return len(set(zip(contacts["department"][mine].tolist(),
                       contacts["user"][mine].tolist(), strict=True)))


def test_the_debrief_says_what_satisfaction_and_csat_each_measure(made, firefighting):
    """A bad week moves satisfaction a point or two and CSAT by tens: where the debrief
    shows them (the key figures at the top, the satisfaction chart, the twin's table), it
    says in words what each one measures, with the run's own figures: how many people never
    got in touch, how many issues CSAT asks about. In the HTML and the PDF."""
    from pypdf import PdfReader

    kpis = firefighting.kpis()
    people = sum(d.headcount for d in firefighting.scenario.departments)
    never = people - people_who_got_in_touch(firefighting)
    assert 0 < never < people
    satisfaction, csat = kpi_label("satisfaction")[0], kpi_label("csat")[0]
    csat_shown = f"{100 * kpis['csat']:.1f}%"
    page = debrief.to_html(made)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    # both figures among the key figures, and right under them what each one is
    assert (satisfaction, f"{kpis['satisfaction']:.1f}") in made.headline
    assert (csat, csat_shown) in made.headline
    top = page[page.index('id="headline"'):page.index('id="story"')]
    reading = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", top)).split())
    assert f"{satisfaction} How the departments feel about IT" in reading
    assert f"averaged over all {people:,} people in them, the {never:,} who never got in " \
           f"touch with IT in this run included" in reading
    assert f"{csat} How this run's service felt to the {people - never:,} people who got " \
           f"in touch" in reading
    assert f"their {kpis['csat_issues']:,.0f} issues" in reading and csat_shown in reading
    # the satisfaction chart's caption, and the line under the twin's table
    caption = next(c.caption for c in made.charts if c.title == "Satisfaction")
    assert f"the {never:,} of {people:,} people who never got in touch" in caption
    # no longer than the others (145 characters): the game shows a caption in two lines
    assert len(caption) <= 145, len(caption)
    assert caption in text
    twin = text[text.index("Had you decided otherwise"):]
    assert narrative.SATISFACTION_VS_CSAT in twin
    # the PDF says the same on its first page, its satisfaction chart's and its twin's
    pdf = PdfReader(io.BytesIO(debrief.to_pdf(made)))
    pages = [" ".join(p.extract_text().split()) for p in pdf.pages]
    for label, words in made.reading:
        assert f"{label}: {words[:80]}" in pages[0]
    assert caption[:80] in pages[made.pages.index("chart-3")]
    assert narrative.SATISFACTION_VS_CSAT[:60] in pages[made.pages.index("twin")]


def test_html_is_one_self_contained_file(made, firefighting):
    page = debrief.to_html(made)
    # no network needed: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 6  # five charts and the twin's
    assert all(src.startswith("data:image/png;base64,") for src in images)
    for section in ("headline", "story", "charts", "goals", "decisions", "people", "twin",
                    "questions"):
        assert f'id="{section}"' in page
    # the headline figures are the run's key figures
    kpis = firefighting.kpis()
    label, _ = kpi_label("abandonment_rate")
    assert f"{100 * kpis['abandonment_rate']:.1f}%" in page and label in page
    assert "Blue table" in page and "nobody prepared" in page
    assert "Stop" in page and "Continue" in page
    # the story says how to read "without it" when it measures a lever against its twin
    assert html.escape(narrative.COUNTERFACTUAL_NOTE) in page
    assert narrative.counterfactual_note(made.story) == narrative.COUNTERFACTUAL_NOTE


def test_a_story_without_levers_has_no_note_about_them(unprepared):
    assert narrative.counterfactual_note(narrative.story(unprepared)) is None
    assert html.escape(narrative.COUNTERFACTUAL_NOTE) not in debrief.to_html(
        debrief.build(unprepared))


def drawn_images(page, reader) -> list[tuple[float, float]]:
    """(width, height) in points of every image drawn on a PDF page, through the page's
    transformations (q/Q and cm, as reportlab writes them)."""
    from pypdf.generic import ContentStream

    def times(m, n):
        a, b, c, d, e, f = m
        a2, b2, c2, d2, e2, f2 = n
        return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
                e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)

    ctm, stack, drawn = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = times(tuple(float(x) for x in operands), ctm)
        elif op == b"Do":
            drawn.append((abs(ctm[0]), abs(ctm[3])))
    return drawn


def test_pdf_has_a_page_per_section_and_chart_and_the_key_figures(made, firefighting):
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(debrief.to_pdf(made)))
    # summary, five charts, figures, people, twin, twin chart, questions
    assert made.pages == ["summary", "chart-1", "chart-2", "chart-3", "chart-4", "chart-5",
                          "figures", "people", "twin", "twin-chart", "questions"]
    assert len(pdf.pages) == len(made.pages) == 11
    # (extracted text keeps the PDF's line breaks: compare with whitespace folded)
    pages = [" ".join(page.extract_text().split()) for page in pdf.pages]
    text = " ".join(pages)
    kpis = firefighting.kpis()
    assert made.title in text
    assert f"{100 * kpis['abandonment_rate']:.1f}%" in text
    assert f"{kpis['cost_total']:,.0f} EUR" in text
    assert "What happened" in text and "Questions for the group" in text
    assert "Had you decided otherwise" in text
    assert "+2 agents on the service desk" in text  # the levers, in words
    for k, chart in enumerate(made.charts, start=1):  # each chart on its own page
        assert pages[k].startswith(chart.title), (k, pages[k][:60])
    assert pages[9].startswith("Your run and its twin")
    alone = debrief.build(firefighting)
    assert len(PdfReader(io.BytesIO(debrief.to_pdf(alone))).pages) == len(alone.pages) == 9


def placed_text(page) -> list[tuple[float, float, float, str]]:
    """(x, y, size, text) of every piece of text drawn on a PDF page, in points from the
    page's lower left corner, through the page's and the text's transformations."""
    placed = []

    def seen(text, cm, tm, _font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            placed.append((x, y, size * abs(tm[0]) * abs(cm[0]), text.strip()))

    page.extract_text(visitor_text=seen)
    return placed


def test_the_pdf_s_first_page_sets_the_times_apart_and_is_filled(made):
    """Page 1's "What happened" reads as the HTML's does: each time in a column of its
    own, the text beside it starting further right than the longest time ends; and the
    page is used (the key figures, what satisfaction and CSAT measure, the story), not
    half empty."""
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    debrief._font()  # registered, to measure with
    page = PdfReader(io.BytesIO(debrief.to_pdf(made))).pages[0]
    placed = placed_text(page)
    times, texts = [], []
    for beat in made.story:
        alone = [t for t in placed if t[3] == beat.when]
        assert alone, f"{beat.when!r} is run into its text, not set apart"
        x, y, size, _ = alone[0]
        times.append((x, x + stringWidth(beat.when, "DejaVu-Bold", size)))
        # the beat's text starts on the same line as its time, to its right
        first = next(t for t in placed if abs(t[1] - y) < 1 and t[0] > x
                     and beat.text.startswith(t[3][:12]))
        texts.append(first[0])
    assert len({round(x) for x, _ in times}) == 1 and len({round(x) for x in texts}) == 1
    assert texts[0] >= max(end for _, end in times) + 6, (times, texts)
    # filled: the story reaches the bottom quarter of the page
    height = float(page.mediabox.height)
    assert min(y for _, y, _, _ in placed) < 0.25 * height


def test_pdf_charts_print_their_smallest_text_at_8_pt_or_more(made):
    """Each chart is drawn again for the page and printed at the page's width: its smallest
    text (tick labels, legends, the story's key) comes out at 8 pt or more on paper."""
    from pypdf import PdfReader

    from reports.render import png_bytes, smallest_text_pt

    reader = PdfReader(io.BytesIO(debrief.to_pdf(made)))
    charts = {f"chart-{k}": c for k, c in enumerate(made.charts, start=1)}
    charts["twin-chart"] = made.twin.chart
    for page_name, chart in charts.items():
        page = reader.pages[made.pages.index(page_name)]
        (drawn,) = drawn_images(page, reader)
        figure = chart.draw(debrief.PRINT_WIDTH_IN)
        png_bytes(figure, dpi=20)  # drawn, so that its tick labels exist
        smallest = smallest_text_pt(figure)
        printed = smallest * drawn[0] / (figure.get_figwidth() * 72)
        assert printed >= 8.0, (chart.title, smallest, drawn, printed)
        assert drawn[0] <= float(page.mediabox.width) - 2 * 15 * 72 / 25.4 + 1  # on the page


def chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


#: For each summary card: its value's text, on how many lines the browser laid it out, by
#: how many pixels it sticks out of its card, and on how many lines each bracketed part of
#: its label is (a line is a distinct top among the text's boxes).
CARD_LINES = """
    const lines = el => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                     .map(r => Math.round(r.top))).size;
    };
    return Array.from(document.querySelectorAll('#headline .card')).map(card => {
      const value = card.querySelector('.value');
      const range = document.createRange();
      range.selectNodeContents(value);
      const text = range.getBoundingClientRect(), box = card.getBoundingClientRect();
      const inside = parseFloat(getComputedStyle(card).paddingRight);
      return [value.textContent.replace(/\u00a0/g, ' '), lines(value),
              text.right - (box.right - inside),
              Array.from(card.querySelectorAll('.label .nobr')).map(lines)];
    });"""


def test_the_html_opens_in_headless_chromium(made, tmp_path):
    found = chromium()
    if found is None:
        if os.environ.get("ITSM_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromedriver are required here (.ci/run installs them)")
        pytest.skip("no chromium/chromedriver on this machine (apt install chromium "
                    "chromium-driver); CI installs them and runs this test")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    page = tmp_path / "debrief.html"
    debrief.write_html(made, page)
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1280,2000",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    try:
        driver.get(page.as_uri())
        loaded = driver.execute_script(
            "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert loaded and all(loaded), loaded
        # on a projector's 1280 px: every text of the page 16 px or more ...
        sizes = driver.execute_script("""
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
              const own = Array.from(el.childNodes).some(
                n => n.nodeType === 3 && n.textContent.trim());
              if (own) out.push([el.tagName + '.' + el.className,
                                 parseFloat(getComputedStyle(el).fontSize)]);
            }
            return out;""")
        small = [(tag, px) for tag, px in sizes if px < 16]
        assert sizes and not small, small
        # ... and every chart shown at its own size, so that its smallest text (in points)
        # comes out at 16 px or more too (12 pt is 16 px at 96 px an inch)
        charts = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.clientWidth, "
            "parseFloat(i.dataset.widthIn), parseFloat(i.dataset.smallestPt)])")
        assert len(charts) == 6
        for alt, shown_px, width_in, smallest_pt in charts:
            smallest_px = smallest_pt * 96 / 72 * shown_px / (width_in * 96)
            assert smallest_px >= 16 - 1e-6, (alt, shown_px, width_in, smallest_pt)
        png = driver.get_screenshot_as_png()
        assert driver.title.startswith("Debrief")
        # every summary card's figure on one line, inside its card, with its unit beside it
        # ("0.5 min", never "0.5" over "min"); a label's brackets unbroken ("(0-100)"), on
        # the projector's 1280 px and on narrower windows
        for width in (1280, 1024, 800, 600):
            driver.set_window_size(width, 2000)
            cards = driver.execute_script(CARD_LINES)
            assert len(cards) == len(made.headline), (width, cards)
            for text, lines, overflow, brackets in cards:
                assert lines == 1 and overflow <= 0.5, (width, text, lines, overflow)
                assert all(n == 1 for n in brackets), (width, text, brackets)
            assert [c[0] for c in cards] == [value for _, value in made.headline]
    finally:
        driver.quit()
    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(png))
    assert pixels.std() > 0.05  # not blank: text, cards and charts
    (tmp_path / "screenshot.png").write_bytes(png)


def run_itsm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_itsm_report_writes_html_and_pdf(tmp_path):
    out = tmp_path / "week.html"
    result = run_itsm("report", "softphone-cutover", "--policy", "unprepared", "--twin",
                      "policy:prepared", "--pdf", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.stat().st_size > 100_000 and out.with_suffix(".pdf").stat().st_size > 50_000
    assert "(11 pages)" in result.stderr


def test_itsm_report_of_a_replay_file(tmp_path):
    replay = tmp_path / "run.json"
    assert run_itsm("run", "softphone-cutover", "--policy", "firefighting", "--team", "Red",
                    "--save-replay", str(replay), cwd=tmp_path).returncode == 0
    result = run_itsm("report", str(replay), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # named after the run's team and its replay file
    page = (tmp_path / "softphone-cutover-seed1-red-run-debrief.html").read_text()
    assert "Red" in page and "Two temporary agents" in page


def test_every_team_s_debrief_survives_in_a_workshop(tmp_path):
    """Two teams debriefed one after the other in the same folder get a file each, named
    after the team and its decisions; the same debrief asked for again is written beside
    the first, never over it; only a file named with --out is replaced (it was asked for)."""
    def report(*args: str) -> str:
        result = run_itsm("report", "softphone-cutover", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stderr

    report("--policy", "firefighting", "--team", "Red table")
    report("--policy", "prepared", "--team", "Blue table")
    red = tmp_path / "softphone-cutover-seed1-red-table-firefighting-debrief.html"
    blue = tmp_path / "softphone-cutover-seed1-blue-table-prepared-debrief.html"
    assert sorted(f.name for f in tmp_path.glob("*.html")) == sorted([blue.name, red.name])
    assert "Red table" in red.read_text() and "Blue table" in blue.read_text()
    # a run without a team: named after what decided it
    report("--policy", "unprepared")
    assert (tmp_path / "softphone-cutover-seed1-unprepared-debrief.html").is_file()
    # the red table's debrief again, with its PDF: the first one is kept as it was
    before = red.read_bytes()
    said = report("--policy", "firefighting", "--team", "Red table", "--pdf")
    again = red.with_name(red.stem + "-2.html")
    assert red.read_bytes() == before and again.is_file() and again.with_suffix(".pdf").is_file()
    assert f"wrote the debrief to {again.name}" in said and f"{red.name} is an earlier" in said
    # an HTML that is free but whose PDF is taken is not used either
    again.unlink()
    report("--policy", "firefighting", "--team", "Red table", "--pdf")
    assert red.with_name(red.stem + "-3.html").is_file()
    # --out names the file: replaced, as asked
    report("--policy", "prepared", "--team", "Green table", "--out", red.name)
    assert "Green table" in red.read_text()


def test_itsm_report_refuses_bad_input_without_a_traceback(tmp_path):
    result = run_itsm("report", "no-such-scenario", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_itsm("report", "softphone-cutover", "--out", str(tmp_path / "no" / "x.html"),
                      cwd=tmp_path)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_the_twin_table_adds_up_as_shown():
    """The difference column is the difference of the values as shown, not of the unrounded
    values (12.35% and 20.05% are shown as 12.3% or 12.4% and 20.1%...)."""
    deltas = {"abandonment_rate": (0.12349, 0.20051, 0.07702),   # 12.3% → 20.1%: +7.8
              "asa_min": (1.249, 1.351, 0.102),                  # 1.2 → 1.4 min: +0.2
              "satisfaction": (74.96, 74.54, -0.42),             # 75.0 → 74.5: -0.5
              "cost_total": (1000.4, 1500.6, 500.2),             # 1,000 → 1,501: +501
              "fcr": (0.5, 0.5, 0.0),
              "moments_bad": (3.0, None, None)}
    rows = {row[0]: row[1:] for row in debrief.twin_rows(deltas, "EUR")}
    assert rows[kpi_label("abandonment_rate")[0]] == ("12.3%", "20.1%", "+7.8 pts")
    assert rows[kpi_label("asa_min")[0]] == ("1.2 min", "1.4 min", "+0.2 min")
    assert rows[kpi_label("satisfaction")[0]] == ("75.0", "74.5", "-0.5")
    assert rows[kpi_label("cost_total")[0]] == ("1,000 EUR", "1,501 EUR", "+501 EUR")
    assert rows[kpi_label("fcr")[0]] == ("50.0%", "50.0%", "0.0 pts")
    assert rows[kpi_label("moments_bad")[0]] == ("3", "—", "—")


def test_the_twin_table_of_two_runs_adds_up(made):
    """Every row of a real twin table: the shown difference is the difference shown."""
    def number(text: str) -> float:
        return float(re.sub(r"[^\d.+-]", "", text.replace("−", "-")))

    for label, here, there, diff in made.twin.rows:
        if "—" in (here, there):
            continue
        scale = 60 if here.endswith(" h") or there.endswith(" h") else 1
        if scale == 60:  # minutes shown as hours: compare in minutes
            here_v = number(here) * (60 if here.endswith(" h") else 1)
            there_v = number(there) * (60 if there.endswith(" h") else 1)
            diff_v = number(diff) * (60 if diff.endswith(" h") else 1)
        else:
            here_v, there_v, diff_v = number(here), number(there), number(diff)
        assert diff_v == pytest.approx(there_v - here_v, abs=1e-9), (label, here, there, diff)


def test_the_twin_table_says_which_run_did_better_on_each_figure(made):
    """Firefighting beside nobody prepared: fewer hung up and a lower cost are better for
    the firefighters; equal values, as shown, are nobody's win."""
    better = dict(zip((row[0] for row in made.twin.rows), made.twin.better, strict=True))
    here = {row[0]: row[1] for row in made.twin.rows}
    there = {row[0]: row[2] for row in made.twin.rows}
    hung_up = kpi_label("abandonment_rate")[0]
    assert better[hung_up] == ("here" if float(here[hung_up][:-1]) < float(there[hung_up][:-1])
                               else "there")
    for label, verdict in better.items():
        assert (verdict == "") == (here[label] == there[label] or "—" in (here[label],
                                                                          there[label]))
    assert debrief._better("cost_total", 10.0, 20.0) == "here"
    assert debrief._better("satisfaction", 70.0, 75.0) == "there"
    assert debrief._better("contacts", 10.0, 20.0) == ""      # demand: neither is better


def test_a_run_stopped_early_is_measured_up_to_where_it_stopped(softphone):
    """A game left on Tuesday at noon: its lever beats compare the runs up to Tuesday noon,
    and say "the run", not "the week"."""
    sim = Simulation(softphone, seed=1, decisions=DecisionPlan.from_policy(softphone,
                                                                           "prepared"))
    sim.advance(2160.0)
    stopped = sim.outcome()
    beat = next(b for b in narrative.story(stopped) if b.pulled)
    assert narrative.without_beat(stopped, beat.time_min).end_min == 2160.0
    assert "over the run, on average" in beat.text and "at the end of the run" in beat.text
    assert "week" not in " ".join(beat.effects)


# -- what a trainer reads: every day, every unit, questions that fit the run -----------------

DAY = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"


def days_told(outcome, story) -> list[int]:
    """The days of the run the story's day lines cover, read from their labels as a trainer
    reads them: "Tue (whole day)", "Mon (week 2, whole day)", "Tue (to 12:00)", "Wed–Fri",
    "Sat–Sun (week 2)", "Fri (week 1) to Mon (week 2)"."""
    first = outcome.calendar.weekday(0)

    def day(name: str, week: str | None) -> int:
        return (int(week or 1) - 1) * 7 + (narrative.DAY_NAMES.index(name) - first) % 7

    told = []
    for beat in story:
        one = re.fullmatch(DAY + r" \((?:week (\d+), )?(?:whole day|to \d\d:\d\d)\)", beat.when)
        span = re.fullmatch(DAY + "–" + DAY + r"(?: \(week (\d+)\))?", beat.when)
        across = re.fullmatch(DAY + r"(?: \(week (\d+)\))? to " + DAY + r" \(week (\d+)\)",
                              beat.when)
        if one:
            told.append(day(one[1], one[2]))
        elif span:
            told += range(day(span[1], span[3]), day(span[2], span[3]) + 1)
        elif across:
            told += range(day(across[1], across[2]), day(across[3], across[4]) + 1)
        else:
            assert re.match(DAY + r"( \(week \d+\))? \d\d:\d\d$", beat.when), beat.when
    return told


def arrivals_on(outcome, day: int) -> int:
    """Contacts that came on a day of the run, counted here from the log."""
    v = LogView(outcome)
    came = v.time[v.event == ARRIVAL]
    return int(((came >= day * 1440) & (came < (day + 1) * 1440)).sum())


@pytest.mark.parametrize("policy", ["unprepared", "prepared", "firefighting", "postponed"])
def test_what_happened_tells_every_day_of_the_week(softphone, policy):
    """The trial's runs listed Mon–Thu (unprepared) and Mon, Wed, Thu (prepared): every day
    now has its line, a calm one in a few words, with the log's count of contacts."""
    run = Simulation(softphone, seed=1,
                     decisions=DecisionPlan.from_policy(softphone, policy)).run()
    story = narrative.story(run)
    assert sorted(days_told(run, story)) == [0, 1, 2, 3, 4], [b.when for b in story]
    for beat in story:
        found = re.fullmatch(r"(a normal|a quiet) day, (\d+) contacts?, (no caller hung up|"
                             r"\d+% of callers hung up|\d+ of \d+ callers hung up)", beat.text)
        if found:
            (day,) = days_told(run, [beat])
            assert int(found[2]) == arrivals_on(run, day), beat.text
    if policy == "prepared":  # the day the trial's reader missed
        tuesday = next(b for b in story if b.when == "Tue (whole day)")
        assert tuesday.text == f"a normal day, {arrivals_on(run, 1)} contacts, no caller hung up"


def test_a_four_week_run_tells_every_day_and_names_its_week():
    """Four working weeks: each day once, weekends said to be closed, no week's Monday
    mistaken for the first ("Mon (week 2, whole day)"), calm days in a row on one line."""
    from sim import load_builtin as builtin

    scenario = builtin("isp-supplier")
    run = Simulation(scenario, seed=1,
                     decisions=DecisionPlan.from_policy(scenario, "do-nothing")).run()
    story = narrative.story(run)
    days = days_told(run, story)
    assert sorted(days) == list(range(26)), [b.when for b in story]
    weekends = [b for b in story if b.when.startswith("Sat–Sun")]
    assert [b.when for b in weekends] == ["Sat–Sun", "Sat–Sun (week 2)", "Sat–Sun (week 3)"]
    assert all(b.text == "not working days, no contacts" for b in weekends)
    assert any(re.fullmatch(DAY + "–" + DAY + r"( \(week \d\))?", b.when)
               and b.text.startswith("normal days, ") for b in story)
    labels = [b.when for b in story]
    assert len(labels) == len(set(labels))
    # a busy day is told against a usual working day, not one diluted by the weekends
    monday = next(b for b in story if b.when == "Mon (whole day)")
    usual = np.mean([arrivals_on(run, d) for d in range(1, 26) if d % 7 < 5
                     and d not in (0, 8, 14, 22)])  # (the other days of an outage)
    ratio = float(re.search(r"(\d+\.\d)× a usual day", monday.text)[1])
    assert ratio == pytest.approx(arrivals_on(run, 0) / usual, rel=0.25), monday.text


def test_a_run_stopped_early_tells_its_last_day_up_to_where_it_stopped(softphone):
    sim = Simulation(softphone, seed=1, decisions=DecisionPlan.from_policy(softphone,
                                                                           "unprepared"))
    sim.advance(2160.0)  # Tuesday 12:00
    story = narrative.story(sim.outcome())
    assert [b.when for b in story if "whole day" in b.when or "(to " in b.when] == [
        "Mon (whole day)", "Tue (to 12:00)"]


#: a bare number where a figure ends a sentence: "…; without it, 46.2" (of what?)
BARE_FIGURE = r"without (?:it|them), [\d.,]+(?:$|[;)]| →)"


def test_every_figure_in_the_story_carries_its_unit(softphone, unprepared, prepared,
                                                    firefighting):
    """"…7.5 open tickets…; without it, 46.2" gave the second figure no unit, and tickets
    averaged over time read as a count: every figure has its unit, and an average says so."""
    from sim import load_builtin as builtin

    month_end = builtin("month-end-outage")
    runs = [unprepared, prepared, firefighting, Simulation(
        month_end, seed=1, decisions=DecisionPlan.from_policy(month_end, "major-incident")).run()]
    for run in runs:
        for beat in narrative.story(run):
            assert not re.search(BARE_FIGURE, beat.text), beat.text
            assert "in an hour" not in beat.text, beat.text
            for tickets in re.findall(r"([\d.]+) tickets? were open", beat.text):
                assert re.search(r"on average " + re.escape(tickets) + " tickets", beat.text)
    incident = next(b for b in narrative.story(firefighting) if b.when == "Tue 07:30")
    assert re.search(r"on average \d+\.\d tickets were open .*; without it, \d+\.\d tickets$",
                     incident.text), incident.text
    preparation = next(b for b in narrative.story(prepared) if b.when == "Mon 00:00")
    assert re.search(r"people lost [\d,]+ hours of work; without them, [\d,]+ hours",
                     preparation.text), preparation.text
    assert re.search(r"satisfaction stood at \d+\.\d out of 100 at the end of the week; "
                     r"without them, \d+\.\d out of 100", preparation.text), preparation.text


def trainer_words(outcome) -> list[str]:
    return [text for _, text in narrative.reflection(outcome)] + \
        narrative.trainer_questions(outcome)


@pytest.mark.parametrize("policy", ["unprepared", "prepared", "firefighting", "postponed"])
def test_questions_about_a_decision_are_asked_only_when_it_was_taken(softphone, policy):
    """"What did postponing buy?" was asked of a team that never postponed, and "each
    decision you took" of one that took none."""
    run = Simulation(softphone, seed=1,
                     decisions=DecisionPlan.from_policy(softphone, policy)).run()
    words = " ".join(trainer_words(run))
    assert ("What did postponing buy?" in words) == (policy == "postponed")
    pulled = policy != "unprepared"
    assert ("each decision you took" in words) == pulled
    assert ("No lever was pulled in this run" in words) == (not pulled)
    page = debrief.to_html(debrief.build(run))
    assert ("postponing" in page) == (policy == "postponed")


def test_every_scenario_s_questions_fit_the_levers_pulled():
    from sim import load_builtin as builtin

    def asked(scenario_id: str, policy: str) -> list[str]:
        scenario = builtin(scenario_id)
        run = Simulation(scenario, seed=1,
                         decisions=DecisionPlan.from_policy(scenario, policy)).run()
        return narrative.trainer_questions(run)

    # a question about a lever, only when it was pulled; one of what might have been, always
    usual, incident = asked("month-end-outage", "business-as-usual"), \
        asked("month-end-outage", "major-incident")
    assert "Who decided it was a major incident, and when?" in incident
    assert not any("Who decided it was a major incident" in q for q in usual)
    assert not any("your costs" in q for q in usual)  # nothing was bought
    what_if = next(q for q in incident if q.startswith("What would you have needed"))
    assert what_if in usual
    # a question about the levers pulled, only when some were; never a fragment of the note
    nothing, acted = asked("isp-supplier", "do-nothing"), \
        asked("isp-supplier", "awareness-will-action")
    assert any(q.startswith("Which lever bought back") for q in acted)
    assert not any("lever" in q for q in nothing)
    for q in nothing + acted:
        assert q.count("(") == q.count(")") and not q.startswith("Awareness"), q
    assert ("Your own business customers can change supplier too: what would they say about "
            "your desk this month?") in nothing


def test_reflection_shows_the_figures_as_the_cards_do(firefighting):
    """"18% of callers hung up" beside a card of 17.8%: the same figure, the same way, and
    the scenario's goal beside the benchmark."""
    cards = dict(narrative.headline(firefighting))
    stop = [text for kind, text in narrative.reflection(firefighting) if kind == "Stop"]
    hung_up, fcr = cards[kpi_label("abandonment_rate")[0]], cards[kpi_label("fcr")[0]]
    assert stop[0].startswith(f"{hung_up} of callers hung up (the goal was at most 10.0%, "
                              f"and call centres aim for 5–12%)"), stop[0]
    assert f"(first-contact resolution {fcr}; the goal was at least 65.0%, the benchmark " \
           f"66–74%)" in stop[1], stop[1]


def test_the_twin_shows_both_runs_alike():
    """The same figure in both runs with the same decimals and unit: minutes in hours in
    both when either is long (never "2.5 h → 5.9 min"), and the difference too."""
    deltas = {"asa_min": (150.0, 5.9, -144.1), "moments_bad": (14.0, 4.0, -10.0)}
    rows = {row[0]: row[1:] for row in debrief.twin_rows(deltas, "EUR")}
    assert rows[kpi_label("asa_min")[0]] == ("2.5 h", "0.1 h", "-2.4 h")
    assert narrative.format_alike((14.04, 4.32), "average") == ["14.0", "4.3"]
    assert narrative.figure_unit("backlog_mean") == "average"
    assert narrative.figure_unit("moments_bad") == "count"


def test_the_twin_names_both_runs_and_the_people_say_their_scores(made):
    """No "happened only in the first run": each run by its label; a moment's score out of
    100, as the person's memory of it is."""
    summary = made.twin.summary
    assert "first run" not in summary and "the second" not in summary
    assert re.search(r"\d+ contacts? in “nobody prepared” did not happen in “[^”]+” \(\d+ "
                     r"people trying again after giving up", summary), summary
    page = html.unescape(debrief.to_html(made))
    assert re.search(r"— scored \d+/100</span>", page)
    assert not re.search(r"\(\d+\)</span></li>", page)


def test_the_twin_part_keeps_the_comparison_it_was_made_from(made, firefighting, unprepared,
                                                            monkeypatch):
    """A caller that wants more of the twin than the part says (the game's own words about
    it) takes the part's comparison instead of comparing the two runs again: the one the
    table and the summary were made from."""
    import sim.twin

    result = made.twin.comparison
    assert result.first is firefighting and result.second is unprepared
    both = result.same + len(result.turned_out_differently)
    assert f"{both:,} contacts happened in both runs" in made.twin.summary
    assert f"{result.same:,} of them ended the same way in both; " \
           f"{len(result.turned_out_differently):,} ended differently: " in made.twin.summary
    again = compare(firefighting, unprepared)
    assert (result.same, result.turned_out_differently, result.only_in_first,
            result.only_in_second) == (again.same, again.turned_out_differently,
                                       again.only_in_first, again.only_in_second)
    calls = []
    real = sim.twin.compare
    monkeypatch.setattr(sim.twin, "compare", lambda *runs: calls.append(runs) or real(*runs))
    part = debrief.twin_part(firefighting, unprepared, ("Blue table", "nobody prepared"))
    assert len(calls) == 1 and part.comparison.same == result.same


def test_figures_keep_their_units_on_the_same_line():
    assert debrief.together("fixed after 6 h 12 min and 1 hand-off") == \
        "fixed after 6\u00a0h\u00a012\u00a0min and 1 hand-off"
    assert debrief.together("1,500 EUR, +4.4 pts, 2.8 min") == \
        "1,500\u00a0EUR, +4.4\u00a0pts, 2.8\u00a0min"
    assert debrief.together("Mon 08:00 The change") == "Mon 08:00 The change"


def test_the_twin_says_what_the_contacts_only_one_run_had_were():
    """Not "34 others": people trying again, what a change or an inject brought, and more
    of a kind of contact, by its name."""
    from sim import load_builtin as builtin

    scenario = builtin("month-end-outage")
    keys = [("category:order-entry-chase", 1, 0), ("category:order-entry-chase", 2, 0),
            ("inject:order-entry-outage:order-entry-down", 1, 0), ("category:how-to", 4, 1)]
    assert debrief.what_they_were(keys, scenario) == (
        " (1 person trying again after giving up, 2 about “Order Entry: any news?”, 1 brought "
        "by “Order Entry down at month-end”)")


def test_groups_whose_names_hold_an_and_are_told_apart():
    """ "at Desktop, accounts and applications and Laptop vendor" reads as four groups: names
    that hold a comma or an "and" are quoted when there are several."""
    from sim import load_builtin as builtin

    scenario = builtin("new-hires")
    run = Simulation(scenario, seed=1,
                     decisions=DecisionPlan.from_policy(scenario, "firefighting")).run()
    beat = next(b for b in narrative.story(run) if b.when == "Tue 08:00")
    assert "were open at “Desktop, accounts and applications” and “Laptop vendor" in beat.text


def test_a_team_name_with_braces_is_said_as_typed_in_the_twin(made):
    """A run's label is a team's name as typed: braces in it are words, not a template
    ("Table {A}" once ended the report in a KeyError)."""
    result = made.twin.comparison
    summary = debrief.twin_summary(result, ("“Table {A}”", "“Table {B}”"))
    assert "in “Table {A}”" in summary and "in “Table {B}”" in summary
    assert "{were}" not in summary

"""Published service-desk benchmarks, as data, each with the source a chart must name.

The figures are the ones in docs/data-sources.md, which names where each comes from (grade
B: industry benchmarks, large samples, opaque methods); a source that names a file names
it by its path in the project, so a reader of a printed debrief can find it. A chart that draws a band
labels it with `Benchmark.legend()`, so the source travels with the figure into a printed
debrief. Shares are stored as fractions (0.05 = 5%), as the key figures are.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    """A published range for one figure: `low` to `high` in `unit` ("share", "min",
    "count", "money"), from `source`; `kpi` is the key figure it compares with (None when
    no key figure measures the same thing)."""

    name: str
    low: float
    high: float
    unit: str
    source: str
    kpi: str | None = None

    def range_words(self) -> str:
        """"5-12%", "7-13 min"."""
        if self.unit == "share":
            return f"{self.low * 100:g}–{self.high * 100:g}%"
        unit = {"min": " min", "money": "", "count": ""}.get(self.unit, f" {self.unit}")
        return f"{self.low:g}–{self.high:g}{unit}"

    def legend(self) -> str:
        """What a chart writes next to the band: "Benchmark 5–12% (call-centre benchmarks,
        docs/data-sources.md)"."""
        return f"Benchmark {self.range_words()} ({self.source})"


FIRST_CONTACT_RESOLUTION = Benchmark(
    name="First-contact resolution", low=0.66, high=0.74, unit="share",
    source="HDI 2015, Gartner 2018, MetricNet", kpi="fcr")
ABANDONMENT = Benchmark(
    name="Abandonment rate", low=0.05, high=0.12, unit="share",
    source="call-centre benchmarks, docs/data-sources.md", kpi="abandonment_rate")
HANDLE_TIME = Benchmark(
    name="Handle time", low=7.0, high=13.0, unit="min",
    source="service-desk benchmarks, docs/data-sources.md", kpi="handle_min")
COST_PER_CONTACT = Benchmark(
    name="Cost per level-1 contact (USD)", low=16.0, high=22.0, unit="money",
    source="service-desk benchmarks, docs/data-sources.md")
#: 1-2 contacts per user a month, about 21 working days
CONTACTS_PER_USER_DAY = Benchmark(
    name="Contacts per user per working day", low=1 / 21, high=2 / 21, unit="count",
    source="Gartner via a CERN review; Intelliteach, 1.2M tickets")

BENCHMARKS: tuple[Benchmark, ...] = (FIRST_CONTACT_RESOLUTION, ABANDONMENT, HANDLE_TIME,
                                     COST_PER_CONTACT, CONTACTS_PER_USER_DAY)
#: The band to draw on a chart of a key figure.
BY_KPI: dict[str, Benchmark] = {b.kpi: b for b in BENCHMARKS if b.kpi is not None}


def benchmark_for(kpi: str) -> Benchmark | None:
    """The published band for a key figure, if there is one."""
    return BY_KPI.get(kpi)

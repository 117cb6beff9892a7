"""The impact report's definitions: the seed report's age bands and province buckets, and the
small-cell rule that keeps any published count from pointing at a few people.

Why constants and not a data file: the bands and buckets are the definitions of the seed report
(UNEP Inquiry, Green Digital Finance Alliance and Ant Financial, 2017, "Scaling Citizen Action on
Climate Change", www.greendigitalfinance.org), tables 3 and 4, reproduced so our figures compare
with its; they are not tunable numbers. The report's text states two age edges ("nearly 60 % of
users are under 28", "users over 50 are 2 %"), so those are the bands here; its table 4 colours
provinces by five buckets of users (≤ 1 M, ≤ 3 M, ≤ 5 M, ≤ 10 M, > 10 M). The threshold k is a
setting (``SAXAUL_REPORT_MIN_CELL``).

Why complementary suppression: a cell hidden in a row whose total is published can be recovered
as total − the other cells; hiding a second cell (the smallest shown one) makes it unrecoverable.

Example: ``suppress_row({"female": 40, "male": 3, "other": 0}, k=10)`` → ``({"female": None,
"male": None, "other": 0}, ("female", "male"))``: male is small, and female would give it away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

GENDERS = ("female", "male", "other", "unknown")
"""Table 2's columns: the genders the participants import knows, and no answer."""

UNKNOWN = "unknown"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class AgeBand:
    """Ages ``low``..``high`` inclusive (``high`` ``None``: and older)."""

    label: str
    low: int
    high: int | None

    def holds(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)


AGE_BANDS = (
    AgeBand("under 28", 0, 27),
    AgeBand("28-49", 28, 49),
    AgeBand("50 and over", 50, None),
)
"""The seed report's stated age edges (section 4.3, table 3): under 28, and 50 and over."""

PROVINCE_BUCKETS = (
    ("<= 1 million", 1_000_000),
    ("<= 3 million", 3_000_000),
    ("<= 5 million", 5_000_000),
    ("<= 10 million", 10_000_000),
)
"""The seed report's table 4 legend: participants per province up to each bound; above the
last, ``PROVINCE_TOP``."""
PROVINCE_TOP = "> 10 million"

PROVINCES = (
    "Anhui", "Beijing", "Chongqing", "Fujian", "Gansu", "Guangdong", "Guangxi", "Guizhou",
    "Hainan", "Hebei", "Heilongjiang", "Henan", "Hubei", "Hunan", "Inner Mongolia", "Jiangsu",
    "Jiangxi", "Jilin", "Liaoning", "Ningxia", "Qinghai", "Shaanxi", "Shandong", "Shanghai",
    "Shanxi", "Sichuan", "Tianjin", "Tibet", "Xinjiang", "Yunnan", "Zhejiang",
)  # fmt: skip
"""The 31 provincial-level divisions of the seed report's table 4 map (mainland China), by
the names the participants import uses: the public list of province cells a differentially
private report fills (``services.impact_privacy``), so which provinces appear gives nothing
away; any other name counts as ``other``."""


def age_band(birth_year: int | None, as_of_year: int) -> str:
    """The band of someone born in ``birth_year``, aged as at the end of ``as_of_year``."""
    if birth_year is None:
        return UNKNOWN
    age = as_of_year - birth_year
    return next((band.label for band in AGE_BANDS if band.holds(age)), UNKNOWN)


def province_bucket(participants: int) -> str:
    """Table 4's bucket of a province with ``participants``."""
    return next((label for label, bound in PROVINCE_BUCKETS if participants <= bound), PROVINCE_TOP)


def small(count: int, k: int) -> bool:
    """A count of people too small to publish: 1..k-1 (nobody, 0, points at nobody)."""
    return 0 < count < k


def suppress_row(
    cells: Mapping[str, int], k: int, *, total_published: bool = True
) -> tuple[dict[str, int | None], tuple[str, ...]]:
    """``cells`` with every small count hidden (``None``) and the names hidden, in column order.

    When the row's total is published and exactly one cell would be hidden, the smallest other
    non-zero cell is hidden too, so the hidden one is not the total minus the rest.
    """
    hidden = {name for name, count in cells.items() if small(count, k)}
    if total_published and len(hidden) == 1:
        shown = [(count, name) for name, count in cells.items() if name not in hidden and count]
        if shown:
            hidden.add(min(shown)[1])
    out = {name: (None if name in hidden else count) for name, count in cells.items()}
    return out, tuple(name for name in cells if name in hidden)


def merge_small(cells: Mapping[str, int], k: int) -> dict[str, int]:
    """``cells`` with every small one merged into ``other`` (kept last, and only if non-empty)."""
    merged = {n: c for n, c in cells.items() if n != OTHER and not small(c, k)}
    rest = sum(c for n, c in cells.items() if n == OTHER or small(c, k))
    if rest:
        merged[OTHER] = rest
    return merged

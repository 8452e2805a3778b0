"""Shared by the filter's unit tests: a body of three prose lines, and a classifier stand-in
that gives each line text a fixed keep probability."""

from __future__ import annotations

from collections.abc import Mapping

from jdreview.filter.decision import Decision
from jdreview.io.posting import Posting

BODY = [
    "We are looking for a data engineer to build and run the pipelines that feed our analytics platform.",
    "You will design batch and streaming jobs in Python and SQL, review code, and mentor two engineers.",
    "Three or more years of experience with Spark or Flink and a cloud data warehouse such as BigQuery.",
]


class TableScorer:
    """A classifier stand-in: a fixed keep probability per line text (0.9 when unlisted)."""

    version = "table"

    def __init__(self, table: Mapping[str, float]) -> None:
        self.table = table

    def score(self, posting: Posting, units: list[int], norms: Mapping[int, str],
              dec: Mapping[int, Decision], all_units: bool = False) -> dict[int, float]:
        return {i: self.table.get(posting.lines[i], 0.9) for i in units if all_units or i not in dec}

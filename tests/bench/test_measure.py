"""bench.measure: medians with spread, paired ratios, formatting, peak memory."""

from __future__ import annotations

import pytest

from bench.measure import (
    Summary,
    format_summary,
    markdown_table,
    paired_ratios,
    peak_memory,
    summarize,
    verdict,
)


def test_summary_is_the_median_with_half_the_range_as_spread() -> None:
    summary = summarize([3.0, 1.0, 10.0, 2.0])
    assert (summary.median, summary.low, summary.high, summary.n) == (2.5, 1.0, 10.0, 4)
    assert summary.spread == 4.5
    assert summary.to_dict() == {"median": 2.5, "low": 1.0, "high": 10.0, "n": 4, "spread": 4.5}


def test_summary_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        summarize([])


def test_paired_ratios_divide_pair_by_pair() -> None:
    # A busy moment slows both of the second pair: per pair, the ratio stays 0.5.
    ratios = paired_ratios([1.0, 4.0, 1.5], [2.0, 8.0, 3.0])
    assert (ratios.median, ratios.spread, ratios.n) == (0.5, 0.0, 3)


def test_paired_ratios_need_pairs() -> None:
    with pytest.raises(ValueError, match="needs pairs"):
        paired_ratios([1.0, 2.0], [1.0])


@pytest.mark.parametrize(
    ("summary", "unit", "digits", "text"),
    [
        (Summary(1.5, 1.0, 3.0, 3), "s", 2, "1.50 ± 1.00 s (n=3)"),
        (Summary(2.0, 2.0, 2.0, 1), "", 1, "2.0 (n=1)"),
        ({"median": 0.5, "low": 0.4, "high": 0.6, "n": 2}, "x", 3, "0.500 ± 0.100 x (n=2)"),
        (None, "s", 2, "n/a"),
    ],
)  # fmt: skip
def test_format_summary(summary: object, unit: str, digits: int, text: str) -> None:
    assert format_summary(summary, unit, digits) == text  # type: ignore[arg-type]


def test_markdown_table_aligns_numbers_right_and_checks_row_width() -> None:
    table = markdown_table(["way", "s"], [["plain", 1.5], ["ours", 1.0]])
    assert table.splitlines() == [
        "| way | s |",
        "| --- | ---: |",
        "| plain | 1.5 |",
        "| ours | 1.0 |",
    ]
    with pytest.raises(ValueError, match="2 columns"):
        markdown_table(["way", "s"], [["plain"]])


def test_verdict_says_open_when_unmeasured() -> None:
    assert [verdict(True), verdict(False), verdict(None)] == ["met", "not met", "open"]


def test_peak_memory_sees_an_allocation_inside_the_block() -> None:
    with peak_memory() as peak:
        block = bytearray(64 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    del block
    assert peak.rss is not None and peak.rss >= 64 * 1024 * 1024

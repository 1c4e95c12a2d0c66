"""Tests of the harness's pure helpers (`pytest benches/`); the benchmark itself is not a test."""

import math

from report import fmt, markdown_table, percentile, verdicts


def test_percentile_interpolates_like_numpy():
    xs = [5, 1, 4, 2, 3]
    assert percentile(xs, 0) == 1
    assert percentile(xs, 50) == 3
    assert percentile(xs, 100) == 5
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert math.isclose(percentile(list(range(1, 101)), 99), 99.01)


def test_percentile_edge_cases():
    assert math.isnan(percentile([], 50))
    assert percentile([7.5], 99) == 7.5


def test_fmt_significant_figures():
    assert fmt(18.63) == "18.6"
    assert fmt(0.01234) == "0.0123"
    assert fmt(1234.6) == "1,235"
    assert fmt(10014) == "10,014"
    assert fmt(3) == "3"
    assert fmt(1.0) == "1.00"
    assert fmt(0) == "0"
    assert fmt(None) == "–"
    assert fmt(math.nan) == "–"
    assert fmt("error: boom") == "error: boom"


def test_markdown_table_rows_and_columns():
    res = {
        "jirad mcp": {"start": 4.2, "get_warm_p50": 0.31},
        "mcp-atlassian": {"start": 1700.0, "get_warm_p50": 18.6, "rss": 120.5},
    }
    t = markdown_table(res).splitlines()
    assert t[0] == "| Metric | mcp-atlassian | jirad mcp |"
    assert t[1] == "|---|---:|---:|"
    assert "| Process start → first answer (ms) | 1,700 | 4.20 |" in t
    assert "| Get issue, repeated, p50 (ms) | 18.6 | 0.310 |" in t
    assert "| Peak RSS of the server process (MiB) | 120 | – |" in t
    assert not any("cold" in line for line in t)  # rows nobody measured are left out


def test_verdicts():
    res = {
        "mcp-atlassian": {"get_warm_p50": 100.0, "get_cold_p50": 90.0, "start": 1700.0},
        "jirad mcp": {"get_warm_p50": 1.0, "get_cold_p50": 45.0},
        "jirad native (DC)": {"up_get_cold": 1.0},
    }
    v = {x.label: x for x in verdicts(res)}
    assert v["repeated get ≥ 50x faster"].ok is True
    assert v["repeated get ≥ 50x faster"].value == 100.0
    assert v["cold get ≥ 3x faster"].ok is False
    assert v["start to first answer ≥ 20x faster"].ok is None  # jirad's figure is missing
    assert v["one upstream request per cold get"].ok is True

"""Pure helpers of the benchmark: percentiles, the results table, the target ratios, the chart.

Nothing here starts a process or opens a socket, so `test_report.py` covers it with pytest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Column order of the table and the chart: the peer first, then jirad's faces.
SERVERS = ["mcp-atlassian", "jirad mcp", "jirad native (DC)", "jirad native (Cloud)"]

# (metric key, row label, unit). Latencies are milliseconds, throughput calls per second.
ROWS = [
    ("start", "Process start → first answer", "ms"),
    ("get_cold_p50", "Get issue, cold, p50", "ms"),
    ("get_cold_p99", "Get issue, cold, p99", "ms"),
    ("get_warm_p50", "Get issue, repeated, p50", "ms"),
    ("get_warm_p99", "Get issue, repeated, p99", "ms"),
    ("list50", "List 50 issues", "ms"),
    ("list_all", "Fetch all issues", "ms"),
    ("list_all_count", "Issues fetched by 'all'", ""),
    ("throughput", "Throughput, 16 clients (repeated gets)", "calls/s"),
    ("up_get_cold", "Upstream requests per cold get", ""),
    ("up_get_warm", "Upstream requests per repeated get", ""),
    ("up_list50", "Upstream requests per 50-issue list", ""),
    ("up_list_all", "Upstream requests to fetch all", ""),
    ("up_throughput", "Upstream requests per call, 16 clients", ""),
    ("rss", "Peak RSS of the server process", "MiB"),
    ("rss_daemon", "Peak RSS of the shared daemon", "MiB"),
    ("rss_16", "Peak RSS, sum over 16 clients' servers", "MiB"),
]

# (label, metric, jirad face, minimum ratio, "faster" = peer/jirad, else jirad value must be <= min).
TARGETS = [
    ("repeated get ≥ 50x faster", "get_warm_p50", "jirad mcp", 50.0, True),
    ("cold get ≥ 3x faster", "get_cold_p50", "jirad mcp", 3.0, True),
    ("start to first answer ≥ 20x faster", "start", "jirad mcp", 20.0, True),
    ("one upstream request per cold get", "up_get_cold", "jirad native (DC)", 1.0, False),
]


def percentile(xs: list[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not xs:
        return math.nan
    s = sorted(xs)
    k = (len(s) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt(v: object) -> str:
    """One table cell: numbers with 3 significant figures (integers as integers), text as is."""
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return f"{int(v):,}"
    x = float(v)
    if x == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{digits}f}"


def markdown_table(results: dict[str, dict[str, object]], servers: list[str] = SERVERS) -> str:
    """The results as a GitHub Markdown table: one row per metric that any server has, one column per server."""
    cols = [s for s in servers if results.get(s)]
    if not cols:
        return "(no figures)\n"
    head = "| Metric | " + " | ".join(cols) + " |"
    sep = "|---|" + "---:|" * len(cols)
    lines = [head, sep]
    for key, label, unit in ROWS:
        if not any(key in results[s] for s in cols):
            continue
        name = f"{label} ({unit})" if unit else label
        lines.append(f"| {name} | " + " | ".join(fmt(results[s].get(key)) for s in cols) + " |")
    return "\n".join(lines) + "\n"


@dataclass
class Verdict:
    label: str
    value: float | None  # the ratio (or the jirad figure for a maximum)
    ok: bool | None  # None when a figure is missing
    detail: str = field(default="")


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not math.isnan(v) else None


def verdicts(results: dict[str, dict[str, object]], peer: str = "mcp-atlassian") -> list[Verdict]:
    """Each target of issue 8 checked against one run's results."""
    out = []
    for label, key, face, want, faster in TARGETS:
        ours = _num(results.get(face, {}).get(key))
        if not faster:
            ok = None if ours is None else ours <= want
            out.append(Verdict(label, ours, ok, f"{face}: {fmt(ours)}"))
            continue
        theirs = _num(results.get(peer, {}).get(key))
        if ours is None or theirs is None or ours <= 0:
            out.append(Verdict(label, None, None, f"{peer}: {fmt(theirs)}, {face}: {fmt(ours)}"))
            continue
        r = theirs / ours
        out.append(Verdict(label, r, r >= want, f"{peer} {fmt(theirs)} ms / {face} {fmt(ours)} ms = {r:.1f}x"))
    return out


def verdict_lines(vs: list[Verdict]) -> str:
    mark = {True: "PASS", False: "MISS", None: "n/a "}
    return "\n".join(f"{mark[v.ok]}  {v.label}: {v.detail}" for v in vs) + "\n"


def draw_chart(results: dict[str, dict[str, object]], path: str, title: str) -> None:
    """A PNG: latencies on a log scale (left), throughput (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lat = [("start", "start"), ("get_cold_p50", "get cold p50"), ("get_warm_p50", "get repeated p50"),
           ("list50", "list 50"), ("list_all", "fetch all")]
    cols = [s for s in SERVERS if results.get(s)]
    if not cols:
        return
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 1]})
    w = 0.8 / max(1, len(cols))
    for i, s in enumerate(cols):
        ys = [_num(results[s].get(k)) or 0 for k, _ in lat]
        ax.bar([j + i * w for j in range(len(lat))], ys, w, label=s, color=f"C{SERVERS.index(s)}")
    ax.set_xticks([j + w * (len(cols) - 1) / 2 for j in range(len(lat))], [n for _, n in lat])
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale, lower is better)")
    ax.legend()
    ax.set_title(title)
    tp = [_num(results[s].get("throughput")) or 0 for s in cols]
    bx.bar(range(len(cols)), tp, color=[f"C{SERVERS.index(s)}" for s in cols])
    bx.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    bx.set_yscale("log")
    bx.set_ylabel("get-issue calls/s, 16 clients (higher is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

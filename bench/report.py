#!/usr/bin/env python3
"""Medians of bench/http.sh's runs: a Markdown table on stdout and a bar chart as SVG.

Usage: report.py results.tsv machine.txt chart.svg [half-load.tsv]

With half-load.tsv, a second table: each system's latency at about half of its own peak.
"""
import csv
import statistics
import sys
from collections import defaultdict

ORDER = ["lodestone", "baseline", "webdis"]
COLOURS = {"lodestone": "#2f6db3", "baseline": "#9aa5b1", "webdis": "#c8553d"}


def medians(path):
    runs = defaultdict(list)
    per_request = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["workload"], row["system"])
            runs[key].append(row)
            per_request[row["workload"]] = int(row["commands_per_request"])
    result = {}
    for key, rows in runs.items():
        result[key] = {
            "rps": statistics.median(float(r["rps"]) for r in rows),
            "p50": statistics.median(float(r["p50_ms"]) for r in rows),
            "p99": statistics.median(float(r["p99_ms"]) for r in rows),
            "failed": max(int(r["failed"]) for r in rows),
        }
    workloads = list(dict.fromkeys(w for w, _ in runs))
    return result, workloads, per_request


def table(result, workloads, per_request, machine):
    lines = [machine.strip(), "",
             "| Workload | System | Requests/s | Commands/s | p50 ms | p99 ms | vs baseline | vs Webdis |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for workload in workloads:
        for system in ORDER:
            m = result.get((workload, system))
            if m is None:
                continue
            ratios = []
            for other in ("baseline", "webdis"):
                o = result.get((workload, other))
                ratios.append(f"{m['rps'] / o['rps']:.0%}" if system == "lodestone" and o and o["rps"] else "")
            failed = f" ({m['failed']} failed)" if m["failed"] else ""
            lines.append(f"| {workload} | {system}{failed} | {m['rps']:,.0f} | {m['rps'] * per_request[workload]:,.0f} | "
                         f"{m['p50']:.2f} | {m['p99']:.2f} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(lines)


def half_load_table(path):
    lines = ["", "Latency at about half of each system's peak (one paced run each):", "",
             "| Workload | System | Peak requests/s | Paced requests/s | Share of peak | p50 ms | p99 ms |",
             "|---|---|---:|---:|---:|---:|---:|"]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    for workload in workloads:
        for system in ORDER:
            for r in (r for r in rows if r["workload"] == workload and r["system"] == system):
                peak, rps = float(r["peak_rps"]), float(r["rps"])
                failed = f" ({r['failed']} failed)" if r["failed"] not in ("0", "") else ""
                lines.append(f"| {workload} | {system}{failed} | {peak:,.0f} | {rps:,.0f} | {rps / peak:.0%} | "
                             f"{float(r['p50_ms']):.2f} | {float(r['p99_ms']):.2f} |")
    return "\n".join(lines)


def chart(result, workloads, path):
    width, row, bar = 760, 26, 7
    left = 120
    peak = max(m["rps"] for m in result.values()) or 1
    height = 40 + row * len(workloads) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="16" font-size="13">Requests/s, median of rounds (bench/http.sh)</text>']
    for i, workload in enumerate(workloads):
        y = 30 + i * row
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{workload}</text>')
        for j, system in enumerate(ORDER):
            m = result.get((workload, system))
            if m is None:
                continue
            w = (width - left - 90) * m["rps"] / peak
            by = y + j * bar
            out.append(f'<rect x="{left}" y="{by}" width="{w:.1f}" height="{bar - 1}" fill="{COLOURS[system]}"/>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{by + bar - 1}" font-size="8">{m["rps"]:,.0f}</text>')
    ly = height - 12
    for j, system in enumerate(ORDER):
        out.append(f'<rect x="{left + j * 110}" y="{ly - 9}" width="10" height="10" fill="{COLOURS[system]}"/>'
                   f'<text x="{left + j * 110 + 14}" y="{ly}">{system}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    results, machine, svg = sys.argv[1:4]
    result, workloads, per_request = medians(results)
    with open(machine) as f:
        print(table(result, workloads, per_request, f.read()))
    if len(sys.argv) > 4:
        print(half_load_table(sys.argv[4]))
    chart(result, workloads, svg)


if __name__ == "__main__":
    main()

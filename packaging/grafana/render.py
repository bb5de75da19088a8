#!/usr/bin/env python3
"""Draw the Grafana dashboard's panels from real Prometheus data, with gnuplot.

Grafana is not in Debian's archive, so the picture in docs/exporter.md is
not a Grafana screenshot: it is this script's rendering of the data Prometheus
returned for each panel's own query (query_range over the run, saved by
tests/testbed/grafana-queries.test as range-ID-REF.json), laid out on the
dashboard's grid (gridPos), with each panel's title, unit and legend format.
Time series are drawn as lines (the dashboard stacks two of them), heat maps
as images; the latency heat map is de-accumulated per bucket, as Grafana does
for format=heatmap.

usage: render.py RESULTS_DIR DASHBOARD_JSON OUT_PNG
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

W, UNIT_H = 1600, 34        # canvas width (px); px per grid row unit
LEGEND_MAX = 8              # series in a legend (the largest by mean)


def legend(fmt, metric):
    return re.sub(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}",
                  lambda m: metric.get(m.group(1), ""), fmt) or str(metric)


def series(results, pid, ref):
    path = os.path.join(results, "range-%s-%s.json" % (pid, ref))
    with open(path) as f:
        data = json.load(f)
    out = []
    for r in data["data"]["result"]:
        pts = [(float(t), float(v)) for t, v in r["values"]]
        out.append((r["metric"], pts))
    return out


def le_label(le):
    """A bucket's upper bound the way people read latencies."""
    if le == "+Inf":
        return "+Inf"
    v = float(le)
    for unit, scale in (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3)):
        if v < 1000 * scale:
            return "%.3g %s" % (v / scale, unit)
    return "%.3g s" % v


def finite(v):
    return not (math.isnan(v) or math.isinf(v))


def unit_setup(unit):
    """gnuplot y axis format and a value scale for a Grafana unit."""
    if unit == "percentunit":
        return 'set format y "%.0f%%"', 100.0, ""
    if unit == "s":
        return 'set format y "%.0s %cs"', 1.0, ""
    if unit == "ops":
        return 'set format y "%.1s%c/s"', 1.0, ""
    return 'set format y "%g"', 1.0, ""


def panel_timeseries(p, results, t0, tmp, gp):
    lines = []
    for t in p["targets"]:
        for metric, pts in series(results, p["id"], t["refId"]):
            good = [(x, y) for x, y in pts if finite(y)]
            if good:
                mean = sum(y for _, y in good) / len(good)
                lines.append((mean, legend(t.get("legendFormat", ""), metric), good))
    lines.sort(key=lambda l: -l[0])
    fmt, scale, _ = unit_setup(p.get("fieldConfig", {}).get("defaults", {}).get("unit", ""))
    gp.append(fmt)
    gp.append("set key outside right top vertical font ',8' samplen 1.5")
    if p.get("fieldConfig", {}).get("defaults", {}).get("max") == 1:
        gp.append("set yrange [0:%g]" % (1.15 * scale))
    else:
        gp.append("set yrange [0:*]")
    plots = []
    for i, (_, name, pts) in enumerate(lines):
        f = os.path.join(tmp, "p%s-%d.dat" % (p["id"], i))
        with open(f, "w") as out:
            for x, y in pts:
                out.write("%g %g\n" % (x - t0, y * scale))
        title = "title '%s'" % name.replace("'", "") if i < LEGEND_MAX else "notitle"
        plots.append("'%s' using 1:2 with lines lw 1.5 %s" % (f, title))
    if not plots:
        gp.append("plot 0 notitle")
    else:
        gp.append("plot " + ", ".join(plots))


def panel_heatmap(p, results, t0, tmp, gp):
    t = p["targets"][0]
    rows = {}
    for metric, pts in series(results, p["id"], t["refId"]):
        rows[legend(t.get("legendFormat", ""), metric)] = dict(pts)
    bucketed = t.get("format") == "heatmap"
    if bucketed:
        les = sorted(rows, key=lambda le: math.inf if le == "+Inf" else float(le))
        # cumulative -> per bucket, then only the buckets that ever count
        times = sorted({x for r in rows.values() for x in r})
        per = {le: {} for le in les}
        for x in times:
            prev = 0.0
            for le in les:
                v = rows[le].get(x, prev)
                per[le][x] = max(v - prev, 0.0) if finite(v) else 0.0
                prev = v if finite(v) else prev
        used = [le for le in les if any(v > 0 for v in per[le].values())]
        names = used
        rows = per
        label = le_label
        gp.append("set ylabel 'latency < ' font ',8'")
    else:
        names = sorted(rows)
        label = lambda n: n
    times = sorted({x for n in names for x in rows[n]})
    f = os.path.join(tmp, "h%s.dat" % p["id"])
    with open(f, "w") as out:
        for x in times:
            for i, n in enumerate(names):
                v = rows[n].get(x, 0.0)
                out.write("%g %d %g\n" % (x - t0, i, v if finite(v) else 0.0))
            out.write("\n")
    gp.append("set ytics (%s) font ',8'" % ", ".join(
        "'%s' %d" % (label(n).replace("'", ""), i) for i, n in enumerate(names)))
    gp.append("set yrange [-0.5:%g]" % (len(names) - 0.5))
    gp.append("set cbrange [0:*]")
    gp.append("set format cb '%.0s%c/s'")
    gp.append("unset colorbox")
    scheme = p.get("options", {}).get("color", {}).get("scheme", "Oranges")
    hi = "#b84000" if scheme == "Oranges" else "#08306b"
    gp.append("set palette defined (0 '#ffffff', 1 '%s') gamma 0.5" % hi)
    gp.append("plot '%s' using 1:2:3 with image notitle" % f)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    results, dash_path, out_png = sys.argv[1:]
    with open(dash_path) as f:
        dash = json.load(f)
    panels = []

    def collect(ps):
        for p in ps:
            if p.get("type") == "row":
                collect(p.get("panels", []))
            elif p.get("targets"):
                panels.append(p)
    collect(dash["panels"])
    grid_h = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    H = grid_h * UNIT_H + 40
    xs = [x for p in panels for t in p["targets"]
          for _, pts in series(results, p["id"], t["refId"]) for x, _ in pts]
    t0 = min(xs)
    with tempfile.TemporaryDirectory() as tmp:
        gp = ["set terminal pngcairo size %d,%d font 'sans,9'" % (W, H),
              "set output '%s'" % out_png,
              "set termoption noenhanced",
              "set multiplot title '%s (rendered from Prometheus data with gnuplot, not Grafana)' font ',12'"
              % dash["title"]]
        for p in panels:
            g = p["gridPos"]
            gp += ["reset", "set termoption noenhanced",
                   "set origin %g,%g" % (g["x"] / 24.0, 1 - (40 + (g["y"] + g["h"]) * UNIT_H) / H),
                   "set size %g,%g" % (g["w"] / 24.0, g["h"] * UNIT_H / H),
                   "set title '%s' font ',10'" % p["title"].replace("'", ""),
                   "set xlabel 'seconds' offset 0,0.8 font ',8'",
                   "set grid lc rgb '#dddddd'", "set border lc rgb '#888888'",
                   "set lmargin 9", "set rmargin 2", "set tmargin 2", "set bmargin 3",
                   "set xrange [0:%g]" % (max(xs) - t0)]
            if p["type"] == "heatmap":
                gp.append("set lmargin 12")
                panel_heatmap(p, results, t0, tmp, gp)
            else:
                panel_timeseries(p, results, t0, tmp, gp)
        gp.append("unset multiplot")
        script = os.path.join(tmp, "dash.gp")
        with open(script, "w") as f:
            f.write("\n".join(gp) + "\n")
        subprocess.run(["gnuplot", script], check=True)


if __name__ == "__main__":
    main()

"""The scale table: exittop's BPF map memory, CPU per refresh and peak RSS
against possible CPUs and live keys, from bench/keyscale.sh's records."""


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if r[0] == "keyscale" and len(r) >= 9:
                rows.append({"cpus": int(r[1]), "want": int(r[2]), "made": int(r[3]),
                             "mapkeys": int(r[4]) if r[4].isdigit() else None,
                             "refreshes": int(r[5]), "cpu_ns": int(r[6]),
                             "memlock": int(r[7]), "hwm_kb": int(r[8])})
    return rows


def table(rows):
    out = ["| possible CPUs | live keys wanted | keys made (map holds) | BPF map memory (memlock) "
           "| exittop CPU per refresh (guest ns = instructions) | exittop VmHWM |",
           "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["cpus"], r["want"])):
        per = f"{r['cpu_ns'] / r['refreshes']:,.0f}" if r["refreshes"] else "no refresh"
        held = f"{r['mapkeys']:,}" if r["mapkeys"] is not None else "?"
        out.append(f"| {r['cpus']:,} | {r['want']:,} | {r['made']:,} ({held}) | "
                   f"{r['memlock'] / 1048576:,.1f} MiB | {per} | {r['hwm_kb'] / 1024:,.1f} MiB |")
    return out + [""]

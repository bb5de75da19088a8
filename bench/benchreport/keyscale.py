"""The scale table: exittop's BPF map memory, CPU per refresh and peak RSS
against possible CPUs and live keys, from bench/keyscale.sh's records (see
its header), with where the memory goes and the verdicts of issue 11.
bench/keyscale_report.py prints section(); bench/report.py puts it in
docs/benchmarks.md.
"""

import statistics

MIB = 1048576
NS_PER_REFRESH = 1e9  # exittop -d 1: one refresh per guest second
# Issue 11's lines
MEM_KEYS, MEM_LIMIT = 65536, 8 * MIB
DROP_KEYS = 65536
CPU_KEYS, CPU_LIMIT_PCT = 16384, 1.0
CPU_SPREAD_PCT = 10.0

# enum bpf_map_type values fdinfo prints (include/uapi/linux/bpf.h)
MAP_TYPES = {1: "hash", 2: "array", 5: "percpu_hash", 6: "percpu_array", 9: "lru_hash",
             22: "queue", 23: "stack", 27: "ringbuf", 29: "task_storage"}


def load(path):
    """(rows, maps, meta) of the record file."""
    rows, maps, meta = [], [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if r[0] == "keyscale" and len(r) >= 14:
                rows.append({"kernel": r[1], "cpus": int(r[2]), "want": int(r[3]),
                             "made": int(r[4]), "real": int(r[5]),
                             "mapkeys": int(r[6]) if r[6].isdigit() else None,
                             "refreshes": int(r[7]), "cpu_ns": int(r[8]),
                             "memlock": int(r[9]), "hwm_kb": int(r[10]),
                             "dropped": int(r[11]), "exits_after": int(r[12]),
                             "exits_during": int(r[13]),
                             "each": [int(x) for x in r[14].split(",")] if len(r) >= 15 and r[14] else []})
            elif r[0] == "keyscale_map" and len(r) >= 10:
                maps.append({"kernel": r[1], "cpus": int(r[2]), "want": int(r[3]), "name": r[4],
                             "type": MAP_TYPES.get(int(r[5]), f"type {r[5]}"),
                             "max": int(r[6]), "key": int(r[7]), "value": int(r[8]),
                             "memlock": int(r[9])})
            elif r[0] == "meta" and len(r) >= 3:
                meta[r[1]] = r[2]
    if not rows:
        raise ValueError("no keyscale records")
    return rows, maps, meta


def per_refresh(r):
    """The median refresh when the records have them one by one (a one-off
    in one refresh, an interrupt charged to exittop, does not move it), else
    the mean; None without a refresh."""
    if r["each"]:
        return statistics.median(r["each"])
    return r["cpu_ns"] / r["refreshes"] if r["refreshes"] else None


def cpu_cell(r):
    ns = per_refresh(r)
    if ns is None:
        return "no refresh"
    if r["each"]:
        return (f"{ns:,.0f} (median of {len(r['each'])}: {min(r['each']):,}-{max(r['each']):,}; "
                f"mean {r['cpu_ns'] / r['refreshes']:,.0f})")
    return f"{ns:,.0f} ({r['refreshes']} refreshes)"


def pct_core(ns):
    return ns / NS_PER_REFRESH * 100


def mib(b):
    return f"{b / MIB:,.2f} MiB"


def kver(kernel):
    return tuple(int(x) if x.isdigit() else 0 for x in kernel.split("."))


def boot_key(x):
    return (kver(x["kernel"]), x["cpus"])


def boot_name(kernel, cpus):
    return f"{kernel}, {cpus:,} possible CPUs"


def real_memlock(kernel):
    """Whether fdinfo memlock is the maps' real allocation (6.4 on)."""
    return kver(kernel) >= (6, 4)


def table(rows):
    out = ["| kernel | possible CPUs | live keys (real VM's + synthetic) | map holds (`--keys`) "
           "| BPF map memory (memlock) | exittop CPU per refresh: guest ns (= instructions) "
           "| of one core at `-d 1` | exittop VmHWM | dropped | VM exits counted with all keys live |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: boot_key(r) + (r["want"],)):
        ns = per_refresh(r)
        held = f"{r['mapkeys']:,}" if r["mapkeys"] is not None else "?"
        live = f"{r['real'] + r['made']:,} ({r['real']:,} + {r['made']:,})"
        if r["real"] + r["made"] != r["want"]:
            live += f", {r['want']:,} wanted"
        cpu = cpu_cell(r)
        if r["exits_during"]:
            cpu += f" NOT quiet: {r['exits_during']:,} exits meanwhile"
        share = f"{pct_core(ns):.3f}%" if ns is not None else "-"
        drop = f"{r['dropped']:,}" if r["dropped"] >= 0 else "no header"
        mem = mib(r["memlock"]) + ("" if real_memlock(r["kernel"]) else " (formula)")
        out.append(f"| {r['kernel']} | {r['cpus']:,} | {live} | {held} | {mem} | {cpu} | {share} "
                   f"| {r['hwm_kb'] / 1024:,.1f} MiB | {drop} | {r['exits_after']:,} |")
    return out + [""]


def table_maps(maps, want):
    """Each map's memlock at WANT keys, one column per boot."""
    boots = sorted({(m["kernel"], m["cpus"]) for m in maps if m["want"] == want},
                   key=lambda b: (kver(b[0]), b[1]))
    if not boots:
        return []
    by = {(m["kernel"], m["cpus"], m["name"]): m for m in maps if m["want"] == want}
    names = []
    for m in maps:
        if m["want"] == want and m["name"] not in names:
            names.append(m["name"])
    names.sort(key=lambda n: -max(by[b + (n,)]["memlock"] for b in boots if b + (n,) in by))
    out = [f"| map ({want:,} live keys) | type | max entries | key + value bytes | "
           + " | ".join(f"memlock: {boot_name(*b)}" for b in boots) + " |",
           "|---|---|---|---|" + "---|" * len(boots)]
    total = {b: 0 for b in boots}
    for n in names:
        m = next(by[b + (n,)] for b in boots if b + (n,) in by)
        cells = []
        for b in boots:
            x = by.get(b + (n,))
            cells.append(f"{x['memlock']:,}" if x else "-")
            total[b] += x["memlock"] if x else 0
        out.append(f"| {n} | {m['type']} | {m['max']:,} | {m['key']} + {m['value']} | "
                   + " | ".join(cells) + " |")
    out.append("| **all** | | | | " + " | ".join(f"{total[b]:,} ({mib(total[b])})" for b in boots) + " |")
    return out + [""]


def verdict(ok):
    return "**met**" if ok else "**NOT met**"


def verdicts(rows):
    at = {(r["kernel"], r["cpus"], r["want"]): r for r in rows}
    boots = sorted({(r["kernel"], r["cpus"]) for r in rows}, key=lambda b: (kver(b[0]), b[1]))
    out = []
    # 1. memory, at 640 and at 2 possible CPUs: every boot that has them
    for c in (640, 2):
        rs = [at[b + (MEM_KEYS,)] for b in boots if b[1] == c and b + (MEM_KEYS,) in at]
        line = f"- BPF map memory <= 8 MiB for {MEM_KEYS:,} keys at {c} possible CPUs: "
        if not rs:
            out.append(line + "not measured")
            continue
        out.append(line + "; ".join(
            f"{mib(r['memlock'])} ({r['kernel']}{'' if real_memlock(r['kernel']) else ', formula'})"
            for r in rs) + f": {verdict(all(r['memlock'] <= MEM_LIMIT for r in rs))}")
    # 2. drops
    rs = [at[b + (DROP_KEYS,)] for b in boots if b + (DROP_KEYS,) in at]
    if rs:
        ok = all(r["dropped"] == 0 and r["exits_after"] > 0
                 and r["real"] + r["made"] == DROP_KEYS for r in rs)
        what = "; ".join(f"{boot_name(r['kernel'], r['cpus'])}: {r['real'] + r['made']:,} live, "
                         f"{r['dropped']:,} dropped, {r['exits_after']:,} VM exits counted meanwhile"
                         for r in rs)
        out.append(f"- no drops with {DROP_KEYS:,} live keys: {what}: {verdict(ok)}")
    # 3. CPU at 16,384 keys, reported for 65,536
    for b in boots:
        r = at.get(b + (CPU_KEYS,))
        if r is None or per_refresh(r) is None:
            continue
        ns = per_refresh(r)
        big = at.get(b + (65536,))
        rep = (f" ({per_refresh(big):,.0f} = {pct_core(per_refresh(big)):.2f}% at 65,536 keys)"
               if big and per_refresh(big) is not None else "")
        noisy = " (the guest was not quiet: not a valid measurement)" if r["exits_during"] else ""
        out.append(f"- exittop's CPU per refresh <= 1% of one core with {CPU_KEYS:,} live keys, "
                   f"{boot_name(*b)}: {ns:,.0f} guest ns = {pct_core(ns):.2f}%{rep}{noisy}: "
                   f"{verdict(pct_core(ns) <= CPU_LIMIT_PCT and not noisy)}")
    # 4. independent of possible CPUs: the boots of one kernel compared
    for kern in sorted({b[0] for b in boots}, key=kver):
        cpus = [b[1] for b in boots if b[0] == kern]
        if len(cpus) < 2:
            continue
        for k in sorted({r["want"] for r in rows if r["kernel"] == kern}):
            vals = [per_refresh(at[(kern, c, k)]) for c in cpus if (kern, c, k) in at]
            vals = [v for v in vals if v is not None]
            if len(vals) < 2:
                continue
            spread = (max(vals) - min(vals)) / min(vals) * 100
            out.append(f"- CPU per refresh independent of possible CPUs ({', '.join(map(str, cpus))}) "
                       f"within {CPU_SPREAD_PCT:.0f}%, {kern}, {k:,} keys: {min(vals):,.0f}-{max(vals):,.0f} "
                       f"guest ns, {spread:.1f}% apart: {verdict(spread <= CPU_SPREAD_PCT)}")
    return out + [""]


def section(path, level="##"):
    rows, maps, meta = load(path)
    out = [f"{level} Scale: possible CPUs x live keys", "",
           f"{meta.get('date', '?')}, commit {meta.get('commit', '?')}, `make bench-keyscale` "
           "(bench/keyscale-run.sh): one testbed boot per kernel and possible-CPU count, "
           f"`{meta.get('boot', '?')}` (2 CPUs online, the rest possible only; QEMU icount: guest "
           "ns = instructions). Only 6.1 raises the possible CPUs to `possible_cpus=N` (6.12 "
           "takes it as a limit below what the firmware lists); 6.1's fdinfo `memlock` is a "
           "formula, max_entries x (key + value) rounded up, marked (formula); 6.12's is what "
           "each map allocated (its hash elements, buckets, per-CPU extras). For each count of "
           "live keys a fresh exittop `-b -d 1` (batch text, default view), `--keys` the count "
           "or its default 16,384 when that is more. The keys: a real VM (exitgen `--pio 1 --hlt "
           "400 --hlt-delay-us 20000`) makes its own, is stopped (SIGSTOP) once they are "
           "counted, then bench/synthkeys.py adds the rest straight into exittop's real maps the "
           "way its BPF programs do for a key's first exit (a slot popped from `free_slots`, "
           "key -> slot inserted into `slots`), spread over 16 live processes standing in for "
           "VMMs, 64 reasons per vCPU; their counters stay zero, which costs a refresh the same "
           "reads. CPU per refresh: exittop's schedstat run time in each of five refreshes with "
           "the guest quiet (the VM stopped), their median (a read that came late, after r "
           "refreshes, gives each of them its mean; records without the refreshes one "
           "by one: the five summed, divided by five); of one core = that over the 1 s "
           "interval. Memory: fdinfo `memlock` of each BPF map exittop holds, each once. Then "
           "the VM is continued: its remaining exits (HLT, the done OUT) are counted with all "
           "the keys live, and `dropped` is exittop's drop total at the end.", ""]
    out += table(rows)
    big = max(r["want"] for r in rows)
    out += [f"Where the memory goes at {big:,} keys (fdinfo `memlock` per map, bytes):", ""]
    out += table_maps(maps, big)
    out += ["Acceptance (issue 11):", ""] + verdicts(rows)
    return out

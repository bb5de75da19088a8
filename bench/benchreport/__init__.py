"""The benchmark report generator's modules (bench/report.py is the program).

results   reading what bench/inside.sh wrote (raw.tsv, notes.txt, out/)
counts    the CPUID count each tracer reported, from its output
numbers   medians and number formatting
stats     per tracer and vCPU count: rates, slowdowns, BPF time, CPU
sections* the report, one function per section (see report.py's SECTIONS)
plot      the gnuplot data and the call of bench/slowdown.gp
"""

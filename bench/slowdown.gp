# gnuplot script of docs/benchmarks.png, run by bench/report.py:
#   gnuplot -e "datafile='...'; outfile='...'; subtitle='...'" bench/slowdown.gp
# datafile columns: tracer, 1-vCPU slowdown, min, max, 2-vCPU slowdown, min, max
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 900,520 font "sans,10"
} else {
	set terminal png size 900,520
}
set output outfile
set termoption noenhanced
set title "Guest CPUID exits slowed down by each tracer (median of rounds; bars: min-max)\n".subtitle
set ylabel "slowdown vs no tracer (x)"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key top left
set xtics nomirror
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#555555"
plot datafile using 2:3:4:xtic(1) title "1 vCPU" lc rgb "#4477aa", \
     '' using 5:6:7 title "2 vCPUs" lc rgb "#ee7733"

# Checks the RETURN-1 RULE of bpf/exits.bpf.c on a BPF instruction listing:
# every `exit` must directly follow `r0 = 1` and no jump may land on an
# `exit` (which would skip that `r0 = 1`). Reads either
#   llvm-objdump -d --no-show-raw-insn   ("  147:\tr0 = 1")  or
#   bpftool prog dump xlated             ("  110: (b7) r0 = 1").
# Prints one line per problem; exit status 1 if any, 2 if no exit was seen.
{
	line = $0
	if (match(line, /^ *[0-9]+:[ \t]+/)) {
		idx = line; sub(/:.*/, "", idx); idx += 0
		text = substr(line, RLENGTH + 1)
		sub(/^\([0-9a-f][0-9a-f]\) /, "", text)	# xlated opcode
		sub(/[ \t]+$/, "", text)
		insn[idx] = text
		if (text == "exit")
			exits[idx] = 1
		if (match(text, /goto (pc)?[+-][0-9]+/)) {
			off = substr(text, RSTART + 5, RLENGTH - 5); sub(/^pc/, "", off)
			target[idx + 1 + off] = target[idx + 1 + off] " " idx
		}
	}
}
END {
	bad = 0; n = 0
	for (k in exits) {
		n++
		if (insn[k - 1] != "r0 = 1") {
			printf "%s: exit at %d follows \"%s\", not \"r0 = 1\"\n", prog, k, insn[k - 1]
			bad = 1
		}
		if (k in target) {
			printf "%s: jump(s) from%s land on the exit at %d\n", prog, target[k], k
			bad = 1
		}
	}
	if (!n) {
		printf "%s: no exit instruction found\n", prog
		exit 2
	}
	exit bad
}

# Turn a reason table (lib/reasons-*.tsv: code, name, alias or -, description,
# tab-separated, # comments) into a C array initializer of struct reason_entry.
# Usage: awk -v table=vmx_table -f lib/gen-reasons.awk lib/reasons-vmx.tsv
# Refuses (exit 1) a row with the wrong field count, a code out of order or
# a double quote or backslash, which would need escaping in C.
# POSIX awk (mawk has no strtonum): codes are 0x hex.
function hex(s,    i, v) {
	v = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
BEGIN { FS = "\t"; printf "static const struct reason_entry %s[] = {\n", table }
/^#/ || /^$/ { next }
{
	if (NF != 4 || $0 ~ /["\\]/) {
		printf "%s:%d: bad row\n", FILENAME, FNR > "/dev/stderr"; bad = 1; exit 1
	}
	if ($1 !~ /^0x[0-9a-fA-F]+$/) {
		printf "%s:%d: code %s is not 0x hex\n", FILENAME, FNR, $1 > "/dev/stderr"; bad = 1; exit 1
	}
	code = hex($1)
	if (n++ && code <= last) {
		printf "%s:%d: code %s not ascending\n", FILENAME, FNR, $1 > "/dev/stderr"; bad = 1; exit 1
	}
	last = code
	alias = $3 == "-" ? "NULL" : "\"" $3 "\""
	printf "\t{ %su, \"%s\", %s, \"%s\" },\n", $1, $2, alias, $4
}
END { if (!bad) print "};" }

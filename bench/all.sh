#!/usr/bin/env bash
# Runs every benchmark script in bench/ and prints one table of ratios:
#
#   what | ours | anchor | ratio | target
#
# so that one round can be compared with the next. A script contributes
# rows by printing lines of the form
#
#   row: WHAT | OURS | ANCHOR | RATIO | TARGET
#
# (bench/lib.sh's bench_row prints one); a script that prints none is
# listed with its last line of output, a missing script as missing, a
# failed one with its exit status, and the run goes on. Each script's
# whole output is kept in $WORK/NAME.log.
#
#   sudo bash bench/all.sh [NAME...]   (default: every script below that exists)
#
# Some scripts mount (commit, fuse) or drop the cache (fifo): run as root.
set -uo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-bench/out/all}
mkdir -p "$work"
work=$(cd "$work" && pwd)

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	names=(master checksum append commit readers fifo fuse million)
	# Scripts added later run too, after the known ones.
	for f in bench/*.sh; do
		n=$(basename "$f" .sh)
		case " ${names[*]} all lib " in *" $n "*) ;; *) names+=("$n") ;; esac
	done
fi

rows=$work/rows
: >"$rows"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for n in "${names[@]}"; do
	f=bench/$n.sh
	if [ ! -f "$f" ]; then
		echo "$n | missing | | | " >>"$rows"
		continue
	fi
	echo "== $n ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
	bash "$f" >"$work/$n.log" 2>&1
	rc=$?
	got=$(sed -n 's/^row: //p' "$work/$n.log")
	if [ -n "$got" ]; then
		echo "$got" >>"$rows"
	else
		echo "$n | (no rows) $(grep -v '^[[:space:]]*$' "$work/$n.log" | tail -1 | tr '|' '/' | cut -c1-60) | | | " >>"$rows"
	fi
	[ $rc -eq 0 ] || echo "$n | failed: exit $rc, see $work/$n.log | | | " >>"$rows"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk -F' *[|] *' '
	{ for (i = 1; i <= 5; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		split("what|ours|anchor|ratio|target", h, "|")
		for (i = 1; i <= 5; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		line = ""
		for (i = 1; i <= 5; i++) line = line sprintf("%s%-*s", i > 1 ? " | " : "", w[i], h[i])
		print line
		line = ""
		for (i = 1; i <= 5; i++) { d = ""; for (k = 0; k < w[i]; k++) d = d "-"; line = line (i > 1 ? "-|-" : "") d }
		print line
		for (r = 1; r <= NR; r++) {
			line = ""
			for (i = 1; i <= 5; i++) line = line sprintf("%s%-*s", i > 1 ? " | " : "", w[i], c[r, i])
			print line
		}
	}' "$rows"

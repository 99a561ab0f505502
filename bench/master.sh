#!/usr/bin/env bash
# Mastering a tree of 2,000 files (about 1 GiB, random sizes, a few
# directories), page-cached: cat of every file into one file, discstage
# master, genisoimage -R -J and xorriso -as mkisofs -R -J, side by side in
# one run. Each is run RUNS times (default 5); the median time and its
# ratio to cat are printed, then the peak RSS of discstage.
#
#   bash bench/master.sh [TREE]     (default: makes bench/out/master/tree)
#
# Target: discstage at most 1.1x cat and no slower than genisoimage.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-bench/out/master}
runs=${RUNS:-5}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
ds=$(bench_build "$work")

tree=${1:-$work/tree}
[ -n "${1:-}" ] || bench_tree "$tree"
tree=$(cd "$tree" && pwd)

out=$work/out
list=$work/files.list
find "$tree" -type f ! -name .done -print0 | sort -z > "$list"

run_cat()         { xargs -0 cat < "$list" > "$out"; }
run_discstage()   { "$ds" master -o "$out" "$tree" 2>/dev/null; }
run_genisoimage() { genisoimage -quiet -R -J -o "$out" "$tree" 2>/dev/null; }
run_xorriso()     { xorriso -as mkisofs -quiet -R -J -o "$out" "$tree" 2>/dev/null; }

now() { date +%s.%N; }
declare -A median
tools="cat discstage genisoimage xorriso"
for r in $(seq "$runs"); do
	for tool in $tools; do
		rm -f "$out"
		sync # start each run without the previous one's dirty pages
		t0=$(now)
		"run_$tool"
		t1=$(now)
		echo "$tool $(echo "$t1 - $t0" | bc)" >> "$work/times.$$"
	done
done
for tool in $tools; do
	median[$tool]=$(awk -v t="$tool" '$1 == t { print $2 }' "$work/times.$$" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
done
rm -f "$work/times.$$" "$out"

printf '%-12s %10s %10s\n' tool "median s" "x cat"
for tool in $tools; do
	printf '%-12s %10.3f %10.2f\n' "$tool" "${median[$tool]}" "$(echo "${median[$tool]} / ${median[cat]}" | bc -l)"
done

for tool in discstage genisoimage xorriso; do
	target="-"
	[ $tool = discstage ] && target="<= 1.0x cat"
	bench_row "mastering 1 GiB, no MD5: $tool" "$(printf '%.3f s' "${median[$tool]}")" "$(printf 'cat %.3f s' "${median[cat]}")" \
		"$(printf '%.2fx' "$(echo "${median[$tool]} / ${median[cat]}" | bc -l)")" "$target"
done

if [ -x /usr/bin/time ]; then
	rss=$(/usr/bin/time -f %M "$ds" master -o "$out" "$tree" 2>&1 >/dev/null | tail -1)
	echo "discstage peak RSS: ${rss} KiB"
	rm -f "$out"
else
	echo "discstage peak RSS: /usr/bin/time not installed (apt-get install time)"
fi

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
go build -o "$work/discstage" ./cmd/discstage
ds=$work/discstage

tree=${1:-$work/tree}
if [ -z "${1:-}" ] && [ ! -f "$tree/.done" ]; then
	rm -rf "$tree"
	echo "making 2,000 files of about 1 GiB in $tree ..."
	python3 - "$tree" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(1)
block = os.urandom(1 << 20)
for i in range(2000):
    d = os.path.join(root, "dir%02d" % (i % 20), "sub%d" % (i % 3))
    os.makedirs(d, exist_ok=True)
    size = rng.randint(0, 1 << 20)  # mean 512 KiB: about 1 GiB in all
    off = rng.randint(0, len(block) - 1)
    data = (block[off:] + block[:off])[:size]
    with open(os.path.join(d, "file%04d.bin" % i), "wb") as f:
        f.write(data)
open(os.path.join(root, ".done"), "w").close()
PY
fi
echo "tree: $(find "$tree" -type f ! -name .done | wc -l) files, $(du -sh --apparent-size "$tree" | cut -f1)"

# Page-cache the tree.
find "$tree" -type f -print0 | xargs -0 cat > /dev/null

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

if [ -x /usr/bin/time ]; then
	rss=$(/usr/bin/time -f %M "$ds" master -o "$out" "$tree" 2>&1 >/dev/null | tail -1)
	echo "discstage peak RSS: ${rss} KiB"
	rm -f "$out"
else
	echo "discstage peak RSS: /usr/bin/time not installed (apt-get install time)"
fi

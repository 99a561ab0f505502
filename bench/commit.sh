#!/usr/bin/env bash
# Committing a tree from the mount beside `discstage append` of the same
# tree, both with full verification, staging area and images on tmpfs,
# the source page-cached. The two run interleaved (the order alternates
# from round to round) so both see the same machine load; the script
# prints every round, the medians and their ratio (target: <= 1.1).
#
#   bash bench/commit.sh [SRC] [ROUNDS]     (must run as root: it mounts)
#
# SRC defaults to /usr/share/doc (issue 13 measured a copy of /usr/share:
# 45,529 files, 609 MiB); ROUNDS to 5. WORK (default
# /dev/shm/discstage-bench-commit) must be on tmpfs to match the issue.
# PROFILE=1 then runs one more round, not counted, recording CPU
# profiles (perf record -g) of the mount process during its commit and
# of the append, to
# $WORK/mount.perf and $WORK/append.perf (perf report -i FILE).
# The load average is printed with the figures: on a busy machine they
# mean little.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-/usr/share/doc}
rounds=${2:-5}
work=${WORK:-/dev/shm/discstage-bench-commit}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
ds=$(bench_build "$work")

tree=$work/tree
if [ ! -f "$work/tree.done" ] || [ "$(cat "$work/tree.done")" != "$src" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	echo "copying $src to $tree ..."
	cp -a "$src/." "$tree/" 2>/dev/null || true
	echo "$src" >"$work/tree.done"
fi
echo "tree: $(find "$tree" -type f | wc -l) files, $(find "$tree" | wc -l) entries, $(du -sh --apparent-size "$tree" | cut -f1)"
find "$tree" -type f -print0 | xargs -0 cat >/dev/null

ms() { date +%s%N; }
mnt=$work/mnt
mkdir -p "$mnt"

cleanup() { "$ds" unmount "$mnt" >/dev/null 2>&1 || true; }
trap cleanup EXIT

profile=${PROFILE:-}
last=0 # 1 in the round that records profiles

run_append() { # prints milliseconds
	rm -f "$work/append.iso"
	local t0 t1
	t0=$(ms)
	if [ "$last" = 1 ]; then
		perf record -q -g -o "$work/append.perf" -- "$ds" append --verify full "$work/append.iso" "$tree" >/dev/null 2>&1
	else
		"$ds" append --verify full "$work/append.iso" "$tree" >/dev/null
	fi
	t1=$(ms)
	echo $(((t1 - t0) / 1000000))
}

run_mount() { # prints milliseconds of the commit alone
	rm -rf "$work/mount.iso" "$work/area"
	"$ds" mount --staging "$work/area" "$work/mount.iso" "$mnt" >/dev/null
	cp -a "$tree/." "$mnt/"
	sync -f "$mnt" 2>/dev/null || true
	local t0 t1 rec=
	if [ "$last" = 1 ]; then
		perf record -q -g -o "$work/mount.perf" -p "$(pgrep -f -- "mount --staging $work/area" | head -1)" 2>/dev/null &
		rec=$!
		sleep 0.5
	fi
	t0=$(ms)
	"$ds" commit "$mnt" >/dev/null
	t1=$(ms)
	if [ -n "$rec" ]; then
		kill -INT "$rec"
		wait "$rec" || true
	fi
	"$ds" unmount "$mnt" >/dev/null
	echo $(((t1 - t0) / 1000000))
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: >"$work/append.ms"
: >"$work/mount.ms"
printf '%-6s %10s %10s\n' round append_ms mount_ms
for i in $(seq 1 "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run_append)
		m=$(run_mount)
	else
		m=$(run_mount)
		a=$(run_append)
	fi
	echo "$a" >>"$work/append.ms"
	echo "$m" >>"$work/mount.ms"
	printf '%-6s %10d %10d\n' "$i" "$a" "$m"
done
am=$(median <"$work/append.ms")
mm=$(median <"$work/mount.ms")
printf 'median: append %s ms, commit from the mount %s ms (load average:%s)\n' "$am" "$mm" "$(uptime | sed 's/.*load average://')"
awk -v a="$am" -v m="$mm" 'BEGIN { printf "commit/append ratio: %.2f (target <= 1.10)\n", m / a }'
echo "row: commit from the mount, $(basename "$src") | $mm ms | append $am ms | $(awk -v a="$am" -v m="$mm" 'BEGIN { printf "%.2fx", m / a }') | <= 1.1x append"
if [ -n "$profile" ]; then
	last=1
	run_append >/dev/null
	run_mount >/dev/null
	echo "profiles: $work/append.perf, $work/mount.perf (perf report -i FILE)"
fi

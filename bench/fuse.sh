#!/usr/bin/env bash
# The mount against go-fuse's loopback example and native tmpfs (issue
# 18's mount rows). Two workloads: `cp -a` of a big tree, and 10,000
# files of 100 bytes written one after another (package fs's
# BenchmarkCreate10000, by bench/smallfiles). Every run gets a fresh
# tmpfs that holds the destination: the staging area and image for
# discstage, the underlying folder for the loopback, the copy itself
# natively. The source tree is copied to tmpfs once, so every side
# reads it from memory. The sides run interleaved (the order rotates
# from round to round) so all see the same machine load; the script
# prints every run, the load average, then one row per workload with
# the median time of each side and discstage's rate against the
# loopback's (target: >= 1.5) and native's.
#
#   bash bench/fuse.sh [SRC] [ROUNDS]     (must run as root: it mounts)
#
# SRC defaults to /usr/share, ROUNDS to 5. WORK (default
# /dev/shm/discstage-bench-fuse) must be on tmpfs. DISCSTAGE names a
# discstage binary to measure instead of building this tree's (to
# measure an older commit); BEFORE names another (an older build) to
# measure beside it, interleaved, as a fourth side. BG=1 adds this
# build's mount served in the background (discstage mount without
# --foreground, as users mount) as one more side, "background", with a
# row of its own per workload. OPS=1 runs each mount once more with
# FUSE debug logging and prints its requests by opcode (slow; not
# timed), with the count of those the copy waits for on each side and
# their ratio: the most the mount's rate can gain over the loopback's
# while a request costs about the same on both. The "server cpu" rows are the mount process's user+system
# CPU time.
#
# The timed mounts are served in the foreground, from this script's
# session, as the loopback example serves. A FUSE server in a session
# of its own (setsid) is a scheduling group of its own under the
# kernel's autogroup scheduling, and on a busy machine every request
# then waits for that group's turn: a background mount started so took
# about twice the time at a load average of 50, 1.1 to 1.3 times at 5
# to 7. The background mount now stays in the session that started it
# (platform.Detach), which BG=1 measures.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-/usr/share}
rounds=${2:-5}
work=${WORK:-/dev/shm/discstage-bench-fuse}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
if [ -n "${DISCSTAGE:-}" ]; then
	ds=$DISCSTAGE
else
	ds=$(bench_build "$work")
fi
go build -o "$work/loopback" github.com/hanwen/go-fuse/v2/example/loopback
go build -o "$work/smallfiles" ./bench/smallfiles
lb=$work/loopback

tree=$work/src
if [ ! -f "$work/src.done" ] || [ "$(cat "$work/src.done")" != "$src" ]; then
	rm -rf "$tree"
	echo "copying $src to $tree ..."
	cp -a "$src" "$tree" 2>/dev/null || true
	echo "$src" >"$work/src.done"
fi
entries=$(find "$tree" | wc -l)
echo "tree: $src, $entries entries ($(find "$tree" -type f | wc -l) files), $(du -sh --apparent-size "$tree" | cut -f1)"
# Each run's tmpfs holds the tree (and, for discstage, its staging
# area and image) with room to spare.
size=$(($(du -s --block-size=1M "$tree" | cut -f1) * 2 + 1024))m

run=$work/run
mnt=$work/mnt
mkdir -p "$run" "$mnt"
cleanup() {
	"$ds" unmount "$mnt" >/dev/null 2>&1 || umount "$mnt" 2>/dev/null || true
	umount "$run" 2>/dev/null || true
}
trap cleanup EXIT

ns() { date +%s%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# cputime PID: user+system seconds of a process.
cputime() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

# waitgone PID: waits until a process has ended.
waitgone() { while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }

# server MNT: the process ID of the background mount serving MNT.
server() {
	local p
	for p in /proc/[0-9]*; do
		case $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") in
		*" mount "*"$1 "*--foreground*) basename "$p" ;;
		esac
	done
}

# start SIDE [DEBUGLOG]: mounts a fresh tmpfs at $run and sets dest to
# where the side writes and pid to its server (empty natively).
start() {
	mount -t tmpfs -o "size=$size" tmpfs "$run"
	pid=
	case $1 in
	discstage | before)
		local bin=$ds
		[ "$1" = discstage ] || bin=$BEFORE
		if [ -n "${2:-}" ]; then
			"$bin" mount --foreground --debug --staging "$run/area" "$run/img.iso" "$mnt" 2>"$2" &
		else
			"$bin" mount --foreground --staging "$run/area" "$run/img.iso" "$mnt" 2>/dev/null &
		fi
		pid=$!
		until mountpoint -q "$mnt"; do sleep 0.05; done
		dest=$mnt
		;;
	background)
		"$ds" mount --staging "$run/area" "$run/img.iso" "$mnt" >/dev/null 2>&1
		pid=$(server "$mnt")
		dest=$mnt
		;;
	loopback)
		mkdir "$run/orig"
		if [ -n "${2:-}" ]; then
			"$lb" -debug "$mnt" "$run/orig" 2>"$2" >/dev/null &
		else
			"$lb" -q "$mnt" "$run/orig" &
		fi
		pid=$!
		until mountpoint -q "$mnt"; do sleep 0.05; done
		dest=$mnt
		;;
	native)
		dest=$run
		;;
	esac
}

# stop SIDE: unmounts and drops the run's tmpfs.
stop() {
	case $1 in
	discstage | background) "$ds" unmount "$mnt" >/dev/null ;;
	before) "$BEFORE" unmount "$mnt" >/dev/null ;;
	loopback) umount "$mnt" ;;
	esac
	[ -z "$pid" ] || waitgone "$pid"
	until umount "$run" 2>/dev/null; do sleep 0.1; done
}

# workload WHAT DEST: runs one workload.
workload() {
	case $1 in
	tree) cp -a "$tree" "$2/tree" ;;
	small) "$work/smallfiles" "$2/small" ;;
	esac
}

# measure SIDE WHAT: prints "seconds server-cpu-seconds".
measure() {
	start "$1"
	local t0 t1 cpu=0
	t0=$(ns)
	workload "$2" "$dest"
	t1=$(ns)
	[ -z "$pid" ] || cpu=$(cputime "$pid")
	stop "$1"
	awk -v d=$((t1 - t0)) -v c="$cpu" 'BEGIN { printf "%.3f %s\n", d / 1e9, c }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

sides=(discstage loopback native)
[ -z "${BEFORE:-}" ] || sides+=(before)
[ -z "${BG:-}" ] || sides+=(background)
nsides=${#sides[@]}
whats=(tree small)
rm -f "$work"/*.times "$work"/*.cpu
echo "load average before: $(load)"
printf '%-6s %-6s %-10s %9s %9s  %s\n' round what side seconds cpu_s load
for i in $(seq 1 "$rounds"); do
	for what in "${whats[@]}"; do
		for k in $(seq 0 $((nsides - 1))); do
			side=${sides[$(((i + k) % nsides))]}
			read -r s c < <(measure "$side" "$what")
			echo "$s" >>"$work/$what.$side.times"
			echo "$c" >>"$work/$what.$side.cpu"
			printf '%-6s %-6s %-10s %9s %9s  %s\n' "$i" "$what" "$side" "$s" "$c" "$(load)"
		done
	done
done
echo "load average after: $(load)"

if [ -n "${OPS:-}" ]; then
	for side in discstage loopback; do
		start "$side" "$work/$side.debug"
		workload tree "$dest"
		stop "$side"
		echo "FUSE requests of $side for cp -a of $entries entries:"
		awk -v n="$entries" '
			/ rx [0-9]+: / { for (i = 1; i < NF; i++) if ($i == "rx") { id = $(i + 1); op = $(i + 2); break }
				ops[id] = op; c[op]++; total++; next }
			/ tx [0-9]+: / { for (i = 1; i < NF; i++) if ($i == "tx") { id = $(i + 1); st = $(i + 2); break }
				if (st !~ /^OK/) e[ops[id] " " st]++; delete ops[id] }
			END { for (o in c) { printf "  %-12s %8d %6.2f/entry\n", o, c[o], c[o] / n
					if (o !~ /^(RELEASE|RELEASEDIR|FORGET|BATCH_FORGET|INTERRUPT)$/) waited += c[o] }
				printf "  %-12s %8d %6.2f/entry\n", "total", total, total / n
				printf "  %-12s %8d %6.2f/entry\n", "waited for", waited, waited / n
				for (k in e) printf "  answered %s: %d\n", k, e[k] }' "$work/$side.debug" | sort -k2 -nr |
			tee "$work/$side.ops"
	done
	# The kernel sends RELEASE and FORGET without waiting for the
	# answer; every other request holds the copy until it is answered.
	# With a request costing about the same on both sides, the ratio of
	# the counts is the most the mount can gain over the loopback.
	awk '/waited for/ { w[FILENAME] = $3 } END {
		d = w[ARGV[1]]; l = w[ARGV[2]]
		if (d > 0) printf "requests waited for: loopback %d, discstage %d: at most %.2fx the loopback'"'"'s rate at equal cost a request\n", l, d, l / d }' \
		"$work/discstage.ops" "$work/loopback.ops"
fi

echo
label() { case $1 in tree) echo "cp -a $src ($entries entries)" ;; small) echo "10,000 files of 100 bytes" ;; esac; }
# row WHAT D L N [B]: one row of medians (seconds) and rate ratios.
row() {
	awk -v w="$1" -v d="$2" -v l="$3" -v n="$4" -v b="${5:-}" 'BEGIN {
		r = sprintf("| %s | %.2f s (%.2f× native) | %.2f s | %s | %.2f× |", w, d, (n > 0 ? n / d : 0), l,
			(n > 0 ? sprintf("%.2f s", n) : ""), l / d)
		if (n == 0) sub(/ \(0\.00× native\)/, "", r)
		if (b != "") r = r sprintf(" %.2f s (%.2f× loopback) |", b, l / b)
		print r }'
}
if [ -n "${BEFORE:-}" ]; then
	printf '| %s | %s | %s | %s | %s | %s |\n' what discstage loopback native "ratio vs loopback" "discstage before"
	printf '|---|---|---|---|---|---|\n'
else
	printf '| %s | %s | %s | %s | %s |\n' what discstage loopback native "ratio vs loopback"
	printf '|---|---|---|---|---|\n'
fi
for what in "${whats[@]}"; do
	b= bc=
	if [ -n "${BEFORE:-}" ]; then
		b=$(median <"$work/$what.before.times")
		bc=$(median <"$work/$what.before.cpu")
	fi
	row "$(label "$what")" "$(median <"$work/$what.discstage.times")" "$(median <"$work/$what.loopback.times")" \
		"$(median <"$work/$what.native.times")" "$b"
	row "$(label "$what"), server cpu" "$(median <"$work/$what.discstage.cpu")" "$(median <"$work/$what.loopback.cpu")" 0 "$bc"
	if [ -n "${BG:-}" ]; then
		row "$(label "$what"), background mount" "$(median <"$work/$what.background.times")" \
			"$(median <"$work/$what.loopback.times")" 0
	fi
done
# The rows of bench/all.sh's table: the wall-clock medians against the
# loopback's, whose rate the mount should beat by half again.
for what in "${whats[@]}"; do
	d=$(median <"$work/$what.discstage.times")
	l=$(median <"$work/$what.loopback.times")
	bench_row "FUSE: $(label "$what")" "$(printf '%.2f s' "$d")" "$(printf 'go-fuse loopback %.2f s' "$l")" \
		"$(awk -v d="$d" -v l="$l" 'BEGIN { printf "%.2fx", l / d }')" ">= 1.5x loopback"
done

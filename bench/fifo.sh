#!/usr/bin/env bash
# The drive FIFO under load: a tree of 100,000 small files (0-16 KiB,
# about 800 MiB), cold in the cache, burned to a throttled emulated BD-R
# at 16x (72 MB/s) and DVD+R at 24x (33 MB/s) while two busy loops keep
# both cores busy, once per FIFO size. Each line gives the FIFO's lowest
# fill once writing started (the FIFO is full at the first WRITE), the
# times the drive side found it empty, the drive buffer's lowest fill
# and its underruns (the buffer run empty mid-track).
#
#   sudo bash bench/fifo.sh [TREE]   (default: makes bench/out/fifo/tree)
#
# FIFO_SIZES (MiB, default 4,8,32), PRIORITY (raised, own, or both as
# "raised,own": the burn at a raised priority as a drive records, at the
# process's own, or each in turn; default raised), LOAD_APART=1 to start
# each busy loop in a session of its own (as a load started from another
# terminal: the kernel's autogroups then share the machine by group),
# NOLOAD=1 to run without the busy loops, NODROP=1 to keep the cache
# (dropping it needs root).
# Target: no underrun and the FIFO never empty at the default size.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-bench/out/fifo}
mkdir -p "$work"
work=$(cd "$work" && pwd)

tree=${1:-$work/tree}
if [ -z "${1:-}" ] && [ ! -f "$tree/.done" ]; then
	rm -rf "$tree"
	mkdir -p "$tree"
	echo "making 100,000 files of 0-16 KiB in $tree ..."
	python3 - "$tree" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(18)
block = os.urandom(1 << 16)
for i in range(100000):
    d = os.path.join(root, "d%03d" % (i % 500), "s%d" % (i % 4))
    os.makedirs(d, exist_ok=True)
    size = rng.randint(0, 16384)
    off = rng.randint(0, len(block) - size)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(block[off:off + size])
open(os.path.join(root, ".done"), "w").close()
PY
fi
tree=$(cd "$tree" && pwd)
echo "tree: $(find "$tree" -type f ! -name .done | wc -l) files, $(du -sh --apparent-size "$tree" | cut -f1)"

# The test binary is built before the load starts.
go test -c -o "$work/bench.test" ./bench/
# The emulated media live in memory when there is room: a drive writes
# to its disc, not to the disk the tree is read from.
media=$work/media
[ -d /dev/shm ] && media=$(mktemp -d /dev/shm/discstage-fifo.XXXXXX)
mkdir -p "$media"

pids=()
stop() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ "$media" != "$work/media" ] && rm -rf "$media"
}
trap stop EXIT
if [ -z "${NOLOAD:-}" ]; then
	apart=
	[ -n "${LOAD_APART:-}" ] && apart=setsid
	for i in 1 2; do
		$apart bash -c 'while :; do :; done' &
		pids+=($!)
	done
	echo "load: ${#pids[@]} busy loops (pids ${pids[*]})${apart:+, each in a session of its own}"
fi
drop=1
[ -n "${NODROP:-}" ] && drop=
[ "$(id -u)" = 0 ] || { echo "not root: the cache is not dropped"; drop=; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
DISCSTAGE_BENCH_FIFO=$tree DISCSTAGE_BENCH_FIFO_SIZES=${FIFO_SIZES:-4,8,32} \
	DISCSTAGE_BENCH_FIFO_PRIORITY=${PRIORITY:-raised} \
	DISCSTAGE_BENCH_FIFO_DROP=$drop DISCSTAGE_BENCH_FIFO_WORK=$media \
	"$work/bench.test" -test.run '^TestFifoUnderLoad$' -test.count 1 -test.timeout 2h | grep --line-buffered -v '^PASS$'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

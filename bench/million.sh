#!/usr/bin/env bash
# A disc of 1,000,000 files (issue 18): 900 directories of 1,000 empty
# files and one flat directory of 100,000, written once as session 1 of
# an image with `discstage append` (tree and image cached in WORKDIR).
# On a copy of it: `discstage mount` (time until ready), the same mount
# again over the area it left, `ls -lR`, `discstage status`, `df`, the
# status with one more file staged and its commit through the mount, each with the mount
# process's resident memory (VmRSS, and VmHWM, its peak) per file on the
# disc. The anchors, in the same run: xorriso loading the same image's
# tree (-indev), and xorriso adding the same one file to a copy of it as
# a new session with MD5 tags (-md5 on -map -commit), each with its time
# and peak memory. Then staging's TestManyFiles over another copy gives
# the live Go heap of an open area per file and writes CPU and heap
# profiles to WORKDIR/prof (go tool pprof -top WORKDIR/prof/open.heap).
#
#   bash bench/million.sh [WORKDIR]      (default: bench/out/million)
#
# Run as root (FUSE). The machine's load average is printed with the
# figures: on a busy machine the times mean little.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=$PWD
work=${1:-bench/out/million}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
ds=$(bench_build "$work")
files=1000000

tree=$work/tree
if [ ! -f "$work/tree.done" ]; then
	echo "making 1,000,000 empty files in $tree ..."
	python3 - "$tree" <<'PY'
import os, sys
root = sys.argv[1]
os.makedirs(root, exist_ok=True)
for d in range(900):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p, exist_ok=True)
    for f in range(1000):
        open(os.path.join(p, "f%04d" % f), "w").close()
p = os.path.join(root, "flat")
os.makedirs(p, exist_ok=True)
for f in range(100000):
    open(os.path.join(p, "file%06d" % f), "w").close()
PY
	touch "$work/tree.done"
fi
base=$work/base.iso
if [ ! -f "$base.done" ]; then
	echo "writing session 1 of $base ..."
	rm -f "$base"
	"$ds" append --verify none "$base" "$tree" >/dev/null
	touch "$base.done"
fi

ms() { date +%s%N; }
row() { printf '%-34s | %9s | %10s | %9s | %s\n' "$@"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
perfile() { awk -v k="$1" -v n="$files" 'BEGIN { printf "%.0f B", k * 1024 / n }'; }
secs() { awk -v t="$1" 'BEGIN { printf "%.2f s", t / 1e9 }'; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# unmount PID: unmounts and waits until the mount's process has ended
# (it closes the area and lets go of the target after the mount is gone).
unmount() {
	"$ds" unmount "$mnt" >/dev/null
	while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
}

img=$work/run.iso area=$work/area mnt=$work/mnt
"$ds" unmount "$mnt" >/dev/null 2>&1 || true
rm -rf "$area" "$img"
cp --sparse=always "$base" "$img"
mkdir -p "$mnt"
sync
echo "a disc of $files files, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s | %9s | %10s | %9s | %s\n' "what" "time" "memory" "per file" "target"

t0=$(ms)
"$ds" mount --staging "$area" "$img" "$mnt" >/dev/null
t1=$(ms)
first=$((t1 - t0))
pid=$(pgrep -f -- "--staging $area " | head -1)
row "mount (first: area made)" "$(secs $first)" "$(mib "$(hwm "$pid")") peak" "$(perfile "$(hwm "$pid")")" "< 2 s, < 400 B"
unmount "$pid"
t0=$(ms)
"$ds" mount --staging "$area" "$img" "$mnt" >/dev/null
t1=$(ms)
again=$((t1 - t0))
pid=$(pgrep -f -- "--staging $area " | head -1)
row "mount (again: area replayed)" "$(secs $again)" "$(mib "$(hwm "$pid")") peak" "$(perfile "$(hwm "$pid")")" "< 2 s, < 400 B"
row "  resident once ready" "" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" "< 400 B"

t0=$(ms)
n=$(ls -lR "$mnt" | wc -l)
t1=$(ms)
row "ls -lR ($n lines)" "$(secs $((t1 - t0)))" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" "< 400 B"
sleep 2
row "  resident 2 s after" "" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" "< 400 B"
t0=$(ms)
"$ds" status "$mnt" >/dev/null
t1=$(ms)
row "discstage status" "$(secs $((t1 - t0)))" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" ""
t0=$(ms)
df "$mnt" >/dev/null
t1=$(ms)
row "df (statfs)" "$(secs $((t1 - t0)))" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" ""
echo "one more file" >"$mnt/one-more.txt"
t0=$(ms)
"$ds" status "$mnt" >/dev/null
t1=$(ms)
row "status, one file staged" "$(secs $((t1 - t0)))" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" ""
# The projection's memory is handed back in the background.
sleep 2
row "  resident 2 s after" "" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" "< 400 B"
t0=$(ms)
"$ds" commit --progress none "$mnt" >/dev/null
t1=$(ms)
commit=$((t1 - t0))
row "commit of one more file" "$(secs $commit)" "$(mib "$(hwm "$pid")") peak" "$(perfile "$(hwm "$pid")")" ""
# The command returns once the outcome shows; the mount hands the
# commit's memory back to the system just after.
sleep 2
row "  resident 2 s after" "" "$(mib "$(rss "$pid")")" "$(perfile "$(rss "$pid")")" "< 400 B"
unmount "$pid"
journal=$(stat -c %s "$area/state.journal") reserve=$(stat -c %s "$area/state.reserve")
echo "area on disk: state.journal $((journal / 1048576)) MiB, state.reserve $((reserve / 1048576)) MiB"
echo "load average after the mount's figures: $(cut -d' ' -f1-3 /proc/loadavg)"

# The anchors: xorriso over the same image, timed with its peak memory.
xo() { # xo NAME ARGS...: runs xorriso, sets xo_ms and xo_kib
	local t0 t1
	t0=$(ms)
	/usr/bin/time -f %M -o "$work/$1.rss" xorriso "${@:2}" >"$work/$1.log" 2>&1
	t1=$(ms)
	xo_ms=$((t1 - t0)) xo_kib=$(tail -1 "$work/$1.rss")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
xo load -indev "stdio:$base" -end
load_ms=$xo_ms
row "xorriso -indev (tree loaded)" "$(secs $xo_ms)" "$(mib "$xo_kib") peak" "$(perfile "$xo_kib")" "anchor"
echo "one more file" >"$work/one-more.txt"
cp --sparse=always "$base" "$work/xorriso.iso"
xo add -dev "stdio:$work/xorriso.iso" -md5 on -map "$work/one-more.txt" /one-more.txt -commit -end
row "xorriso -md5 on -map -commit" "$(secs $xo_ms)" "$(mib "$xo_kib") peak" "$(perfile "$xo_kib")" "anchor"
rm -f "$work/xorriso.iso"
bench_row "1M-file disc: mount, first" "$(secs $first)" "xorriso -indev $(secs $load_ms)" "$(ratio $first $load_ms)" "< 2 s"
bench_row "1M-file disc: mount, again" "$(secs $again)" "xorriso -indev $(secs $load_ms)" "$(ratio $again $load_ms)" "< 2 s"
bench_row "1M-file disc: commit one file" "$(secs $commit)" "xorriso -map -commit $(secs $xo_ms)" "$(ratio $commit $xo_ms)" "-"

# The area alone, in-process: live Go heap after a collection.
echo "staging.TestManyFiles over the same disc (live Go heap of the open area; profiles in $work/prof):"
mkdir -p "$work/prof"
rm -f "$img"
cp --sparse=always "$base" "$img"
DISCSTAGE_MILLION_IMAGE=$img DISCSTAGE_MILLION_PROF=$work/prof \
	go test -count=1 -timeout 2h -run '^TestManyFiles$' -v ./staging/ 2>&1 |
	sed -n 's/^ *million_test.go:[0-9]*: /  /p'
rm -f "$img"

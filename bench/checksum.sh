#!/usr/bin/env bash
# Checksums: what recording MD5s (libisofs format) costs while mastering,
# and how fast `discstage verify --level full` reads compared with cat
# and md5sum.
# Uses the 1 GiB tree of bench/master.sh (made here the same way if
# missing), page-cached. Each timing is the median of RUNS (default 5).
#
#   bash bench/checksum.sh [TREE]   (default: bench/out/master/tree)
#
# Targets: mastering with MD5 (discstage append, interleaved with
# md5sum of the image it wrote) at 0.9x or more of md5sum's rate: the
# hash's own speed is the limit; verify at 0.9x or more of md5sum. The
# mastering row is measured twice: with the image beside the tree (on
# a disk, whose writeback can be the limit, beside dd conv=fsync of the
# same bytes: what the disk allows) and on tmpfs.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-bench/out/checksum}
runs=${RUNS:-5}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
ds=$(bench_build "$work")

tree=${1:-bench/out/master/tree}
[ -n "${1:-}" ] || bench_tree "$tree"
tree=$(cd "$tree" && pwd)

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 0. The hash alone, in memory: crypto/md5, md5pair's Digest and
# WriteBoth (two digests over the same bytes, the session's and a
# file's), beside md5sum of 256 MiB in /dev/shm; best of RUNS.
echo "MD5 alone (best of $runs, MB/s of input; WriteBoth feeds two digests):"
shm=$(mktemp /dev/shm/checksum.XXXXXX)
head -c $((256 << 20)) /dev/urandom >"$shm"
for r in $(seq "$runs"); do
	go test ./internal/md5pair/ -run XXX -bench . -cpu 1 -benchtime 200x -count 1 | awk '/^Benchmark/ { print $1, $(NF-1) }'
	t0=$(now); md5sum "$shm" >/dev/null; t1=$(now)
	echo "md5sum $(echo "268435456 / ($t1 - $t0) / 1000000" | bc -l)"
done | awk '{ if ($2 > best[$1]) best[$1] = $2 } END { for (k in best) printf "  %-22s %6.0f MB/s\n", k, best[k] }' | sort
rm -f "$shm"

# 1. Mastering into a file, without and with checksums (Go benchmark:
# the same Layout and WriteTo the commands use), beside xorriso with and
# without --md5.
echo "mastering (median of $runs):"
bench=$(DISCSTAGE_BENCH_TREE=$tree go test ./master/ -run XXX -bench 'BenchmarkMasterMD5' -benchtime "${runs}x" -count 1 | grep '^BenchmarkMasterMD5')
echo "$bench"
off=$(echo "$bench" | awk '/md5=false/ { print $3 / 1e9 }')
on=$(echo "$bench" | awk '/md5=true/ { print $3 / 1e9 }')
out=$work/x.iso
for md5 in off on; do
	flag=""
	[ $md5 = on ] && flag="--md5"
	for r in $(seq "$runs"); do
		rm -f "$out"; sync
		t0=$(now); xorriso -as mkisofs -quiet -R -J $flag -o "$out" "$tree" 2>/dev/null; t1=$(now)
		echo "$t1 - $t0" | bc
	done | median > "$work/x.$md5"
done
rm -f "$out"
printf '%-26s %8.3f s\n' "discstage, no MD5" "$off" "discstage, MD5" "$on" \
	"xorriso -as mkisofs" "$(cat "$work/x.off")" "xorriso -as mkisofs --md5" "$(cat "$work/x.on")"
printf 'discstage MD5 / no MD5:     %6.2fx\n' "$(echo "$on / $off" | bc -l)"
printf 'xorriso --md5 / no --md5:   %6.2fx\n' "$(echo "$(cat "$work/x.on") / $(cat "$work/x.off")" | bc -l)"

# 2. Full verification against cat of the image.
img=$work/img.iso
rm -f "$img"
"$ds" append --verify none "$img" "$tree" >/dev/null
cat "$img" > /dev/null
for r in $(seq "$runs"); do
	t0=$(now); cat "$img" > /dev/null; t1=$(now); echo "$t1 - $t0" | bc
done | median > "$work/cat"
for r in $(seq "$runs"); do
	t0=$(now); "$ds" verify --level full "$img" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc
done | median > "$work/verify"
for r in $(seq "$runs"); do
	t0=$(now); xorriso -md5 on -indev "$img" -check_media -- >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc
done | median > "$work/xcheck"
# One MD5 pass over the image: the floor for any MD5 check on this CPU.
for r in $(seq "$runs"); do
	t0=$(now); md5sum "$img" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc
done | median > "$work/md5sum"
size=$(stat -c %s "$img")
rate() { echo "$size / $1 / 1000000" | bc -l; }
echo "verification of a $((size >> 20)) MiB image (median of $runs):"
printf '%-34s %8.3f s %8.0f MB/s\n' "cat IMAGE > /dev/null" "$(cat "$work/cat")" "$(rate "$(cat "$work/cat")")" \
	"discstage verify --level full" "$(cat "$work/verify")" "$(rate "$(cat "$work/verify")")" \
	"xorriso -check_media (MD5 tags)" "$(cat "$work/xcheck")" "$(rate "$(cat "$work/xcheck")")" \
	"md5sum IMAGE" "$(cat "$work/md5sum")" "$(rate "$(cat "$work/md5sum")")"
printf 'verify rate / cat rate:            %6.2fx\n' "$(echo "$(cat "$work/cat") / $(cat "$work/verify")" | bc -l)"
printf 'verify rate / md5sum rate:         %6.2fx\n' "$(echo "$(cat "$work/md5sum") / $(cat "$work/verify")" | bc -l)"
bench_row "full verify (verify --level full)" "$(printf '%.0f MB/s' "$(rate "$(cat "$work/verify")")")" \
	"$(printf 'md5sum %.0f MB/s' "$(rate "$(cat "$work/md5sum")")")" \
	"$(printf '%.2fx' "$(echo "$(cat "$work/md5sum") / $(cat "$work/verify")" | bc -l)")" ">= 0.9x md5sum"
bench_row "xorriso -check_media (anchor)" "$(printf '%.0f MB/s' "$(rate "$(cat "$work/xcheck")")")" \
	"$(printf 'md5sum %.0f MB/s' "$(rate "$(cat "$work/md5sum")")")" \
	"$(printf '%.2fx' "$(echo "$(cat "$work/md5sum") / $(cat "$work/xcheck")" | bc -l)")" "-"

# 3. Mastering with checksums as a command does it (discstage append to
# a new image, no read-back) beside md5sum of the bytes it wrote, the
# two interleaved round by round so both see the same load. A durable
# copy of the image beside it (dd conv=fsync, from the page cache) is
# what the disk allows any program that writes the image and syncs it,
# as append does: the disk row's other anchor.
: >"$work/m.md5"
: >"$work/m.sum"
: >"$work/m.dd"
for r in $(seq "$runs"); do
	rm -f "$img"; sync
	t0=$(now); "$ds" append --verify none "$img" "$tree" >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/m.md5"
	t0=$(now); md5sum "$img" >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/m.sum"
	sync
	t0=$(now); dd if="$img" of="$img.dd" bs=4M conv=fsync status=none; t1=$(now)
	echo "$t1 - $t0" | bc >>"$work/m.dd"
	rm -f "$img.dd"
done
size=$(stat -c %s "$img")
mmd5=$(median <"$work/m.md5") msum=$(median <"$work/m.sum") mdd=$(median <"$work/m.dd")
echo "mastering with MD5 beside md5sum of the same $((size >> 20)) MiB, interleaved (median of $runs, load $(cut -d' ' -f1 /proc/loadavg)):"
printf '%-34s %8.3f s %8.0f MB/s\n' "discstage append --verify none" "$mmd5" "$(rate "$mmd5")" "md5sum IMAGE" "$msum" "$(rate "$msum")"
printf 'mastering with MD5 / md5sum rate:  %6.2fx (target >= 0.9x)\n' "$(echo "$msum / $mmd5" | bc -l)"
bench_row "mastering with MD5 (append --verify none)" "$(printf '%.0f MB/s' "$(rate "$mmd5")")" \
	"$(printf 'md5sum %.0f MB/s' "$(rate "$msum")")" "$(printf '%.2fx' "$(echo "$msum / $mmd5" | bc -l)")" ">= 0.9x md5sum"
printf '%-34s %8.3f s %8.0f MB/s\n' "dd conv=fsync of the image" "$mdd" "$(rate "$mdd")"
bench_row "mastering with MD5, against a durable copy" "$(printf '%.0f MB/s' "$(rate "$mmd5")")" \
	"$(printf 'dd conv=fsync %.0f MB/s' "$(rate "$mdd")")" "$(printf '%.2fx' "$(echo "$mdd / $mmd5" | bc -l)")" "the disk's bound"
# The same with the image in memory: the disk's writeback is then out of
# the way, and what is left is the hashing against md5sum's.
if [ -d /dev/shm ]; then
	mimg=$(mktemp -u /dev/shm/checksum-img.XXXXXX.iso)
	: >"$work/t.md5"
	: >"$work/t.sum"
	for r in $(seq "$runs"); do
		rm -f "$mimg"
		t0=$(now); "$ds" append --verify none "$mimg" "$tree" >/dev/null; t1=$(now)
		echo "$t1 - $t0" | bc >>"$work/t.md5"
		t0=$(now); md5sum "$mimg" >/dev/null; t1=$(now)
		echo "$t1 - $t0" | bc >>"$work/t.sum"
	done
	rm -f "$mimg"
	tmd5=$(median <"$work/t.md5") tsum=$(median <"$work/t.sum")
	printf '%-34s %8.3f s %8.0f MB/s\n' "same, image on tmpfs" "$tmd5" "$(rate "$tmd5")" "md5sum IMAGE on tmpfs" "$tsum" "$(rate "$tsum")"
	bench_row "mastering with MD5, image on tmpfs" "$(printf '%.0f MB/s' "$(rate "$tmd5")")" \
		"$(printf 'md5sum %.0f MB/s' "$(rate "$tsum")")" "$(printf '%.2fx' "$(echo "$tsum / $tmd5" | bc -l)")" ">= 0.9x md5sum"
	rm -f "$work/t.md5" "$work/t.sum"
fi
bench_row "MD5 cost in mastering (Go benchmark)" "$(printf '%.3f s' "$on")" "$(printf 'no MD5 %.3f s' "$off")" \
	"$(printf '%.2fx' "$(echo "$on / $off" | bc -l)")" "-"
bench_row "xorriso --md5 cost (anchor)" "$(printf '%.3f s' "$(cat "$work/x.on")")" "$(printf 'no --md5 %.3f s' "$(cat "$work/x.off")")" \
	"$(printf '%.2fx' "$(echo "$(cat "$work/x.on") / $(cat "$work/x.off")" | bc -l)")" "-"
rm -f "$img" "$work"/x.* "$work"/cat "$work"/verify "$work"/xcheck "$work"/md5sum "$work"/m.md5 "$work"/m.sum "$work"/m.dd

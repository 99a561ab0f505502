#!/usr/bin/env bash
# Appending one 1 MiB file to an image whose newest session holds 100,000
# files: discstage beside xorriso, on copies of the same image, in one run.
# Prints the time and the bytes each image grew by.
#
#   bash bench/append.sh [WORKDIR]      (default: bench/out/append)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-bench/out/append}
mkdir -p "$work"
work=$(cd "$work" && pwd)
. bench/lib.sh
ds=$(bench_build "$work")

tree=$work/tree100k
if [ ! -f "$tree/.done" ]; then
	rm -rf "$tree"
	echo "making 100,000 files in $tree ..."
	python3 - "$tree" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p)
    for f in range(1000):
        with open(os.path.join(p, "file%04d.txt" % f), "w") as fh:
            fh.write("%d/%d\n" % (d, f))
open(os.path.join(root, ".done"), "w").close()
PY
fi
base=$work/base.iso
if [ ! -f "$base" ]; then
	echo "mastering session 1 ..."
	"$ds" append --verify none "$base" "$tree" >/dev/null
fi
head -c 1048576 /dev/urandom >"$work/one.bin"

size() { stat -c %s "$1"; }
ms() { date +%s%N; }

cp --sparse=always "$base" "$work/ds.iso"
cp --sparse=always "$base" "$work/xo.iso"
cp --sparse=always "$base" "$work/xj.iso"
cp --sparse=always "$base" "$work/xm.iso"
sync

t0=$(ms)
"$ds" append --verify full "$work/ds.iso" "$work/one.bin" >/dev/null
t1=$(ms)
xorriso -dev "$work/xo.iso" -map "$work/one.bin" /one.bin -commit >/dev/null 2>&1
t2=$(ms)
# The same hierarchies and checksums discstage writes: Joliet and MD5 on.
xorriso -dev "$work/xj.iso" -joliet on -md5 on -map "$work/one.bin" /one.bin -commit >/dev/null 2>&1
t3=$(ms)
# The same information as discstage records: -md5 on before -dev loads
# the checksums of the files already on the image and records them again
# (with -md5 on after -dev the old files lose theirs).
xorriso -md5 on -joliet on -dev "$work/xm.iso" -map "$work/one.bin" /one.bin -commit >/dev/null 2>&1
t4=$(ms)

dsT=$(( (t1 - t0) / 1000000 )) xoT=$(( (t2 - t1) / 1000000 )) xjT=$(( (t3 - t2) / 1000000 ))
dsB=$(( $(size "$work/ds.iso") - $(size "$base") )) xoB=$(( $(size "$work/xo.iso") - $(size "$base") ))
xjB=$(( $(size "$work/xj.iso") - $(size "$base") ))
xmT=$(( (t4 - t3) / 1000000 )) xmB=$(( $(size "$work/xm.iso") - $(size "$base") ))
printf '%-34s %8s %14s\n' "append 1 MiB to 100,000 files" "ms" "bytes grown"
printf '%-34s %8d %14d\n' "discstage append (verify full)" "$dsT" "$dsB"
printf '%-34s %8d %14d\n' "xorriso -dev -map -commit" "$xoT" "$xoB"
printf '%-34s %8d %14d\n' "xorriso, -joliet on -md5 on" "$xjT" "$xjB"
printf '%-34s %8d %14d\n' "xorriso, -md5 on (old sums kept)" "$xmT" "$xmB"
awk -v a="$dsT" -v b="$xoT" -v c="$xjT" 'BEGIN { if (b > 0 && c > 0) printf "discstage/xorriso time ratio: %.2f (%.2f with Joliet and MD5)\n", a / b, a / c }'
xorriso -indev "$work/ds.iso" -toc 2>&1 | grep "ISO session" || true
bench_row "append 1 MiB to 100,000 files" "$dsT ms" "xorriso -joliet on -md5 on $xjT ms" \
	"$(awk -v a="$dsT" -v c="$xjT" 'BEGIN { if (c > 0) printf "%.2fx", a / c }')" "-"

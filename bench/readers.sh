#!/usr/bin/env bash
# Each reader's view of each session: the same three sessions written by
# discstage (append --mirror) and by xorriso (-update_r), read back by
# xorriso, isoinfo -R, isoinfo -J, go-diskfs, 7z and bsdtar
# (TestReaderViews prints the table), then by the Linux kernel's iso9660
# driver, session by session (mount -o sbsector=LBA), when a kernel
# reader is at hand:
#
#   bash bench/readers.sh [WORKDIR]       (default: bench/out/readers)
#
# KERNEL_READ names the kernel reader (default
# /work/shared/tools/kernel-read: the distribution kernel in a small VM;
# it prints one line per entry: type, path, size, md5, mode, uid, gid,
# mtime, target). Without it the kernel column is left out.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-bench/out/readers}
mkdir -p "$(dirname "$work")"
work=$(cd "$(dirname "$work")" && pwd)/$(basename "$work")
kread=${KERNEL_READ:-/work/shared/tools/kernel-read}

DISCSTAGE_READERS_KEEP=$work go test -count=1 -run '^TestReaderViews$' -v ./bench/ |
	sed -n '/each reader.s view of each session/,/^--- /p' | grep -v '^--- '

if [ ! -x "$kread" ]; then
	echo "no kernel reader ($kread): kernel column left out"
	exit 0
fi
echo
echo "the kernel (iso9660, mount -o sbsector=LBA): entries read as made"
printf '%-10s %-8s %-10s %s\n' image session same/made "kernel messages"
for img in discstage xorriso; do
	n=0
	xorriso -indev "$work/$img.iso" -toc 2>/dev/null | awk -F, '/^ISO session/ { gsub(/ /, "", $2); print $2 }' |
		while read -r lba; do
			n=$((n + 1))
			out=$work/kernel-$img-$n
			"$kread" --session "$lba" "$work/$img.iso" >"$out.manifest" 2>"$out.err" || true
			python3 - "$work/tree$n" "$out.manifest" "$out.err" "$img" "$n" <<'PY'
import os, sys
tree, manifest, err, img, n = sys.argv[1:]
made = {}
for root, dirs, files in os.walk(tree):
    for name in dirs + files:
        p = os.path.join(root, name)
        rel = "/" + os.path.relpath(p, tree)
        if os.path.islink(p):
            made[rel] = ("l", os.readlink(p))
        elif os.path.isdir(p):
            made[rel] = ("d", "-")
        else:
            made[rel] = ("f", str(os.path.getsize(p)))
seen = {}
for line in open(manifest, encoding="utf-8", errors="replace"):
    f = line.rstrip("\n").split("\t")
    if len(f) < 9 or f[1] == "/":
        continue
    path = f[1].replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
    seen[path] = (f[0], f[8] if f[0] == "l" else ("-" if f[0] == "d" else f[2]))
same = sum(1 for p, v in made.items() if seen.get(p) == v)
msgs = sorted({l.split("]", 1)[-1].strip() for l in open(err, errors="replace") if l.startswith("kernel:") and ("rock" in l or "ISOFS" in l)})
missing = sorted(p for p, v in made.items() if seen.get(p) != v)
print("%-10s %-8s %-10s %s" % (img, n, "%d/%d" % (same, len(made)), "; ".join(msgs)[:160]))
for p in missing[:6]:
    print("           %s: %s, made as %s" % (p[:90], seen.get(p, "missing"), made[p]))
PY
		done
done

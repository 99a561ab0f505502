# Shared by the bench scripts: source it after `cd` to the module root.

# bench_build DIR: builds discstage into DIR and prints its path.
bench_build() {
	go build -o "$1/discstage" ./cmd/discstage
	echo "$1/discstage"
}

# bench_tree DIR: makes the benchmark tree in DIR unless it is there:
# 2,000 files of random sizes (mean 512 KiB, about 1 GiB in all) in a
# few directories, the same every time. Then page-caches it.
bench_tree() {
	local tree=$1
	if [ ! -f "$tree/.done" ]; then
		rm -rf "$tree"
		mkdir -p "$tree"
		echo "making 2,000 files of about 1 GiB in $tree ..."
		python3 - "$tree" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(1)
block = os.urandom(1 << 20)
for i in range(2000):
    d = os.path.join(root, "dir%02d" % (i % 20), "sub%d" % (i % 3))
    os.makedirs(d, exist_ok=True)
    size = rng.randint(0, 1 << 20)
    off = rng.randint(0, len(block) - 1)
    data = (block[off:] + block[:off])[:size]
    with open(os.path.join(d, "file%04d.bin" % i), "wb") as f:
        f.write(data)
open(os.path.join(root, ".done"), "w").close()
PY
	fi
	echo "tree: $(find "$tree" -type f ! -name .done | wc -l) files, $(du -sh --apparent-size "$tree" | cut -f1)"
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
}

# bench_row WHAT OURS ANCHOR RATIO TARGET: one row of bench/all.sh's table.
bench_row() {
	echo "row: $1 | $2 | $3 | $4 | $5"
}

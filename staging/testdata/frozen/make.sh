#!/usr/bin/env bash
# Makes the frozen fixtures of one release: a two-session image made by
# `discstage append` and a staging area over it, made through the mount,
# holding a journal, staged files (new ones and a disc file written to),
# deletions, renames of a disc file and a disc directory, a new
# directory, links and a permission change. TestFrozenFixtures checks
# that every later release opens each release's fixtures to the same
# trees. Run as root (it mounts), from anywhere:
#
#   bash staging/testdata/frozen/make.sh NAME
#
# NAME is the folder made here (the release, e.g. 2026-11-30). Never
# remake a folder that is checked in: later releases must read what
# this release wrote.
set -euo pipefail
name=${1:?usage: make.sh NAME}
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../../.." && pwd)
out=$here/$name
[ -e "$out" ] && { echo "$out exists: fixtures are never remade" >&2; exit 1; }
work=$(mktemp -d)
trap '"$work/ds" unmount "$work/mnt" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export TZ=UTC
(cd "$module" && go build -o "$work/ds" ./cmd/discstage)
ds=$work/ds

# Session 1.
s1=$work/s1
mkdir -p "$s1/docs" "$s1/keep/sub" "$s1/old"
printf 'hello\n' >"$s1/hello.txt"
printf 'to be renamed\n' >"$s1/docs/rename-me.txt"
printf 'to be changed\n' >"$s1/docs/change-me.txt"
printf 'to be deleted\n' >"$s1/old/delete-me.txt"
printf 'stays\n' >"$s1/old/stays.txt"
printf 'in a moved directory\n' >"$s1/keep/sub/inner.txt"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 251) % 256 for i in range(70000)))' >"$s1/keep/big.bin"
ln -s ../hello.txt "$s1/keep/link"
find "$s1" -exec touch -h -d '2026-11-30 12:00:00' {} +
"$ds" append --time 2026-11-30T12:00:00Z --volume-id FROZEN "$work/disc.iso" "$s1" >/dev/null

# Session 2: one file added, one removed (--mirror).
s2=$work/s2
cp -a "$s1" "$s2"
printf 'second session\n' >"$s2/second.txt"
rm "$s2/keep/link"
find "$s2" -exec touch -h -d '2026-11-30 12:30:00' {} +
"$ds" append --time 2026-11-30T12:30:00Z --volume-id FROZEN --mirror "$s2" "$work/disc.iso" >/dev/null

# The staging area, changed through the mount.
mkdir "$work/mnt"
"$ds" mount --staging "$work/area" "$work/disc.iso" "$work/mnt" >/dev/null
(
	cd "$work/mnt"
	printf 'new\n' >new.txt
	mkdir newdir
	printf 'deep\n' >newdir/deep.txt
	rm old/delete-me.txt
	mv docs/rename-me.txt docs/renamed.txt
	mv keep newdir/keep-moved
	printf 'appended\n' >>docs/change-me.txt
	chmod 600 hello.txt
	ln -s new.txt link-to-new
	ln new.txt new-hardlink.txt
	printf 'staged then removed\n' >gone.txt
	rm gone.txt
)
"$ds" unmount "$work/mnt" >/dev/null

mkdir -p "$out/area/data"
cp "$work/area/state.journal" "$out/area/"
cp "$work/area/data/"* "$out/area/data/"
gzip -9 -n <"$work/disc.iso" >"$out/disc.iso.gz"
git -C "$module" rev-parse HEAD >"$out/COMMIT"
(cd "$module" && DISCSTAGE_FROZEN_WRITE="$name" go test -count=1 -run TestFrozenFixtures ./staging/)
echo "made $out"

#!/bin/sh
# Remakes the reader's reference images and their golden listings.
# Run as root (for owners) from this directory: sh make.sh
# Needs xorriso, genisoimage, gzip, md5sum. The images are kept as
# made; rerunning gives new images (new time stamps), not the same bytes.
set -eu
export TZ=UTC
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src
when='2026-11-20 12:34:56'

mkdir -p "$src/sub/deeper" "$src/empty dir"
printf 'hello\n' > "$src/hello.txt"
: > "$src/empty"
head -c 5000 /dev/urandom > "$src/odd.bin"
printf 'x' > "$src/Mixed Case Name.txt"
printf 'unicode\n' > "$src/ünïcödé-файл.txt"
printf 'inner\n' > "$src/sub/inner.txt"
printf 'f\n' > "$src/sub/deeper/f"
chmod 4755 "$src/sub/deeper/f"
chmod 0600 "$src/hello.txt"
chown 1234:5678 "$src/odd.bin"
ln -s hello.txt "$src/link-rel"
ln -s ../odd.bin "$src/sub/link-up"
ln -s /nowhere/at/all "$src/link-dangling"
d=$src/deep
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do d=$d/level$i; done
mkdir -p "$d"
printf 'leaf\n' > "$d/leaf.txt"
find "$src" -exec touch -h -d "$when" {} +

golden() { # image name
	xorriso -indev "$1" -toc 2>&1 | grep 'ISO session' > "$2.toc"
	n=0
	for lba in $(awk -F, '{print $2+0}' "$2.toc"); do
		n=$((n + 1))
		xorriso -load sbsector "$lba" -indev "$1" -find / -exec lsdl 2>/dev/null > "$2.s$n.lsdl"
		rm -rf "$work/x"
		xorriso -load sbsector "$lba" -indev "$1" -osirrox on -extract / "$work/x" >/dev/null 2>&1
		(cd "$work/x" && find . -type f -exec md5sum {} + | sort) > "$2.s$n.md5"
		chmod -R u+rwx "$work/x"
	done
	gzip -9 -n -c "$1" > "$2.iso.gz"
}

genisoimage -quiet -R -J -no-pad -o "$work/g.iso" "$src"
golden "$work/g.iso" genisoimage-rj
xorriso -outdev "$work/xj.iso" -padding 0 -joliet on -map "$src" / >/dev/null 2>&1
golden "$work/xj.iso" xorriso-joliet
xorriso -outdev "$work/xn.iso" -padding 0 -map "$src" / >/dev/null 2>&1
golden "$work/xn.iso" xorriso-rr
xorriso -for_backup -outdev "$work/xb.iso" -padding 0 -map "$src" / >/dev/null 2>&1
golden "$work/xb.iso" xorriso-backup
xorriso -outdev "$work/xd.iso" -padding 0 -compliance deep_paths_off -map "$src" / >/dev/null 2>&1
golden "$work/xd.iso" xorriso-deep
xorriso -outdev "$work/xp.iso" -padding 0 -rockridge off -map "$src" / >/dev/null 2>&1
golden "$work/xp.iso" xorriso-iso-only
xorriso -dev "$work/m.iso" -padding 0 -map "$src" / -commit >/dev/null 2>&1
printf 'second\n' > "$src/added-in-2"
touch -d "$when" "$src/added-in-2"
xorriso -dev "$work/m.iso" -padding 0 -rm /hello.txt -- -map "$src/added-in-2" /added-in-2 -commit >/dev/null 2>&1
xorriso -dev "$work/m.iso" -for_backup -padding 0 -map "$src/sub" /sub2 -commit >/dev/null 2>&1
golden "$work/m.iso" xorriso-grown3

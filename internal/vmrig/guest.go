package vmrig

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// GuestModules are the modules the guest loads: the virtio SCSI host
// adapter, the SCSI CD-ROM driver and the file systems of a disc.
var GuestModules = []string{"virtio_pci", "virtio_scsi", "sr_mod", "isofs", "udf", "nls_utf8"}

// initScript is the guest's /init: it mounts the kernel file systems,
// loads the modules, waits for the drives, runs /rig/plan.sh with the
// helpers of /rig/lib.sh and powers off. fd 3 is the result channel
// (ttyS1); everything else goes to the console (ttyS0).
const initScript = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin HOME=/root TMPDIR=/tmp LC_ALL=C
mkdir -p /tmp /root /mnt && mount -t tmpfs tmp /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
say() { printf '%s\n' "$*" >&3; }
while read -r m; do insmod /lib/rig/$m.ko || say "BOOT insmod $m failed"; done < /lib/rig/modules
# Up to 10 minutes for the drives: a busy host slows the guest down.
want=$(cat /rig/drives); i=0
while [ "$(ls /sys/class/block | grep -c '^sr')" -lt "$want" ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i+1)); done
say "BOOT drives $(ls /sys/class/block | grep '^sr' | tr '\n' ' ')"
dmesg -n 7
. /rig/lib.sh
echo "rig: plan starts"
( . /rig/plan.sh )
rc=$?
echo "rig: plan ended with $rc"
say "END $rc"
sync
reboot -f
sleep 60
`

// libScript holds the helpers a plan calls. Each step has a NAME; its
// lines on the result channel are OUT NAME line, FILE NAME
// path<TAB>size<TAB>md5, RC NAME status.
const libScript = `# rig_dev ID: the /dev node of the drive at SCSI id ID.
rig_dev() {
	for d in /sys/bus/scsi/devices/*:*:$1:0/block/*; do
		[ -e "$d" ] && { echo /dev/${d##*/}; return 0; }
	done
	return 1
}
# rig_log: kernel messages since the last call, to the console.
rig_log() { dmesg -c | sed 's/^/kernel: /'; }
# rig_run NAME CMD...: run CMD; its output goes to the console and to
# the results, then its exit status.
rig_run() {
	n=$1; shift
	echo "rig[$n]: $*"
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" >/tmp/out 2>&1
	rc=$?
	cat /tmp/out
	echo "rig[$n]: exit $rc after $(awk -v t0=$t0 '{printf "%.1f", $1 - t0}' /proc/uptime) s"
	while IFS= read -r l; do say "OUT $n $l"; done </tmp/out
	rig_log
	say "RC $n $rc"
	return $rc
}
# rig_manifest NAME DIR: every regular file under DIR with its size and MD5.
rig_manifest() {
	( cd "$2" && find . -type f | sort | while IFS= read -r f; do
		s=$(stat -c %s "$f") && m=$(md5sum <"$f") || m="ERR-read "
		say "FILE $1 ${f#.}	$s	${m%% *}"
	done )
}
# rig_mount NAME DEV FSTYPE [OPTS]: mount read-only with OPTS, report
# the mount line, the manifest and the kernel's messages, unmount; RC is
# mount's status.
rig_mount() {
	n=$1 dev=$2 fst=$3 o=ro${4:+,$4}
	echo "rig[$n]: mount -t $fst -o $o $dev /mnt"
	if mount -t "$fst" -o "$o" "$dev" /mnt 2>/tmp/merr; then
		say "OUT $n $(grep ' /mnt ' /proc/mounts)"
		rig_manifest "$n" /mnt
		umount /mnt
		dmesg >/tmp/kmsg
		while IFS= read -r l; do say "OUT $n kernel: $l"; done </tmp/kmsg
		rig_log
		say "RC $n 0"
	else
		cat /tmp/merr
		while IFS= read -r l; do say "OUT $n $l"; done </tmp/merr
		rig_log
		say "RC $n 1"
	fi
}
`

// Guest is the initramfs of one boot, being built.
type Guest struct {
	Initramfs
}

// NewGuest starts an initramfs with busybox, the kernel's modules for
// the rig and the init; the plan, the number of drives to wait for and
// the files it needs are added by the caller (SetPlan, AddTree, ...).
func NewGuest(k *Kernel) (*Guest, error) {
	g := &Guest{}
	bb, err := StaticBusybox()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(bb)
	if err != nil {
		return nil, fmt.Errorf("vmrig: %w", err)
	}
	g.AddFile("bin/busybox", 0o755, b)
	mods, err := k.Modules(GuestModules...)
	if err != nil {
		return nil, err
	}
	var list strings.Builder
	for _, m := range mods {
		b, err := os.ReadFile(m.Path)
		if err != nil {
			return nil, fmt.Errorf("vmrig: %w", err)
		}
		g.AddFile("lib/rig/"+m.Name+".ko", 0o644, b)
		fmt.Fprintln(&list, m.Name)
	}
	g.AddFile("lib/rig/modules", 0o644, []byte(list.String()))
	g.AddFile("init", 0o755, []byte(initScript))
	g.AddFile("rig/lib.sh", 0o644, []byte(libScript))
	for _, d := range []string{"proc", "sys", "dev", "tmp", "mnt", "root"} {
		g.AddDir(d)
	}
	return g, nil
}

// SetPlan sets the plan the guest runs and how many drives it waits
// for before it starts.
func (g *Guest) SetPlan(plan string, drives int) {
	g.AddFile("rig/plan.sh", 0o644, []byte(plan))
	g.AddFile("rig/drives", 0o644, []byte(fmt.Sprintln(drives)))
}

// AddTree copies the host directory src into the guest at dst: regular
// files, directories and symbolic links, modes kept.
func (g *Guest) AddTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := path.Join(dst, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			g.AddDir(name)
		case info.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			g.AddSymlink(name, t)
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			g.AddFile(name, uint32(info.Mode().Perm()), b)
		}
		return nil
	})
}

// AddProgram copies a dynamically linked host program into the guest at
// the same path, with the shared libraries and the loader ldd names for
// it, so that tools such as xorriso run in the guest unchanged.
func (g *Guest) AddProgram(prog string) error {
	out, err := exec.Command("ldd", prog).Output()
	if err != nil {
		return fmt.Errorf("vmrig: ldd %s: %w", prog, err)
	}
	files := []string{prog}
	for _, l := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(l) {
			if strings.HasPrefix(f, "/") {
				files = append(files, f)
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f) // through symbolic links
		if err != nil {
			return fmt.Errorf("vmrig: %w", err)
		}
		g.AddFile(f, 0o755, b)
	}
	return nil
}

// Write writes the initramfs to path.
func (g *Guest) Write(p string) error {
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("vmrig: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := g.WriteTo(w); err != nil {
		f.Close()
		return fmt.Errorf("vmrig: write %s: %w", p, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("vmrig: write %s: %w", p, err)
	}
	return f.Close()
}

// GoBuild builds the command package pkg (such as ./cmd/discstage) of
// the module at moduleDir for the guest (linux/amd64, static, no
// symbols) into out.
func GoBuild(moduleDir, pkg, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = moduleDir
	// Static, so without the race detector a test run may ask for
	// (GOFLAGS=-race needs cgo).
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vmrig: go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// AddCommand builds the command package pkg for the guest and puts it at
// /bin/NAME, NAME being pkg's last element.
func (g *Guest) AddCommand(moduleDir, pkg, tmp string) error {
	out := filepath.Join(tmp, path.Base(pkg))
	if err := GoBuild(moduleDir, pkg, out); err != nil {
		return err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("vmrig: %w", err)
	}
	g.AddFile("bin/"+path.Base(pkg), 0o755, b)
	return nil
}

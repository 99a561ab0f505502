package vmrig

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ISCSIDrive is one LUN of an iSCSI target that the guest sees as a
// drive on its SCSI bus. Drives sit at SCSI ids 0, 1, 2, ... in the
// order given; rig_dev ID in a plan finds the guest's node for one.
type ISCSIDrive struct {
	Portal string // host:port
	Target string // iqn....
	LUN    int
}

// VM is one boot of the guest: the kernel, the initramfs (with the plan
// inside), and the drives.
type VM struct {
	Kernel   string // vmlinuz
	Initrd   string // newc cpio
	Drives   []ISCSIDrive
	MemoryMB int           // default 512
	Timeout  time.Duration // the whole boot; default 15 minutes
	Dir      string        // where the console logs go
}

// Result is what a boot left behind.
type Result struct {
	Console string        // the guest's console (ttyS0): kernel messages, plan commands and their output
	Report  string        // the result channel (ttyS1)
	QEMU    string        // qemu's own standard error
	Elapsed time.Duration // from qemu's start to its end
	Steps   map[string]*Step
	Order   []string // step names in the order they reported
	Boot    []string // BOOT lines: modules, drives found
	End     int      // the plan's exit status; -1 if the guest never got there
}

// Step is what one named step of a plan reported.
type Step struct {
	Name  string
	RC    int // -1 until its RC line came
	Out   []string
	Files map[string]File // by path, for manifest steps
}

// File is one file of a manifest.
type File struct {
	Size int64
	MD5  string
}

// ErrGuest: the guest did not run its plan to the end.
var ErrGuest = errors.New("vmrig: the guest did not finish its plan")

// Run boots the VM under TCG and returns when the guest powers off or
// the timeout passes. An error means qemu could not run or the guest
// did not reach the end of its plan; the Result is filled either way,
// console included.
func (v *VM) Run(ctx context.Context) (*Result, error) {
	mem := v.MemoryMB
	if mem == 0 {
		mem = 512
	}
	timeout := v.Timeout
	if timeout == 0 {
		timeout = 15 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	console := filepath.Join(v.Dir, "console.log")
	report := filepath.Join(v.Dir, "report.log")
	args := []string{
		"-accel", "tcg", "-cpu", "max", "-machine", "pc", "-smp", "1", "-m", strconv.Itoa(mem),
		"-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
		"-kernel", v.Kernel, "-initrd", v.Initrd,
		"-append", "console=ttyS0 quiet loglevel=4 panic=-1 oops=panic mitigations=off nokaslr " +
			"i8042.noaux i8042.nokbd i8042.nopnp 8250.nr_uarts=2 rdinit=/init",
		"-serial", "file:" + console, "-serial", "file:" + report,
		"-device", "virtio-scsi-pci,id=scsi0",
	}
	for i, d := range v.Drives {
		id := fmt.Sprintf("cd%d", i)
		args = append(args,
			"-drive", fmt.Sprintf("driver=iscsi,transport=tcp,portal=%s,target=%s,lun=%d,initiator-name=iqn.2026-01.org.discstage:vm,if=none,id=%s",
				d.Portal, d.Target, d.LUN, id),
			"-device", fmt.Sprintf("scsi-generic,drive=%s,bus=scsi0.0,channel=0,scsi-id=%d,lun=0", id, i))
	}
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var qerr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &qerr, &qerr
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	r := &Result{Elapsed: time.Since(start), QEMU: qerr.String(), End: -1, Steps: map[string]*Step{}}
	b, _ := os.ReadFile(console)
	r.Console = strings.ReplaceAll(string(b), "\r", "")
	b, _ = os.ReadFile(report)
	r.Report = strings.ReplaceAll(string(b), "\r", "")
	r.parse()
	switch {
	case ctx.Err() != nil:
		return r, fmt.Errorf("%w: no end after %v (qemu killed)", ErrGuest, timeout)
	case runErr != nil:
		return r, fmt.Errorf("vmrig: qemu-system-x86_64: %w", runErr)
	case r.End < 0:
		return r, fmt.Errorf("%w: qemu ended without an END line", ErrGuest)
	}
	return r, nil
}

// parse reads the result channel: BOOT lines, then for each step OUT
// lines, FILE lines and an RC line, then END.
func (r *Result) parse() {
	step := func(name string) *Step {
		s, ok := r.Steps[name]
		if !ok {
			s = &Step{Name: name, RC: -1}
			r.Steps[name] = s
			r.Order = append(r.Order, name)
		}
		return s
	}
	sc := bufio.NewScanner(strings.NewReader(r.Report))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		name, val, _ := strings.Cut(rest, " ")
		switch kind {
		case "BOOT":
			r.Boot = append(r.Boot, rest)
		case "END":
			if n, err := strconv.Atoi(rest); err == nil {
				r.End = n
			}
		case "RC":
			if n, err := strconv.Atoi(val); err == nil {
				step(name).RC = n
			}
		case "OUT":
			s := step(name)
			s.Out = append(s.Out, val)
		case "FILE":
			f := strings.Split(val, "\t")
			if len(f) != 3 {
				continue
			}
			size, _ := strconv.ParseInt(f[1], 10, 64)
			s := step(name)
			if s.Files == nil {
				s.Files = map[string]File{}
			}
			s.Files[f[0]] = File{Size: size, MD5: f[2]}
		}
	}
}

// Tail returns the last n lines of s, for failure messages.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

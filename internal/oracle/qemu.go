package oracle

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BootCD boots the image img from the CD-ROM drive of QEMU's PC
// (SeaBIOS, TCG, no display, no reboot) and waits until want appears on
// its first serial port, then stops QEMU. It fails the test when QEMU
// ends first or after 10 minutes without want: the deadline only
// catches a machine that never boots, it measures nothing (under TCG a
// busy host slows the boot down many times). A missing
// qemu-system-x86_64 skips (fails under CI).
func BootCD(tb testing.TB, img, want string) {
	tb.Helper()
	Need(tb, "qemu-system-x86_64")
	serial := filepath.Join(tb.TempDir(), "serial.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-machine", "pc", "-accel", "tcg", "-m", "64",
		"-display", "none", "-monitor", "none", "-no-reboot",
		"-serial", "file:"+serial,
		"-drive", "file="+img+",media=cdrom,readonly=on,format=raw",
		"-boot", "d")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start qemu-system-x86_64: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		b, _ := os.ReadFile(serial)
		if strings.Contains(string(b), want) {
			return
		}
		select {
		case err := <-exited:
			exited <- err
			b, _ = os.ReadFile(serial)
			tb.Fatalf("qemu ended (%v) before %q appeared on the serial port; serial: %q; stderr: %s", err, want, b, stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no %q on the serial port after 10 minutes; serial: %q; stderr: %s", want, b, stderr.String())
		}
	}
}

package vmrig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// The initramfs archive is read back by a cpio reader we did not write
// (bsdtar's).
func TestInitramfsReadByBsdtar(t *testing.T) {
	oracle.Need(t, "bsdtar")
	var r Initramfs
	r.AddFile("init", 0o755, []byte("#!/bin/sh\n"))
	r.AddFile("/rig/deep/er/file.bin", 0o644, bytes.Repeat([]byte{7}, 5001))
	r.AddSymlink("bin/sh", "busybox")
	r.AddDir("mnt")
	p := filepath.Join(t.TempDir(), "initrd.cpio")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	list := oracle.Run(t, "bsdtar", "-tvf", p)
	for _, want := range []string{"-rwxr-xr-x", " init", "drwxr-xr-x", " rig/deep/er", "5001", "rig/deep/er/file.bin", "bin/sh -> busybox", " mnt"} {
		if !strings.Contains(list, want) {
			t.Errorf("bsdtar -tvf lacks %q:\n%s", want, list)
		}
	}
	out := t.TempDir()
	oracle.Run(t, "bsdtar", "-xf", p, "-C", out)
	b, err := os.ReadFile(filepath.Join(out, "rig/deep/er/file.bin"))
	if err != nil || !bytes.Equal(b, bytes.Repeat([]byte{7}, 5001)) {
		t.Fatalf("file read back: %d bytes, %v", len(b), err)
	}
}

func TestResultParse(t *testing.T) {
	r := &Result{Steps: map[string]*Step{}, End: -1, Report: "BOOT drives sr0 sr1\n" +
		"OUT a.burn wrote session 1\nOUT a.burn at LBA 0\nRC a.burn 0\n" +
		"OUT a.mount /dev/sr0 /mnt iso9660 ro 0 0\nFILE a.mount /x/y z\t12\td41d8cd98f00b204e9800998ecf8427e\nRC a.mount 0\n" +
		"RC b.burn 12\nEND 0\n"}
	r.parse()
	if r.End != 0 || len(r.Boot) != 1 || strings.Join(r.Order, ",") != "a.burn,a.mount,b.burn" {
		t.Fatalf("parsed: end %d boot %v order %v", r.End, r.Boot, r.Order)
	}
	if s := r.Steps["a.burn"]; s.RC != 0 || strings.Join(s.Out, "|") != "wrote session 1|at LBA 0" {
		t.Errorf("a.burn: %+v", s)
	}
	if f := r.Steps["a.mount"].Files["/x/y z"]; f.Size != 12 || f.MD5 != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("a.mount file: %+v", f)
	}
	if r.Steps["b.burn"].RC != 12 {
		t.Errorf("b.burn: %+v", r.Steps["b.burn"])
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\n", 2); got != "[... 1 lines before]\nb\nc" {
		t.Errorf("Tail = %q", got)
	}
}

// Modules comes in load order: each module after those it depends on.
func TestModulesLoadOrder(t *testing.T) {
	oracle.Need(t, "apt-cache", "apt-get", "dpkg-deb")
	cache, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	k, err := FetchKernel(cache)
	if err != nil {
		oracle.Unavailable(t, "%v", err)
	}
	mods, err := k.Modules(GuestModules...)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, m := range mods {
		pos[m.Name] = i
	}
	for _, dep := range [][2]string{{"cdrom", "sr_mod"}, {"scsi_mod", "sr_mod"}, {"scsi_mod", "virtio_scsi"}, {"virtio_pci", "virtio_scsi"}} {
		a, aok := pos[dep[0]]
		b, bok := pos[dep[1]]
		if !aok || !bok || a > b {
			t.Errorf("%s must load before %s: order %v", dep[0], dep[1], mods)
		}
	}
	if _, err := k.Modules("no_such_module"); err == nil {
		t.Error("a missing module is no error")
	}
}

// A kernel unpacked earlier stands in when apt cannot fetch the current
// one; half-unpacked ones do not.
func TestCachedKernel(t *testing.T) {
	cache := t.TempDir()
	if _, err := cachedKernel(cache); !errors.Is(err, ErrNoKernel) {
		t.Fatalf("empty cache: %v", err)
	}
	for _, v := range []string{"6.1.0-40-cloud-amd64", "6.1.0-41-cloud-amd64"} {
		dir := filepath.Join(cache, "linux-image-"+v)
		if err := os.MkdirAll(filepath.Join(dir, "lib", "modules", v, "kernel"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "boot"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "boot", "vmlinuz-"+v), []byte("k"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(cache, "linux-image-6.1.0-42-cloud-amd64.tmp123", "boot"), 0o755); err != nil {
		t.Fatal(err)
	}
	k, err := cachedKernel(cache)
	if err != nil || k.Version != "6.1.0-41-cloud-amd64" {
		t.Fatalf("cachedKernel = %+v, %v", k, err)
	}
}

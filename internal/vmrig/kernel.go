package vmrig

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// KernelMeta is the Debian package that names the current kernel the rig
// boots: the cloud flavour is small and has virtio-scsi, sr_mod, isofs
// and udf as modules.
const KernelMeta = "linux-image-cloud-amd64"

// ErrNoKernel: no kernel package could be found or fetched.
var ErrNoKernel = errors.New("vmrig: no kernel")

// Kernel is an unpacked Debian kernel package.
type Kernel struct {
	Version string // 6.1.0-NN-cloud-amd64
	Image   string // path of vmlinuz
	modDir  string // lib/modules/VERSION
}

// CacheDir is where the unpacked kernel is kept between runs:
// $DISCSTAGE_VMRIG_CACHE, else the user's cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("DISCSTAGE_VMRIG_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("vmrig: cache directory: %w", err)
	}
	return filepath.Join(d, "discstage-vmrig"), nil
}

// FetchKernel returns the kernel of KernelMeta's current version,
// unpacked under cache: it asks apt which package that is, and fetches
// it with apt-get download and unpacks it with dpkg-deb the first time.
func FetchKernel(cache string) (*Kernel, error) {
	out, err := exec.Command("apt-cache", "depends", KernelMeta).Output()
	if err != nil {
		return nil, fmt.Errorf("%w: apt-cache depends %s: %w", ErrNoKernel, KernelMeta, err)
	}
	pkg := ""
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
			pkg = f[1]
			break
		}
	}
	if pkg == "" {
		return nil, fmt.Errorf("%w: apt-cache depends %s names no kernel package", ErrNoKernel, KernelMeta)
	}
	version := strings.TrimPrefix(pkg, "linux-image-")
	dir := filepath.Join(cache, pkg)
	if k, err := openKernel(dir, version); err == nil {
		return k, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("vmrig: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, pkg+".tmp")
	if err != nil {
		return nil, fmt.Errorf("vmrig: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := download(tmp, pkg); err != nil {
		// A mirror that no longer holds the version apt's lists name
		// still leaves an earlier kernel of the cache to boot.
		if k, kerr := cachedKernel(cache); kerr == nil {
			return k, nil
		}
		return nil, err
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return nil, fmt.Errorf("%w: apt-get download %s left %d packages", ErrNoKernel, pkg, len(debs))
	}
	root := filepath.Join(tmp, "root")
	if b, err := exec.Command("dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: dpkg-deb -x %s: %w\n%s", ErrNoKernel, debs[0], err, b)
	}
	if _, err := openKernel(root, version); err != nil {
		return nil, err
	}
	// Another test process may have unpacked it meanwhile: either copy
	// will do.
	if err := os.Rename(root, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, oerr := openKernel(dir, version); oerr != nil {
			return nil, fmt.Errorf("vmrig: keep kernel: %w", err)
		}
	}
	return openKernel(dir, version)
}

// download fetches pkg into dir with apt-get download, trying again
// after a pause when the network fails: the tests that boot the rig
// must not fail because a mirror did not answer once.
func download(dir, pkg string) error {
	var err error
	for attempt, pause := range []time.Duration{0, 5 * time.Second, 30 * time.Second} {
		time.Sleep(pause)
		dl := exec.Command("apt-get", "-o", "Acquire::Retries=3", "download", pkg)
		dl.Dir = dir
		b, derr := dl.CombinedOutput()
		if derr == nil {
			return nil
		}
		err = fmt.Errorf("%w: apt-get download %s (attempt %d): %w\n%s", ErrNoKernel, pkg, attempt+1, derr, b)
	}
	return err
}

// cachedKernel returns a kernel unpacked under cache, the last in name
// order.
func cachedKernel(cache string) (*Kernel, error) {
	dirs, _ := filepath.Glob(filepath.Join(cache, "linux-image-*"))
	slices.Sort(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		pkg := filepath.Base(dirs[i])
		if strings.Contains(pkg, ".tmp") {
			continue
		}
		if k, err := openKernel(dirs[i], strings.TrimPrefix(pkg, "linux-image-")); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: none unpacked in %s", ErrNoKernel, cache)
}

func openKernel(dir, version string) (*Kernel, error) {
	k := &Kernel{Version: version, Image: filepath.Join(dir, "boot", "vmlinuz-"+version),
		modDir: filepath.Join(dir, "lib", "modules", version)}
	if _, err := os.Stat(k.Image); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoKernel, err)
	}
	if _, err := os.Stat(filepath.Join(k.modDir, "kernel")); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoKernel, err)
	}
	return k, nil
}

// Module is one kernel module file to load.
type Module struct {
	Name string // as the kernel knows it: underscores, no .ko
	Path string
}

// Modules returns the named modules and every module they depend on, in
// an order that loads each after its dependencies. It reads each
// module's dependencies from its .modinfo section, so it needs no
// modules.dep (that is made by depmod when the package is installed).
// Modules built into the kernel are left out.
func (k *Kernel) Modules(names ...string) ([]Module, error) {
	index := map[string]string{}
	err := filepath.WalkDir(filepath.Join(k.modDir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".ko") {
			index[modName(strings.TrimSuffix(d.Name(), ".ko"))] = p
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("vmrig: modules of %s: %w", k.Version, err)
	}
	builtin, _ := os.ReadFile(filepath.Join(k.modDir, "modules.builtin"))
	isBuiltin := func(n string) bool {
		for _, l := range strings.Split(string(builtin), "\n") {
			if modName(strings.TrimSuffix(filepath.Base(l), ".ko")) == n {
				return true
			}
		}
		return false
	}
	var order []Module
	seen := map[string]bool{}
	var visit func(n string, from string) error
	visit = func(n, from string) error {
		n = modName(n)
		if seen[n] {
			return nil
		}
		seen[n] = true
		p, ok := index[n]
		if !ok {
			if isBuiltin(n) {
				return nil
			}
			return fmt.Errorf("vmrig: module %s (wanted by %s) is not in kernel %s", n, from, k.Version)
		}
		deps, err := moduleDepends(p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d, n); err != nil {
				return err
			}
		}
		order = append(order, Module{Name: n, Path: p})
		return nil
	}
	for _, n := range names {
		if err := visit(n, "the rig"); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func modName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// moduleDepends reads the depends= entry of a module's .modinfo section.
func moduleDepends(p string) ([]string, error) {
	f, err := elf.Open(p)
	if err != nil {
		return nil, fmt.Errorf("vmrig: module %s: %w", p, err)
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("vmrig: module %s has no .modinfo", p)
	}
	b, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("vmrig: module %s: %w", p, err)
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}

// StaticBusybox returns the path of a statically linked busybox (Debian's
// busybox-static puts it at /bin/busybox), which runs in the guest
// without a C library.
func StaticBusybox() (string, error) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		static := true
		for _, prog := range f.Progs {
			if prog.Type == elf.PT_INTERP {
				static = false
			}
		}
		f.Close()
		if static {
			return p, nil
		}
	}
	return "", errors.New("vmrig: no statically linked busybox (install busybox-static)")
}

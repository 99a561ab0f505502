// Package wine runs discstage's Windows binary under Wine in the tests:
// Debian's wine64 with a private prefix, made once by a test and shared
// by its subtests.
//
// Debian's Wine 8.0 lacks bcryptprimitives.dll, which Go's runtime (1.22
// and later) loads from system32 for ProcessPrng; a Go program for
// Windows dies there at start. New builds dll/bcryptprimitives.c (a
// ProcessPrng over RtlGenRandom) with x86_64-w64-mingw32-gcc
// (gcc-mingw-w64-x86-64) and copies it into the prefix's system32.
//
// Making a prefix (wineboot) takes tens of seconds on a busy machine; a
// persistent wineserver keeps each later run to about a second. Nothing
// here depends on how long either takes.
package wine

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
)

//go:embed dll/bcryptprimitives.c
var dllSource []byte

//go:embed dll/bcryptprimitives.def
var dllDef []byte

// CC is the compiler that builds the DLL.
const CC = "x86_64-w64-mingw32-gcc"

// bootTimeout bounds wineboot: it only trips when Wine is truly stuck.
const bootTimeout = 20 * time.Minute

// Prefix is a Wine prefix ready to run Go programs for windows/amd64.
type Prefix struct {
	Dir      string // WINEPREFIX
	wine     string // the wine64 loader
	server   string // wineserver
	env      []string
	shutdown func()
}

// findWine returns the wine64 loader and the wineserver: Debian's
// wine64 package installs them under /usr/lib/wine without putting
// wine64 on PATH.
func findWine() (wine, server string, err error) {
	for _, dir := range []string{"/usr/lib/wine", "/usr/lib64/wine"} {
		w, s := filepath.Join(dir, "wine64"), filepath.Join(dir, "wineserver")
		if isExec(w) && isExec(s) {
			return w, s, nil
		}
	}
	for _, name := range []string{"wine64", "wine"} {
		if w, err := exec.LookPath(name); err == nil {
			if s, err := exec.LookPath("wineserver"); err == nil {
				return w, s, nil
			}
		}
	}
	return "", "", errors.New("wine64 is not installed (apt-get install --no-install-recommends wine64)")
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// New makes a prefix under a directory of tb (tb.TempDir), with the
// ProcessPrng DLL in its system32 and a wineserver that lives until tb
// ends. A missing wine64 or mingw-w64 compiler skips tb, or fails it
// under CI=true.
func New(tb testing.TB) *Prefix {
	tb.Helper()
	wine, server, err := findWine()
	if err != nil {
		oracle.Unavailable(tb, "%v", err)
	}
	oracle.Need(tb, CC)
	dir := tb.TempDir()
	p := &Prefix{Dir: filepath.Join(dir, "prefix"), wine: wine, server: server}
	p.env = append(os.Environ(),
		"WINEPREFIX="+p.Dir,
		"WINEDEBUG=-all",
		// No Mono, no Gecko, no desktop menus: nothing asks to install.
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		"WINEARCH=win64",
		"DISPLAY=",
	)

	// The DLL first: a broken compiler should not cost a wineboot.
	src, def := filepath.Join(dir, "bcryptprimitives.c"), filepath.Join(dir, "bcryptprimitives.def")
	dll := filepath.Join(dir, "bcryptprimitives.dll")
	if err := os.WriteFile(src, dllSource, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(def, dllDef, 0o644); err != nil {
		tb.Fatal(err)
	}
	oracle.Run(tb, CC, "-O2", "-shared", "-o", dll, src, def, "-ladvapi32")

	// A persistent wineserver, started first so that wineboot uses it:
	// each later run then starts in about a second.
	if err := os.Mkdir(p.Dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	keep := exec.Command(server, "-p")
	keep.Env = p.env
	if out, err := runToFile(keep, filepath.Join(dir, "wineserver.log")); err != nil {
		tb.Fatalf("wineserver -p: %v\n%s", err, out)
	}
	tb.Cleanup(func() {
		// End this prefix's server and its processes, and wait for them
		// to be gone before the prefix's directory is removed.
		for _, arg := range []string{"-k", "-w"} {
			ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
			c := exec.CommandContext(ctx, server, arg)
			c.Env = p.env
			c.Run() //nolint:errcheck // a server already gone is as good
			cancel()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	boot := exec.CommandContext(ctx, wine, "wineboot", "-i")
	boot.Env = p.env
	if out, err := runToFile(boot, filepath.Join(dir, "wineboot.log")); err != nil {
		tb.Fatalf("wineboot: %v\n%s", err, out)
	}
	sys32 := filepath.Join(p.Dir, "drive_c", "windows", "system32")
	b, err := os.ReadFile(dll)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sys32, "bcryptprimitives.dll"), b, 0o644); err != nil {
		tb.Fatalf("install the DLL in the prefix: %v", err)
	}
	return p
}

// runToFile runs cmd with its output going to the file at log, and
// returns that output. A file, not a pipe: the wineserver that wineboot
// starts, and wineserver -p, live on and hold their output open, and
// waiting for a pipe to close would wait for them.
func runToFile(cmd *exec.Cmd, log string) ([]byte, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(log)
	return out, err
}

// Command returns a command that runs the Windows program exe with args
// under Wine, in dir (a Linux path; Wine shows it as Z:\...), with extra
// environment variables.
func (p *Prefix) Command(exe, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(p.wine, append([]string{exe}, args...)...)
	cmd.Env = append(append([]string(nil), p.env...), env...)
	cmd.Dir = dir
	// Should a Wine process outlive the program and hold its output,
	// the run still ends.
	cmd.WaitDelay = time.Minute
	return cmd
}

// silentRuns is how many times Run runs a program that fails without a
// word.
const silentRuns = 3

// Run runs exe under Wine and returns its standard output, its standard
// error and its exit code; a failure to run it at all fails tb.
//
// The program run (discstage) says why whenever it fails. A run that
// ends with an exit code and no output at all failed in Wine, whose own
// messages WINEDEBUG=-all turns off (seen once, on a busy machine, in a
// command that passes every other time): it is run again, up to
// silentRuns times in all.
func (p *Prefix) Run(tb testing.TB, exe, dir string, env []string, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	for run := 1; ; run++ {
		cmd := p.Command(exe, dir, env, args...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			tb.Fatalf("wine %s %v: %v", exe, args, err)
		}
		if code == 0 || o.Len() > 0 || e.Len() > 0 || run == silentRuns {
			return o.String(), e.String(), code
		}
		tb.Logf("wine %s %v: exit %d without a word, run again", exe, args, code)
	}
}

// Path is the Windows name Wine gives the Linux path p: Z: is the root
// of the Linux file system.
func Path(p string) string {
	return "Z:" + strings.ReplaceAll(p, "/", `\`)
}

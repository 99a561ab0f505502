// Package clitest builds the discstage command once per test binary and
// runs it as a user would: the one builder and the one way to run a
// command that every test of the built binary uses.
package clitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	once    sync.Once
	binDir  string
	binPath string
	binErr  error
)

// Build builds the discstage command, once for the whole test binary,
// and returns its path. Call Cleanup from TestMain to remove it.
func Build(t testing.TB) string {
	t.Helper()
	p, err := BuildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// BuildOnce is Build for TestMain, where there is no test to fail.
func BuildOnce() (string, error) {
	once.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "discstage-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "discstage")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/discstage/discstage/cmd/discstage").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binPath, binErr
}

// Main is a TestMain for packages that run the command: it builds it
// (its path in *binary), runs the tests, removes it and exits.
func Main(m *testing.M, binary *string) {
	var err error
	if *binary, err = BuildOnce(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Cleanup removes the built command; TestMain calls it after m.Run.
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// Result is how a command ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Output is stdout and stderr together, for messages.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// Option changes how Run runs a command.
type Option func(*exec.Cmd)

// Env adds environment variables ("NAME=value").
func Env(kv ...string) Option {
	return func(c *exec.Cmd) { c.Env = append(os.Environ(), kv...) }
}

// Dir runs the command in dir.
func Dir(dir string) Option { return func(c *exec.Cmd) { c.Dir = dir } }

// Command returns the built discstage command with args, not started,
// for tests that need to drive the process (signals, pipes).
func Command(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	return exec.CommandContext(context.Background(), Build(t), args...)
}

// Run runs discstage with args and returns its output and exit code.
// A command that cannot be started fails the test.
func Run(t testing.TB, args []string, opts ...Option) Result {
	t.Helper()
	cmd := Command(t, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	for _, o := range opts {
		o(cmd)
	}
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		t.Fatalf("discstage %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// Must runs discstage and fails the test unless it exits 0; it returns
// stdout.
func Must(t testing.TB, args ...string) string {
	t.Helper()
	r := Run(t, args)
	if r.Code != 0 {
		t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
	}
	return r.Stdout
}

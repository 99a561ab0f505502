// Package oracle runs the independent tools that check what discstage
// writes and reads: xorriso, isoinfo, genisoimage, 7z, bsdtar, udfinfo,
// mkudffs, pycdlib.
//
// Tests never prove our writer with our own reader alone; they ask these
// tools. Outside CI a missing tool skips the test that needs it; under
// CI=true it fails the test, because CI installs every tool.
package oracle

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every
// tool and /dev/fuse must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// Need makes sure each named program is on PATH. A missing program skips
// the test, or fails it under CI.
func Need(tb testing.TB, programs ...string) {
	tb.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			Unavailable(tb, "tool %q is not installed: %v", p, err)
		}
	}
}

// NeedFuse makes sure /dev/fuse exists, for tests that mount.
func NeedFuse(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		Unavailable(tb, "no /dev/fuse: %v", err)
	}
}

// Unavailable says that something a test needs is missing from this
// machine: it skips the test, or fails it under CI, where everything the
// tests need is installed. It is the one place that decides.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf(format+" (required under CI=true)", args...)
	}
	tb.Skipf(format, args...)
}

// Run runs a program and returns its standard output. A non-zero exit
// fails the test with the program's standard error.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, errOut, err := Try(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// Try runs a program and returns its standard output and standard error
// and the error of the run, without failing anything.
func Try(name string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// Pycdlib returns a python3 that imports pycdlib, the second full UDF
// reader the tests use (Debian's python3-pycdlib installs it for
// /usr/bin/python3, which may differ from the python3 first on PATH).
// None skips the test, or fails it under CI.
func Pycdlib(tb testing.TB) string {
	tb.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import pycdlib").Run() == nil {
			return py
		}
	}
	Unavailable(tb, "no python3 imports pycdlib (Debian: python3-pycdlib)")
	return ""
}

// PycdlibUDF lists the UDF tree of the image at path as pycdlib reads
// it, a line an entry: "d PATH", "f PATH SIZE MD5", "l PATH" (a
// symbolic link) and "o PATH TYPE" (another file type). A file whose
// data is embedded in its entry reads "f PATH SIZE MD5 embedded".
func PycdlibUDF(tb testing.TB, path string) string {
	tb.Helper()
	return Run(tb, Pycdlib(tb), "-c", pycdlibUDFWalk, path)
}

const pycdlibUDFWalk = `
import sys, io, hashlib, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
f = open(sys.argv[1], 'rb')
start = iso.udf_main_descs.partitions[0].part_start_location
def walk(p):
    for c in iso.list_children(udf_path=p):
        if c is None or c.file_identifier() in (b'', b'.', b'..'):
            continue
        name = c.file_identifier().decode(c.file_ident.encoding)
        full = p.rstrip('/') + '/' + name
        if c.is_dir():
            print('d', full)
            walk(full)
        elif c.is_symlink():
            print('l', full)
        elif c.icb_tag.file_type != 5:
            print('o', full, c.icb_tag.file_type)
        else:
            # Read the data through pycdlib's own parse of the entry's
            # allocation descriptors (its lookup by path fails on
            # 8-bit names outside ASCII).
            data = b''
            embedded = (c.icb_tag.flags & 7) == 3
            for ad in c.alloc_descs:
                if embedded:
                    # The data in the entry itself: pycdlib gives the
                    # entry's absolute sector and the data's offset in it.
                    f.seek(ad.log_block_num * 2048 + ad.offset)
                else:
                    f.seek((start + ad.log_block_num) * 2048)
                data += f.read(ad.extent_length)
            data = data[:c.get_data_length()]
            print('f', full, len(data), hashlib.md5(data).hexdigest(), *(['embedded'] if embedded else []))
walk('/')
`

// PycdlibUDFAttrs lists the attributes the UDF file entries of the
// image at path record, as pycdlib reads them, a line an entry (the
// root "/" first), tab-separated: PATH, the ECMA-167 permissions and ICB
// flags (decimal), uid, gid, file link count, and the modification time
// as whole seconds since 1970 (UTC, the entry's zone applied) and
// microseconds. pycdlib reads no extended file entries (UDF 2.50).
func PycdlibUDFAttrs(tb testing.TB, path string) string {
	tb.Helper()
	return Run(tb, Pycdlib(tb), "-c", pycdlibUDFAttrs, path)
}

const pycdlibUDFAttrs = `
import sys, datetime, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
utc = datetime.timezone.utc
epoch = datetime.datetime(1970, 1, 1, tzinfo=utc)
def line(full, e):
    ts = e.mod_time
    tz = ts.tz if ts.timetype == 1 and ts.tz != -2047 else 0
    d = datetime.datetime(ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second,
                          tzinfo=datetime.timezone(datetime.timedelta(minutes=tz)))
    us = ts.centiseconds * 10000 + ts.hundreds_microseconds * 100 + ts.microseconds
    print(full, e.perms, e.icb_tag.flags, e.uid, e.gid, e.file_link_count,
          (d - epoch) // datetime.timedelta(seconds=1), us, sep='\t')
def walk(p):
    for c in iso.list_children(udf_path=p):
        if c is None or c.file_identifier() in (b'', b'.', b'..'):
            continue
        full = p.rstrip('/') + '/' + c.file_identifier().decode(c.file_ident.encoding)
        line(full, c)
        if c.is_dir():
            walk(full)
line('/', iso.get_record(udf_path='/'))
walk('/')
`

package platform

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc/scsi"
)

// field is one member of a C struct: its name in the SDK and offset.
type field struct {
	c      string // the SDK's member name
	offset int64
}

// sptdLayout lays out the Go declarations of sptd and sptdWithSense in
// spti.go as the gc compiler does for GOARCH arch, without building for
// it: the size of sptd, its fields' offsets under their SDK names, and
// the size of sptdWithSense and the offset of its sense buffer.
func sptdLayout(t *testing.T, arch string) (size int64, fields []field, withSense, senseOff int64) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "spti.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Only the two type declarations and the constant they use go into
	// a package of their own, checked with the sizes of arch.
	var src bytes.Buffer
	src.WriteString("package p\n\nimport \"unsafe\"\n\nvar _ unsafe.Pointer\n\n")
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range g.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if s.Name.Name == "sptd" || s.Name.Name == "sptdWithSense" {
					src.WriteString("type ")
					format.Node(&src, fset, s)
					src.WriteString("\n")
				}
			case *ast.ValueSpec:
				if s.Names[0].Name == "sptiSenseMax" {
					src.WriteString("const ")
					format.Node(&src, fset, s)
					src.WriteString("\n")
				}
			}
		}
	}
	pf, err := parser.ParseFile(fset, "layout.go", src.Bytes(), 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, src.Bytes())
	}
	sizes := types.SizesFor("gc", arch)
	conf := types.Config{Importer: importer.Default(), Sizes: sizes}
	pkg, err := conf.Check("p", fset, []*ast.File{pf}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, src.Bytes())
	}
	st := pkg.Scope().Lookup("sptd").Type().Underlying().(*types.Struct)
	var vars []*types.Var
	for i := range st.NumFields() {
		vars = append(vars, st.Field(i))
	}
	offs := sizes.Offsetsof(vars)
	sdk := map[string]string{
		"length": "Length", "scsiStatus": "ScsiStatus", "pathID": "PathId", "targetID": "TargetId",
		"lun": "Lun", "cdbLength": "CdbLength", "senseInfoLength": "SenseInfoLength", "dataIn": "DataIn",
		"dataTransferLength": "DataTransferLength", "timeOutValue": "TimeOutValue",
		"dataBuffer": "DataBuffer", "senseInfoOffset": "SenseInfoOffset", "cdb": "Cdb",
	}
	for i, v := range vars {
		name, ok := sdk[v.Name()]
		if !ok {
			t.Fatalf("sptd field %s has no SDK name", v.Name())
		}
		fields = append(fields, field{name, offs[i]})
	}
	ws := pkg.Scope().Lookup("sptdWithSense").Type().Underlying().(*types.Struct)
	wvars := []*types.Var{ws.Field(0), ws.Field(1)}
	return sizes.Sizeof(st), fields, sizes.Sizeof(ws), sizes.Offsetsof(wvars)[1]
}

// TestSPTDLayoutFigures checks the layout Go gives sptd for each Windows
// architecture against the figures of the SDK: 44 bytes on 386, 56 on
// amd64 and arm64, and where DataBuffer and what follows it lie.
func TestSPTDLayoutFigures(t *testing.T) {
	want := map[string]struct{ size, dataBuffer, senseInfoOffset, cdb int64 }{
		"386":   {44, 20, 24, 28},
		"amd64": {56, 24, 32, 36},
		"arm64": {56, 24, 32, 36},
	}
	for arch, w := range want {
		size, fields, withSense, senseOff := sptdLayout(t, arch)
		if size != w.size {
			t.Errorf("%s: SCSI_PASS_THROUGH_DIRECT is %d bytes, want %d", arch, size, w.size)
		}
		got := map[string]int64{}
		for _, f := range fields {
			got[f.c] = f.offset
		}
		if got["DataBuffer"] != w.dataBuffer || got["SenseInfoOffset"] != w.senseInfoOffset || got["Cdb"] != w.cdb {
			t.Errorf("%s: DataBuffer at %d, SenseInfoOffset at %d, Cdb at %d; want %d, %d, %d", arch,
				got["DataBuffer"], got["SenseInfoOffset"], got["Cdb"], w.dataBuffer, w.senseInfoOffset, w.cdb)
		}
		if senseOff != size || withSense != size+sptiSenseMax {
			t.Errorf("%s: sense buffer at %d of %d bytes, want right after the request at %d", arch, senseOff, withSense, size)
		}
	}
	// The host's own layout is the one gc gives for its architecture.
	size, _, withSense, senseOff := sptdLayout(t, runtimeArch())
	var req sptdWithSense
	if unsafe.Sizeof(req.sptd) != uintptr(size) || unsafe.Sizeof(req) != uintptr(withSense) || unsafe.Offsetof(req.sense) != uintptr(senseOff) {
		t.Errorf("host layout %d/%d/%d differs from go/types' %d/%d/%d",
			unsafe.Sizeof(req.sptd), unsafe.Sizeof(req), unsafe.Offsetof(req.sense), size, withSense, senseOff)
	}
}

// TestSPTDAgainstSDKHeaders compiles C that asserts Go's layout of
// SCSI_PASS_THROUGH_DIRECT and the control codes with mingw-w64's copy of
// the Windows SDK headers (ntddscsi.h, winioctl.h), for 32-bit (-m32, as
// 386) and 64-bit Windows (amd64; arm64 Windows has the same LLP64
// layout, and the Go layouts of arm64 and amd64 are checked equal).
func TestSPTDAgainstSDKHeaders(t *testing.T) {
	cc := "x86_64-w64-mingw32-gcc"
	oracle.Need(t, cc)
	_, a64, _, _ := sptdLayout(t, "amd64")
	_, arm, _, _ := sptdLayout(t, "arm64")
	if fmt.Sprint(a64) != fmt.Sprint(arm) {
		t.Errorf("arm64 layout %v differs from amd64 %v", arm, a64)
	}
	for _, tc := range []struct{ arch, flag string }{{"386", "-m32"}, {"amd64", "-m64"}} {
		size, fields, withSense, senseOff := sptdLayout(t, tc.arch)
		t.Run(tc.arch, func(t *testing.T) {
			t.Parallel()
			var c strings.Builder
			c.WriteString("#include <windef.h>\n#include <winioctl.h>\n#include <ntddscsi.h>\n#include <stddef.h>\n")
			assert := func(expr string, want int64) {
				fmt.Fprintf(&c, "_Static_assert(%s == %d, \"%s is not %d\");\n", expr, want, expr, want)
			}
			assert("sizeof(SCSI_PASS_THROUGH_DIRECT)", size)
			for _, f := range fields {
				assert("offsetof(SCSI_PASS_THROUGH_DIRECT, "+f.c+")", f.offset)
			}
			c.WriteString("typedef struct { SCSI_PASS_THROUGH_DIRECT sptd; UCHAR sense[32]; } REQ;\n")
			assert("sizeof(REQ)", withSense)
			assert("offsetof(REQ, sense)", senseOff)
			assert("IOCTL_SCSI_PASS_THROUGH_DIRECT", ioctlSCSIPassThroughDirect)
			assert("FSCTL_LOCK_VOLUME", fsctlLockVolume)
			assert("FSCTL_UNLOCK_VOLUME", fsctlUnlockVolume)
			assert("FSCTL_DISMOUNT_VOLUME", fsctlDismountVolume)
			assert("SCSI_IOCTL_DATA_OUT", scsiIoctlDataOut)
			assert("SCSI_IOCTL_DATA_IN", scsiIoctlDataIn)
			assert("SCSI_IOCTL_DATA_UNSPECIFIED", scsiIoctlDataUnspecified)
			assert("sizeof(((SCSI_PASS_THROUGH_DIRECT *)0)->Cdb)", 16)
			dir := t.TempDir()
			src := filepath.Join(dir, "layout.c")
			if err := os.WriteFile(src, []byte(c.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(cc, tc.flag, "-c", "-o", filepath.Join(dir, "layout.o"), src).CombinedOutput()
			if err != nil {
				t.Errorf("%s: the SDK headers disagree with Go's layout: %v\n%s\n%s", tc.arch, err, out, c.String())
			}
		})
	}
}

func runtimeArch() string {
	if unsafe.Sizeof(uintptr(0)) == 4 {
		return "386"
	}
	return "amd64"
}

// fakeDrive answers IOCTL_SCSI_PASS_THROUGH_DIRECT as a port driver
// does, through answer, and records the requests it saw.
type fakeDrive struct {
	seen   []sptdWithSense
	data   []unsafe.Pointer
	answer func(req *sptdWithSense) error
}

func (f *fakeDrive) device() *sptiDevice {
	return &sptiDevice{path: `\\.\CdRom0`, ioctl: f.ioctl}
}

func (f *fakeDrive) ioctl(code uint32, buf unsafe.Pointer, size uint32) (uint32, error) {
	if code != ioctlSCSIPassThroughDirect {
		return 0, syscall.Errno(1) // ERROR_INVALID_FUNCTION
	}
	if uintptr(size) != unsafe.Sizeof(sptdWithSense{}) {
		return 0, fmt.Errorf("buffer of %d bytes", size)
	}
	req := (*sptdWithSense)(buf)
	f.seen = append(f.seen, *req)
	f.data = append(f.data, req.dataBuffer)
	if f.answer != nil {
		if err := f.answer(req); err != nil {
			return 0, err
		}
	}
	return size, nil
}

func TestSPTIRequest(t *testing.T) {
	f := &fakeDrive{answer: func(req *sptdWithSense) error {
		if req.dataIn == scsiIoctlDataIn {
			d := unsafe.Slice((*byte)(req.dataBuffer), req.dataTransferLength)
			copy(d, "discstage")
			req.dataTransferLength = 9
		}
		return nil
	}}
	d := f.device()
	in := make([]byte, 64)
	c := &scsi.Command{CDB: []byte{0x12, 0, 0, 0, 64, 0}, Dir: scsi.FromDevice, Data: in, Timeout: 1500 * time.Millisecond}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	r := f.seen[0]
	if uintptr(r.length) != unsafe.Sizeof(sptd{}) || r.cdbLength != 6 || r.cdb[0] != 0x12 || r.cdb[4] != 64 {
		t.Errorf("request: length %d, CDB length %d, CDB % x", r.length, r.cdbLength, r.cdb)
	}
	if r.dataIn != scsiIoctlDataIn || r.dataTransferLength != 64 || f.data[0] != unsafe.Pointer(&in[0]) {
		t.Errorf("data: direction %d, %d bytes, buffer %p (want %p: an aligned buffer goes as it is)", r.dataIn, r.dataTransferLength, f.data[0], &in[0])
	}
	if r.timeOutValue != 2 {
		t.Errorf("timeout %d s for 1.5 s, want 2 (rounded up)", r.timeOutValue)
	}
	if uintptr(r.senseInfoOffset) != unsafe.Offsetof(sptdWithSense{}.sense) || r.senseInfoLength != sptiSenseMax {
		t.Errorf("sense at %d, %d bytes", r.senseInfoOffset, r.senseInfoLength)
	}
	if c.Status != scsi.StatusGood || c.Resid != 55 || string(in[:9]) != "discstage" || c.Sense != nil {
		t.Errorf("outcome: status %#x, resid %d, data %q, sense % x", c.Status, c.Resid, in[:9], c.Sense)
	}

	// No data, no timeout: direction unspecified, the default timeout.
	c = &scsi.Command{CDB: []byte{0, 0, 0, 0, 0, 0}}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	r = f.seen[1]
	if r.dataIn != scsiIoctlDataUnspecified || r.dataTransferLength != 0 || r.dataBuffer != nil || r.timeOutValue != 30 {
		t.Errorf("no data: direction %d, %d bytes, buffer %p, timeout %d", r.dataIn, r.dataTransferLength, r.dataBuffer, r.timeOutValue)
	}

	// Writes go out; a misaligned buffer is sent through an aligned copy.
	buf := make([]byte, 2048+1)
	out := buf[1:]
	for i := range out {
		out[i] = byte(i)
	}
	var sent []byte
	f.answer = func(req *sptdWithSense) error {
		if uintptr(req.dataBuffer)%sptiAlign != 0 {
			return errors.New("misaligned data buffer")
		}
		sent = append([]byte(nil), unsafe.Slice((*byte)(req.dataBuffer), req.dataTransferLength)...)
		return nil
	}
	c = &scsi.Command{CDB: make([]byte, 10), Dir: scsi.ToDevice, Data: out}
	c.CDB[0] = 0x2A
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	if r := f.seen[2]; r.dataIn != scsiIoctlDataOut || !bytes.Equal(sent, out) || c.Resid != 0 {
		t.Errorf("write: direction %d, %d bytes sent equal: %v, resid %d", r.dataIn, len(sent), bytes.Equal(sent, out), c.Resid)
	}

	// A misaligned read buffer gets the data copied back.
	f.answer = func(req *sptdWithSense) error {
		if uintptr(req.dataBuffer)%sptiAlign != 0 {
			return errors.New("misaligned data buffer")
		}
		copy(unsafe.Slice((*byte)(req.dataBuffer), req.dataTransferLength), "read back")
		req.dataTransferLength = 9
		return nil
	}
	in = make([]byte, 33)[1:]
	c = &scsi.Command{CDB: []byte{0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, Dir: scsi.FromDevice, Data: in}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	if string(in[:9]) != "read back" || c.Resid != 23 {
		t.Errorf("misaligned read: %q, resid %d", in[:9], c.Resid)
	}
}

func TestSPTICheckCondition(t *testing.T) {
	sense := scsi.Sense{Key: scsi.KeyNotReady, ASC: 0x3A}.Bytes()
	f := &fakeDrive{answer: func(req *sptdWithSense) error {
		req.scsiStatus = scsi.StatusCheckCondition
		base := unsafe.Pointer(req)
		copy(unsafe.Slice((*byte)(unsafe.Add(base, req.senseInfoOffset)), req.senseInfoLength), sense)
		req.senseInfoLength = uint8(len(sense))
		req.dataTransferLength = 0
		return nil
	}}
	d := f.device()
	c := &scsi.Command{CDB: []byte{0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0}, Dir: scsi.FromDevice, Data: make([]byte, 12)}
	if err := d.Do(c); err != nil {
		t.Fatal(err)
	}
	s, err := scsi.ParseSense(c.Sense)
	if c.Status != scsi.StatusCheckCondition || err != nil || s.Key != scsi.KeyNotReady || s.ASC != 0x3A || c.Resid != 12 {
		t.Errorf("status %#x, sense %v (%v), resid %d", c.Status, s, err, c.Resid)
	}
	// Sense left over in the buffer is not reported with GOOD status.
	f.answer = func(req *sptdWithSense) error { req.senseInfoLength = 18; return nil }
	c = &scsi.Command{CDB: []byte{0, 0, 0, 0, 0, 0}, Sense: []byte{1}}
	if err := d.Do(c); err != nil || c.Status != scsi.StatusGood || c.Sense != nil {
		t.Errorf("good status: %v, status %#x, sense % x", err, c.Status, c.Sense)
	}
}

func TestSPTIErrors(t *testing.T) {
	denied := syscall.Errno(5) // ERROR_ACCESS_DENIED
	f := &fakeDrive{answer: func(*sptdWithSense) error { return denied }}
	d := f.device()
	c := &scsi.Command{CDB: []byte{0x12, 0, 0, 0, 36, 0}, Dir: scsi.FromDevice, Data: make([]byte, 36)}
	err := d.Do(c)
	if !errors.Is(err, ErrTransport) || !errors.Is(err, denied) || !strings.Contains(err.Error(), `\\.\CdRom0`) {
		t.Errorf("failed ioctl: %v, want ErrTransport wrapping the errno and naming the drive", err)
	}

	f.answer = func(req *sptdWithSense) error { req.dataTransferLength = 37; return nil }
	if err := d.Do(c); !errors.Is(err, ErrTransport) {
		t.Errorf("driver claims more bytes than asked: %v, want ErrTransport", err)
	}

	for _, n := range []int{0, 17} {
		calls := len(f.seen)
		if err := d.Do(&scsi.Command{CDB: make([]byte, n)}); !errors.Is(err, ErrTransport) || len(f.seen) != calls {
			t.Errorf("CDB of %d bytes: %v, %d ioctls; want ErrTransport before any ioctl", n, err, len(f.seen)-calls)
		}
	}

	closed := 0
	d.close = func() error { closed++; return nil }
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil || closed != 1 {
		t.Errorf("second Close: %v, handle closed %d times", err, closed)
	}
	if err := d.Do(c); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Do after Close: %v, want os.ErrClosed", err)
	}

	bad := errors.New("handle went away")
	d = &sptiDevice{path: "D:", ioctl: f.ioctl, close: func() error { return bad }}
	if err := d.Close(); !errors.Is(err, bad) {
		t.Errorf("failing close: %v", err)
	}
}

func TestSPTILockForBurn(t *testing.T) {
	var codes []uint32
	fail := map[uint32]error{}
	d := &sptiDevice{path: "E:", ioctl: func(code uint32, _ unsafe.Pointer, _ uint32) (uint32, error) {
		codes = append(codes, code)
		return 0, fail[code]
	}}
	if err := d.lockForBurn(); err != nil || fmt.Sprint(codes) != fmt.Sprint([]uint32{fsctlLockVolume, fsctlDismountVolume}) {
		t.Errorf("lock: %v, codes %#x", err, codes)
	}

	codes = nil
	inUse := syscall.Errno(5)
	fail[fsctlLockVolume] = inUse
	err := d.lockForBurn()
	if !errors.Is(err, ErrVolumeInUse) || !errors.Is(err, inUse) || len(codes) != 1 {
		t.Errorf("lock refused: %v after codes %#x; want ErrVolumeInUse and no dismount", err, codes)
	}

	codes = nil
	delete(fail, fsctlLockVolume)
	fail[fsctlDismountVolume] = syscall.Errno(21) // ERROR_NOT_READY
	err = d.lockForBurn()
	if err == nil || errors.Is(err, ErrVolumeInUse) || fmt.Sprint(codes) != fmt.Sprint([]uint32{fsctlLockVolume, fsctlDismountVolume, fsctlUnlockVolume}) {
		t.Errorf("dismount fails: %v after codes %#x; want the error and the volume unlocked", err, codes)
	}
}

func TestWindowsDrivePath(t *testing.T) {
	for _, tc := range []struct {
		spec, path, letter string
		ok                 bool
	}{
		{"D:", `\\.\D:`, "D", true},
		{"d:", `\\.\D:`, "D", true},
		{`e:\`, `\\.\E:`, "E", true},
		{"e:/", `\\.\E:`, "E", true},
		{`\\.\F:`, `\\.\F:`, "F", true},
		{`//./f:`, `\\.\F:`, "F", true},
		{`\\.\CdRom0`, `\\.\CdRom0`, "", true},
		{`\\.\cdrom12`, `\\.\CdRom12`, "", true},
		{`\\.\CdRom`, "", "", false},
		{`\\.\CdRom-1`, "", "", false},
		{`\\.\CdRom01`, "", "", false},
		{`\\.\CdRom1x`, "", "", false},
		{`\\.\PhysicalDrive0`, "", "", false},
		{"1:", "", "", false},
		{"D:disc.iso", "", "", false},
		{`D:\disc.iso`, "", "", false},
		{"disc.iso", "", "", false},
		{"/dev/sr0", "", "", false},
		{"", "", "", false},
	} {
		path, letter, ok := windowsDrivePath(tc.spec)
		if path != tc.path || letter != tc.letter || ok != tc.ok {
			t.Errorf("windowsDrivePath(%q) = %q, %q, %v; want %q, %q, %v", tc.spec, path, letter, ok, tc.path, tc.letter, tc.ok)
		}
	}
}

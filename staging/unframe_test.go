package staging

import (
	"encoding/binary"
	"encoding/json"
	iofs "io/fs"
	"reflect"
	"testing"
)

// jsonChange reads a record's payload with encoding/json alone, as the
// replay did before decodeChange.
func jsonChange(p []byte, c *change) error {
	*c = change{} // encoding/json would fill the records c.Put has room for
	return json.Unmarshal(p, c)
}

// variedJournal returns the journal of an area after changes of every
// kind: directories, files, symbolic links, hard links, device nodes,
// names JSON escapes or that are not UTF-8, renames, removals and a
// commit (whose inflight record encoding/json reads).
func variedJournal(t testing.TB) []byte {
	t.Helper()
	withOldNames(t)
	dir := t.TempDir()
	a, err := Open(dir, &fakeMedium{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	check(err)
	for _, name := range []string{"f", "quote\"back\\slash", "<&>", "tab\tnl\n", "caf\u00e9 \u65e5\U0001F600", "line\u2028sep", "not utf-8 \xff\xfe", "\x7f"} {
		_, h, err := a.Create(d.ID, name, 0o644, 1000, 1000)
		check(err)
		_, err = h.WriteAt([]byte("x"), 0)
		check(err)
		check(h.Release())
	}
	_, err = a.Symlink(RootID, "l", "d/f", 0, 0)
	check(err)
	_, err = a.Symlink(RootID, "l2", "target \xff \"<\u2029>\"", 0, 0)
	check(err)
	check(a.Commit(CommitOptions{VolumeID: "F"}))
	check(a.Rename(RootID, "d", RootID, "e", 0))
	check(a.Unlink(RootID, "l"))
	_, err = a.Mkdir(RootID, "n", 0o700, 3, 4)
	check(err)
	e, err := a.Lookup(RootID, "e")
	check(err)
	ef, err := a.Lookup(e.ID, "f")
	check(err)
	_, err = a.Link(ef.ID, RootID, "hard")
	check(err)
	_, err = a.Link(ef.ID, RootID, "hard \xff")
	check(err)
	_, err = a.Mknod(RootID, "dev", iofs.ModeDevice|0o600, 8<<8|1, 0, 0)
	check(err)
	check(a.Close())
	return journalBytes(t, dir)
}

// TestUnframeRealJournal: a real journal replays to the same state with
// decodeChange as with encoding/json alone, and decodeChange reads every
// record but the commit's inflight ones itself.
func TestUnframeRealJournal(t *testing.T) {
	j := variedJournal(t)
	fast, slow := replay(j), replayWith(j, jsonChange)
	if fast.Records < 5 || fast.DroppedBytes != 0 {
		t.Fatalf("the journal replays as %d records, %d bytes dropped", fast.Records, fast.DroppedBytes)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("the journal replays to\n%+v\nwith encoding/json alone to\n%+v", fast, slow)
	}
	for off := 0; off < len(j); {
		n := int(binary.LittleEndian.Uint32(j[off:]))
		p := j[off+frameHeader : off+frameHeader+n]
		off += frameHeader + n
		var c, w change
		if err := json.Unmarshal(p, &w); err != nil {
			t.Fatal(err)
		}
		if !fastChange(p, &c) {
			if w.Inflight == nil {
				t.Errorf("decodeChange does not read a record without an inflight snapshot:\n%s", p)
			}
			continue
		}
		if !reflect.DeepEqual(c, w) {
			t.Errorf("decodeChange reads\n%+v\nencoding/json\n%+v\nfrom\n%s", c, w, p)
		}
	}
}

// FuzzUnframe: whatever payload decodeChange reads itself, encoding/json
// reads too, to the same values. Seeds: the records of a real journal
// and of TestFrameMatchesJSON's changes, and payloads in other
// spellings that encoding/json reads (spaces, other key orders, escapes
// appendString does not write, numbers in other forms) or refuses.
func FuzzUnframe(f *testing.F) {
	j := variedJournal(f)
	for off := 0; off < len(j); {
		n := int(binary.LittleEndian.Uint32(j[off:]))
		f.Add(j[off+frameHeader : off+frameHeader+n])
		off += frameHeader + n
	}
	for _, c := range frameCases() {
		b, err := appendFrame(nil, c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[frameHeader:])
	}
	for _, s := range []string{
		`{}`, `{"g":1,"n":2}`, `{"g":1,"n":2} `, ` {"g":1,"n":2}`, `{"n":2,"g":1}`, `{"g":01,"n":2}`, `{"g":-0,"n":2}`,
		`{"g":1e3,"n":2}`, `{"g":1.0,"n":2}`, `{"g":18446744073709551616,"n":2}`, `{"g":1,"n":2,"b":null}`,
		`{"r":false,"g":1,"n":2}`, `{"g":1,"n":2,"p":[]}`, `{"g":1,"n":2,"d":[]}`, `{"g":1,"n":2,"d":[1,2,3]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"a\u00e9\ud83d\ude00\/","m":420,"u":0,"g":0,"mt":-0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"A\u00E9","m":4294967296,"u":0,"g":0,"mt":0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"a","nb":"","m":420,"u":0,"g":0,"mt":0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"a","nb":"/w==","m":420,"u":0,"g":0,"mt":-9223372036854775808,"at":9223372036854775807,"ct":0,"s":5,"e":[{"LBA":7,"Length":5}],"i":"aGk=","d":"0123456789abcdef01234567","t":"x","tb":"/w","rd":1,"l":[{"p":1,"n":"b"}]}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"a\x01","m":420,"u":0,"g":0,"mt":0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"n":"a\xff","m":420,"u":0,"g":0,"mt":0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"p":[{"id":3,"p":1,"N":"a","m":420,"u":0,"g":0,"mt":0,"at":0,"ct":0}]}`,
		`{"g":1,"n":2,"ci":true}`, `{"g":1,"n":2,"ci":true}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var c change
		if !fastChange(p, &c) {
			return
		}
		var w change
		if err := json.Unmarshal(p, &w); err != nil {
			t.Fatalf("decodeChange reads %s, which encoding/json refuses: %v", p, err)
		}
		if !reflect.DeepEqual(c, w) {
			t.Fatalf("decodeChange reads\n%+v\nencoding/json\n%+v\nfrom\n%s", c, w, p)
		}
	})
}

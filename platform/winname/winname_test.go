package winname

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// windowsAccepts is Windows' rule for a name in a folder, written from
// its documentation ("Naming Files, Paths, and Namespaces") apart from
// the mapping's code: no reserved character, no trailing dot or space,
// no device name alone or before an extension.
func windowsAccepts(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if c < 0x20 || strings.ContainsRune(`"*:<>?\|/`, c) {
			return false
		}
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		return false
	}
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	for _, d := range []string{"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} {
		if stem == d {
			return false
		}
	}
	for _, p := range []string{"COM", "LPT"} {
		for _, n := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"} {
			if stem == p+n {
				return false
			}
		}
	}
	return true
}

// alphabet holds a character of each kind the mapping treats apart.
var alphabet = []rune{
	'a', 'N', '.', ' ', ':', '?', '\\', '"', '*', '<', '>', '|', 0x01, 0x1F, 'é', '¹',
	0xF000, 0xF03A, 0xF02E, 0xF041, 0xF07F, 0xF080, 0xEFFF,
}

// names calls f with every string of up to n characters of alphabet.
func names(n int, f func(string)) {
	var rec func(prefix []rune)
	rec = func(prefix []rune) {
		if len(prefix) > 0 {
			f(string(prefix))
		}
		if len(prefix) == n {
			return
		}
		for _, c := range alphabet {
			rec(append(prefix, c))
		}
	}
	rec(nil)
}

// TestEveryShortName checks, for every name of up to four characters of
// the alphabet (292,560 names), that Windows accepts what ToWindows
// gives, that FromWindows gives the disc name back, and that no two disc
// names show as one.
func TestEveryShortName(t *testing.T) {
	seen := map[string]string{}
	count := 0
	names(4, func(disc string) {
		count++
		w, err := ToWindows(disc)
		if err != nil {
			t.Fatalf("ToWindows(%+q): %v", disc, err)
		}
		if !windowsAccepts(w) {
			t.Errorf("ToWindows(%+q) = %+q, which Windows refuses", disc, w)
		}
		if windowsAccepts(disc) && !strings.ContainsFunc(disc, inBlock) && w != disc {
			t.Errorf("ToWindows(%+q) = %+q: a name Windows shows must stay as it is", disc, w)
		}
		if Showable(disc) != (w == disc) {
			t.Errorf("Showable(%+q) = %v, ToWindows gives %+q", disc, Showable(disc), w)
		}
		back, err := FromWindows(w)
		if err != nil || back != disc {
			t.Errorf("FromWindows(ToWindows(%+q) = %+q) = %+q, %v", disc, w, back, err)
		}
		if other, dup := seen[w]; dup {
			t.Errorf("%+q and %+q both show as %+q", other, disc, w)
		}
		seen[w] = disc
	})
	if count != 292560 {
		t.Errorf("%d names, want 292560", count)
	}
}

// TestEveryShortWindowsName checks the other way: every name of up to
// four characters that FromWindows accepts is shown again as itself, and
// every name Windows accepts without characters of the block is taken
// as it is.
func TestEveryShortWindowsName(t *testing.T) {
	names(4, func(w string) {
		disc, err := FromWindows(w)
		if err != nil {
			if !errors.Is(err, ErrNotMapped) {
				t.Errorf("FromWindows(%+q): %v, want ErrNotMapped", w, err)
			}
			if windowsAccepts(w) && !strings.ContainsFunc(w, inBlock) {
				t.Errorf("FromWindows(%+q) refuses a plain Windows name: %v", w, err)
			}
			return
		}
		if back, err := ToWindows(disc); err != nil || back != w {
			t.Errorf("ToWindows(FromWindows(%+q) = %+q) = %+q, %v", w, disc, back, err)
		}
	})
}

func TestExamples(t *testing.T) {
	for _, tc := range []struct{ disc, win string }{
		{"plain.txt", "plain.txt"},
		{"a:b", "a\uF03Ab"},
		{`what?*"<>|\`, "what\uF03F\uF02A\uF022\uF03C\uF03E\uF07C\uF05C"},
		{"tab\there", "tab\uF009here"},
		{"dots...", "dots..\uF02E"},
		{"space ", "space\uF020"},
		{"both. ", "both.\uF020"},
		{" lead", " lead"},
		{".hidden", ".hidden"},
		{"...", "..\uF02E"},
		{"CON", "CO\uF04E"},
		{"con", "co\uF06E"},
		{"Nul.txt", "Nu\uF06C.txt"},
		{"nul.tar.gz", "nu\uF06C.tar.gz"},
		{"COM1", "COM\uF031"},
		{"com0", "com\uF030"},
		{"LPT9.log", "LPT\uF039.log"},
		{"COM¹", "CO\uF04D¹"},
		{"lpt³.x", "lp\uF074³.x"},
		{"CONIN$", "CONIN\uF024"},
		{"conout$.txt", "conout\uF024.txt"},
		{"CON .txt", "CO\uF04E .txt"},
		{"CON.", "CO\uF04E\uF02E"},
		{"CONSOLE", "CONSOLE"},
		{"COM10", "COM10"},
		{"xCON", "xCON"},
		{"AUX_", "AUX_"},
		{"\uF03A", "\uF000\uF03A"},
		{"\uF000", "\uF000\uF000"},
		{"\uF080", "\uF080"},
		{"日本語:名前", "日本語\uF03A名前"},
	} {
		w, err := ToWindows(tc.disc)
		if err != nil || w != tc.win {
			t.Errorf("ToWindows(%+q) = %+q, %v; want %+q", tc.disc, w, err, tc.win)
		}
		d, err := FromWindows(tc.win)
		if err != nil || d != tc.disc {
			t.Errorf("FromWindows(%+q) = %+q, %v; want %+q", tc.win, d, err, tc.disc)
		}
	}
}

// TestDeviceNames checks every device name in several cases and with the
// endings Windows still takes for the device.
func TestDeviceNames(t *testing.T) {
	var devs []string
	for d := range devices {
		devs = append(devs, d)
	}
	if len(devs) != 32 {
		t.Errorf("%d device names, want 32", len(devs))
	}
	for _, d := range devs {
		for _, name := range []string{d, strings.ToLower(d), strings.ToUpper(d[:1]) + strings.ToLower(d[1:])} {
			for _, end := range []string{"", ".txt", " ", " .tar.gz", ".", "  .a"} {
				disc := name + end
				if windowsAccepts(disc) {
					t.Errorf("the test's own rule accepts the device name %+q", disc)
				}
				w, err := ToWindows(disc)
				if err != nil || !windowsAccepts(w) {
					t.Errorf("ToWindows(%+q) = %+q, %v: Windows refuses it", disc, w, err)
				}
				if back, err := FromWindows(w); err != nil || back != disc {
					t.Errorf("FromWindows(%+q) = %+q, %v; want %+q", w, back, err, disc)
				}
			}
		}
	}
}

func TestRefused(t *testing.T) {
	for _, name := range []string{"", "a/b", "nul\x00", "\xff"} {
		if _, err := ToWindows(name); !errors.Is(err, ErrBadName) {
			t.Errorf("ToWindows(%+q): %v, want ErrBadName", name, err)
		}
		if _, err := FromWindows(name); !errors.Is(err, ErrBadName) {
			t.Errorf("FromWindows(%+q): %v, want ErrBadName", name, err)
		}
	}
	for _, w := range []string{
		"\uF000",         // a lone escape
		"a\uF000b",       // an escape before a character outside the block
		"a\uF041",        // "aA" needs no mapping
		"\uF02Fslash",    // would be "/": no disc name
		"\uF000x",        // escape, then a plain character
		"dot\uF02E.",     // a trailing dot left as it is
		"CO\uF04E\uF04E", // maps to "CONN", which needs none
	} {
		if _, err := FromWindows(w); !errors.Is(err, ErrNotMapped) {
			t.Errorf("FromWindows(%+q): %v, want ErrNotMapped", w, err)
		}
	}
	if !utf8.ValidString(string(escape)) {
		t.Fatal("escape is not UTF-8")
	}
}

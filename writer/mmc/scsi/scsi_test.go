package scsi

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSenseFormats(t *testing.T) {
	fixed := Sense{Key: KeyMediumError, ASC: 0x0C, InfoValid: true, Info: 0x01020304}
	b := fixed.Bytes()
	if b[0] != 0xF0 || b[2] != 3 || b[12] != 0x0C || b[3] != 1 || b[6] != 4 {
		t.Fatalf("fixed-format bytes % x", b)
	}
	got, err := ParseSense(b)
	if err != nil || got != fixed {
		t.Fatalf("fixed format: %+v %v", got, err)
	}
	got, err = ParseSense([]byte{0x72, 0x02, 0x3A, 0x01, 0, 0, 0, 0})
	if err != nil || got.Key != KeyNotReady || got.ASC != 0x3A || got.ASCQ != 1 {
		t.Fatalf("descriptor format: %+v %v", got, err)
	}
	if _, err := ParseSense([]byte{0x70}); !errors.Is(err, ErrShortSense) {
		t.Fatalf("short sense: %v", err)
	}
	if s := (Sense{Key: KeyMediumError, ASC: 0x73, ASCQ: 0x03}).String(); !strings.Contains(s, "3/73/03") || !strings.Contains(s, "power calibration") {
		t.Fatalf("String: %q", s)
	}
}

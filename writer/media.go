package writer

import (
	"sort"
	"strings"
)

// mediaCapacity holds the user-data capacity, in 2048-byte sectors, of
// the media an image can stand in for (single-layer unless named).
var mediaCapacity = map[string]uint32{
	"cd-r":      359_846, // 80 min
	"cd-rw":     359_846,
	"dvd-r":     2_298_496,
	"dvd-rw":    2_298_496,
	"dvd+r":     2_295_104,
	"dvd+rw":    2_295_104,
	"dvd+r-dl":  4_173_824,
	"bd-r":      12_219_392,
	"bd-re":     12_219_392,
	"bd-r-dl":   24_438_784,
	"bd-re-dl":  24_438_784,
	"dvd-ram":   2_236_704,
	"dvd-r-dl":  4_171_712,
	"cd-r-74":   333_000,
	"cd-rw-74":  333_000,
	"bd-r-xl":   48_878_592,
	"bd-re-xl":  48_878_592,
	"dvd+rw-dl": 4_173_824,
}

// MediaCapacity returns the capacity in sectors of a named medium.
func MediaCapacity(name string) (uint32, bool) {
	c, ok := mediaCapacity[strings.ToLower(name)]
	return c, ok
}

// MediaNames lists the media names MediaCapacity knows, comma separated.
func MediaNames() string {
	names := make([]string, 0, len(mediaCapacity))
	for n := range mediaCapacity {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

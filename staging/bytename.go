package staging

import "unicode/utf8"

// Names as the journal keeps them. Names and link targets are byte
// strings, on the disc and in Linux, and need not be UTF-8; a JSON
// string holds only UTF-8 (encoding/json replaces every invalid byte by
// U+FFFD). So each is recorded in two fields: the name itself, a JSON
// string, when it is UTF-8, as every journal has held it; otherwise its
// bytes in a second field (base64), which no earlier journal has.
// Records are written for every change made through the mount, so the
// UTF-8 case costs one check and nothing else.

// splitName returns the two fields recording name.
func splitName(name string) (string, []byte) {
	if utf8.ValidString(name) {
		return name, nil
	}
	return "", []byte(name)
}

// joinName returns the name the two fields record.
func joinName(name string, b []byte) string {
	if b != nil {
		return string(b)
	}
	return name
}

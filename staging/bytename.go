package staging

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// byteString is a name or a link target as the journal keeps it. Names
// are byte strings, on the disc and in Linux, and need not be UTF-8; a
// JSON string holds only UTF-8 (encoding/json replaces every invalid
// byte by U+FFFD). So a byteString that is valid UTF-8 is recorded as a
// JSON string, as every name was before, and one that is not as an
// object holding its bytes, {"b": BASE64}, which no earlier journal has:
// journals written before read as they did.
type byteString string

var (
	_ json.Marshaler   = byteString("")
	_ json.Unmarshaler = (*byteString)(nil)
)

// byteStringObject is the form of a byteString that is not UTF-8.
type byteStringObject struct {
	B []byte `json:"b"`
}

func (s byteString) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(s)) {
		return json.Marshal(string(s))
	}
	return json.Marshal(byteStringObject{B: []byte(s)})
}

func (s *byteString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var o byteStringObject
		if err := json.Unmarshal(b, &o); err != nil {
			return fmt.Errorf("staging: name: %w", err)
		}
		*s = byteString(o.B)
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = byteString(v)
	return nil
}

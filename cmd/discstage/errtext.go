package main

import "github.com/discstage/discstage/internal/errtext"

// errorText is err's message naming each package once (errtext.Text).
func errorText(err error) string { return errtext.Text(err) }

//go:build !linux

package main

import "errors"

var errNotLinux = errors.New("the rig's guest runs Linux only")

func view(string) error   { return errNotLinux }
func reload(string) error { return errNotLinux }

//go:build !unix

package bench

func syncFS() {}

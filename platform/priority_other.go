//go:build !unix && !windows

package platform

func raisePriority() (restore func(), err error) { return nil, ErrPriority }

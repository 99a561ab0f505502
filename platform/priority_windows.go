package platform

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// raisePriority moves the process to the above-normal priority class,
// which a user may choose without privilege; a process in a higher
// class stays there.
func raisePriority() (restore func(), err error) {
	p := windows.CurrentProcess()
	old, err := windows.GetPriorityClass(p)
	if err != nil {
		return nil, fmt.Errorf("GetPriorityClass: %w", err)
	}
	switch old {
	case windows.ABOVE_NORMAL_PRIORITY_CLASS, windows.HIGH_PRIORITY_CLASS, windows.REALTIME_PRIORITY_CLASS:
		return func() {}, nil
	}
	if err := windows.SetPriorityClass(p, windows.ABOVE_NORMAL_PRIORITY_CLASS); err != nil {
		if err == windows.ERROR_ACCESS_DENIED {
			return nil, fmt.Errorf("%w: SetPriorityClass: %v", ErrPriority, err)
		}
		return nil, fmt.Errorf("SetPriorityClass: %w", err)
	}
	return func() { windows.SetPriorityClass(p, old) }, nil
}

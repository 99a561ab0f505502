package platform

// Holder is a process that has a file open for writing.
type Holder struct {
	PID     int
	Command string // the process's name, as ps shows it
}

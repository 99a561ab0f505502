// Package bench holds the benchmark scripts (bench/*.sh) and the test
// that reads every session discstage writes with every reader we did not
// write, side by side with xorriso's image of the same tree
// (TestReaderViews; bench/readers.sh adds the Linux kernel's view).
package bench

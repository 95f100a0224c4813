//go:build !linux

package policybench

import "time"

// threadCPU reports false where a thread's CPU time is not read; samples then use the
// wall clock.
func threadCPU() (time.Duration, bool) { return 0, false }

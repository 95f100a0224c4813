package policybench

import (
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTime is CLOCK_THREAD_CPUTIME_ID (linux/include/uapi/linux/time.h),
// which the syscall package does not name.
const clockThreadCPUTime = 3

// threadCPU returns the CPU time the calling OS thread has used, to the nanosecond, and
// true. A timed decision runs on one locked thread, so this is the evaluation's own
// time, not the time other processes on a shared machine took from it. (getrusage's
// RUSAGE_THREAD would not do: it moves in scheduler ticks and, split into user and
// system time, can even step back.)
func threadCPU() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

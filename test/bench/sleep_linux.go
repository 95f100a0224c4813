package main

import (
	"syscall"
	"time"
)

// sleepPrecisely sleeps in the kernel. time.Sleep parks on the runtime's timer, which an
// idle Go process checks with millisecond epoll timeouts: the open-loop scheduler would
// fire up to a millisecond late, which is as long as the requests it times.
func sleepPrecisely(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

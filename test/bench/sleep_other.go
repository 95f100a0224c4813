//go:build !linux

package main

import "time"

// sleepPrecisely: outside Linux the harness is not supported; the runtime timer will do.
func sleepPrecisely(d time.Duration) { time.Sleep(d) }

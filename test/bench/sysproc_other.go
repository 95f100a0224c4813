//go:build !linux

package main

import "syscall"

// serverProcAttr: outside Linux there is no parent-death signal; the harness needs
// /proc anyway, so this only keeps the package building everywhere.
func serverProcAttr() *syscall.SysProcAttr { return nil }

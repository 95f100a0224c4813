//go:build !linux

package kubetest

import "syscall"

// sysProcAttr has no parent-death signal outside Linux; Stop is the only cleanup.
func sysProcAttr() *syscall.SysProcAttr { return nil }

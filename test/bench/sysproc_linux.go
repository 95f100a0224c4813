package main

import "syscall"

// serverProcAttr has the kernel kill a server when the harness dies, so an interrupted
// run does not leave OPA or the null webhook holding ports (see the caveat on Pdeathsig
// in internal/kubetest: it follows the starting thread, which Go does not retire here).
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

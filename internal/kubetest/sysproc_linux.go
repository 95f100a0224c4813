package kubetest

import "syscall"

// sysProcAttr makes the kernel SIGKILL the child when the thread that started it
// dies, so a crashed or Ctrl-C'd test binary or demo does not leave etcd and
// kube-apiserver holding ports. Caveat (golang/go#27505): the signal is tied to the
// OS thread, not the process; the Go runtime does not retire idle threads unless a
// goroutine exits while locked to one, which this package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

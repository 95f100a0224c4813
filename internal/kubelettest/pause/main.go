// Command pause is the pod sandbox process of internal/kubelettest's node: the first
// process of every pod, which holds its namespaces. It waits for SIGINT or SIGTERM and
// reaps the zombies that end up parented to it, as the pause container of a real node
// does; it is built static and packed as containerd's sandbox_image, so a test cluster
// needs no registry.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			return
		}
		reap()
	}
}

// reap collects every exited child without blocking.
func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

package server

import (
	"log"
	"strings"

	"github.com/go-logr/logr"
)

// newStdLogger routes net/http's internal errors (TLS handshake failures, timeouts) to the
// structured log at a debug level: a scanner probing the port should not flood the log.
func newStdLogger(l logr.Logger) *log.Logger {
	return log.New(logWriter{l}, "", 0)
}

type logWriter struct{ l logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.V(1).Info(strings.TrimSpace(string(p)))
	return len(p), nil
}

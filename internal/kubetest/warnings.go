package kubetest

import "sync"

// Warnings is a client-go rest.WarningHandler that keeps the Warning headers the API
// server returns (admission webhooks' warnings among them), for a client whose requests
// run one at a time: Take returns those since the last Take.
type Warnings struct {
	mu    sync.Mutex
	lines []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *Warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, text)
}

// Take returns the warnings received since the last call and forgets them.
func (w *Warnings) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.lines
	w.lines = nil
	return out
}

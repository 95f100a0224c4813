package policy

import "sync/atomic"

// Holder keeps the active PolicySet and swaps it atomically. Readers take one set with
// Current and use it for a whole request, so a swap never mixes two revisions in one
// decision. A nil set means nothing is active yet: callers must not admit by default.
type Holder struct {
	current atomic.Pointer[PolicySet]
}

// NewHolder returns a Holder with no active set.
func NewHolder() *Holder { return &Holder{} }

// Current returns the active set, or nil when none has been activated.
func (h *Holder) Current() *PolicySet { return h.current.Load() }

// Swap activates next and returns the set it replaced (nil on first activation).
func (h *Holder) Swap(next *PolicySet) *PolicySet { return h.current.Swap(next) }

package source

import (
	"errors"
	"fmt"
)

// ErrUnchanged is returned by Fetch when the newest revision is the one already active:
// nothing needs compiling.
var ErrUnchanged = errors.New("revision unchanged")

// Rejection reasons. A rejected revision was reachable but must not be activated.
const (
	ReasonForcePush = "force_push"
	ReasonSignature = "signature"
	ReasonLimits    = "limits"
	ReasonTagMoved  = "tag_moved"
)

// Rejection is a revision the source fetched but refuses to hand over.
type Rejection struct {
	Reason   string
	Revision string
	Err      error
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("revision %s rejected (%s): %v", shortSHA(r.Revision), r.Reason, r.Err)
}

func (r *Rejection) Unwrap() error { return r.Err }

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

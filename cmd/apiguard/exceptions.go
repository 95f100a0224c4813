package main

import (
	"fmt"
	"io"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
)

// warnExpiringExceptions tells a CI run which inputs pass only because of a
// PolicyException that expires within the set's warning window
// (apiguard.config.exceptions.expiryWarningDays): the day it expires, they fail. One line
// per object and exception, on stderr, whatever the output format.
func warnExpiringExceptions(w io.Writer, set *policy.PolicySet, results []report.Result) {
	now := set.Now()
	for _, r := range results {
		var used []*policy.AppliedException
		for _, v := range r.Decision.Violations {
			used = append(used, v.Exception)
		}
		for _, x := range r.Decision.Warnings {
			used = append(used, x.Exception)
		}
		seen := map[string]bool{}
		for _, a := range used {
			if a == nil || seen[a.Name] || a.Expires.Sub(now) > set.ExceptionWarnWithin() {
				continue
			}
			seen[a.Name] = true
			where := r.File
			if r.Line > 0 {
				where = fmt.Sprintf("%s:%d", r.File, r.Line)
			}
			fmt.Fprintf(w, "apiguard: warning: %s %s %s passes only because of PolicyException %s, which expires %s (in %s); fix the finding or renew the exception\n",
				where, r.Kind, objectName(r), a.Name, a.Expires.UTC().Format(time.RFC3339), a.Expires.Sub(now).Round(time.Hour))
		}
	}
}

func objectName(r report.Result) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

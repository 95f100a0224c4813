// Package quantile gives the latency quantiles the fault tests assert on ("does not
// stall"), computed one way for every test that compares a baseline with a disturbance.
package quantile

import (
	"slices"
	"time"
)

// P99 is the 99th percentile of lat (the sample at index len*99/100 of the sorted
// copy), or 0 for no samples. lat is left as it is.
func P99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[(len(s)*99)/100]
}

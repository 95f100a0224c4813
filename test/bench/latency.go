package main

import (
	"math"
	"slices"
	"time"
)

// latencies summarises one run's samples. Percentiles use the nearest-rank method on
// every sample (no histogram buckets): runs are short enough to keep them all, and a
// bucketed p99.9 would hide exactly the stalls we look for.
type latencies struct {
	N    int           `json:"n"`
	P50  time.Duration `json:"p50_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
}

func summarize(samples []time.Duration) latencies {
	if len(samples) == 0 {
		return latencies{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return latencies{N: len(s), P50: percentile(s, 0.50), P99: percentile(s, 0.99), P999: percentile(s, 0.999), Max: s[len(s)-1]}
}

// percentile returns the smallest sample such that at least p of all samples are at or
// below it; sorted must be sorted ascending and non-empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	// The epsilon keeps float error (0.999*1000 = 999.0000000000001) from bumping the rank.
	rank := int(math.Ceil(p*float64(len(sorted)) - 1e-9))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

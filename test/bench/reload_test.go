package main

import (
	"context"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apiguard/apiguard/pkg/policy"
)

func TestSyntheticLibrary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := writeSyntheticLibrary(os.DirFS("../../policies"), dir, 12); err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(context.Background(), os.DirFS(dir), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := set.Policies()
	if len(got) != 12 {
		t.Fatalf("%d policies, want 12", len(got))
	}
	for _, p := range got {
		if !strings.HasPrefix(p.ID, "synthetic.copy") || len(p.Kinds) == 0 && !strings.Contains(p.ID, "gitops") {
			t.Errorf("policy %s (kinds %v) is not a renamed library policy", p.ID, p.Kinds)
		}
	}
}

func TestLatencyChart(t *testing.T) {
	run := func(rate float64, p50, p99 time.Duration) rateRun {
		return rateRun{Rate: rate, Result: loadResult{Latency: latencies{N: 1, P50: p50, P99: p99}}}
	}
	targets := []servingResult{
		{Name: "apiguard", Rates: []rateRun{run(200, time.Millisecond, 3*time.Millisecond), run(500, 2*time.Millisecond, 9*time.Millisecond)}},
		{Name: "null", Rates: []rateRun{run(200, 300*time.Microsecond, time.Millisecond), run(500, 400*time.Microsecond, 2*time.Millisecond)}},
	}
	svg := latencyChart(targets)
	dec := xml.NewDecoder(strings.NewReader(svg))
	polylines := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "polyline" {
			polylines++
			for _, a := range el.Attr {
				if a.Name.Local == "points" && len(strings.Fields(a.Value)) != 2 {
					t.Errorf("polyline with points %q, want one per rate", a.Value)
				}
			}
		}
	}
	if polylines != 4 {
		t.Errorf("%d polylines, want p50 and p99 for each of 2 targets:\n%s", polylines, svg)
	}
	for _, label := range []string{"apiguard", "null", "0.1 ms", "10 ms"} {
		if !strings.Contains(svg, ">"+label+"<") {
			t.Errorf("chart lacks the label %q", label)
		}
	}
}

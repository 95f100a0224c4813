package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// latencyChart plots p50 (solid) and p99 (dashed) latency against the offered rate for
// every target, on a log scale: an overloaded target is orders of magnitude above the
// others, and a linear axis would flatten the rest into the floor.
func latencyChart(targets []servingResult) string {
	const (
		width, height            = 720, 440
		left, right, top, bottom = 70, 160, 40, 50
	)
	colors := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"}
	var maxRate float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range targets {
		for _, r := range t.Rates {
			maxRate = max(maxRate, r.Rate)
			for _, d := range []time.Duration{r.Result.Latency.P50, r.Result.Latency.P99} {
				if d > 0 {
					v := math.Log10(float64(d) / float64(time.Millisecond))
					lo, hi = min(lo, v), max(hi, v)
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15">Latency against offered rate (open loop; solid p50, dashed p99)</text>`+"\n", left)
	if maxRate == 0 || math.IsInf(lo, 0) {
		b.WriteString("</svg>\n")
		return b.String()
	}
	lo, hi = math.Floor(lo), math.Ceil(hi)
	if hi == lo {
		hi++
	}
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	x := func(rate float64) float64 { return left + rate/maxRate*plotW }
	y := func(d time.Duration) float64 {
		v := math.Log10(float64(d) / float64(time.Millisecond))
		return top + (hi-v)/(hi-lo)*plotH
	}
	// Axes, decade grid lines and rate ticks.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, top, left, height-bottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", left, height-bottom, width-right, height-bottom)
	for e := lo; e <= hi; e++ {
		yy := top + (hi-e)/(hi-lo)*plotH
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, yy, width-right, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s ms</text>`+"\n", left-6, yy+4, decade(e))
	}
	for _, r := range targets[0].Rates {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>`+"\n", x(r.Rate), height-bottom+18, r.Rate)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">requests per second</text>`+"\n", left+plotW/2, height-12)
	for i, t := range targets {
		color := colors[i%len(colors)]
		for _, line := range []struct {
			dash string
			at   func(latencies) time.Duration
		}{{"", func(l latencies) time.Duration { return l.P50 }}, {` stroke-dasharray="6 4"`, func(l latencies) time.Duration { return l.P99 }}} {
			var pts []string
			for _, r := range t.Rates {
				if d := line.at(r.Result.Latency); d > 0 {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.Rate), y(d)))
					// A marker per measurement: a line alone hides single points.
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(r.Rate), y(d), color)
				}
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, line.dash, strings.Join(pts, " "))
		}
		ly := top + 20*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", width-right+15, ly, width-right+40, ly, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", width-right+46, ly+4, t.Name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// decade labels 10^e milliseconds without float noise: 0.01, 0.1, 1, 10, ...
func decade(e float64) string {
	if e >= 0 {
		return fmt.Sprintf("%.0f", math.Pow(10, e))
	}
	return fmt.Sprintf("%.*f", int(-e), math.Pow(10, e))
}

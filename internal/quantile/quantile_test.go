package quantile

import (
	"testing"
	"time"
)

func TestP99(t *testing.T) {
	if got := P99(nil); got != 0 {
		t.Errorf("P99(nil) = %v", got)
	}
	lat := make([]time.Duration, 0, 200)
	for i := 200; i > 0; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if got := P99(lat); got != 199*time.Millisecond {
		t.Errorf("P99 of 1..200 ms = %v, want 199ms", got)
	}
	if lat[0] != 200*time.Millisecond {
		t.Error("P99 sorted its argument")
	}
}

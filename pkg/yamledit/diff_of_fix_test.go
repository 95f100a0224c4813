package yamledit

import (
	"bytes"
	"testing"

	"github.com/apiguard/apiguard/internal/unifieddiff"
	"github.com/apiguard/apiguard/internal/unifieddiff/difftest"
)

// TestDiffOfFix is the --diff use: the diff of a fixed manifest applies.
func TestDiffOfFix(t *testing.T) {
	for _, tc := range editCases {
		out, err := ApplyPatches([]byte(tc.src), tc.edits)
		if err != nil {
			t.Fatal(err)
		}
		diff := unifieddiff.Diff("a/f.yaml", "b/f.yaml", []byte(tc.src), out)
		if bytes.Equal(out, []byte(tc.src)) != (diff == "") {
			t.Fatalf("%s: diff %q", tc.name, diff)
		}
		if diff != "" {
			difftest.Apply(t, tc.src, string(out), diff)
		}
	}
}

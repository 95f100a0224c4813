package admission

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden AdmissionReview responses in testdata/golden")

// TestGolden sends each testdata/golden/*.request.json to /validate and /mutate with the
// bundled library and compares the answers to the stored responses. Regenerate with
// `go test ./pkg/admission -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	h := libraryHandlers(t, "0123456789abcdef0123456789abcdef01234567")
	requests, err := filepath.Glob("testdata/golden/*.request.json")
	if err != nil || len(requests) == 0 {
		t.Fatalf("no golden requests: %v", err)
	}
	for _, reqFile := range requests {
		name := strings.TrimSuffix(filepath.Base(reqFile), ".request.json")
		body, err := os.ReadFile(reqFile)
		if err != nil {
			t.Fatal(err)
		}
		for path, handler := range map[string]http.Handler{"validate": h.Validate(), "mutate": h.Mutate()} {
			t.Run(name+"/"+path, func(t *testing.T) {
				rec := serve(handler, "/"+path, body)
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, rec.Body.Bytes(), "", "  "); err != nil {
					t.Fatalf("HTTP %d, body not JSON: %s", rec.Code, rec.Body.Bytes())
				}
				got := pretty.String() + "\n"
				goldenFile := filepath.Join("testdata/golden", name+"."+path+".response.json")
				if *update {
					if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(goldenFile)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("response differs from %s:\n--- got\n%s\n--- want\n%s", goldenFile, got, want)
				}
			})
		}
	}
}

package admission

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
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
				if canonicalPatch(t, got, body) != canonicalPatch(t, string(want), body) {
					t.Errorf("response differs from %s:\n--- got\n%s\n--- want\n%s", goldenFile, got, want)
				}
			})
		}
	}
}

// canonicalPatch replaces a response's base64 patch by its operations, sorted, and by the
// object it makes of the request's object. The diff that computes a patch walks Go maps,
// so sibling additions come in any order; sorted operations plus the patched object
// compare what the API server would store, exactly, whatever that order.
func canonicalPatch(t *testing.T, response string, request []byte) string {
	t.Helper()
	var resp map[string]any
	if err := json.Unmarshal([]byte(response), &resp); err != nil {
		return response
	}
	r, _ := resp["response"].(map[string]any)
	encoded, _ := r["patch"].(string)
	if encoded == "" {
		return response
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatalf("patch is not base64: %v", err)
	}
	var ops []any
	if err := json.Unmarshal(raw, &ops); err != nil {
		t.Fatalf("patch is not a JSON array: %v", err)
	}
	slices.SortFunc(ops, func(a, b any) int {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Compare(x, y)
	})
	var review struct {
		Request struct {
			Object json.RawMessage `json:"object"`
		} `json:"request"`
	}
	if err := json.Unmarshal(request, &review); err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatalf("patch %s: %v", raw, err)
	}
	patched, err := patch.Apply(review.Request.Object)
	if err != nil {
		t.Fatalf("patch %s does not apply: %v", raw, err)
	}
	var object any
	_ = json.Unmarshal(patched, &object)
	r["patch"] = map[string]any{"operations": ops, "patchedObject": object}
	out, _ := json.MarshalIndent(resp, "", "  ")
	return string(out)
}

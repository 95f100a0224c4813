package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/version"
)

// EngineVersion is the version of the OPA library policies are compiled and evaluated
// with, so a CI log and the webhook's /status can show which engine judged.
func EngineVersion() string { return version.Version }

// CapabilitiesHash fingerprints the builtin set policies are compiled against (name and
// signature of every allowed builtin, plus the network allow-list). Two binaries with the
// same hash accept and evaluate the same Rego the same way, whatever their versions say.
func CapabilitiesHash() string { return capabilitiesHash(capabilities()) }

func capabilitiesHash(caps *ast.Capabilities) string {
	type entry struct {
		Name string `json:"name"`
		Decl any    `json:"decl"`
	}
	entries := make([]entry, 0, len(caps.Builtins))
	for _, b := range caps.Builtins {
		entries = append(entries, entry{Name: b.Name, Decl: b.Decl})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.Name, b.Name) })
	features := slices.Clone(caps.Features)
	slices.Sort(features)
	// Marshalling ast types is deterministic: declarations are ordered structures.
	b, err := json.Marshal(struct {
		Builtins []entry  `json:"builtins"`
		AllowNet []string `json:"allow_net"`
		Features []string `json:"features"`
	}{entries, caps.AllowNet, features})
	if err != nil {
		// Capabilities are built in; they always marshal.
		panic("policy: marshal capabilities: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

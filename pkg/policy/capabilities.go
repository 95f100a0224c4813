package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// removedBuiltins are builtins a policy may not call. A deny decision must depend only on
// the request, the policy repository and the configured data: anything that reaches the
// network, reads the host, or varies between two evaluations of the same input would
// make the webhook, the CLI and audit disagree, and could be abused to exfiltrate
// admitted objects.
func removedBuiltins() map[string]string {
	return map[string]string{
		"http.send":            "network access",
		"net.lookup_ip_addr":   "network access (DNS)",
		"opa.runtime":          "exposes the host environment",
		"rand.intn":            "non-deterministic",
		"uuid.rfc4122":         "non-deterministic",
		"time.now_ns":          "non-deterministic: the same input must get the same verdict",
		"io.jwt.decode_verify": "depends on the wall clock for exp/nbf",
		"crypto.x509.parse_and_verify_certificates":              "depends on the wall clock",
		"crypto.x509.parse_and_verify_certificates_with_options": "depends on the wall clock",
		"providers.aws.sign_req":                                 "only useful with http.send; reads the clock",
		"net.cidr_expand":                                        "unbounded memory: expanding 0.0.0.0/0 yields 2^32 addresses",
		"trace":                                                  "writes to the evaluation trace, which the engine does not collect; *_test.rego files may call it",
	}
}

// We keep the pure net.cidr_* functions (contains, intersects, is_valid, merge,
// contains_matches): they are deterministic string math with no I/O, and NetworkPolicy
// checks such as "ipBlock covers 0.0.0.0/0" need them.

// capabilities returns the fixed builtin set every policy is compiled against, in the
// webhook and the CLI alike. It is rebuilt per compile so callers cannot share and mutate it.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	removed := removedBuiltins()
	kept := make([]*ast.Builtin, 0, len(caps.Builtins))
	for _, b := range caps.Builtins {
		if _, ok := removed[b.Name]; ok {
			continue
		}
		kept = append(kept, b)
	}
	caps.Builtins = kept
	// An empty, non-nil AllowNet means "no host": the compiler may not fetch remote
	// JSON schemas either.
	caps.AllowNet = []string{}
	return caps
}

// testOnlyBuiltin may be called by *_test.rego files, never by policies. A note is how
// a failing test explains itself under opa test -v (and apiguard test -v), and a test
// cannot influence a decision; a policy calling it would be refused by evaluation.
const testOnlyBuiltin = "trace"

// testCapabilities are the evaluation capabilities plus the test-only builtin, for
// compiling a tree with its tests.
func testCapabilities() *ast.Capabilities {
	caps := capabilities()
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		if b.Name == testOnlyBuiltin {
			caps.Builtins = append(caps.Builtins, b)
		}
	}
	return caps
}

// RemovedBuiltins lists the builtins policies may not use, with the reason, for
// documentation and error messages.
func RemovedBuiltins() map[string]string { return removedBuiltins() }

package main

import (
	"strings"
	"testing"
)

// Objects judged by their neighbours are judged across the input files, as the webhook
// judges them against the cluster: a RequestAuthentication is warned alone (a request
// without a token is accepted), and not when the AuthorizationPolicy that requires a
// request principal is in another file of the same run; a DestinationRule that turns TLS
// off is warned when another file makes its target namespace STRICT.
func TestMeshPairsJudgedAcrossInputFiles(t *testing.T) {
	dir := t.TempDir()
	authn := writeFile(t, dir, "authn.yaml", `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: orders}}
  jwtRules: [{issuer: "https://idp.example.com", jwksUri: "https://idp.example.com/jwks.json"}]
`)
	authz := writeFile(t, dir, "authz.yaml", `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: require-jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: orders}}
  action: ALLOW
  rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]
`)
	strict := writeFile(t, dir, "strict.yaml", `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: payments}
spec: {mtls: {mode: STRICT}}
`)
	dr := writeFile(t, dir, "dr.yaml", `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: plain, namespace: shop}
spec:
  host: billing.payments.svc.cluster.local
  trafficPolicy: {tls: {mode: DISABLE}}
`)
	for name, tc := range map[string]struct {
		files    []string
		want     string
		wantWarn bool
	}{
		"authn alone":        {[]string{authn}, "istio.request_authn_requires_authz", true},
		"authn and authz":    {[]string{authn, authz}, "istio.request_authn_requires_authz", false},
		"dr alone":           {[]string{dr}, "istio.dr_tls_disable_strict", false},
		"dr and strict peer": {[]string{strict, dr}, "istio.dr_tls_disable_strict", true},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "", append([]string{"check", "--policy", policies}, tc.files...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errOut)
			}
			if got := strings.Contains(out, "["+tc.want+"]"); got != tc.wantWarn {
				t.Errorf("%s warned: %v, want %v:\n%s", tc.want, got, tc.wantWarn, out)
			}
		})
	}
}

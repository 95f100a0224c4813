package manifest

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/apiguard/apiguard/internal/testenv"
)

// gatewayAPICRDs reads the standard-channel Gateway API CRDs from the module cache (the
// version the e2e tests install), as a user would pass them beside their routes.
func gatewayAPICRDs(t *testing.T) []Document {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", "sigs.k8s.io/gateway-api@v1.6.3").Output()
	var mod struct{ Dir string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		testenv.Missing(t, fmt.Sprintf("Gateway API module not in the module cache: %v", err))
	}
	docs, err := Read([]string{filepath.Join(mod.Dir, "config", "crd", "standard")}, Options{DropObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestValidateGatewayAPI: Gateway API objects the API server would reject, judged by the
// real CRDs' schemas when they are among the inputs.
func TestValidateGatewayAPI(t *testing.T) {
	crds := gatewayAPICRDs(t)
	const gw = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n  gatewayClassName: public\n  listeners:\n"
	const route = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: team}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n"
	tests := map[string]struct {
		in      string
		wantErr string
	}{
		"valid Gateway": {
			in: gw + "  - {name: https, protocol: HTTPS, port: 443, hostname: shop.example.com, tls: {certificateRefs: [{name: shop-tls}]}, allowedRoutes: {namespaces: {from: Same}}}\n",
		},
		// addresses[].type defaults to IPAddress, and the oneOf telling IP addresses
		// from hostnames relies on it: defaults apply before validation.
		"addresses without a type": {
			in: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: public\n  addresses: [{value: 1.2.3.4}, {type: Hostname, value: example.com}]\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n",
		},
		"allowedRoutes from in the wrong case": {
			in:      gw + "  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: all}}}\n",
			wantErr: `spec.listeners[0].allowedRoutes.namespaces.from: Unsupported value: "all"`,
		},
		"misspelt listener field": {
			in:      gw + "  - {name: http, protocol: HTTP, port: 80, hostName: shop.example.com}\n",
			wantErr: `unknown field "spec.listeners[0].hostName"`,
		},
		"valid HTTPRoute": {
			in: route + "  hostnames: [shop.example.com]\n  rules: [{backendRefs: [{name: shop, port: 80}]}]\n",
		},
		"hostnames as a string": {
			in:      route + "  hostnames: shop.example.com\n",
			wantErr: `spec.hostnames: Invalid value: "shop.example.com": must be of type array`,
		},
		"hostname with capitals": {
			in:      route + "  hostnames: [Shop.Example.com]\n",
			wantErr: `spec.hostnames[0]: Invalid value: "Shop.Example.com": should match`,
		},
		"port out of range": {
			in:      route + "  rules: [{backendRefs: [{name: shop, port: 70000}]}]\n",
			wantErr: "spec.rules[0].backendRefs[0].port: Invalid value: 70000: should be less than or equal to 65535",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { validateLast(t, FieldStrict, crds, tc.in, tc.wantErr) })
	}
}

package kubetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// InstallGatewayAPIStandardCRDs creates every CRD of the Gateway API standard channel
// (InstallGatewayAPICRDs's kinds plus ListenerSet, TLSRoute, TCPRoute, UDPRoute,
// BackendTLSPolicy...) from the module cache, and waits until each is served in its
// storage version. A suite whose inputs may use any standard kind (the adversarial
// corpus) needs them all, or the API server rejects those objects as unknown kinds.
func InstallGatewayAPIStandardCRDs(ctx context.Context, cfg *rest.Config) error {
	dir, err := moduleDir(ctx, "sigs.k8s.io/gateway-api@"+GatewayAPIVersion)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "config", "crd", "standard", "gateway.networking.k8s.io_*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no Gateway API CRDs under %s/config/crd/standard: %v", dir, err)
	}
	type served struct{ groupVersion, resource string }
	var docs [][]byte
	var wait []served
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		// The channel also ships a ValidatingAdmissionPolicy (vap_safeupgrades); only
		// CRDs are installed here.
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Plural string `json:"plural"`
				} `json:"names"`
				Versions []struct {
					Name    string `json:"name"`
					Storage bool   `json:"storage"`
				} `json:"versions"`
			} `json:"spec"`
		}
		first, _, _ := bytes.Cut(b, []byte("\n---\n"))
		if err := yaml.Unmarshal(first, &crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		docs = append(docs, b)
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				wait = append(wait, served{crd.Spec.Group + "/" + v.Name, crd.Spec.Names.Plural})
			}
		}
	}
	if err := installCRDs(ctx, cfg, docs, "gateway.networking.k8s.io/v1", "gateways"); err != nil {
		return err
	}
	for _, w := range wait {
		if err := waitServed(ctx, cfg, w.groupVersion, w.resource); err != nil {
			return err
		}
	}
	return nil
}

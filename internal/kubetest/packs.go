package kubetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/pkg/kinds"
)

// The gateway and mesh releases whose real CRDs the tests install, from their Go modules
// in the module cache (never copied into the repository). Each go.mod asks for Go 1.26.7
// or older, so `go mod download` works with ours.
const (
	IstioVersion        = "v1.32.0"
	EnvoyGatewayVersion = "v1.9.1"
	ContourVersion      = "v1.33.8"
	TraefikVersion      = "v3.7.13"
)

// packCRDSource is where one pack's CRDs live in its module.
type packCRDSource struct {
	module string
	globs  []string
}

func packCRDSources() []packCRDSource {
	return []packCRDSource{
		{"istio.io/api@" + IstioVersion, []string{"kubernetes/customresourcedefinitions.gen.yaml"}},
		// Envoy Gateway v1.9 keeps its CRDs under the crds subchart; releases before it
		// under charts/gateway-helm/crds/generated.
		{"github.com/envoyproxy/gateway@" + EnvoyGatewayVersion, []string{"charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_*.yaml"}},
		{"github.com/projectcontour/contour@" + ContourVersion, []string{"examples/contour/01-crds.yaml"}},
		{"github.com/traefik/traefik/v3@" + TraefikVersion, []string{"docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"}},
	}
}

// sharedPackCRDs are the packs whose modules the module proxy does not serve: their
// real CRDs, unmodified, in the shared reference folder (each folder's README.md gives
// source, commit and licence).
func sharedPackCRDs() []string {
	return []string{"reference/kong/*.yaml", "reference/apisix/*.yaml", "reference/emissary/*.yaml"}
}

// PackCRDFiles are the files holding the CRDs of the gateway and mesh packs (Istio, Envoy
// Gateway, Contour, Traefik from the module cache; Kong, APISIX, Emissary from the shared
// reference folder).
func PackCRDFiles(ctx context.Context) ([]string, error) {
	shared, err := SharedDir()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, g := range sharedPackCRDs() {
		matched, err := filepath.Glob(filepath.Join(shared, g))
		if err != nil || len(matched) == 0 {
			return nil, fmt.Errorf("no CRDs at %s: %v", filepath.Join(shared, g), err)
		}
		files = append(files, matched...)
	}
	for _, src := range packCRDSources() {
		dir, err := moduleDir(ctx, src.module)
		if err != nil {
			return nil, err
		}
		for _, g := range src.globs {
			matched, err := filepath.Glob(filepath.Join(dir, g))
			if err != nil || len(matched) == 0 {
				return nil, fmt.Errorf("%s: no CRDs at %s: %v", src.module, g, err)
			}
			files = append(files, matched...)
		}
	}
	return files, nil
}

// PackCRDs are the CRDs, among PackCRDFiles, of the table's kinds (pkg/kinds), one YAML
// document each: a kind added to the table is installed with no change here, and the
// CRDs of kinds apiguard does not judge (Envoy Gateway's EnvoyProxy is 1.4 MB) are not.
// A CRD that converts through a webhook (Emissary's, served by its emissary-apiext
// Service, which a test cluster does not run) is rewritten to serve and store only the
// table's version without conversion, or the API server would fail every read of it.
func PackCRDs(ctx context.Context) ([][]byte, error) {
	docs, _, err := packCRDs(ctx)
	return docs, err
}

// packCRDs is PackCRDs, with the table's kinds those CRDs define.
func packCRDs(ctx context.Context) ([][]byte, []kinds.Kind, error) {
	files, err := PackCRDFiles(ctx)
	if err != nil {
		return nil, nil, err
	}
	judged := map[string]kinds.Kind{}
	for _, k := range kinds.Table() {
		judged[k.Group+"/"+k.Kind] = k
	}
	var docs [][]byte
	var defined []kinds.Kind
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		for _, doc := range bytes.Split(b, []byte("\n---\n")) {
			var crd struct {
				Kind string `json:"kind"`
				Spec struct {
					Group string `json:"group"`
					Names struct {
						Kind string `json:"kind"`
					} `json:"names"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(doc, &crd); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", f, err)
			}
			k, ok := judged[crd.Spec.Group+"/"+crd.Spec.Names.Kind]
			if crd.Kind != "CustomResourceDefinition" || !ok {
				continue
			}
			if doc, err = withoutConversionWebhook(doc, k.Version); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", f, err)
			}
			docs = append(docs, doc)
			defined = append(defined, k)
		}
	}
	return docs, defined, nil
}

// withoutConversionWebhook returns a CRD whose conversion strategy is Webhook with only
// version left, served and stored, and strategy None; any other CRD unchanged.
func withoutConversionWebhook(doc []byte, version string) ([]byte, error) {
	var crd map[string]any
	if err := yaml.Unmarshal(doc, &crd); err != nil {
		return nil, err
	}
	spec, _ := crd["spec"].(map[string]any)
	conversion, _ := spec["conversion"].(map[string]any)
	if conversion["strategy"] != "Webhook" {
		return doc, nil
	}
	versions, _ := spec["versions"].([]any)
	var kept []any
	for _, v := range versions {
		if m, ok := v.(map[string]any); ok && m["name"] == version {
			m["served"], m["storage"] = true, true
			kept = append(kept, m)
		}
	}
	if len(kept) != 1 {
		return nil, fmt.Errorf("CRD %v: no version %s to keep", spec["names"], version)
	}
	spec["versions"] = kept
	spec["conversion"] = map[string]any{"strategy": "None"}
	return yaml.Marshal(crd)
}

// InstallPackCRDs creates the gateway and mesh packs' CRDs of the table's kinds and waits
// until each kind is served in the table's version.
func InstallPackCRDs(ctx context.Context, cfg *rest.Config) error {
	docs, defined, err := packCRDs(ctx)
	if err != nil {
		return err
	}
	if err := installCRDs(ctx, cfg, docs, ""); err != nil {
		return err
	}
	byGV := map[string][]string{}
	for _, k := range defined {
		byGV[k.APIVersion(k.Version)] = append(byGV[k.APIVersion(k.Version)], k.Resource)
	}
	for gv, resources := range byGV {
		if err := waitServed(ctx, cfg, gv, resources...); err != nil {
			return err
		}
	}
	return nil
}

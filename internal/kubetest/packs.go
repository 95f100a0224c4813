package kubetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

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
	}
}

// PackCRDFiles are the files holding the Istio, Envoy Gateway and Contour CRDs.
func PackCRDFiles(ctx context.Context) ([]string, error) {
	var files []string
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
func PackCRDs(ctx context.Context) ([][]byte, error) {
	files, err := PackCRDFiles(ctx)
	if err != nil {
		return nil, err
	}
	judged := map[string]bool{}
	for _, k := range kinds.Table() {
		judged[k.Group+"/"+k.Kind] = true
	}
	var docs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
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
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if crd.Kind == "CustomResourceDefinition" && judged[crd.Spec.Group+"/"+crd.Spec.Names.Kind] {
				docs = append(docs, doc)
			}
		}
	}
	return docs, nil
}

// InstallPackCRDs creates the Istio, Envoy Gateway and Contour CRDs of the table's kinds
// and waits until each kind is served in the table's version.
func InstallPackCRDs(ctx context.Context, cfg *rest.Config) error {
	docs, err := PackCRDs(ctx)
	if err != nil {
		return err
	}
	if err := installCRDs(ctx, cfg, docs, ""); err != nil {
		return err
	}
	byGV := map[string][]string{}
	for _, k := range kinds.Table() {
		if slices.Contains([]string{"istio", "envoyGateway", "contour"}, k.Pack) {
			byGV[k.APIVersion(k.Version)] = append(byGV[k.APIVersion(k.Version)], k.Resource)
		}
	}
	for gv, resources := range byGV {
		if err := waitServed(ctx, cfg, gv, resources...); err != nil {
			return err
		}
	}
	return nil
}

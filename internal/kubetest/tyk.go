package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// TykCRDsFile is Tyk Operator's CRD bundle in the shared reference folder
// (reference/tyk/README.md there gives its provenance; MPL-2.0). It is read in place,
// never copied into the repository.
const TykCRDsFile = "tyk-operator-crds-v1.4.2.yaml"

// TykResources are the tyk.tyk.io/v1alpha1 resources that expose an API, the ones the
// webhook is registered for (audit.Kinds lists the same kinds).
func TykResources() []string {
	return []string{"apidefinitions", "securitypolicies", "tykoasapidefinitions", "tykstreamsapidefinitions", "tykmcpproxydefinitions"}
}

// SharedDir is the shared reference folder: $APIGUARD_SHARED when set, else the
// directory shared beside the repository (../shared from its root), else /work/shared.
// It fails with the places it looked when none holds a reference folder.
func SharedDir() (string, error) {
	var tried []string
	if dir := os.Getenv("APIGUARD_SHARED"); dir != "" {
		if isShared(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("APIGUARD_SHARED=%s has no reference/README.md", dir)
	}
	if root, err := repoRoot(); err == nil {
		dir := filepath.Join(filepath.Dir(root), "shared")
		if isShared(dir) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	if isShared("/work/shared") {
		return "/work/shared", nil
	}
	tried = append(tried, "/work/shared")
	return "", fmt.Errorf("the shared reference folder is missing (looked in %v): set APIGUARD_SHARED to the directory holding reference/tyk/%s", tried, TykCRDsFile)
}

// isShared reports whether dir is the shared folder: its reference/ holds the index
// README.md, not merely a reference directory some run left behind.
func isShared(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "reference", "README.md"))
	return err == nil && info.Mode().IsRegular()
}

// TykCRDsPath is the path of Tyk Operator's real CRDs (TykCRDsFile) in SharedDir.
func TykCRDsPath() (string, error) {
	dir, err := SharedDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "reference", "tyk", TykCRDsFile)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("Tyk Operator's CRDs: %w", err)
	}
	return path, nil
}

// injectCA is the annotation through which the operator's own kustomize install asks
// cert-manager for its conversion webhook's CA; in the bundle its value is the
// unexpanded placeholder $(CERTIFICATE_NAMESPACE)/$(CERTIFICATE_NAME).
const injectCA = "cert-manager.io/inject-ca-from"

// TykCRDs returns the documents of Tyk Operator's real CRDs (TykCRDsPath), each without
// the kustomize inject-ca-from placeholder, ready to create.
func TykCRDs() ([][]byte, error) {
	path, err := TykCRDsPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	for _, doc := range bytes.Split(b, []byte("\n---\n")) {
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(obj) == 0 {
			continue
		}
		if meta, ok := obj["metadata"].(map[string]any); ok {
			if ann, ok := meta["annotations"].(map[string]any); ok {
				delete(ann, injectCA)
			}
		}
		out, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		docs = append(docs, out)
	}
	if len(docs) == 0 {
		return nil, errors.New(path + ": no CRDs")
	}
	return docs, nil
}

// InstallTykCRDs creates Tyk Operator's real CRDs (TykCRDs) and waits until the API
// serves the kinds that expose an API (TykResources).
func InstallTykCRDs(ctx context.Context, cfg *rest.Config) error {
	docs, err := TykCRDs()
	if err != nil {
		return err
	}
	return installCRDs(ctx, cfg, docs, "tyk.tyk.io/v1alpha1", TykResources()...)
}

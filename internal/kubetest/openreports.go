package kubetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
)

// OpenReportsVersion is the github.com/openreports/reports-api release whose CRDs the
// tests install: the module pkg/audit takes its Report types from.
const OpenReportsVersion = "v0.2.1"

// OpenReportsCRDFiles are the module's CRDs, config/crd/openreports.io_{reports,
// clusterreports}.yaml, read from the module cache.
func OpenReportsCRDFiles(ctx context.Context) ([]string, error) {
	dir, err := moduleDir(ctx, "github.com/openreports/reports-api@"+OpenReportsVersion)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range []string{"openreports.io_reports.yaml", "openreports.io_clusterreports.yaml"} {
		f := filepath.Join(dir, "config", "crd", name)
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("OpenReports CRD: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// InstallOpenReportsCRDs creates the Report and ClusterReport CRDs (openreports.io/
// v1alpha1) from the module cache and waits until both are served.
func InstallOpenReportsCRDs(ctx context.Context, cfg *rest.Config) error {
	files, err := OpenReportsCRDFiles(ctx)
	if err != nil {
		return err
	}
	var docs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	return installCRDs(ctx, cfg, docs, "openreports.io/v1alpha1", "reports", "clusterreports")
}

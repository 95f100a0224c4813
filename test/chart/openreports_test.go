package chart

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestOpenReports: the audit gets list, create, update and delete on the two OpenReports
// resources and nothing else, only with audit and reports on; the CRDs render only with
// reports.installCRDs, as the module ships them (plus labels and the keep policy), and
// the chart's copies are the module's files.
func TestOpenReports(t *testing.T) {
	t.Parallel()
	const name = "apiguard-audit-reports"
	t.Run("default", func(t *testing.T) {
		r := renderTyped(t, "default.yaml")
		var cr rbacv1.ClusterRole
		into(t, mustFind(t, r.docs, "ClusterRole", name), &cr)
		want := []rbacv1.PolicyRule{{APIGroups: []string{"openreports.io"}, Resources: []string{"reports", "clusterreports"}, Verbs: []string{"list", "create", "update", "delete"}}}
		if !reflect.DeepEqual(cr.Rules, want) {
			t.Errorf("reports ClusterRole %s", js(cr.Rules))
		}
		var crb rbacv1.ClusterRoleBinding
		into(t, mustFind(t, r.docs, "ClusterRoleBinding", name), &crb)
		if crb.RoleRef.Name != name || len(crb.Subjects) != 1 || crb.Subjects[0].Name != release || crb.Subjects[0].Namespace != namespace {
			t.Errorf("reports ClusterRoleBinding %+v", crb)
		}
		if d := find(r.docs, "CustomResourceDefinition", ""); d != nil {
			t.Errorf("a CRD rendered by default: %v", d.name())
		}
	})
	for _, off := range []struct{ values, set string }{{"default.yaml", "reports.enabled=false"}, {"everything-off.yaml", ""}} {
		t.Run("off "+off.values+" "+off.set, func(t *testing.T) {
			var extra []string
			if off.set != "" {
				extra = []string{"--set", off.set}
			}
			r := renderTyped(t, off.values, extra...)
			if find(r.docs, "ClusterRole", name) != nil || find(r.docs, "ClusterRoleBinding", name) != nil {
				t.Error("Report RBAC rendered with Reports or audit off")
			}
		})
	}
	t.Run("installCRDs", func(t *testing.T) {
		r := renderTyped(t, "default.yaml", "--set", "reports.installCRDs=true")
		files, err := kubetest.OpenReportsCRDFiles(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			module, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			vendored, err := os.ReadFile(filepath.Join(chartDir, "crds-openreports", filepath.Base(f)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(module, vendored) {
				t.Errorf("charts/apiguard/crds-openreports/%s differs from the module's %s", filepath.Base(f), f)
			}
			var want map[string]any
			if err := yaml.Unmarshal(module, &want); err != nil {
				t.Fatal(err)
			}
			got := mustFind(t, r.docs, "CustomResourceDefinition", get(want, "metadata", "name").(string))
			if get(got, "metadata", "annotations", "helm.sh/resource-policy") != "keep" || get(got, "metadata", "labels", "app.kubernetes.io/name") != "apiguard" {
				t.Errorf("CRD metadata %s", js(got["metadata"]))
			}
			if !reflect.DeepEqual(get(got, "spec"), get(want, "spec")) {
				t.Errorf("rendered CRD %s: spec differs from the module's", get(want, "metadata", "name"))
			}
		}
	})
}

package chart

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// TestAuditAndStatusRBAC: the audit gets its one Lease, Events only when asked, and
// `apiguard status` readers get services/proxy on the status port of this Service only.
func TestAuditAndStatusRBAC(t *testing.T) {
	t.Parallel()
	role := func(t *testing.T, r rendered, name string) []rbacv1.PolicyRule {
		t.Helper()
		var ro rbacv1.Role
		into(t, mustFind(t, r.docs, "Role", name), &ro)
		return ro.Rules
	}
	t.Run("default", func(t *testing.T) {
		r := renderTyped(t, "default.yaml")
		wantLease := []rbacv1.PolicyRule{
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{"apiguard-audit"}, Verbs: []string{"get", "update"}},
		}
		if got := role(t, r, "apiguard-audit"); !reflect.DeepEqual(got, wantLease) {
			t.Errorf("audit Role:\n got %s\nwant %s", js(got), js(wantLease))
		}
		wantReader := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"services/proxy"}, ResourceNames: []string{"http:apiguard:status"}, Verbs: []string{"get"}}}
		if got := role(t, r, "apiguard-status-reader"); !reflect.DeepEqual(got, wantReader) {
			t.Errorf("status-reader Role:\n got %s\nwant %s", js(got), js(wantReader))
		}
		for _, absent := range [][2]string{{"RoleBinding", "apiguard-status-reader"}, {"ClusterRole", "apiguard-audit-events"}} {
			if find(r.docs, absent[0], absent[1]) != nil {
				t.Errorf("%s/%s rendered by default", absent[0], absent[1])
			}
		}
		var rb rbacv1.RoleBinding
		into(t, mustFind(t, r.docs, "RoleBinding", "apiguard-audit"), &rb)
		if rb.RoleRef.Name != "apiguard-audit" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != release || rb.Subjects[0].Namespace != namespace {
			t.Errorf("audit RoleBinding %+v", rb)
		}
	})
	t.Run("events and readers", func(t *testing.T) {
		r := renderTyped(t, "git-ssh.yaml")
		if !containsAll(r.container.Args, "--audit-interval=10m", "--audit-events", "--audit-max-entries=500", "--audit-exclude-namespace=kube-system") {
			t.Errorf("args %q", r.container.Args)
		}
		var cr rbacv1.ClusterRole
		into(t, mustFind(t, r.docs, "ClusterRole", "apiguard-audit-events"), &cr)
		want := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}}}
		if !reflect.DeepEqual(cr.Rules, want) {
			t.Errorf("events ClusterRole %s", js(cr.Rules))
		}
		mustFind(t, r.docs, "ClusterRoleBinding", "apiguard-audit-events")
		var rb rbacv1.RoleBinding
		into(t, mustFind(t, r.docs, "RoleBinding", "apiguard-status-reader"), &rb)
		wantSubjects := []rbacv1.Subject{
			{Kind: "Group", Name: "platform-oncall", APIGroup: "rbac.authorization.k8s.io"},
			{Kind: "ServiceAccount", Name: "fleet-dashboard", Namespace: "monitoring"},
		}
		if rb.RoleRef.Name != "apiguard-status-reader" || !reflect.DeepEqual(rb.Subjects, wantSubjects) {
			t.Errorf("status-reader RoleBinding %+v", rb)
		}
	})
	t.Run("audit off", func(t *testing.T) {
		r := renderTyped(t, "everything-off.yaml")
		if find(r.docs, "Role", "apiguard-audit") != nil || find(r.docs, "RoleBinding", "apiguard-audit") != nil {
			t.Error("the Lease Role is rendered with audit off")
		}
		mustFind(t, r.docs, "Role", "apiguard-status-reader")
		for _, a := range r.container.Args {
			if strings.HasPrefix(a, "--audit-") && a != "--audit-interval=0s" {
				t.Errorf("arg %q with audit off", a)
			}
		}
		if !slices.Contains(r.container.Args, "--audit-interval=0s") {
			t.Errorf("args %q", r.container.Args)
		}
	})
}

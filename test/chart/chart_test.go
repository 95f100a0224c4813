package chart

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	kindtable "github.com/apiguard/apiguard/pkg/kinds"
)

// goodValues are the values files that must lint and render.
var goodValues = []string{"default.yaml", "cert-manager.yaml", "git-ssh.yaml", "everything-off.yaml", "configmap.yaml", "deny.yaml"}

// rendered is one values file rendered and decoded, with its typed objects.
type rendered struct {
	docs        []manifest
	deploy      appsv1.Deployment
	container   corev1.Container
	validating  admissionv1.ValidatingWebhookConfiguration
	mutating    *admissionv1.MutatingWebhookConfiguration
	clusterRole rbacv1.ClusterRole
}

func renderTyped(t *testing.T, valuesFile string, extra ...string) rendered {
	t.Helper()
	var r rendered
	r.docs = decode(t, render(t, valuesFile, extra...))
	into(t, mustFind(t, r.docs, "Deployment", release), &r.deploy)
	if n := len(r.deploy.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("want 1 container, got %d", n)
	}
	r.container = r.deploy.Spec.Template.Spec.Containers[0]
	into(t, mustFind(t, r.docs, "ValidatingWebhookConfiguration", release), &r.validating)
	if m := find(r.docs, "MutatingWebhookConfiguration", release); m != nil {
		r.mutating = new(admissionv1.MutatingWebhookConfiguration)
		into(t, m, r.mutating)
	}
	into(t, mustFind(t, r.docs, "ClusterRole", release), &r.clusterRole)
	return r
}

func TestLint(t *testing.T) {
	t.Parallel()
	// Bare lint: the chart with no values at all (the built-in library, warn stage).
	if out, err := helm(t, "lint", "--strict", chartDir); err != nil {
		t.Errorf("helm lint: %v", err)
	} else if !strings.Contains(out, "0 chart(s) failed") {
		t.Errorf("helm lint output:\n%s", out)
	}
	for _, f := range goodValues {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			if _, err := helm(t, "lint", "--strict", chartDir, "--namespace", namespace, "--values", "test/chart/testdata/"+f); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestStrictDecode decodes every built-in object of every values file strictly into
// its Go type: a misspelt or misplaced field fails here rather than being pruned by
// the API server. Every namespaced object lands in the release namespace.
func TestStrictDecode(t *testing.T) {
	t.Parallel()
	types := map[string]func() any{
		"Deployment":                     func() any { return new(appsv1.Deployment) },
		"Service":                        func() any { return new(corev1.Service) },
		"ServiceAccount":                 func() any { return new(corev1.ServiceAccount) },
		"Secret":                         func() any { return new(corev1.Secret) },
		"ConfigMap":                      func() any { return new(corev1.ConfigMap) },
		"PodDisruptionBudget":            func() any { return new(policyv1.PodDisruptionBudget) },
		"NetworkPolicy":                  func() any { return new(networkingv1.NetworkPolicy) },
		"ClusterRole":                    func() any { return new(rbacv1.ClusterRole) },
		"ClusterRoleBinding":             func() any { return new(rbacv1.ClusterRoleBinding) },
		"Role":                           func() any { return new(rbacv1.Role) },
		"RoleBinding":                    func() any { return new(rbacv1.RoleBinding) },
		"ValidatingWebhookConfiguration": func() any { return new(admissionv1.ValidatingWebhookConfiguration) },
		"MutatingWebhookConfiguration":   func() any { return new(admissionv1.MutatingWebhookConfiguration) },
	}
	clusterScoped := map[string]bool{"ClusterRole": true, "ClusterRoleBinding": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true}
	for _, f := range goodValues {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			for _, d := range decode(t, render(t, f, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor")) {
				ns, _ := get(d, "metadata", "namespace").(string)
				if clusterScoped[d.kind()] != (ns == "") || (ns != "" && ns != namespace) {
					t.Errorf("%s/%s: namespace %q", d.kind(), d.name(), ns)
				}
				if mk, ok := types[d.kind()]; ok {
					into(t, d, mk())
				}
				if get(d, "metadata", "labels", "app.kubernetes.io/instance") != release {
					t.Errorf("%s/%s: missing instance label", d.kind(), d.name())
				}
			}
		})
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	r := renderTyped(t, "default.yaml")

	want := []string{
		"NetworkPolicy/apiguard", "PodDisruptionBudget/apiguard", "ServiceAccount/apiguard",
		"Secret/apiguard-tls", "ConfigMap/apiguard-config", "ClusterRole/apiguard", "ClusterRoleBinding/apiguard",
		"Role/apiguard", "RoleBinding/apiguard", "Role/apiguard-audit", "RoleBinding/apiguard-audit", "Role/apiguard-status-reader",
		"ClusterRole/apiguard-audit-reports", "ClusterRoleBinding/apiguard-audit-reports",
		"Service/apiguard", "Deployment/apiguard",
		"MutatingWebhookConfiguration/apiguard", "ValidatingWebhookConfiguration/apiguard",
	}
	if got := kinds(r.docs); !sameSet(got, want) {
		t.Errorf("rendered objects:\n got %v\nwant %v", got, want)
	}

	t.Run("workload", func(t *testing.T) {
		d, pod, c := r.deploy, r.deploy.Spec.Template.Spec, r.container
		if *d.Spec.Replicas != 3 {
			t.Errorf("replicas %d", *d.Spec.Replicas)
		}
		if pod.PriorityClassName != "" {
			t.Errorf("priorityClassName %q by default", pod.PriorityClassName)
		}
		if len(pod.TopologySpreadConstraints) != 1 {
			t.Fatalf("topologySpreadConstraints: %+v", pod.TopologySpreadConstraints)
		}
		tsc := pod.TopologySpreadConstraints[0]
		if tsc.TopologyKey != "kubernetes.io/hostname" || tsc.WhenUnsatisfiable != corev1.ScheduleAnyway || tsc.MaxSkew != 1 ||
			!reflect.DeepEqual(tsc.LabelSelector.MatchLabels, d.Spec.Selector.MatchLabels) {
			t.Errorf("topology spread: %+v", tsc)
		}
		if *pod.TerminationGracePeriodSeconds != 30 {
			t.Errorf("terminationGracePeriodSeconds %d", *pod.TerminationGracePeriodSeconds)
		}
		if pod.ServiceAccountName != release {
			t.Errorf("serviceAccountName %q", pod.ServiceAccountName)
		}
		wantRes := corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		}
		if !equalResources(c.Resources, wantRes) {
			t.Errorf("resources %+v", c.Resources)
		}
		if c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.ReadinessProbe.HTTPGet.Port != intstr.FromString("health") ||
			c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port != intstr.FromString("health") {
			t.Errorf("probes: readiness %+v liveness %+v", c.ReadinessProbe.HTTPGet, c.LivenessProbe.HTTPGet)
		}
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		if !reflect.DeepEqual(ports, map[string]int32{"webhook": 9443, "metrics": 8080, "health": 8081}) {
			t.Errorf("ports %v", ports)
		}
		if c.Lifecycle != nil {
			t.Errorf("lifecycle %+v: the image has no shell; the delay is --shutdown-delay", c.Lifecycle)
		}
	})

	t.Run("env", func(t *testing.T) {
		env := map[string]corev1.EnvVarSource{}
		for _, e := range r.container.Env {
			if e.ValueFrom == nil {
				t.Errorf("env %s has a literal value", e.Name)
				continue
			}
			env[e.Name] = *e.ValueFrom
		}
		want := map[string]corev1.EnvVarSource{
			"POD_NAMESPACE":   {FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
			"SERVICE_ACCOUNT": {FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.serviceAccountName"}},
			"GOMEMLIMIT":      {ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "webhook", Resource: "limits.memory"}},
			"POD_IP":          {FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}},
		}
		if !reflect.DeepEqual(env, want) {
			t.Errorf("env:\n got %+v\nwant %+v", env, want)
		}
	})

	t.Run("hardening", func(t *testing.T) {
		psc, sc := r.deploy.Spec.Template.Spec.SecurityContext, r.container.SecurityContext
		if !*psc.RunAsNonRoot || *psc.RunAsUser != 65532 || *psc.RunAsGroup != 65532 || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("pod securityContext %+v", psc)
		}
		if !*sc.RunAsNonRoot || *sc.RunAsUser != 65532 || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation ||
			*sc.Privileged || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
			sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("container securityContext %+v", sc)
		}
		mounts := map[string]string{}
		for _, m := range r.container.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
		vols := volumes(r.deploy)
		for name, path := range map[string]string{"tmp": "/tmp", "git-cache": "/var/cache/apiguard"} {
			if mounts[name] != path || vols[name].EmptyDir == nil {
				t.Errorf("%s: want an emptyDir at %s; mounts %v", name, path, mounts)
			}
		}
		// Self-managed TLS: the webhook writes the pair it keeps in the Secret into a
		// writable in-memory dir.
		if mounts["certs"] != "/certs" || vols["certs"].EmptyDir == nil || vols["certs"].EmptyDir.Medium != corev1.StorageMediumMemory {
			t.Errorf("certs volume %+v at %q", vols["certs"], mounts["certs"])
		}
		for _, m := range r.container.VolumeMounts {
			if m.Name == "certs" && m.ReadOnly {
				t.Error("the self-managed certs dir is read-only")
			}
		}
	})

	t.Run("args", func(t *testing.T) {
		want := []string{
			"--cert-dir=/certs", "--port=9443", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8080",
			"--tls-min-version=1.3", "--eval-timeout=2s", "--shutdown-delay=5s", "--shutdown-timeout=20s",
			"--log-level=info", "--inventory=auto",
			"--audit-interval=5m", "--audit-lease-name=apiguard-audit", "--audit-max-entries=10000", "--audit-exclude-namespace=kube-system",
			"--audit-reports-max=20000", "--audit-reports-max-results=100", "--audit-reports-writes-per-run=1000",
			"--exemption-admin-group=system:masters",
			"--tls-self-managed-secret=apiguard-tls", "--validating-webhook-configuration=apiguard", "--mutating-webhook-configuration=apiguard",
			"--tls-dns-names=apiguard.apiguard-system.svc,apiguard.apiguard-system.svc.cluster.local,apiguard.apiguard-system,apiguard",
			"--data-file=/etc/apiguard/data/config.json",
			"--git-url=https://git.example.com/platform/policies.git", "--git-interval=60s", "--git-timeout=60s",
			"--git-require-tests=true", "--git-allow-force-push=false", "--git-cache-dir=/var/cache/apiguard",
		}
		if !slices.Equal(r.container.Args, want) {
			t.Errorf("args:\n got %q\nwant %q", r.container.Args, want)
		}
	})

	t.Run("webhooks", func(t *testing.T) {
		allGroups := kindtable.Packs()
		checkValidating(t, r.validating, admissionv1.Fail, 5, allGroups, []string{namespace, "kube-system"})
		checkMutating(t, r.mutating, admissionv1.Ignore, 3, allGroups, []string{namespace, "kube-system"})
		for _, o := range []metav1.ObjectMeta{r.validating.ObjectMeta, r.mutating.ObjectMeta} {
			if len(o.Annotations) != 0 {
				t.Errorf("%s: annotations %v outside cert-manager mode", o.Name, o.Annotations)
			}
		}
		if cb := r.validating.Webhooks[0].ClientConfig.CABundle; len(cb) != 0 {
			t.Errorf("caBundle set by default: %q", cb)
		}
	})

	t.Run("rbac", func(t *testing.T) {
		want := append(readRules(), rbacv1.PolicyRule{
			APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"},
			ResourceNames: []string{release}, Verbs: []string{"get", "update", "patch"},
		})
		if !reflect.DeepEqual(r.clusterRole.Rules, want) {
			t.Errorf("ClusterRole rules:\n got %s\nwant %s", js(r.clusterRole.Rules), js(want))
		}
		var role rbacv1.Role
		into(t, mustFind(t, r.docs, "Role", release), &role)
		wantRole := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"apiguard-tls"}, Verbs: []string{"get", "update", "patch"}}}
		if !reflect.DeepEqual(role.Rules, wantRole) {
			t.Errorf("Role rules:\n got %s\nwant %s", js(role.Rules), js(wantRole))
		}
		var crb rbacv1.ClusterRoleBinding
		into(t, mustFind(t, r.docs, "ClusterRoleBinding", release), &crb)
		wantSubj := []rbacv1.Subject{{Kind: "ServiceAccount", Name: release, Namespace: namespace}}
		if crb.RoleRef.Name != release || crb.RoleRef.Kind != "ClusterRole" || !reflect.DeepEqual(crb.Subjects, wantSubj) {
			t.Errorf("ClusterRoleBinding %+v %+v", crb.RoleRef, crb.Subjects)
		}
		var rb rbacv1.RoleBinding
		into(t, mustFind(t, r.docs, "RoleBinding", release), &rb)
		if rb.RoleRef.Name != release || rb.RoleRef.Kind != "Role" || !reflect.DeepEqual(rb.Subjects, wantSubj) {
			t.Errorf("RoleBinding %+v %+v", rb.RoleRef, rb.Subjects)
		}
	})

	t.Run("tls secret", func(t *testing.T) {
		var s corev1.Secret
		into(t, mustFind(t, r.docs, "Secret", "apiguard-tls"), &s)
		if s.Type != corev1.SecretTypeOpaque || len(s.Data) != 0 || len(s.StringData) != 0 {
			t.Errorf("TLS Secret must be an empty Opaque Secret (no generated certificates): %+v", s)
		}
	})

	t.Run("service and pdb", func(t *testing.T) {
		var svc corev1.Service
		into(t, mustFind(t, r.docs, "Service", release), &svc)
		ports := map[string]string{}
		for _, p := range svc.Spec.Ports {
			ports[p.Name] = p.TargetPort.String()
			if p.Name == "webhook" && p.Port != 443 {
				t.Errorf("webhook service port %d", p.Port)
			}
		}
		if svc.Spec.Type != corev1.ServiceTypeClusterIP || !reflect.DeepEqual(ports, map[string]string{"webhook": "webhook", "metrics": "metrics", "status": "health"}) ||
			!reflect.DeepEqual(svc.Spec.Selector, r.deploy.Spec.Selector.MatchLabels) {
			t.Errorf("service %+v", svc.Spec)
		}
		var pdb policyv1.PodDisruptionBudget
		into(t, mustFind(t, r.docs, "PodDisruptionBudget", release), &pdb)
		if pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil ||
			!reflect.DeepEqual(pdb.Spec.Selector.MatchLabels, r.deploy.Spec.Selector.MatchLabels) {
			t.Errorf("pdb %+v", pdb.Spec)
		}
	})

	t.Run("networkpolicy", func(t *testing.T) {
		var np networkingv1.NetworkPolicy
		into(t, mustFind(t, r.docs, "NetworkPolicy", release), &np)
		if !reflect.DeepEqual(np.Spec.PodSelector.MatchLabels, r.deploy.Spec.Selector.MatchLabels) ||
			!slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{"Ingress", "Egress"}) {
			t.Errorf("networkpolicy %+v", np.Spec)
		}
		if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 0 || !slices.Equal(npPorts(np.Spec.Ingress[0].Ports), []string{"TCP/9443", "TCP/8080", "TCP/8081"}) {
			t.Errorf("ingress %+v", np.Spec.Ingress)
		}
		var egress [][]string
		for _, e := range np.Spec.Egress {
			if len(e.To) != 0 {
				t.Errorf("egress restricted by default: %+v", e.To)
			}
			egress = append(egress, npPorts(e.Ports))
		}
		wantEgress := [][]string{{"UDP/53", "TCP/53"}, {"TCP/443", "TCP/6443"}, {"TCP/443", "TCP/22"}}
		if !reflect.DeepEqual(egress, wantEgress) {
			t.Errorf("egress ports %v, want %v", egress, wantEgress)
		}
	})

	t.Run("no servicemonitor without the API", func(t *testing.T) {
		if find(r.docs, "ServiceMonitor", "") != nil {
			t.Error("ServiceMonitor rendered")
		}
	})
}

func TestCertManager(t *testing.T) {
	t.Parallel()
	r := renderTyped(t, "cert-manager.yaml")
	// The self-managed TLS Role and its Secret; the audit's Roles stay.
	for k, name := range map[string]string{"Secret": "", "Role": release, "RoleBinding": release} {
		if d := find(r.docs, k, name); d != nil {
			t.Errorf("%s/%s rendered in cert-manager mode", k, d.name())
		}
	}
	if !reflect.DeepEqual(r.clusterRole.Rules, readRules()) {
		t.Errorf("ClusterRole rules in cert-manager mode must be read-only:\n got %s\nwant %s", js(r.clusterRole.Rules), js(readRules()))
	}
	wantAnn := map[string]string{"cert-manager.io/inject-ca-from": namespace + "/apiguard-serving"}
	if !reflect.DeepEqual(r.validating.Annotations, wantAnn) || !reflect.DeepEqual(r.mutating.Annotations, wantAnn) {
		t.Errorf("annotations: validating %v mutating %v", r.validating.Annotations, r.mutating.Annotations)
	}

	selfSigned := mustFind(t, r.docs, "Issuer", "apiguard-selfsigned")
	if get(selfSigned, "spec", "selfSigned") == nil || get(selfSigned, "apiVersion") != "cert-manager.io/v1" {
		t.Errorf("self-signed issuer %v", selfSigned)
	}
	ca := mustFind(t, r.docs, "Certificate", "apiguard-ca")
	if get(ca, "spec", "isCA") != true || get(ca, "spec", "secretName") != "apiguard-ca" || get(ca, "spec", "issuerRef", "name") != "apiguard-selfsigned" {
		t.Errorf("CA certificate %v", ca["spec"])
	}
	caIssuer := mustFind(t, r.docs, "Issuer", "apiguard-ca")
	if get(caIssuer, "spec", "ca", "secretName") != "apiguard-ca" {
		t.Errorf("CA issuer %v", caIssuer["spec"])
	}
	serving := mustFind(t, r.docs, "Certificate", "apiguard-serving")
	wantDNS := []any{"apiguard", "apiguard." + namespace, "apiguard." + namespace + ".svc", "apiguard." + namespace + ".svc.cluster.local"}
	if !reflect.DeepEqual(get(serving, "spec", "dnsNames"), wantDNS) || get(serving, "spec", "issuerRef", "name") != "apiguard-ca" ||
		get(serving, "spec", "isCA") != nil {
		t.Errorf("serving certificate %v", serving["spec"])
	}
	if got := volumes(r.deploy)["certs"].Secret.SecretName; get(serving, "spec", "secretName") != got {
		t.Errorf("serving certificate writes %v, pods mount %s", get(serving, "spec", "secretName"), got)
	}
	if !slices.Contains(r.container.Args, "--cert-dir=/certs") {
		t.Errorf("args %q", r.container.Args)
	}
	if !containsAll(r.container.Args, "--git-ref=main", "--git-path=policies", "--git-token-file=/etc/apiguard/git/token") {
		t.Errorf("args %q", r.container.Args)
	}
	if v := volumes(r.deploy)["git-credentials"]; v.Secret == nil || v.Secret.SecretName != "git-token" {
		t.Errorf("git-credentials volume %+v", v)
	}
}

func TestGitSSH(t *testing.T) {
	t.Parallel()
	r := renderTyped(t, "git-ssh.yaml")
	wantArgs := []string{
		"--cluster-name=prod-eu",
		"--git-url=ssh://git@git.example.com/platform/policies.git", "--git-ref=v1.4.2", "--git-path=policies",
		"--git-interval=5m", "--git-timeout=60s", "--git-require-tests=false", "--git-allow-force-push=true",
		"--git-cache-dir=/var/cache/apiguard",
		"--git-ssh-key-file=/etc/apiguard/git/ssh-privatekey", "--git-known-hosts-file=/etc/apiguard/git/known_hosts",
		"--git-verify-keys=/etc/apiguard/verify-keys/allowed_signers", "--git-verify-keys=/etc/apiguard/verify-keys/release.asc",
	}
	if !containsAll(r.container.Args, wantArgs...) {
		t.Errorf("args %q lack some of %q", r.container.Args, wantArgs)
	}
	for _, a := range r.container.Args {
		if strings.HasPrefix(a, "--git-token-file") || strings.HasPrefix(a, "--policy-dir") {
			t.Errorf("unexpected arg %q", a)
		}
	}
	vols := volumes(r.deploy)
	if v := vols["git-credentials"]; v.Secret == nil || v.Secret.SecretName != "git-ssh" {
		t.Errorf("git-credentials volume %+v", v)
	}
	if v := vols["verify-keys"]; v.ConfigMap == nil || v.ConfigMap.Name != "apiguard-signers" {
		t.Errorf("verify-keys volume %+v", v)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range r.container.VolumeMounts {
		mounts[m.Name] = m
	}
	for name, path := range map[string]string{"git-credentials": "/etc/apiguard/git", "verify-keys": "/etc/apiguard/verify-keys"} {
		if m := mounts[name]; m.MountPath != path || !m.ReadOnly {
			t.Errorf("mount %s: %+v", name, m)
		}
	}
	if got := r.deploy.Spec.Template.Spec.PriorityClassName; got != "apiguard-critical" {
		t.Errorf("priorityClassName %q", got)
	}

	var np networkingv1.NetworkPolicy
	into(t, mustFind(t, r.docs, "NetworkPolicy", release), &np)
	// networkPolicy.status.cidrs: /status and /audit only from those and the release's own
	// replicas; the webhook and metrics ports stay open to any source.
	if len(np.Spec.Ingress) != 2 || len(np.Spec.Ingress[0].From) != 0 ||
		!slices.Equal(npPorts(np.Spec.Ingress[0].Ports), []string{"TCP/9443", "TCP/8080"}) {
		t.Errorf("ingress %+v", np.Spec.Ingress)
	} else if status := np.Spec.Ingress[1]; !slices.Equal(npPorts(status.Ports), []string{"TCP/8081"}) || len(status.From) != 2 ||
		status.From[0].PodSelector == nil || !reflect.DeepEqual(status.From[0].PodSelector.MatchLabels, r.deploy.Spec.Selector.MatchLabels) ||
		status.From[1].IPBlock == nil || status.From[1].IPBlock.CIDR != "10.0.0.1/32" {
		t.Errorf("status ingress %+v", status)
	}
	if len(np.Spec.Egress) != 3 {
		t.Fatalf("egress %+v", np.Spec.Egress)
	}
	for i, want := range []struct {
		cidr  string
		ports []string
	}{{"10.0.0.1/32", []string{"TCP/6443"}}, {"192.0.2.0/24", []string{"TCP/22"}}} {
		e := np.Spec.Egress[i+1]
		if len(e.To) != 1 || e.To[0].IPBlock == nil || e.To[0].IPBlock.CIDR != want.cidr || !slices.Equal(npPorts(e.Ports), want.ports) {
			t.Errorf("egress %d: %+v", i+1, e)
		}
	}
}

func TestEverythingOff(t *testing.T) {
	t.Parallel()
	r := renderTyped(t, "everything-off.yaml")
	for _, k := range []string{"MutatingWebhookConfiguration", "NetworkPolicy", "PodDisruptionBudget", "ServiceMonitor"} {
		if find(r.docs, k, "") != nil {
			t.Errorf("%s rendered", k)
		}
	}
	checkValidating(t, r.validating, admissionv1.Ignore, 4, []string{"ingress"}, []string{namespace})
	if *r.deploy.Spec.Replicas != 1 || len(r.deploy.Spec.Template.Spec.TopologySpreadConstraints) != 0 {
		t.Errorf("replicas %d, topology %+v", *r.deploy.Spec.Replicas, r.deploy.Spec.Template.Spec.TopologySpreadConstraints)
	}
	// Only the validating timeout counts when there is no mutating webhook.
	if !slices.Contains(r.container.Args, "--eval-timeout=3s") {
		t.Errorf("args %q", r.container.Args)
	}
	if _, ok := volumes(r.deploy)["git-credentials"]; ok {
		t.Error("git-credentials mounted without existingSecret")
	}
}

func TestConfigMapSource(t *testing.T) {
	t.Parallel()
	r := renderTyped(t, "configmap.yaml")
	wantArgs := []string{
		"--tls-min-version=1.2", "--eval-timeout=7s", "--cluster-name=staging",
		"--data-file=/etc/apiguard/data/config.json", "--policy-dir=/etc/apiguard/policies", "--policy-dir-interval=30s",
	}
	if !containsAll(r.container.Args, wantArgs...) {
		t.Errorf("args %q lack some of %q", r.container.Args, wantArgs)
	}
	for _, a := range r.container.Args {
		if strings.HasPrefix(a, "--git-") {
			t.Errorf("git flag %q with a ConfigMap source", a)
		}
	}
	vols := volumes(r.deploy)
	if v := vols["policies"]; v.ConfigMap == nil || v.ConfigMap.Name != "apiguard-policies" {
		t.Errorf("policies volume %+v", v)
	}
	if v := vols["data"]; v.ConfigMap == nil || v.ConfigMap.Name != "apiguard-config" {
		t.Errorf("data volume %+v", v)
	}
	if v := vols["certs"]; v.EmptyDir == nil {
		t.Errorf("certs volume %+v (self-managed mode writes the pair itself)", v)
	}
	if !slices.Contains(r.container.Args, "--tls-self-managed-secret=webhook-serving") {
		t.Errorf("args %q do not manage the custom Secret", r.container.Args)
	}
	if _, ok := vols["git-cache"]; ok {
		t.Error("git cache without Git")
	}

	var cm corev1.ConfigMap
	into(t, mustFind(t, r.docs, "ConfigMap", "apiguard-config"), &cm)
	var data any
	if err := json.Unmarshal([]byte(cm.Data["config.json"]), &data); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	wantData := map[string]any{"apiguard": map[string]any{"config": map[string]any{
		"enforcement":      map[string]any{"*": "warn", "ingress.require_tls": "warn"},
		"exemptNamespaces": []any{"legacy-*"},
	}}}
	if !reflect.DeepEqual(data, wantData) {
		t.Errorf("config.json = %s", cm.Data["config.json"])
	}
	ann := r.deploy.Spec.Template.Annotations
	if len(ann["checksum/config"]) != 64 || ann["example.com/team"] != "platform" {
		t.Errorf("pod annotations %v", ann)
	}

	checkValidating(t, r.validating, admissionv1.Fail, 10, kindtable.Packs(), []string{namespace, "kube-system"})
	checkMutating(t, r.mutating, admissionv1.Fail, 8, kindtable.Packs(), []string{namespace, "kube-system"})
	for _, cc := range []admissionv1.WebhookClientConfig{r.validating.Webhooks[0].ClientConfig, r.mutating.Webhooks[0].ClientConfig} {
		if string(cc.CABundle) != "-----BEGIN CERTIFICATE-----\n" {
			t.Errorf("caBundle %q", cc.CABundle)
		}
	}
	var role rbacv1.Role
	into(t, mustFind(t, r.docs, "Role", release), &role)
	if !slices.Equal(role.Rules[0].ResourceNames, []string{"webhook-serving"}) {
		t.Errorf("Role resourceNames %v", role.Rules[0].ResourceNames)
	}
	mustFind(t, r.docs, "Secret", "webhook-serving")

	var np networkingv1.NetworkPolicy
	into(t, mustFind(t, r.docs, "NetworkPolicy", release), &np)
	if len(np.Spec.Egress) != 2 {
		t.Errorf("egress to Git without Git: %+v", np.Spec.Egress)
	}

	// The ServiceMonitor needs both the value and the API.
	if find(r.docs, "ServiceMonitor", "") != nil {
		t.Error("ServiceMonitor rendered without the monitoring.coreos.com API")
	}
	withAPI := decode(t, render(t, "configmap.yaml", "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"))
	sm := mustFind(t, withAPI, "ServiceMonitor", release)
	if get(sm, "metadata", "labels", "release") != "prometheus" || get(sm, "spec", "endpoints") == nil {
		t.Errorf("ServiceMonitor %v", sm)
	}
	if find(decode(t, render(t, "default.yaml", "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor")), "ServiceMonitor", "") != nil {
		t.Error("ServiceMonitor rendered with metrics.serviceMonitor.enabled=false")
	}
}

// TestEvalTimeout checks --eval-timeout stays below both webhook timeouts.
func TestEvalTimeout(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		validating, mutating string
		mutatingOff          bool
		want                 string
	}{
		"defaults":        {"5", "3", false, "2s"},
		"mutating longer": {"4", "10", false, "3s"},
		"equal":           {"30", "30", false, "29s"},
		"minimum":         {"2", "2", false, "1s"},
		"mutating off":    {"6", "2", true, "5s"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := renderTyped(t, "default.yaml",
				"--set", "webhook.validating.timeoutSeconds="+tc.validating,
				"--set", "webhook.mutating.timeoutSeconds="+tc.mutating,
				"--set", "webhook.mutating.enabled="+boolString(!tc.mutatingOff))
			if !slices.Contains(r.container.Args, "--eval-timeout="+tc.want) {
				t.Errorf("args %q, want --eval-timeout=%s", r.container.Args, tc.want)
			}
		})
	}
}

// TestDeterministic renders every values file twice: GitOps tools must see no diff.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, f := range goodValues {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			a := render(t, f, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor")
			b := render(t, f, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor")
			if a != b {
				t.Errorf("two renders differ")
			}
			if strings.Contains(a, "BEGIN RSA") || strings.Contains(a, "PRIVATE KEY") {
				t.Error("rendered output contains key material")
			}
		})
	}
}

// TestRejected: the schema and the templates refuse bad values at install time.
func TestRejected(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		files []string
		set   []string
		want  string
	}{
		"replicas string":            {[]string{"default.yaml"}, []string{"--set", "replicas=three"}, "/replicas"},
		"replicas quoted":            {[]string{"default.yaml"}, []string{"--set-string", "replicas=3"}, "/replicas"},
		"unknown key":                {[]string{"bad-unknown-key.yaml"}, nil, "bogus"},
		"unknown nested key":         {[]string{"bad-nested-unknown-key.yaml"}, nil, "ingresses"},
		"failure policy":             {[]string{"default.yaml"}, []string{"--set", "webhook.validating.failurePolicy=Maybe"}, "failurePolicy"},
		"timeout too long":           {[]string{"default.yaml"}, []string{"--set", "webhook.validating.timeoutSeconds=31"}, "timeoutSeconds"},
		"timeout too short":          {[]string{"default.yaml"}, []string{"--set", "webhook.mutating.timeoutSeconds=1"}, "timeoutSeconds"},
		"bad duration":               {[]string{"default.yaml"}, []string{"--set", "policies.git.interval=soon"}, "interval"},
		"bad auth":                   {[]string{"default.yaml"}, []string{"--set", "policies.git.auth=password"}, "auth"},
		"no memory limit":            {[]string{"default.yaml"}, []string{"--set", "resources.limits.memory=null"}, "memory"},
		"unknown enforcement stage":  {nil, []string{"--set", "enforcement=block"}, "enforcement"},
		"two policy sources":         {[]string{"default.yaml"}, []string{"--set", "policies.configMap=p"}, "only one of policies.git.url and policies.configMap"},
		"no rule group":              {[]string{"everything-off.yaml"}, []string{"--set", "webhook.rules.ingress=false"}, "at least one of webhook.rules"},
		"verify keys no source":      {[]string{"default.yaml"}, []string{"--set", "policies.git.verifyKeys.keys={a}"}, "verifyKeys"},
		"caBundle with cert-manager": {[]string{"cert-manager.yaml"}, []string{"--set", "tls.caBundle=QUJD"}, "tls.caBundle"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := helm(t, templateArgs(tc.files, tc.set...)...)
			if err == nil {
				t.Fatalf("rendered:\n%.300s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not mention %q: %v", tc.want, err)
			}
		})
	}
}

// readRules is the read-only part of the ClusterRole, in every TLS mode: every kind of
// the table of exposure kinds (pkg/kinds), then what the inventory and the namespace
// guard read besides.
func readRules() []rbacv1.PolicyRule {
	read := []string{"get", "list", "watch"}
	var out []rbacv1.PolicyRule
	for _, k := range kindtable.Table() {
		i := slices.IndexFunc(out, func(r rbacv1.PolicyRule) bool { return r.APIGroups[0] == k.Group })
		if i < 0 {
			out = append(out, rbacv1.PolicyRule{APIGroups: []string{k.Group}, Verbs: read})
			i = len(out) - 1
		}
		out[i].Resources = append(out[i].Resources, k.Resource)
	}
	return append(out,
		rbacv1.PolicyRule{APIGroups: []string{"gateway.networking.k8s.io"}, Resources: []string{"referencegrants"}, Verbs: read},
		// A Tyk OAS API's ConfigMap, read with one GET at admission (pkg/references).
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
	)
}

// wantRules are the admission rules of the given packs (webhook.rules switches), from
// the table: per pack, one rule per API group and scope, in table order.
func wantRules(packs []string, ops ...admissionv1.OperationType) []admissionv1.RuleWithOperations {
	var out []admissionv1.RuleWithOperations
	for _, pack := range packs {
		for _, scope := range []admissionv1.ScopeType{admissionv1.NamespacedScope, admissionv1.ClusterScope} {
			first := len(out)
			for _, k := range kindtable.Table() {
				if k.Pack != pack || (k.ClusterScoped != (scope == admissionv1.ClusterScope)) {
					continue
				}
				i := slices.IndexFunc(out[first:], func(r admissionv1.RuleWithOperations) bool { return r.APIGroups[0] == k.Group })
				if i < 0 {
					s := scope
					out = append(out, admissionv1.RuleWithOperations{Operations: ops, Rule: admissionv1.Rule{APIGroups: []string{k.Group}, APIVersions: []string{"*"}, Scope: &s}})
					i = len(out) - 1 - first
				}
				out[first+i].Resources = append(out[first+i].Resources, k.Resource)
			}
		}
	}
	return out
}

type webhookCommon struct {
	name          string
	clientConfig  admissionv1.WebhookClientConfig
	rules         []admissionv1.RuleWithOperations
	failurePolicy *admissionv1.FailurePolicyType
	matchPolicy   *admissionv1.MatchPolicyType
	sideEffects   *admissionv1.SideEffectClass
	timeout       *int32
	reviews       []string
	nsSelector    *metav1.LabelSelector
	objSelector   *metav1.LabelSelector
}

func checkValidating(t *testing.T, c admissionv1.ValidatingWebhookConfiguration, fp admissionv1.FailurePolicyType, timeout int32, groups, excluded []string) {
	t.Helper()
	// With Tyk on Kubernetes 1.30 or later, a third webhook judges ConfigMaps carrying a
	// Tyk OAS document (checkTykOASConfigMaps; when it is rendered: tykoas_test.go).
	want := 2
	if slices.Contains(groups, "tyk") && len(c.Webhooks) == 3 {
		want = 3
	}
	if len(c.Webhooks) != want {
		t.Fatalf("validating webhooks: %d, want the policies, the namespace guard and (with tyk) the Tyk OAS ConfigMaps: %d", len(c.Webhooks), want)
	}
	w := c.Webhooks[0]
	checkWebhook(t, webhookCommon{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.NamespaceSelector, w.ObjectSelector},
		"validate.apiguard.io", "/validate", fp, timeout, wantRules(groups, admissionv1.Create, admissionv1.Update, admissionv1.Delete), excluded)
	checkNamespaceGuard(t, c.Webhooks[1], timeout)
	if want == 3 {
		checkTykOASConfigMaps(t, c.Webhooks[2], w, fp, timeout, excluded)
	}
}

// checkNamespaceGuard: the escape-hatch guard sees only namespace changes touching the
// label (objectSelector), has no namespaceSelector (it must see the namespace that turns
// the label on), and fails closed.
func checkNamespaceGuard(t *testing.T, g admissionv1.ValidatingWebhook, timeout int32) {
	t.Helper()
	cluster := admissionv1.ClusterScope
	wantRules := []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"namespaces"}, Scope: &cluster},
	}}
	if g.Name != "namespaces.apiguard.io" || g.ClientConfig.Service == nil || g.ClientConfig.Service.Path == nil || *g.ClientConfig.Service.Path != "/validate-namespace" {
		t.Errorf("namespace guard: name %q, clientConfig %+v", g.Name, g.ClientConfig)
	}
	if !reflect.DeepEqual(g.Rules, wantRules) {
		t.Errorf("namespace guard rules %+v", g.Rules)
	}
	if g.NamespaceSelector != nil || g.ObjectSelector == nil || g.ObjectSelector.MatchLabels["apiguard.io/ignore"] != "true" {
		t.Errorf("namespace guard selectors: namespace %+v, object %+v", g.NamespaceSelector, g.ObjectSelector)
	}
	if g.FailurePolicy == nil || *g.FailurePolicy != admissionv1.Fail || g.TimeoutSeconds == nil || *g.TimeoutSeconds != timeout {
		t.Errorf("namespace guard failurePolicy %v timeout %v", g.FailurePolicy, g.TimeoutSeconds)
	}
}

func checkMutating(t *testing.T, c *admissionv1.MutatingWebhookConfiguration, fp admissionv1.FailurePolicyType, timeout int32, groups, excluded []string) {
	t.Helper()
	if c == nil {
		t.Fatal("no MutatingWebhookConfiguration")
	}
	if len(c.Webhooks) != 1 {
		t.Fatalf("mutating webhooks: %d", len(c.Webhooks))
	}
	w := c.Webhooks[0]
	checkWebhook(t, webhookCommon{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.NamespaceSelector, w.ObjectSelector},
		"mutate.apiguard.io", "/mutate", fp, timeout, wantRules(groups, admissionv1.Create, admissionv1.Update), excluded)
	if w.ReinvocationPolicy == nil || *w.ReinvocationPolicy != admissionv1.NeverReinvocationPolicy {
		t.Errorf("reinvocationPolicy %v", w.ReinvocationPolicy)
	}
}

func checkWebhook(t *testing.T, w webhookCommon, name, path string, fp admissionv1.FailurePolicyType, timeout int32, rules []admissionv1.RuleWithOperations, excluded []string) {
	t.Helper()
	if w.name != name {
		t.Errorf("webhook name %q, want %q", w.name, name)
	}
	svc := w.clientConfig.Service
	if w.clientConfig.URL != nil || svc == nil || svc.Name != release || svc.Namespace != namespace || svc.Path == nil || *svc.Path != path || svc.Port == nil || *svc.Port != 443 {
		t.Errorf("%s clientConfig %+v", name, w.clientConfig)
	}
	if !reflect.DeepEqual(w.rules, rules) {
		t.Errorf("%s rules:\n got %s\nwant %s", name, js(w.rules), js(rules))
	}
	if w.failurePolicy == nil || *w.failurePolicy != fp {
		t.Errorf("%s failurePolicy %v, want %s", name, deref(w.failurePolicy), fp)
	}
	if w.matchPolicy == nil || *w.matchPolicy != admissionv1.Equivalent {
		t.Errorf("%s matchPolicy %v", name, deref(w.matchPolicy))
	}
	if w.sideEffects == nil || *w.sideEffects != admissionv1.SideEffectClassNone {
		t.Errorf("%s sideEffects %v", name, deref(w.sideEffects))
	}
	if w.timeout == nil || *w.timeout != timeout {
		t.Errorf("%s timeoutSeconds %v, want %d", name, deref(w.timeout), timeout)
	}
	if !slices.Equal(w.reviews, []string{"v1"}) {
		t.Errorf("%s admissionReviewVersions %v", name, w.reviews)
	}
	wantSel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: excluded},
		{Key: "apiguard.io/ignore", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"true"}},
	}}
	if !reflect.DeepEqual(w.nsSelector, wantSel) {
		t.Errorf("%s namespaceSelector:\n got %s\nwant %s", name, js(w.nsSelector), js(wantSel))
	}
	if w.objSelector != nil {
		t.Errorf("%s objectSelector %s", name, js(w.objSelector))
	}
}

func volumes(d appsv1.Deployment) map[string]corev1.VolumeSource {
	out := map[string]corev1.VolumeSource{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		out[v.Name] = v.VolumeSource
	}
	return out
}

func npPorts(ports []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ports {
		out = append(out, string(*p.Protocol)+"/"+p.Port.String())
	}
	return out
}

func equalResources(a, b corev1.ResourceRequirements) bool {
	eq := func(x, y corev1.ResourceList) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || v.Cmp(w) != 0 {
				return false
			}
		}
		return true
	}
	return eq(a.Requests, b.Requests) && eq(a.Limits, b.Limits)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestNoValues: `helm install` with no values at all installs a working guardrail. The
// pods run the library built into the image (no policy source flags or volumes), in the
// warn stage: the data file sets every policy's enforcement to warn. Per-policy
// overrides in config.enforcement win over the stage, and the stage is the only "*".
func TestNoValues(t *testing.T) {
	t.Parallel()
	out, err := helm(t, templateArgs(nil)...)
	if err != nil {
		t.Fatalf("helm template with no values: %v", err)
	}
	docs := decode(t, out)
	var deploy appsv1.Deployment
	into(t, mustFind(t, docs, "Deployment", release), &deploy)
	c := deploy.Spec.Template.Spec.Containers[0]
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--policy-dir") || strings.HasPrefix(a, "--git-") {
			t.Errorf("policy source arg %q with no source configured", a)
		}
	}
	if !slices.Contains(c.Args, "--data-file=/etc/apiguard/data/config.json") {
		t.Errorf("args %q lack --data-file", c.Args)
	}
	vols := volumes(deploy)
	for _, v := range []string{"policies", "git-cache", "git-credentials"} {
		if _, ok := vols[v]; ok {
			t.Errorf("volume %s with no policy source", v)
		}
	}
	dataOf := func(docs []manifest) string {
		cm := mustFind(t, docs, "ConfigMap", release+"-config")
		s, _ := get(cm, "data", "config.json").(string)
		return s
	}
	if got, want := dataOf(docs), `{"apiguard":{"config":{"enforcement":{"*":"warn"}}}}`; got != want {
		t.Errorf("config.json %s, want %s", got, want)
	}
	staged := decode(t, render(t, "deny.yaml", "--set-json", `config={"exemptNamespaces":["sandbox"],"enforcement":{"*":"off","ingress.require_tls":"warn"}}`))
	if got, want := dataOf(staged), `{"apiguard":{"config":{"enforcement":{"*":"deny","ingress.require_tls":"warn"},"exemptNamespaces":["sandbox"]}}}`; got != want {
		t.Errorf("config.json %s, want %s", got, want)
	}
	// The stage is part of the pods' config: changing it rolls them.
	var d1, d2 appsv1.Deployment
	into(t, mustFind(t, docs, "Deployment", release), &d1)
	into(t, mustFind(t, decode(t, render(t, "deny.yaml")), "Deployment", release), &d2)
	if a, b := d1.Spec.Template.Annotations["checksum/config"], d2.Spec.Template.Annotations["checksum/config"]; a == "" || a == b {
		t.Errorf("checksum/config %q (warn) and %q (deny): the pods would not roll", a, b)
	}
}

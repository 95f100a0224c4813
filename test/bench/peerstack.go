package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/flowcontrol"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/server"
)

// The peers the section races, with the versions test/scripts/peer-bins.sh builds.
const (
	gatekeeperModule  = "github.com/open-policy-agent/gatekeeper/v3"
	gatekeeperVersion = "v3.23.1"
	kyvernoModule     = "github.com/kyverno/kyverno"
	kyvernoVersion    = "v1.19.1"

	targetApiguard5   = "apiguard-5"
	targetApiguardAll = "apiguard-full"
	targetGatekeeper  = "gatekeeper"
	targetKyvernoCEL  = "kyverno-cel"
	targetKyvernoJMES = "kyverno-cpol"

	gatekeeperNamespace = "gatekeeper-system"
	gatekeeperPod       = "gatekeeper-controller-manager-bench"
	kyvernoNamespace    = "kyverno"
)

// apiguardFive are the bundled library's files that make up apiguard's side of the five
// shared checks: the five policies and what they import (every lib/ module, and the
// API-version check every kind gets).
var apiguardFive = []string{
	"ingress/require_tls.rego", "ingress/no_wildcard_host.rego", "ingress/unique_host.rego",
	"service/no_nodeport.rego", "service/no_external_ips.rego",
	"kubernetes/known_api_version.rego",
}

// peerStack is a kube-apiserver with every peer of the section running against it.
type peerStack struct {
	cluster *kubetest.Cluster
	cs      kubernetes.Interface
	list    []target
	roots   *x509.CertPool
	stops   []func() error
	dir     string
	// shared names targets that share a process with another (Kyverno serves both of
	// its engines from one admission controller): their RSS is that process's.
	shared map[string]string
	// caBundles are the CAs of each target's serving certificate, to register it.
	caBundles map[string][]byte
	// procs are the peers' processes, for their logs when they disagree.
	procs map[string]*serverProc
}

func (s *peerStack) stop() error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		errs = append(errs, s.stops[i]())
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
	return errors.Join(errs...)
}

// peerBinaries returns bin/gatekeeper and bin/kyverno, or why they cannot be used.
func peerBinaries(root string) (gatekeeper, kyverno string, err error) {
	gatekeeper, kyverno = filepath.Join(root, "bin", "gatekeeper"), filepath.Join(root, "bin", "kyverno")
	for _, b := range []struct{ path, version string }{{gatekeeper, gatekeeperVersion}, {kyverno, kyvernoVersion}} {
		if _, err := os.Stat(b.path); err != nil {
			return "", "", fmt.Errorf("%s is missing: run make peer-bins (test/scripts/peer-bins.sh)", b.path)
		}
		v, _ := os.ReadFile(filepath.Join(filepath.Dir(b.path), "."+filepath.Base(b.path)+".version"))
		if got := strings.TrimSpace(string(v)); got != b.version {
			return "", "", fmt.Errorf("%s is version %q, want %s: run make peer-bins", b.path, got, b.version)
		}
	}
	return gatekeeper, kyverno, nil
}

// moduleDir is where the Go module cache holds module@version (downloading it if needed):
// the peers' CRDs come from their own modules.
func moduleDir(ctx context.Context, module, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", err
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, m.Error)
	}
	return m.Dir, nil
}

// startPeerStack starts etcd and kube-apiserver, the namespaces and the owners' Ingresses,
// then every target: apiguard with the five checks, apiguard with the full library,
// Gatekeeper, Kyverno (one admission controller serving its CEL and its JMESPath engine
// at their own paths) and the null webhook. It returns once every peer answers the fixed
// verdict cases as apiguard-5 does, which proves their policies are loaded and their
// inventories synced.
//
// null is the binary that serves the null webhook (this harness, run with -serve-null);
// empty leaves the null webhook out (a test binary cannot serve it).
func startPeerStack(ctx context.Context, log io.Writer, root, null string) (_ *peerStack, err error) {
	gkBin, kyBin, err := peerBinaries(root)
	if err != nil {
		return nil, err
	}
	s := &peerStack{roots: x509.NewCertPool(), shared: map[string]string{}, caBundles: map[string][]byte{}, procs: map[string]*serverProc{}}
	defer func() {
		if err != nil {
			_ = s.stop()
		}
	}()
	if s.dir, err = os.MkdirTemp("", "apiguard-bench-peers-"); err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "peers: starting etcd and kube-apiserver")
	if s.cluster, err = kubetest.Start(ctx, kubetest.Options{}); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.cluster.Stop)
	cfg := s.cluster.RESTConfig()
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	if s.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if err := seedPeerCluster(ctx, s.cs); err != nil {
		return nil, err
	}
	certDir := filepath.Join(s.dir, "certs")
	ca, err := server.WriteSelfSigned(certDir, server.SelfSignedOptions{})
	if err != nil {
		return nil, err
	}
	s.roots.AppendCertsFromPEM(ca)

	s.caBundles[targetGatekeeper], s.caBundles[targetNull] = ca, ca
	if err := s.startApiguard(ctx, root); err != nil {
		return nil, err
	}
	fmt.Fprintln(log, "peers: starting Gatekeeper "+gatekeeperVersion)
	if err := s.startGatekeeper(ctx, root, gkBin, certDir, cfg); err != nil {
		return nil, fmt.Errorf("gatekeeper: %w", err)
	}
	fmt.Fprintln(log, "peers: starting Kyverno "+kyvernoVersion)
	if err := s.startKyverno(ctx, root, kyBin, cfg); err != nil {
		return nil, fmt.Errorf("kyverno: %w", err)
	}
	if null != "" {
		if err := s.startNull(ctx, null, certDir); err != nil {
			return nil, err
		}
	}
	fmt.Fprintln(log, "peers: waiting until every peer judges the fixed cases as apiguard-5 does")
	if _, err := s.waitVerdicts(ctx, 3*time.Minute); err != nil {
		return nil, err
	}
	return s, nil
}

// seedPeerCluster creates the namespaces the corpus uses (Gatekeeper needs a request's
// namespace to exist) and the Ingresses that take peerTakenHosts hosts in
// peerOwnerNamespace, before any admission webhook is registered.
func seedPeerCluster(ctx context.Context, cs kubernetes.Interface) error {
	names := []string{peerOwnerNamespace, gatekeeperNamespace, kyvernoNamespace}
	for i := range peerNamespaces {
		names = append(names, peerTeamNamespace(i))
	}
	for _, ns := range names {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	for k := range peerTakenHosts {
		ing := benchIngress(peerOwnerNamespace, k)
		ing.Name = fmt.Sprintf("owner-%03d", k)
		ing.Spec.Rules[0].Host = peerTakenHost(k)
		ing.Spec.TLS[0].Hosts = []string{peerTakenHost(k)}
		if _, err := cs.NetworkingV1().Ingresses(peerOwnerNamespace).Create(ctx, ing, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// startApiguard runs two webhooks with their inventory watching the cluster, as in a
// cluster: the five checks alone (a policy directory assembled from the bundled library's
// files), and the full library under the examples configuration (as the serving section).
func (s *peerStack) startApiguard(ctx context.Context, root string) error {
	five := filepath.Join(s.dir, "apiguard-5")
	src := filepath.Join(root, "policies")
	if err := assembleApiguardFive(src, five); err != nil {
		return err
	}
	kubeconfig := s.cluster.Kubeconfig()
	for _, w := range []struct {
		name, dir string
		args      []string
	}{
		{targetApiguard5, five, nil},
		{targetApiguardAll, src, []string{"--data-file", filepath.Join(root, "test", "examples-config.yaml")}},
	} {
		args := append([]string{"--kubeconfig", kubeconfig, "--inventory", "on", "--log-level", "info"}, w.args...)
		wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
			Binary: filepath.Join(root, "bin", "webhook"), PolicyDir: w.dir, Args: args,
		})
		if err != nil {
			return fmt.Errorf("%s webhook: %w", w.name, err)
		}
		s.stops = append(s.stops, wh.Stop)
		s.roots.AppendCertsFromPEM(wh.CABundle)
		s.caBundles[w.name] = wh.CABundle
		s.list = append(s.list, target{name: w.name, url: wh.URL + "/validate", pid: wh.PID()})
	}
	return nil
}

// assembleApiguardFive copies apiguardFive and every lib/ module (not their tests) from
// the library at src into dst.
func assembleApiguardFive(src, dst string) error {
	files := append([]string{}, apiguardFive...)
	libs, err := filepath.Glob(filepath.Join(src, "lib", "*.rego"))
	if err != nil {
		return err
	}
	for _, l := range libs {
		if !strings.HasSuffix(l, "_test.rego") {
			files = append(files, filepath.Join("lib", filepath.Base(l)))
		}
	}
	for _, f := range files {
		if err := copyFile(filepath.Join(src, f), filepath.Join(dst, f)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// gatekeeperArgs are the controller manager's arguments as Gatekeeper's Helm chart
// (charts/gatekeeper, v3.23.1) renders them with default values, except:
//   - ports and addresses on loopback, and the serving certificate from certDir
//     (--disable-cert-rotation: the chart's in-process rotator writes a Secret and patches
//     the webhook configurations of an in-cluster Service, which a loopback process has not);
//   - --operation=status and --operation=generate beside the chart's webhook and
//     mutation-webhook: the chart runs status in its separate audit pod, and without it a
//     lone webhook process neither creates a constraint's CRD nor marks a template
//     ingested (issue 18). Audit itself (--operation=audit) stays in its own pod, as in the
//     chart: it is not in the admission path.
func gatekeeperArgs(port, health, metrics int, certDir string) []string {
	return []string{
		"--port=" + strconv.Itoa(port), "--host=127.0.0.1",
		"--health-addr=127.0.0.1:" + strconv.Itoa(health),
		"--prometheus-port=" + strconv.Itoa(metrics),
		"--logtostderr", "--log-denies=false",
		"--admission-events-involved-namespace=false",
		"--log-level=INFO",
		"--exempt-namespace=" + gatekeeperNamespace,
		"--operation=webhook", "--operation=mutation-webhook",
		"--operation=status", "--operation=generate",
		"--enable-external-data=true",
		"--enable-generator-resource-expansion=true",
		"--log-mutations=false", "--mutation-annotations=false",
		"--disable-cert-rotation=true", "--cert-dir=" + certDir,
		"--max-serving-threads=-1",
		"--tls-min-version=1.3",
		"--validating-webhook-configuration-name=gatekeeper-validating-webhook-configuration",
		"--mutating-webhook-configuration-name=gatekeeper-mutating-webhook-configuration",
		"--external-data-provider-response-cache-ttl=3m",
		"--enable-k8s-native-validation=true",
		"--metrics-backend=prometheus",
		"--disable-opa-builtin={http.send}",
	}
}

func (s *peerStack) startGatekeeper(ctx context.Context, root, bin, certDir string, cfg *rest.Config) error {
	dir, err := moduleDir(ctx, gatekeeperModule, gatekeeperVersion)
	if err != nil {
		return err
	}
	crds, err := yamlFiles(filepath.Join(dir, "charts", "gatekeeper", "crds"))
	if err != nil {
		return err
	}
	if err := applyManifests(ctx, cfg, crds...); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, "templates.gatekeeper.sh/v1", "constrainttemplates"); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, "config.gatekeeper.sh/v1alpha1", "configs"); err != nil {
		return err
	}
	// Gatekeeper owns its status objects by its own Pod, which it looks up by POD_NAME:
	// an API object stands in for it (no kubelet runs it; the process runs on loopback).
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: gatekeeperPod, Namespace: gatekeeperNamespace, Labels: map[string]string{"control-plane": "controller-manager"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "openpolicyagent/gatekeeper:" + gatekeeperVersion}}},
	}
	if _, err := s.cs.CoreV1().Pods(gatekeeperNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	ports, err := kubetest.FreePorts(3)
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(s.dir, "gatekeeper.kubeconfig")
	if err := copyFile(s.cluster.Kubeconfig(), kubeconfig); err != nil {
		return err
	}
	p, err := startServerProcEnv("gatekeeper", bin, []string{
		"KUBECONFIG=" + kubeconfig,
		"POD_NAMESPACE=" + gatekeeperNamespace, "NAMESPACE=" + gatekeeperNamespace,
		"POD_NAME=" + gatekeeperPod, "CONTAINER_NAME=manager",
	}, gatekeeperArgs(ports[0], ports[1], ports[2], certDir)...)
	if err != nil {
		return err
	}
	s.stops = append(s.stops, p.stop)
	s.procs[targetGatekeeper] = p
	probe := &http.Client{Timeout: time.Second}
	if err := p.waitReady(ctx, probe, "http://127.0.0.1:"+strconv.Itoa(ports[1])+"/readyz"); err != nil {
		return err
	}
	peers := filepath.Join(root, "test", "bench", "peers", "gatekeeper")
	config, err := os.ReadFile(filepath.Join(peers, "config.yaml"))
	if err != nil {
		return err
	}
	templates, err := os.ReadFile(filepath.Join(peers, "templates.yaml"))
	if err != nil {
		return err
	}
	if err := applyManifests(ctx, cfg, config, templates); err != nil {
		return err
	}
	// Gatekeeper creates each constraint kind's CRD once it has compiled the template.
	kinds := []string{"k8sbenchingresstls", "k8sbenchingressnowildcard", "k8sbenchingressuniquehost", "k8sbenchservicenonodeport", "k8sbenchservicenoexternalips"}
	if err := waitServed(ctx, cfg, "constraints.gatekeeper.sh/v1beta1", kinds...); err != nil {
		return fmt.Errorf("%w\n%s", err, p.out)
	}
	constraints, err := os.ReadFile(filepath.Join(peers, "constraints.yaml"))
	if err != nil {
		return err
	}
	if err := applyManifests(ctx, cfg, constraints); err != nil {
		return err
	}
	s.list = append(s.list, target{name: targetGatekeeper, url: "https://127.0.0.1:" + strconv.Itoa(ports[0]) + "/v1/admit", pid: p.pid()})
	return nil
}

// kyvernoArgs are the admission controller's arguments as Kyverno's Helm chart
// (charts/kyverno 3.9.1, Kyverno v1.19.1) renders them with default values, except the
// webhook server on loopback (--serverIP=127.0.0.1:<port>, which the webhook
// configurations Kyverno registers call as https://<serverIP><path> and its serving
// certificate covers, --webhookServerHost and --webhookServerPort), the metrics and
// controller-runtime metrics ports, and --kubeconfig.
func kyvernoArgs(port, metrics, crMetrics int, kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--serverIP=127.0.0.1:" + strconv.Itoa(port), "--webhookServerHost=127.0.0.1",
		"--caSecretName=kyverno-svc.kyverno.svc.kyverno-tls-ca",
		"--tlsSecretName=kyverno-svc.kyverno.svc.kyverno-tls-pair",
		"--tlsKeyAlgorithm=RSA",
		"--backgroundServiceAccountName=system:serviceaccount:kyverno:kyverno-background-controller",
		"--reportsServiceAccountName=system:serviceaccount:kyverno:kyverno-reports-controller",
		"--servicePort=443", "--webhookServerPort=" + strconv.Itoa(port),
		"--resyncPeriod=15m", "--crdWatcher=false",
		"--disableMetrics=false", "--otelConfig=prometheus", "--metricsPort=" + strconv.Itoa(metrics),
		"--admissionReports=true", "--maxAdmissionReports=1000",
		"--autoUpdateWebhooks=true", "--excludeBootstrapResources=false",
		"--enableConfigMapCaching=true",
		"--controllerRuntimeMetricsAddress=127.0.0.1:" + strconv.Itoa(crMetrics),
		"--enableDeferredLoading=true", "--dumpPayload=false",
		"--forceFailurePolicyIgnore=false",
		"--generateValidatingAdmissionPolicy=true", "--generateMutatingAdmissionPolicy=false",
		"--dumpPatches=false",
		"--maxAPICallResponseLength=2000000", "--apiCallTimeout=30s", "--maxGlobalContextEntries=0",
		"--loggingFormat=text", "--v=2",
		"--omitEvents=PolicyApplied,PolicySkipped",
		"--enablePolicyException=false", "--protectManagedResources=false",
		"--allowInsecureRegistry=false", "--registryCredentialHelpers=default,google,amazon,azure,github",
		"--enableReporting=validate,mutate,mutateExisting,imageVerify,generate",
	}
}

// kyvernoEnv is the admission controller's environment from the chart's Deployment.
func kyvernoEnv() []string {
	return []string{
		"INIT_CONFIG=kyverno", "METRICS_CONFIG=kyverno-metrics",
		"KYVERNO_NAMESPACE=" + kyvernoNamespace, "KYVERNO_POD_NAME=kyverno-admission-controller-bench",
		"KYVERNO_SERVICEACCOUNT_NAME=kyverno-admission-controller",
		"KYVERNO_ROLE_NAME=kyverno:admission-controller",
		"KYVERNO_SVC=kyverno-svc", "KYVERNO_DEPLOYMENT=kyverno-admission-controller",
	}
}

func (s *peerStack) startKyverno(ctx context.Context, root, bin string, cfg *rest.Config) error {
	dir, err := moduleDir(ctx, kyvernoModule, kyvernoVersion)
	if err != nil {
		return err
	}
	var crds [][]byte
	for _, sub := range []string{"kyverno", "policies.kyverno.io", "policyreport", "reports"} {
		docs, err := yamlFiles(filepath.Join(dir, "config", "crds", sub))
		if err != nil {
			return err
		}
		crds = append(crds, docs...)
	}
	if err := applyManifests(ctx, cfg, crds...); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, "policies.kyverno.io/v1", "validatingpolicies"); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, "kyverno.io/v1", "clusterpolicies"); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, "kyverno.io/v2", "globalcontextentries"); err != nil {
		return err
	}
	peers := filepath.Join(root, "test", "bench", "peers", "kyverno")
	config, err := os.ReadFile(filepath.Join(peers, "config.yaml"))
	if err != nil {
		return err
	}
	if err := applyManifests(ctx, cfg, config); err != nil {
		return err
	}
	ports, err := kubetest.FreePorts(3)
	if err != nil {
		return err
	}
	p, err := startServerProcEnv("kyverno", bin, kyvernoEnv(), kyvernoArgs(ports[0], ports[1], ports[2], s.cluster.Kubeconfig())...)
	if err != nil {
		return err
	}
	s.stops = append(s.stops, p.stop)
	s.procs[targetKyvernoCEL], s.procs[targetKyvernoJMES] = p, p
	// Kyverno issues its CA and serving pair into Secrets, then serves with them.
	var caPEM []byte
	err = pollUntil(ctx, 2*time.Minute, p, func() error {
		sec, err := s.cs.CoreV1().Secrets(kyvernoNamespace).Get(ctx, "kyverno-svc.kyverno.svc.kyverno-tls-ca", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if caPEM = sec.Data["tls.crt"]; len(caPEM) == 0 {
			return errors.New("CA Secret without tls.crt")
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.roots.AppendCertsFromPEM(caPEM)
	s.caBundles[targetKyvernoCEL], s.caBundles[targetKyvernoJMES] = caPEM, caPEM
	base := "https://127.0.0.1:" + strconv.Itoa(ports[0])
	if err := p.waitReady(ctx, newLoadClient(s.roots, 1), base+"/health/readiness"); err != nil {
		return err
	}
	docs := [][]byte{}
	for _, f := range []string{"globalcontext.yaml", "validatingpolicies.yaml", "clusterpolicies.yaml"} {
		b, err := os.ReadFile(filepath.Join(peers, f))
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	if err := applyManifests(ctx, cfg, docs...); err != nil {
		return err
	}
	// The paths come from the webhook configuration Kyverno registers for its policies:
	// one webhook for the ValidatingPolicies (/vpol/...), one for the ClusterPolicies
	// (/validate/fail).
	var vpol, cpol string
	err = pollUntil(ctx, 2*time.Minute, p, func() error {
		vpol, cpol = "", ""
		list, err := s.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, c := range list.Items {
			for _, w := range c.Webhooks {
				if w.ClientConfig.URL == nil || !coversIngressAndService(w.Rules) {
					continue
				}
				u := *w.ClientConfig.URL
				path := u[strings.Index(u[len("https://"):], "/")+len("https://"):]
				switch {
				case strings.HasPrefix(path, "/vpol/"):
					vpol = path
				case path == "/validate/fail":
					cpol = path
				}
			}
		}
		if vpol == "" || cpol == "" {
			return fmt.Errorf("no Kyverno webhook for both Ingress and Service yet (vpol %q, cpol %q)", vpol, cpol)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.list = append(s.list,
		target{name: targetKyvernoCEL, url: base + vpol, pid: p.pid()},
		target{name: targetKyvernoJMES, url: base + cpol, pid: p.pid()})
	s.shared[targetKyvernoJMES] = targetKyvernoCEL
	return nil
}

func coversIngressAndService(rules []admissionregistrationv1.RuleWithOperations) bool {
	ingress, service := false, false
	for _, r := range rules {
		for _, res := range r.Resources {
			ingress = ingress || res == "ingresses" || res == "*"
			service = service || res == "services" || res == "*"
		}
	}
	return ingress && service
}

func (s *peerStack) startNull(ctx context.Context, self, certDir string) error {
	port, err := kubetest.FreePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	null, err := startServerProc("null webhook", self, "-serve-null", addr, "-cert-dir", certDir)
	if err != nil {
		return err
	}
	s.stops = append(s.stops, null.stop)
	if err := null.waitReady(ctx, newLoadClient(s.roots, 1), "https://"+addr+"/healthz"); err != nil {
		return err
	}
	s.list = append(s.list, target{name: targetNull, url: "https://" + addr + "/validate", pid: null.pid()})
	return nil
}

// waitVerdicts sends the fixed cases to every target until each policy engine (all but
// apiguard-full, which judges more than the five checks, and the null webhook) answers
// every case as it should, or the timeout passes; it returns the last disagreements.
func (s *peerStack) waitVerdicts(ctx context.Context, timeout time.Duration) ([]string, error) {
	reviews, _, err := peerVerdictReviews()
	if err != nil {
		return nil, err
	}
	client := newLoadClient(s.roots, 4)
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	for {
		bad, err := s.verdictMismatches(ctx, client, reviews)
		if err == nil && len(bad) == 0 {
			return nil, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if err != nil {
				bad = append(bad, err.Error())
			}
			logs := ""
			for name, p := range s.procs {
				if strings.Contains(strings.Join(bad, "\n"), name+":") {
					logs += fmt.Sprintf("\n--- %s's last output:\n%s", name, p.out)
				}
			}
			return bad, fmt.Errorf("after %s the peers still disagree with the fixed cases:\n  %s%s", timeout, strings.Join(bad, "\n  "), logs)
		}
		time.Sleep(time.Second)
	}
}

func (s *peerStack) verdictMismatches(ctx context.Context, client *http.Client, reviews []review) ([]string, error) {
	var bad []string
	for _, t := range s.list {
		if t.name == targetApiguardAll || t.name == targetNull {
			continue
		}
		got, err := collectAnswers(ctx, client, t.url, reviews)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		for i, a := range got {
			if a.UID != reviews[i].uid || a.Allowed != reviews[i].wantAllowed {
				bad = append(bad, fmt.Sprintf("%s: %s: allowed=%v, want %v %q", t.name, reviews[i].violation, a.Allowed, reviews[i].wantAllowed, a.Denials))
			}
		}
	}
	return bad, nil
}

// pollUntil calls f every 200 ms until it succeeds, the process exits, or timeout passes.
func pollUntil(ctx context.Context, timeout time.Duration, p *serverProc, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v\n%s", p.name, p.err, p.out)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w after %s\n%s", p.name, err, timeout, p.out)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// yamlFiles reads every .yaml file of dir.
func yamlFiles(dir string) ([][]byte, error) {
	var out [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		out = append(out, b)
		return err
	})
	return out, err
}

// applyManifests creates every document of files (multi-document YAML), or updates it if
// it exists, finding each kind's resource through discovery.
func applyManifests(ctx context.Context, cfg *rest.Config, files ...[]byte) error {
	// The peers' API warnings (Kyverno deprecating its ClusterPolicy, RBAC hints for
	// controllers that are not run) are no news to the harness.
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, file := range files {
		for _, doc := range splitYAML(file) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
				return fmt.Errorf("decode manifest: %w", err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				mapper.Reset()
				if m, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
					return fmt.Errorf("%s %s: %w", gvk, obj.GetName(), err)
				}
			}
			var r dynamic.ResourceInterface = dyn.Resource(m.Resource)
			if m.Scope.Name() == "namespace" {
				r = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
			}
			_, err = r.Create(ctx, obj, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				old, gerr := r.Get(ctx, obj.GetName(), metav1.GetOptions{})
				if gerr != nil {
					return gerr
				}
				obj.SetResourceVersion(old.GetResourceVersion())
				_, err = r.Update(ctx, obj, metav1.UpdateOptions{})
			}
			if err != nil {
				return fmt.Errorf("apply %s %s: %w", gvk.Kind, obj.GetName(), err)
			}
		}
	}
	return nil
}

func splitYAML(b []byte) [][]byte {
	var out [][]byte
	for _, doc := range bytes.Split(append([]byte("\n"), b...), []byte("\n---")) {
		if len(bytes.TrimSpace(doc)) > 0 {
			out = append(out, doc)
		}
	}
	return out
}

// waitServed waits until discovery lists every named resource of groupVersion.
func waitServed(ctx context.Context, cfg *rest.Config, groupVersion string, names ...string) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		res, err := dc.ServerResourcesForGroupVersion(groupVersion)
		missing := append([]string{}, names...)
		if err == nil {
			served := map[string]bool{}
			for _, r := range res.APIResources {
				served[r.Name] = true
			}
			missing = missing[:0]
			for _, n := range names {
				if !served[n] {
					missing = append(missing, n)
				}
			}
			if len(missing) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %v not served: %w (last error: %v)", groupVersion, missing, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// startServerProcEnv is startServerProc with variables added to the environment (the
// peers read their namespace, pod name and kubeconfig from there), through env(1), which
// execs the binary in its own place: the PID is the peer's.
func startServerProcEnv(name, bin string, env []string, args ...string) (*serverProc, error) {
	envBin, err := exec.LookPath("env")
	if err != nil {
		return nil, err
	}
	return startServerProc(name, envBin, append(append(env, bin), args...)...)
}

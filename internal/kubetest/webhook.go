package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/apiguard/apiguard/pkg/kinds"
	"github.com/apiguard/apiguard/pkg/policysync"
	"github.com/apiguard/apiguard/pkg/references"
)

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// Build compiles a main package of this repository (e.g. "./cmd/webhook") into dir and
// returns the binary's path. Tests run the real binary, not an in-process copy.
func Build(ctx context.Context, pkg, dir string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot() (string, error) { return repoRoot() }

// WebhookOptions describe one webhook process.
type WebhookOptions struct {
	Binary string
	// PolicyDir is passed as --policy-dir when set; Git-backed webhooks pass --git-url
	// in Args instead.
	PolicyDir string
	// Args are extra flags, e.g. --eval-timeout.
	Args   []string
	Output io.Writer
	// ReadyTimeout bounds the wait for /readyz; default 30s.
	ReadyTimeout time.Duration
	// AllowNotReady returns as soon as the process serves /healthz, for tests of a
	// webhook that must stay not ready (no policy source reachable).
	AllowNotReady bool
	// Port fixes the webhook port (0 picks a free one), for configurations registered
	// before the process starts.
	Port int
	// SelfManagedTLS leaves the certificate to the webhook (--tls-self-managed-secret in
	// Args) instead of issuing a self-signed one; CABundle stays empty.
	SelfManagedTLS bool
	// CertDir serves the tls.crt and tls.key already there instead of a self-signed
	// certificate (e.g. an RSA key, which the self-signed mode never issues); CABundle
	// stays empty.
	CertDir string
	// Env is added to the inherited environment, e.g. TMPDIR on a filesystem a test fills.
	Env []string
}

// Webhook is a running apiguard webhook process on loopback, with a self-signed cert.
type Webhook struct {
	proc      *process
	dir       string
	URL       string // https://127.0.0.1:<port>
	HealthURL string // http://127.0.0.1:<port>
	MetricURL string // http://127.0.0.1:<port>/metrics
	CABundle  []byte
}

// StartWebhook starts the binary on free loopback ports and waits until it is ready.
func StartWebhook(ctx context.Context, opts WebhookOptions) (*Webhook, error) {
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	dir, err := os.MkdirTemp("", "apiguard-webhook-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	caFile := filepath.Join(dir, "ca.crt")
	if opts.Port != 0 {
		ports[0] = opts.Port
	}
	var args []string
	if opts.PolicyDir != "" {
		args = append(args, "--policy-dir", opts.PolicyDir)
	}
	selfSigned := !opts.SelfManagedTLS && opts.CertDir == ""
	if selfSigned {
		args = append(args, "--self-signed-cert", "--ca-bundle-out", caFile)
	}
	certDir := filepath.Join(dir, "certs")
	if opts.CertDir != "" {
		certDir = opts.CertDir
	}
	args = append(append(args,
		"--cert-dir", certDir,
		"--host", "127.0.0.1", "--port", strconv.Itoa(ports[0]),
		"--health-probe-bind-address", "127.0.0.1:"+strconv.Itoa(ports[1]),
		"--metrics-bind-address", "127.0.0.1:"+strconv.Itoa(ports[2]),
	), opts.Args...)
	p, err := startProcess("webhook", opts.Binary, args, opts.Env, opts.Output, &sync.Mutex{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	w := &Webhook{
		proc: p, dir: dir,
		URL:       "https://127.0.0.1:" + strconv.Itoa(ports[0]),
		HealthURL: "http://127.0.0.1:" + strconv.Itoa(ports[1]),
		MetricURL: "http://127.0.0.1:" + strconv.Itoa(ports[2]) + "/metrics",
	}
	readyCtx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
	defer cancel()
	probe := "/readyz"
	if opts.AllowNotReady {
		probe = "/healthz"
	}
	if err := w.waitFor(readyCtx, probe); err != nil {
		_ = w.Stop()
		return nil, err
	}
	if selfSigned {
		if w.CABundle, err = os.ReadFile(caFile); err != nil {
			_ = w.Stop()
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
	}
	return w, nil
}

func (w *Webhook) waitFor(ctx context.Context, probe string) error {
	client := &http.Client{Timeout: time.Second}
	for {
		if w.proc.exited() {
			return w.proc.exitError()
		}
		if resp, err := client.Get(w.HealthURL + probe); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("webhook %s not OK: %w%s", probe, ctx.Err(), w.proc.log.tailSection("webhook"))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PID is the webhook's process ID, e.g. to read its memory from /proc.
func (w *Webhook) PID() int { return w.proc.cmd.Process.Pid }

// Logs returns the last lines the process wrote.
func (w *Webhook) Logs() string { return w.proc.log.tail() }

// Signal sends sig to the process (SIGTERM to test draining, SIGKILL to test crashes).
func (w *Webhook) Signal(sig syscall.Signal) error { return w.proc.cmd.Process.Signal(sig) }

// Wait blocks until the process exits and returns its exit error.
func (w *Webhook) Wait() error {
	<-w.proc.done
	return w.proc.err
}

// Stop terminates the process gracefully and removes its files.
func (w *Webhook) Stop() error {
	err := w.proc.stop()
	os.RemoveAll(w.dir)
	return err
}

// Metric returns the value of the first sample whose line starts with series (metric name
// and, optionally, labels in exposition order), or an error if it is absent.
func (w *Webhook) Metric(series string) (float64, error) {
	samples, err := w.samples(series)
	if err != nil {
		return 0, err
	}
	return samples[0], nil
}

// MetricSum adds up every sample whose line starts with series, e.g. a counter's name
// for its total over all label values.
func (w *Webhook) MetricSum(series string) (float64, error) {
	samples, err := w.samples(series)
	sum := 0.0
	for _, v := range samples {
		sum += v
	}
	return sum, err
}

func (w *Webhook) samples(series string) ([]float64, error) {
	resp, err := http.Get(w.MetricURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out []float64
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, series) {
			fields := strings.Fields(line)
			v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				return nil, fmt.Errorf("metric line %q: %w", line, err)
			}
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("metric %s not found", series)
	}
	return out, nil
}

// Status reads the webhook's /status document (the policy sync state).
func (w *Webhook) Status() (policysync.Status, error) {
	var st policysync.Status
	resp, err := http.Get(w.HealthURL + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("/status: %w", err)
	}
	return st, nil
}

// Registration describes the Validating and Mutating webhook configurations for a
// webhook reached by URL (Service references do not route without kube-proxy).
type Registration struct {
	Name              string
	URL               string
	CABundle          []byte
	FailurePolicy     admissionregistrationv1.FailurePolicyType
	ValidateRules     []admissionregistrationv1.RuleWithOperations
	MutateRules       []admissionregistrationv1.RuleWithOperations
	NamespaceSelector *metav1.LabelSelector
	TimeoutSeconds    int32
	// MatchConditions (CEL) narrow which requests reach the webhook, e.g. to let a test
	// seed objects as an identity the webhook never sees.
	MatchConditions []admissionregistrationv1.MatchCondition
}

// ExposureRules are the kinds apiguard guards, as the chart registers them.
func ExposureRules(ops ...admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
	var rules []admissionregistrationv1.RuleWithOperations
	for _, k := range kinds.Table() {
		scope := admissionregistrationv1.NamespacedScope
		if k.ClusterScoped {
			scope = admissionregistrationv1.ClusterScope
		}
		i := slices.IndexFunc(rules, func(r admissionregistrationv1.RuleWithOperations) bool {
			return r.APIGroups[0] == k.Group && *r.Scope == scope
		})
		if i < 0 {
			rules = append(rules, admissionregistrationv1.RuleWithOperations{
				Operations: ops,
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{k.Group}, APIVersions: []string{"*"}, Scope: &scope},
			})
			i = len(rules) - 1
		}
		rules[i].Resources = append(rules[i].Resources, k.Resource)
	}
	return rules
}

// TykOASConfigMapRegistration is the chart's ConfigMap webhook (tyk-oas-configmaps in
// charts/apiguard/templates/webhookconfigurations.yaml) for w: ConfigMap creates and
// updates, and only those whose data may carry a Tyk OAS document
// (references.ConfigMapMatchCondition), in the namespaces selector picks (nil: all).
func TykOASConfigMapRegistration(name string, w *Webhook, selector *metav1.LabelSelector) Registration {
	scope := admissionregistrationv1.NamespacedScope
	return Registration{
		Name: name, URL: w.URL, CABundle: w.CABundle,
		ValidateRules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}, Scope: &scope},
		}},
		NamespaceSelector: selector,
		MatchConditions:   []admissionregistrationv1.MatchCondition{{Name: "carries-x-tyk-api-gateway", Expression: references.ConfigMapMatchCondition}},
	}
}

// Register creates the webhook configurations and returns a function removing them.
func Register(ctx context.Context, cs kubernetes.Interface, r Registration) (func(context.Context) error, error) {
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	timeout := r.TimeoutSeconds
	if timeout == 0 {
		timeout = 5
	}
	fp := r.FailurePolicy
	if fp == "" {
		fp = admissionregistrationv1.Fail
	}
	// Both webhooks share every field but name, path and rules; the mutating one is
	// derived from the validating shape.
	hook := func(name, path string, rules []admissionregistrationv1.RuleWithOperations) admissionregistrationv1.ValidatingWebhook {
		url := r.URL + path
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: r.CABundle},
			Rules:                   rules,
			FailurePolicy:           &fp,
			MatchPolicy:             &equivalent,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector:       r.NamespaceSelector,
			MatchConditions:         r.MatchConditions,
		}
	}
	api := cs.AdmissionregistrationV1()
	var undo []func(context.Context) error
	remove := func(ctx context.Context) error {
		var errs []error
		for _, u := range undo {
			if err := u(ctx); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	meta := metav1.ObjectMeta{Name: r.Name}
	if len(r.ValidateRules) > 0 {
		cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: meta,
			Webhooks: []admissionregistrationv1.ValidatingWebhook{hook("validate.apiguard.io", "/validate", r.ValidateRules)}}
		if _, err := api.ValidatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create validating webhook configuration: %w", err)
		}
		undo = append(undo, func(ctx context.Context) error {
			return api.ValidatingWebhookConfigurations().Delete(ctx, r.Name, metav1.DeleteOptions{})
		})
	}
	if len(r.MutateRules) > 0 {
		v := hook("mutate.apiguard.io", "/mutate", r.MutateRules)
		cfg := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: meta,
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name: v.Name, ClientConfig: v.ClientConfig, Rules: v.Rules, FailurePolicy: v.FailurePolicy, MatchPolicy: v.MatchPolicy,
				SideEffects: v.SideEffects, TimeoutSeconds: v.TimeoutSeconds, AdmissionReviewVersions: v.AdmissionReviewVersions,
				NamespaceSelector: v.NamespaceSelector, MatchConditions: v.MatchConditions,
			}}}
		if _, err := api.MutatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
			_ = remove(ctx)
			return nil, fmt.Errorf("create mutating webhook configuration: %w", err)
		}
		undo = append(undo, func(ctx context.Context) error {
			return api.MutatingWebhookConfigurations().Delete(ctx, r.Name, metav1.DeleteOptions{})
		})
	}
	return remove, nil
}

// GatewayAPIVersion is the Gateway API release whose CRDs the tests install.
const GatewayAPIVersion = "v1.6.3"

// InstallGatewayAPICRDs creates the standard-channel Gateway API CRDs of the kinds
// apiguard judges (and GatewayClass and ReferenceGrant, which they refer to) from the
// sigs.k8s.io/gateway-api module in the Go module cache (never copied into the repo).
// v1.6's standard channel serves ListenerSet, TLSRoute, TCPRoute and UDPRoute as v1.
func InstallGatewayAPICRDs(ctx context.Context, cfg *rest.Config) error {
	dir, err := moduleDir(ctx, "sigs.k8s.io/gateway-api@"+GatewayAPIVersion)
	if err != nil {
		return err
	}
	var docs [][]byte
	for _, kind := range []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "listenersets", "tlsroutes", "tcproutes", "udproutes", "backendtlspolicies"} {
		b, err := os.ReadFile(filepath.Join(dir, "config", "crd", "standard", "gateway.networking.k8s.io_"+kind+".yaml"))
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	if err := installCRDs(ctx, cfg, docs, "gateway.networking.k8s.io/v1", "gatewayclasses", "gateways", "httproutes", "grpcroutes",
		"listenersets", "tlsroutes", "tcproutes", "udproutes", "backendtlspolicies"); err != nil {
		return err
	}
	return waitServed(ctx, cfg, "gateway.networking.k8s.io/v1beta1", "referencegrants")
}

// CertManagerVersion is the cert-manager release whose CRDs the chart tests install.
const CertManagerVersion = "v1.21.2"

// InstallCertManagerCRDs creates cert-manager's CRDs from the
// github.com/cert-manager/cert-manager module's deploy/crds in the module cache.
func InstallCertManagerCRDs(ctx context.Context, cfg *rest.Config) error {
	dir, err := moduleDir(ctx, "github.com/cert-manager/cert-manager@"+CertManagerVersion)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "deploy", "crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no CRDs under %s/deploy/crds: %v", dir, err)
	}
	var docs [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	return installCRDs(ctx, cfg, docs, "cert-manager.io/v1", "issuers", "certificates", "clusterissuers")
}

// moduleDir downloads a module into the module cache (no go.mod change) and returns its
// directory.
func moduleDir(ctx context.Context, modVersion string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion).Output()
	if err != nil {
		return "", fmt.Errorf("download %s: %w", modVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("locate %s in the module cache: %v", modVersion, err)
	}
	return mod.Dir, nil
}

func installCRDs(ctx context.Context, cfg *rest.Config, files [][]byte, groupVersion string, resources ...string) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, file := range files {
		for _, doc := range bytes.Split(file, []byte("\n---\n")) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
				return fmt.Errorf("decode CRD: %w", err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			if _, err := dyn.Resource(crdGVR).Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("create CRD %s: %w", obj.GetName(), err)
			}
		}
	}
	if groupVersion == "" {
		// The caller waits for what it installed, group version by group version.
		return nil
	}
	return waitServed(ctx, cfg, groupVersion, resources...)
}

// waitServed waits until discovery lists every named resource in groupVersion. Counting
// is not enough: status subresources are listed too, before their parents may be.
func waitServed(ctx context.Context, cfg *rest.Config, groupVersion string, names ...string) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for {
		res, err := cs.Discovery().ServerResourcesForGroupVersion(groupVersion)
		if err == nil {
			served := map[string]bool{}
			for _, r := range res.APIResources {
				served[r.Name] = true
			}
			missing := 0
			for _, n := range names {
				if !served[n] {
					missing++
				}
			}
			if missing == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %v not served: %w (last error: %v)", groupVersion, names, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Poll calls f every 200ms until it returns nil, or returns its last error, saying how
// long it waited, once timeout has passed. Suites wrap it in their t.Fatal helpers.
func Poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s: %w", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

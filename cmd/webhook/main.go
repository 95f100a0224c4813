// Command webhook is apiguard's validating and mutating admission webhook. It turns flags
// into options, loads the policies, and wires the admission handlers into the server.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/apiguard/apiguard/pkg/admission"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/policysync"
	"github.com/apiguard/apiguard/pkg/server"
)

type options struct {
	policyDir        string
	dataFiles        []string
	clusterName      string
	git              gitOptions
	certDir          string
	host             string
	port             int
	metricsAddr      string
	healthAddr       string
	tlsMinVersion    string
	evalTimeout      time.Duration
	maxInFlight      int
	memoryBudget     string
	bodyMemoryFactor int
	selfSigned       bool
	selfSignedHosts  []string
	caBundleOut      string
	namespace        string
	serviceAccount   string
	shutdownDelay    time.Duration
	shutdownTimeout  time.Duration
	logLevel         string
	kubeconfig       string
	inventory        string
	tls              selfManagedTLS
	exemptionAdmins  []string
	maxMutationRound int
	audit            auditOptions

	// allowEmptyPolicies lets a revision without any policy activate (policysync.Options.AllowEmpty).
	allowEmptyPolicies bool
}

// defaultGCPercent is the collector's target when GOGC is not set. Every request leaves
// about 130 KB of short-lived Rego garbage against a live heap of a few tens of MiB, so
// at Go's default of 100 the collector ran often. In the serving benchmark (2026-12-07,
// the same binary interleaved, GOMEMLIMIT at the chart's 256 MiB), 200 cost 0.90x the
// CPU per request for 1.12x the RSS after load (99 against 88 MiB); 400 cost 0.84x for
// 1.8x. GOMEMLIMIT, which the chart sets from the container's limit, still makes the
// runtime collect harder as the heap nears it, so large requests are no riskier.
const defaultGCPercent = 200

// gcPercent is the GC percent to set, or -1 to leave the runtime's own reading of GOGC.
func gcPercent(lookupEnv func(string) (string, bool)) int {
	if _, set := lookupEnv("GOGC"); set {
		return -1
	}
	return defaultGCPercent
}

func main() {
	if p := gcPercent(os.LookupEnv); p >= 0 {
		debug.SetGCPercent(p)
	}
	if err := newCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

func newCommand() *cobra.Command {
	o := options{}
	cmd := &cobra.Command{
		Use:           "webhook",
		Short:         "apiguard admission webhook: validates and mutates API exposure with Rego policies",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return run(ctx, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.policyDir, "policy-dir", "", "directory holding the Rego policies and data.json/data.yaml (a mounted ConfigMap works); with neither this nor --git-url, the built-in library decides")
	f.BoolVar(&o.allowEmptyPolicies, "allow-empty-policies", false,
		"let a policy revision without any policy activate (it is refused by default: a wrong path or an empty ConfigMap would otherwise admit everything); /readyz stays 503 while the active set is empty")
	f.StringArrayVar(&o.dataFiles, "data-file", nil, "JSON or YAML data merged last over the policy tree's data, e.g. from a ConfigMap; repeatable")
	f.StringVar(&o.clusterName, "cluster-name", "", "select clusters/<name>/ in the policy tree: its data overrides the tree's, other clusters' directories are ignored")
	bindGitFlags(f, &o.git)
	bindTLSFlags(f, &o.tls)
	bindAuditFlags(f, &o.audit)
	f.StringArrayVar(&o.exemptionAdmins, "exemption-admin-group", nil, "group allowed to set apiguard.io/ignore=true on a namespace (served at /validate-namespace); repeatable")
	f.StringVar(&o.certDir, "cert-dir", "", "directory with tls.crt and tls.key; reloaded when the files change")
	f.StringVar(&o.host, "host", "", "address to bind the webhook listener to (default all interfaces)")
	f.IntVar(&o.port, "port", 9443, "HTTPS port for /validate and /mutate")
	f.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address for /metrics; 0 disables")
	f.StringVar(&o.healthAddr, "health-probe-bind-address", ":8081", "address for /healthz, /readyz and /status; 0 disables")
	f.StringVar(&o.tlsMinVersion, "tls-min-version", "1.3", "minimum TLS version: 1.2 or 1.3")
	f.DurationVar(&o.evalTimeout, "eval-timeout", admission.DefaultEvalTimeout,
		"time allowed to decide one request; keep it below the webhook configurations' timeoutSeconds (5s validating, 3s mutating in the chart) so the webhook answers before the API server gives up")
	f.IntVar(&o.maxInFlight, "max-in-flight", 0, "concurrent evaluations; 0 means GOMAXPROCS x 4")
	f.StringVar(&o.memoryBudget, "memory-budget", resource.NewQuantity(admission.DefaultMemoryBudget, resource.BinarySI).String(),
		"estimated memory the requests being decided may hold at once (each reserves its body size times --body-memory-factor before its body is read; one that does not fit waits, and gets HTTP 503 at its deadline); a quantity such as 96Mi, 0 to switch it off. Keep it well under the container's memory limit")
	f.IntVar(&o.bodyMemoryFactor, "body-memory-factor", admission.DefaultBodyMemoryFactor, "estimated peak memory per byte of an AdmissionReview body, for --memory-budget")
	f.IntVar(&o.maxMutationRound, "max-mutation-rounds", policy.DefaultMaxMutationRounds, "bound on re-evaluating patches until nothing changes")
	f.BoolVar(&o.selfSigned, "self-signed-cert", false, "create a CA and serving certificate at start (local runs and tests only)")
	f.StringSliceVar(&o.selfSignedHosts, "self-signed-hosts", []string{"127.0.0.1", "localhost"}, "hosts for the self-signed serving certificate")
	f.StringVar(&o.caBundleOut, "ca-bundle-out", "", "with --self-signed-cert: write the CA bundle (PEM) here to register as caBundle")
	f.StringVar(&o.namespace, "namespace", os.Getenv("POD_NAMESPACE"), "the webhook's own namespace, exempt from policies (default $POD_NAMESPACE)")
	f.StringVar(&o.serviceAccount, "service-account", os.Getenv("SERVICE_ACCOUNT"), "the webhook's own service account name; its requests are exempt (default $SERVICE_ACCOUNT)")
	f.DurationVar(&o.shutdownDelay, "shutdown-delay", 0, "on SIGTERM, report not ready and keep serving this long before closing the listener")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM, time allowed for in-flight requests to finish")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: info, debug, or a number (higher is more verbose)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for the inventory watches (default: in-cluster config)")
	f.StringVar(&o.inventory, "inventory", "auto", "watch the cluster for referential policy data (data.apiguard.inventory): on, off, or auto (on when running in a cluster or with --kubeconfig)")
	return cmd
}

func run(ctx context.Context, o options) error {
	log, err := newLogger(o.logLevel)
	if err != nil {
		return err
	}
	// controller-runtime's certwatcher logs through its package logger.
	ctrllog.SetLogger(log)

	if o.policyDir != "" && o.git.url != "" {
		return errors.New("set at most one of --policy-dir and --git-url (with neither, the built-in library decides)")
	}
	tlsMin, err := server.ParseTLSVersion(o.tlsMinVersion)
	if err != nil {
		return err
	}
	if o.evalTimeout <= 0 {
		return fmt.Errorf("--eval-timeout must be positive, got %s", o.evalTimeout)
	}
	memoryBudget, err := parseMemoryBudget(o.memoryBudget)
	if err != nil {
		return err
	}
	if o.bodyMemoryFactor <= 0 {
		return fmt.Errorf("--body-memory-factor must be positive, got %d", o.bodyMemoryFactor)
	}
	cleanup, err := prepareCerts(&o)
	if err != nil {
		return err
	}
	defer cleanup()
	// Everything long-running joins this group, which run waits for (see runAll).
	var parts []runnable
	if o.tls.secret != "" {
		cfg, err := clusterConfig(o.kubeconfig)
		if err != nil {
			return fmt.Errorf("--tls-self-managed-secret: %w", err)
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return err
		}
		rotate, err := startSelfManagedTLS(ctx, o, cs, log.WithName("tls"))
		if err != nil {
			return err
		}
		parts = append(parts, rotate)
	}
	extraData, err := policy.ReadDataFiles(o.dataFiles)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	admissionMetrics, err := admission.NewMetrics(reg)
	if err != nil {
		return err
	}
	holder := policy.NewHolder()
	watcher, err := newInventoryWatcher(o, holder, reg, log.WithName("inventory"))
	if err != nil {
		return err
	}
	src, cleanupSource, err := newSource(o)
	if err != nil {
		return err
	}
	defer cleanupSource()
	syncer, err := policysync.New(policysync.Options{
		Source:       src,
		Holder:       holder,
		Interval:     o.syncInterval(),
		RequireTests: o.git.url != "" && o.git.requireTests,
		AllowEmpty:   o.allowEmptyPolicies,
		ClusterName:  o.clusterName,
		Data:         extraData,
		CacheDir:     o.git.cacheDir,
		Registerer:   reg,
		BeforeActivate: func(ctx context.Context, set *policy.PolicySet) error {
			if watcher == nil {
				return nil
			}
			return watcher.Prepare(ctx, set)
		},
		Log: log.WithName("policysync"),
	})
	if err != nil {
		return err
	}
	if o.git.url == "" {
		// A local directory is configuration, not a remote that may come back: a tree
		// that does not compile stops the start with file:row.
		if _, err := syncer.SyncOnce(ctx); err != nil {
			return fmt.Errorf("policies in %s: %w", src, err)
		}
	}
	// Git may be unreachable at start: serve not-ready (never allow-all) and keep trying.
	parts = append(parts, runnable{name: "policysync", run: func(ctx context.Context) error {
		syncer.Run(ctx)
		return nil
	}})
	ready := syncer.Ready
	if watcher != nil {
		// An inventory that stopped following the cluster fails the process: referential
		// policies would otherwise decide on an index that no longer changes.
		parts = append(parts, runnable{name: "inventory", run: watcher.Run})
		ready = func() error { return errors.Join(syncer.Ready(), watcher.Synced()) }
	}

	auditor, err := newAuditor(o, holder, reg, log.WithName("audit"))
	if err != nil {
		return err
	}
	refLookup, err := newReferenceLookup(o, log.WithName("references"))
	if err != nil {
		return err
	}
	handlers, err := admission.New(admission.Options{
		Policies:          holder,
		EvalTimeout:       o.evalTimeout,
		MaxInFlight:       o.maxInFlight,
		MemoryBudget:      memoryBudget,
		BodyMemoryFactor:  o.bodyMemoryFactor,
		MaxMutationRounds: o.maxMutationRound,
		OwnNamespace:      o.namespace,
		OwnServiceAccount: serviceAccountUser(o.namespace, o.serviceAccount),
		Metrics:           admissionMetrics,
		Log:               log.WithName("admission"),
		References:        refLookup,
	})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Options{
		WebhookAddr:   net.JoinHostPort(o.host, strconv.Itoa(o.port)),
		HealthAddr:    o.healthAddr,
		MetricsAddr:   o.metricsAddr,
		CertDir:       o.certDir,
		TLSMinVersion: tlsMin,
		Routes: map[string]http.Handler{
			"/validate":           handlers.Validate(),
			"/mutate":             handlers.Mutate(),
			"/validate-namespace": handlers.NamespaceGuard(o.exemptionAdmins),
		},
		Ready:           ready,
		Status:          syncer,
		HealthRoutes:    auditRoutes(auditor),
		Gatherer:        reg,
		Registerer:      reg,
		ShutdownDelay:   o.shutdownDelay,
		ShutdownTimeout: o.shutdownTimeout,
		Log:             log.WithName("server"),
	})
	if err != nil {
		return err
	}
	if auditor != nil {
		parts = append(parts, auditRunnable(auditor, o, srv.HealthAddr()))
	}
	// The server returns only once ctx ends (after draining) or a listener fails.
	parts = append(parts, runnable{name: "server", run: srv.Run})
	// A clean stop takes the server's drain plus the audit's Lease release.
	grace := o.shutdownDelay + o.shutdownTimeout + releaseTimeout
	return runAll(ctx, log, grace, parts...)
}

// prepareCerts checks --cert-dir, or with --self-signed-cert issues a development
// certificate. The returned cleanup removes a cert dir this process created, so the
// private key does not outlive the run.
func prepareCerts(o *options) (func(), error) {
	noop := func() {}
	if !o.selfSigned {
		if o.certDir == "" {
			return noop, errors.New("--cert-dir is required (or --self-signed-cert for local runs)")
		}
		return noop, nil
	}
	cleanup := noop
	if o.certDir == "" {
		dir, err := os.MkdirTemp("", "apiguard-certs-")
		if err != nil {
			return noop, fmt.Errorf("create cert dir: %w", err)
		}
		o.certDir = dir
		cleanup = func() { os.RemoveAll(dir) }
	}
	ca, err := server.WriteSelfSigned(o.certDir, server.SelfSignedOptions{Hosts: o.selfSignedHosts})
	if err != nil {
		cleanup()
		return noop, fmt.Errorf("self-signed certificate: %w", err)
	}
	if o.caBundleOut != "" {
		if err := os.WriteFile(o.caBundleOut, ca, 0o644); err != nil {
			cleanup()
			return noop, fmt.Errorf("write CA bundle: %w", err)
		}
	}
	return cleanup, nil
}

// parseMemoryBudget reads --memory-budget: a Kubernetes quantity in bytes, or 0 for none
// (admission.Options takes a negative size for "off").
func parseMemoryBudget(v string) (int64, error) {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0, fmt.Errorf("--memory-budget %q: %w", v, err)
	}
	n := q.Value()
	switch {
	case n < 0:
		return 0, fmt.Errorf("--memory-budget %q: must not be negative", v)
	case n == 0:
		return -1, nil
	}
	return n, nil
}

func serviceAccountUser(namespace, name string) string {
	if name == "" || namespace == "" {
		return ""
	}
	return "system:serviceaccount:" + namespace + ":" + name
}

func newLogger(level string) (logr.Logger, error) {
	var lvl zapcore.Level
	switch level {
	case "info", "":
		lvl = zapcore.InfoLevel
	case "debug":
		lvl = zapcore.DebugLevel
	default:
		n, err := strconv.Atoi(level)
		if err != nil || n < 0 {
			return logr.Logger{}, fmt.Errorf("--log-level %q: want info, debug or a non-negative number", level)
		}
		lvl = zapcore.Level(-n)
	}
	return zap.New(zap.Level(lvl), zap.JSONEncoder()), nil
}

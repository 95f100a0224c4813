package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/apiguard/apiguard/internal/kubetest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/server"
)

// Target names, in the order the tables list them. "opa" is the strongest OPA server we
// know how to write (rules guarded by kind, which its rule index uses); "opa-tutorial"
// evaluates every policy for every request, as OPA's Kubernetes tutorial does.
const (
	targetApiguard    = "apiguard"
	targetOPA         = "opa"
	targetOPATutorial = "opa-tutorial"
	targetNull        = "null"
	// targetCandidate is a second apiguard build (-candidate-webhook), to measure an
	// optimisation against the current code in the same run.
	targetCandidate = "candidate"
)

// chartMemoryLimit is the chart's default memory limit (charts/apiguard/values.yaml,
// resources.limits.memory), which the chart hands the webhook as GOMEMLIMIT.
const chartMemoryLimit = "256MiB"

// target is one running admission server under test.
type target struct {
	name string
	url  string // where AdmissionReviews are POSTed
	pid  int
}

// targets are the three servers of one run and what is needed to reach and stop them.
type targets struct {
	list  []target
	roots *x509.CertPool
	stops []func() error
	dir   string
}

func (ts *targets) stop() error {
	var errs []error
	for i := len(ts.stops) - 1; i >= 0; i-- {
		errs = append(errs, ts.stops[i]())
	}
	os.RemoveAll(ts.dir)
	return errors.Join(errs...)
}

// startTargets starts the apiguard webhook with the bundled library, OPA server with the
// same modules and data (also in the tutorial's shape when asked), and the null webhook.
// The peers share one self-signed ECDSA certificate from the same code as the webhook's own.
func startTargets(ctx context.Context, root string, set *policy.PolicySet, opaTutorial bool, candidate string, candidateEnv []string, old *baseline) (_ *targets, err error) {
	dir, err := os.MkdirTemp("", "apiguard-bench-serving-")
	if err != nil {
		return nil, err
	}
	ts := &targets{roots: x509.NewCertPool(), dir: dir}
	defer func() {
		if err != nil {
			_ = ts.stop()
		}
	}()
	certDir := filepath.Join(dir, "certs")
	ca, err := server.WriteSelfSigned(certDir, server.SelfSignedOptions{})
	if err != nil {
		return nil, err
	}
	ts.roots.AppendCertsFromPEM(ca)
	probe := newLoadClient(ts.roots, 1)
	// Each apiguard build with the library and configuration it is measured with: the
	// candidate shares today's, the baseline brings its own.
	// Every build runs as the chart runs it: the Go runtime gets the container's memory
	// limit as GOMEMLIMIT. The candidate may add environment (-candidate-env), to
	// measure a runtime setting.
	type webhook struct {
		name, binary, policies, config string
		env                            []string
	}
	chartEnv := []string{"GOMEMLIMIT=" + chartMemoryLimit}
	policies, config := filepath.Join(root, "policies"), filepath.Join(root, "test", "examples-config.yaml")
	webhooks := []webhook{{targetApiguard, filepath.Join(root, "bin", "webhook"), policies, config, chartEnv}}
	if candidate != "" || len(candidateEnv) > 0 {
		if candidate == "" {
			candidate = filepath.Join(root, "bin", "webhook")
		}
		webhooks = append(webhooks, webhook{targetCandidate, candidate, policies, config, append(slices.Clone(chartEnv), candidateEnv...)})
	}
	if old != nil {
		webhooks = append(webhooks, webhook{targetBaseline, old.webhook(), old.policies(), old.config(root), chartEnv})
	}
	for _, w := range webhooks {
		wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
			Binary: w.binary, PolicyDir: w.policies,
			Args: []string{"--data-file", w.config},
			Env:  w.env,
		})
		if err != nil {
			return nil, fmt.Errorf("%s webhook: %w", w.name, err)
		}
		ts.stops = append(ts.stops, wh.Stop)
		ts.roots.AppendCertsFromPEM(wh.CABundle)
		ts.list = append(ts.list, target{name: w.name, url: wh.URL + "/validate", pid: wh.PID()})
	}

	peers := []string{targetOPA}
	if opaTutorial {
		peers = append(peers, targetOPATutorial)
	}
	for _, name := range peers {
		t, stop, err := startOPA(ctx, root, dir, certDir, set, name, name == targetOPA, probe)
		if err != nil {
			return nil, err
		}
		ts.stops = append(ts.stops, stop)
		ts.list = append(ts.list, t)
	}

	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	nullPort, err := kubetest.FreePort()
	if err != nil {
		return nil, err
	}
	nullAddr := "127.0.0.1:" + strconv.Itoa(nullPort)
	null, err := startServerProc("null webhook", self, "-serve-null", nullAddr, "-cert-dir", certDir)
	if err != nil {
		return nil, err
	}
	ts.stops = append(ts.stops, null.stop)
	if err := null.waitReady(ctx, probe, "https://"+nullAddr+"/healthz"); err != nil {
		return nil, err
	}
	ts.list = append(ts.list, target{name: targetNull, url: "https://" + nullAddr + "/validate", pid: null.pid()})
	probe.CloseIdleConnections()
	return ts, nil
}

// startOPA runs `opa run --server` as an admission webhook over the library: TLS 1.3 with
// the shared certificate, default_decision=system/main with the generated module.
func startOPA(ctx context.Context, root, dir, certDir string, set *policy.PolicySet, name string, kindIndex bool, probe *http.Client) (target, func() error, error) {
	module, err := opaSystemModule(set.Policies(), set.ExemptNamespaces(), kindIndex)
	if err != nil {
		return target{}, nil, err
	}
	modulePath := filepath.Join(dir, name, "system.rego")
	if err := os.MkdirAll(filepath.Dir(modulePath), 0o755); err != nil {
		return target{}, nil, err
	}
	if err := os.WriteFile(modulePath, []byte(module), 0o644); err != nil {
		return target{}, nil, err
	}
	port, err := kubetest.FreePort()
	if err != nil {
		return target{}, nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	opa, err := startServerProc(name, filepath.Join(root, "bin", "opa"), "run", "--server",
		"--addr", addr,
		"--tls-cert-file", filepath.Join(certDir, server.CertFile),
		"--tls-private-key-file", filepath.Join(certDir, server.KeyFile),
		"--min-tls-version", "1.3",
		"--set=default_decision=system/main",
		// OPA at its fastest: no per-request access log, a read-optimised store.
		"--log-level", "error", "--log-level-request", "error",
		"--optimize-store-for-read-speed",
		"--skip-version-check",
		"--ignore", "*_test.rego",
		filepath.Join(root, "policies"), filepath.Join(root, "test", "examples-config.yaml"), modulePath)
	if err != nil {
		return target{}, nil, err
	}
	if err := opa.waitReady(ctx, probe, "https://"+addr+"/health"); err != nil {
		_ = opa.stop()
		return target{}, nil, err
	}
	return target{name: name, url: "https://" + addr + "/", pid: opa.pid()}, opa.stop, nil
}

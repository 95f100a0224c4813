package kubetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// StackOptions describe a guarded control plane: a real API server with the Tyk CRDs,
// an apiguard webhook process, and its registration.
type StackOptions struct {
	WebhookBinary string
	PolicyDir     string
	WebhookArgs   []string
	// GuardLabel and GuardValue select the namespaces the webhook guards.
	GuardLabel, GuardValue string
	FailurePolicy          admissionregistrationv1.FailurePolicyType
	// TykOASConfigMaps also registers the chart's ConfigMap webhook (TykOASConfigMapRules
	// behind its matchCondition), so a ConfigMap carrying an insecure Tyk OAS document is
	// judged as the chart judges it. Off by default: the e2e and corpus suites seed such
	// ConfigMaps as fixtures.
	TykOASConfigMaps bool
	Output           io.Writer
}

// Stack is a running guarded control plane.
type Stack struct {
	Cluster *Cluster
	Webhook *Webhook
	Client  kubernetes.Interface
	stops   []func() error
}

// StartStack starts the cluster, installs the CRDs, starts the webhook and registers it
// for the exposure kinds with failurePolicy Fail (unless told otherwise).
func StartStack(ctx context.Context, opts StackOptions) (*Stack, error) {
	s := &Stack{}
	fail := func(err error) (*Stack, error) {
		_ = s.Stop()
		return nil, err
	}
	var err error
	if s.Cluster, err = Start(ctx, Options{Output: opts.Output}); err != nil {
		return fail(err)
	}
	s.stops = append(s.stops, s.Cluster.Stop)
	if s.Client, err = kubernetes.NewForConfig(s.Cluster.RESTConfig()); err != nil {
		return fail(err)
	}
	if err := InstallTykCRDs(ctx, s.Cluster.RESTConfig()); err != nil {
		return fail(err)
	}
	if err := InstallGatewayAPICRDs(ctx, s.Cluster.RESTConfig()); err != nil {
		return fail(err)
	}
	if err := InstallPackCRDs(ctx, s.Cluster.RESTConfig()); err != nil {
		return fail(err)
	}
	// The webhook watches this cluster for the policies' inventory, as it would in-cluster.
	args := append([]string{"--kubeconfig", s.Cluster.Kubeconfig(), "--inventory", "on"}, opts.WebhookArgs...)
	if s.Webhook, err = StartWebhook(ctx, WebhookOptions{Binary: opts.WebhookBinary, PolicyDir: opts.PolicyDir, Args: args, Output: opts.Output}); err != nil {
		return fail(err)
	}
	s.stops = append(s.stops, s.Webhook.Stop)
	var selector *metav1.LabelSelector
	if opts.GuardLabel != "" {
		selector = &metav1.LabelSelector{MatchLabels: map[string]string{opts.GuardLabel: opts.GuardValue}}
	}
	unregister, err := Register(ctx, s.Client, Registration{
		Name:              "apiguard",
		URL:               s.Webhook.URL,
		CABundle:          s.Webhook.CABundle,
		FailurePolicy:     opts.FailurePolicy,
		ValidateRules:     ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete),
		MutateRules:       ExposureRules(admissionregistrationv1.Create, admissionregistrationv1.Update),
		NamespaceSelector: selector,
		TimeoutSeconds:    5,
	})
	if err != nil {
		return fail(err)
	}
	s.stops = append(s.stops, func() error { return unregister(context.Background()) })
	if opts.TykOASConfigMaps {
		unregister, err := Register(ctx, s.Client, TykOASConfigMapRegistration("apiguard-tyk-oas-configmaps", s.Webhook, selector))
		if err != nil {
			return fail(err)
		}
		s.stops = append(s.stops, func() error { return unregister(context.Background()) })
	}
	return s, nil
}

// Stop tears everything down in reverse order.
func (s *Stack) Stop() error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		errs = append(errs, s.stops[i]())
	}
	s.stops = nil
	return errors.Join(errs...)
}

// BuildTools builds the webhook and CLI binaries into a fresh temporary directory and
// returns their paths and a cleanup.
func BuildTools(ctx context.Context) (webhook, cli string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "apiguard-bin-")
	if err != nil {
		return "", "", func() {}, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	if webhook, err = Build(ctx, "./cmd/webhook", dir); err != nil {
		cleanup()
		return "", "", func() {}, fmt.Errorf("build webhook: %w", err)
	}
	if cli, err = Build(ctx, "./cmd/apiguard", dir); err != nil {
		cleanup()
		return "", "", func() {}, fmt.Errorf("build CLI: %w", err)
	}
	return webhook, cli, cleanup, nil
}

// EnsureBinaries builds kube-apiserver (and installs etcd) with test/scripts/e2e-bins.sh
// when bin/kube-apiserver is missing, so suites against the real control plane never
// skip for lack of binaries. Its output goes to os.Stderr: the first build takes minutes.
func EnsureBinaries(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "kube-apiserver")); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "test", "scripts", "e2e-bins.sh"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build e2e binaries: %w", err)
	}
	return nil
}

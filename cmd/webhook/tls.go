package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/pkg/certrotation"
)

type selfManagedTLS struct {
	secret           string
	validatingConfig string
	mutatingConfig   string
	dnsNames         []string
	leafValidity     time.Duration
	caValidity       time.Duration
	checkInterval    time.Duration
	rolloverGrace    time.Duration
}

func bindTLSFlags(f *pflag.FlagSet, t *selfManagedTLS) {
	f.StringVar(&t.secret, "tls-self-managed-secret", "", "manage the serving certificate in this Secret (in --namespace): create a CA and certificate, inject the CA into the webhook configurations, rotate")
	f.StringVar(&t.validatingConfig, "validating-webhook-configuration", "", "with --tls-self-managed-secret: the ValidatingWebhookConfiguration to inject the CA bundle into")
	f.StringVar(&t.mutatingConfig, "mutating-webhook-configuration", "", "with --tls-self-managed-secret: the MutatingWebhookConfiguration to inject the CA bundle into")
	f.StringSliceVar(&t.dnsNames, "tls-dns-names", nil, "with --tls-self-managed-secret: names (and IPs) the serving certificate covers")
	f.DurationVar(&t.leafValidity, "tls-leaf-validity", 90*24*time.Hour, "serving certificate lifetime; renewed at 2/3")
	f.DurationVar(&t.caValidity, "tls-ca-validity", 5*365*24*time.Hour, "CA lifetime; rolled over at 2/3 with the old and new CA both trusted meanwhile")
	f.DurationVar(&t.checkInterval, "tls-check-interval", time.Minute, "how often each replica reconciles the TLS Secret")
	f.DurationVar(&t.rolloverGrace, "tls-rollover-grace", time.Minute, "after a CA rollover, how long clients get to trust the new CA before it signs the serving certificate")
}

// startSelfManagedTLS reconciles once (the server needs the files to start), retrying
// while the API server is unreachable, and returns the rotator that keeps rotating, for
// run's group.
func startSelfManagedTLS(ctx context.Context, o options, cs kubernetes.Interface, log logr.Logger) (runnable, error) {
	t := o.tls
	if o.namespace == "" {
		return runnable{}, errors.New("--tls-self-managed-secret needs --namespace (or $POD_NAMESPACE)")
	}
	r, err := certrotation.New(certrotation.Options{
		Client: cs, Namespace: o.namespace, SecretName: t.secret,
		ValidatingConfig: t.validatingConfig, MutatingConfig: t.mutatingConfig,
		DNSNames: t.dnsNames, CertDir: o.certDir,
		LeafValidity: t.leafValidity, CAValidity: t.caValidity, RolloverGrace: t.rolloverGrace,
		Log: log,
	})
	if err != nil {
		return runnable{}, err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err := r.Reconcile(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return runnable{}, fmt.Errorf("self-managed TLS: %w", err)
		}
		log.Info("self-managed TLS not ready yet; retrying", "error", err.Error())
		select {
		case <-ctx.Done():
			return runnable{}, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return runnable{name: "tls-rotation", run: func(ctx context.Context) error {
		r.Run(ctx, t.checkInterval)
		return nil
	}}, nil
}

package certrotation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/internal/atomicfile"
)

// Secret keys. ca.crt is the bundle clients trust: the signing CA, plus the previous one
// while a rollover is in progress.
const (
	keyBundle       = "ca.crt"
	keySigningCert  = "ca-signing.crt"
	keySigningKey   = "ca-signing.key"
	keyLeafCert     = "tls.crt"
	keyLeafKey      = "tls.key"
	keySwitchLeafAt = "leaf-switch-after"
	// The previous CA signs serving certificates until the switch, while clients may not
	// yet trust its successor.
	keyPreviousCert = "ca-previous.crt"
	keyPreviousKey  = "ca-previous.key"
)

// Options configure the rotator.
type Options struct {
	Client     kubernetes.Interface
	Namespace  string
	SecretName string
	// ValidatingConfig and MutatingConfig name the webhook configurations whose
	// caBundle this process keeps current (empty: skip).
	ValidatingConfig, MutatingConfig string
	DNSNames                         []string
	// CertDir receives tls.crt and tls.key for the server's certificate watcher.
	CertDir      string
	LeafValidity time.Duration
	CAValidity   time.Duration
	// RolloverGrace is how long a new CA is trusted (in caBundle) before any replica
	// serves a certificate it signed, so the API server has picked up the bundle.
	RolloverGrace time.Duration
	Now           func() time.Time
	Log           logr.Logger
}

// Rotator keeps the webhook's certificates current.
type Rotator struct{ opts Options }

// New checks opts.
func New(opts Options) (*Rotator, error) {
	if opts.Client == nil || opts.SecretName == "" || opts.Namespace == "" || opts.CertDir == "" {
		return nil, errors.New("certrotation: Client, Namespace, SecretName and CertDir are required")
	}
	if len(opts.DNSNames) == 0 {
		return nil, errNoDNSNames
	}
	if opts.LeafValidity <= 0 {
		opts.LeafValidity = 90 * 24 * time.Hour
	}
	if opts.CAValidity <= 0 {
		opts.CAValidity = 5 * 365 * 24 * time.Hour
	}
	if opts.CAValidity < 2*opts.LeafValidity {
		return nil, fmt.Errorf("certrotation: the CA validity (%s) must be at least twice the leaf validity (%s)", opts.CAValidity, opts.LeafValidity)
	}
	if opts.RolloverGrace <= 0 {
		opts.RolloverGrace = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Rotator{opts: opts}, nil
}

// errConflict means another replica wrote the Secret first; the next pass reads its work.
var errConflict = errors.New("the TLS Secret changed meanwhile")

// Reconcile makes one pass: renew what is due in the Secret, inject the bundle, write the
// serving pair. It is idempotent; every replica may run it at any time.
func (r *Rotator) Reconcile(ctx context.Context) error {
	secrets := r.opts.Client.CoreV1().Secrets(r.opts.Namespace)
	sec, err := secrets.Get(ctx, r.opts.SecretName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read TLS Secret %s/%s (the chart creates it): %w", r.opts.Namespace, r.opts.SecretName, err)
	}
	data := map[string][]byte{}
	for k, v := range sec.Data {
		data[k] = v
	}
	changed, err := r.renew(data)
	if err != nil {
		return err
	}
	if changed {
		sec.Data = data
		if _, err := secrets.Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsConflict(err) {
				return errConflict
			}
			return fmt.Errorf("write TLS Secret: %w", err)
		}
		r.opts.Log.Info("TLS certificates renewed in the Secret", "secret", r.opts.SecretName)
	}
	if err := r.inject(ctx, data[keyBundle]); err != nil {
		return err
	}
	return r.writeFiles(data[keyLeafCert], data[keyLeafKey])
}

// renew updates data in place and reports whether anything changed.
func (r *Rotator) renew(data map[string][]byte) (bool, error) {
	now := r.opts.Now()
	changed := false
	ca := parsePair(data[keySigningCert], data[keySigningKey])
	var bundle []*x509.Certificate
	for _, c := range parseBundle(data[keyBundle]) {
		if now.Before(c.NotAfter) {
			bundle = append(bundle, c)
		}
	}
	previous := parsePair(data[keyPreviousCert], data[keyPreviousKey])
	switch {
	case ca == nil || !now.Before(ca.cert.NotAfter):
		next, err := newCA(now, r.opts.CAValidity)
		if err != nil {
			return false, err
		}
		ca, bundle, previous, changed = next, []*x509.Certificate{next.cert}, nil, true
		delete(data, keySwitchLeafAt)
		r.opts.Log.Info("issued a new webhook CA", "notAfter", next.cert.NotAfter)
	case previous == nil && dueForRenewal(ca.cert, now):
		// Rollover: trust old and new together; serving certificates keep coming from
		// the old CA until the grace period has let every client pick up the bundle.
		next, err := newCA(now, r.opts.CAValidity)
		if err != nil {
			return false, err
		}
		previous, ca, bundle, changed = ca, next, append(bundle, next.cert), true
		data[keySwitchLeafAt] = []byte(now.Add(r.opts.RolloverGrace).UTC().Format(time.RFC3339))
		r.opts.Log.Info("rolling over the webhook CA; both are trusted during the switch", "newNotAfter", next.cert.NotAfter)
	}
	if !bundleHas(bundle, ca.cert) {
		bundle, changed = append(bundle, ca.cert), true
	}
	switchAt, _ := time.Parse(time.RFC3339, string(data[keySwitchLeafAt]))
	issuer := ca
	if previous != nil && now.Before(switchAt) && now.Before(previous.cert.NotAfter) {
		issuer = previous
	}
	leaf := parsePair(data[keyLeafCert], data[keyLeafKey])
	if leaf == nil || !servesNames(leaf.cert, r.opts.DNSNames) || dueForRenewal(leaf.cert, now) || !signedBy(leaf.cert, issuer.cert) {
		next, err := newLeaf(issuer, now, r.opts.LeafValidity, r.opts.DNSNames)
		if err != nil {
			return false, err
		}
		data[keyLeafCert], data[keyLeafKey], changed = next.certPEM, next.keyPEM, true
		r.opts.Log.Info("issued a new serving certificate", "notAfter", next.cert.NotAfter, "fromPreviousCA", issuer == previous)
	}
	if issuer == ca && previous != nil {
		// The switch is done: the previous CA signs nothing more (it stays trusted in
		// the bundle until it expires).
		delete(data, keyPreviousCert)
		delete(data, keyPreviousKey)
		delete(data, keySwitchLeafAt)
		changed = true
	} else if previous != nil {
		data[keyPreviousCert], data[keyPreviousKey] = previous.certPEM, previous.keyPEM
	}
	encoded := encodeBundle(bundle)
	if !bytes.Equal(encoded, data[keyBundle]) {
		data[keyBundle], changed = encoded, true
	}
	if !bytes.Equal(data[keySigningCert], ca.certPEM) {
		data[keySigningCert], data[keySigningKey], changed = ca.certPEM, ca.keyPEM, true
	}
	return changed, nil
}

func bundleHas(bundle []*x509.Certificate, c *x509.Certificate) bool {
	if c == nil {
		return false
	}
	for _, b := range bundle {
		if bytes.Equal(b.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// inject puts the bundle into every webhook of the named configurations.
func (r *Rotator) inject(ctx context.Context, bundle []byte) error {
	api := r.opts.Client.AdmissionregistrationV1()
	if name := r.opts.ValidatingConfig; name != "" {
		cfg, err := api.ValidatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("read ValidatingWebhookConfiguration %s: %w", name, err)
		}
		dirty := false
		for i := range cfg.Webhooks {
			if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, bundle) {
				cfg.Webhooks[i].ClientConfig.CABundle, dirty = bundle, true
			}
		}
		if dirty {
			if _, err := api.ValidatingWebhookConfigurations().Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("inject caBundle into %s: %w", name, err)
			}
			r.opts.Log.Info("caBundle injected", "configuration", name)
		}
	}
	if name := r.opts.MutatingConfig; name != "" {
		cfg, err := api.MutatingWebhookConfigurations().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("read MutatingWebhookConfiguration %s: %w", name, err)
		}
		dirty := false
		for i := range cfg.Webhooks {
			if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, bundle) {
				cfg.Webhooks[i].ClientConfig.CABundle, dirty = bundle, true
			}
		}
		if dirty {
			if _, err := api.MutatingWebhookConfigurations().Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("inject caBundle into %s: %w", name, err)
			}
			r.opts.Log.Info("caBundle injected", "configuration", name)
		}
	}
	return nil
}

// writeFiles writes the serving pair when it differs, key first, each atomically, so
// the certificate watcher never pairs a new certificate with an old key.
func (r *Rotator) writeFiles(certPEM, keyPEM []byte) error {
	certPath := filepath.Join(r.opts.CertDir, keyLeafCert)
	if cur, err := os.ReadFile(certPath); err == nil && bytes.Equal(cur, certPEM) {
		return nil
	}
	if err := os.MkdirAll(r.opts.CertDir, 0o700); err != nil {
		return fmt.Errorf("write serving certificate: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(r.opts.CertDir, keyLeafKey), keyPEM, 0o600); err != nil {
		return err
	}
	return atomicfile.Write(certPath, certPEM, 0o644)
}

// Run reconciles every interval until ctx ends. Conflicts (another replica wrote first)
// are retried at once.
func (r *Rotator) Run(ctx context.Context, interval time.Duration) {
	for {
		err := r.Reconcile(ctx)
		wait := interval
		if errors.Is(err, errConflict) {
			wait = 100 * time.Millisecond
		} else if err != nil {
			r.opts.Log.Error(err, "TLS reconcile failed; will retry")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

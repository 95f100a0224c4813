package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/apiguard/apiguard/internal/kubetest"
)

// TestSelfManagedTLSRotation: the webhook creates its CA and certificate in a Secret,
// injects the CA into the configurations registered for it, and the API server calls it.
// With lifetimes of seconds it renews the serving certificate and rolls the CA over
// (both CAs trusted during the switch) while a client keeps creating objects: zero TLS
// failures are allowed.
func TestSelfManagedTLSRotation(t *testing.T) {
	ctx := context.Background()
	const secretNS, secretName, configName = "tls-e2e", "apiguard-tls", "apiguard-tls-e2e"
	if _, err := testEnv.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: secretNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The chart renders this Secret empty; the webhook fills it.
	if _, err := testEnv.cs.CoreV1().Secrets(secretNS).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName}, Type: corev1.SecretTypeOpaque}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	port, err := kubetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	url := "https://127.0.0.1:" + strconv.Itoa(port)
	unregister, err := kubetest.Register(ctx, testEnv.cs, kubetest.Registration{
		Name: configName, URL: url, FailurePolicy: admissionregistrationv1.Fail,
		ValidateRules:     kubetest.ExposureRules(admissionregistrationv1.Create),
		MutateRules:       kubetest.ExposureRules(admissionregistrationv1.Create),
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{mainLabel: "tls"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unregister(ctx)
	wh, err := kubetest.StartWebhook(ctx, kubetest.WebhookOptions{
		Binary: testEnv.webhookBin, PolicyDir: filepath.Join(testEnv.root, "policies"), Port: port, SelfManagedTLS: true,
		Args: []string{"--kubeconfig", testEnv.stack.Cluster.Kubeconfig(), "--inventory", "off", "--namespace", secretNS,
			"--tls-self-managed-secret", secretName, "--validating-webhook-configuration", configName, "--mutating-webhook-configuration", configName,
			"--tls-dns-names", "127.0.0.1", "--tls-leaf-validity", "20s", "--tls-ca-validity", "50s",
			"--tls-check-interval", "1s", "--tls-rollover-grace", "4s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Stop()

	vwc, err := testEnv.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, configName, metav1.GetOptions{})
	if err != nil || len(vwc.Webhooks[0].ClientConfig.CABundle) == 0 {
		t.Fatalf("caBundle not injected: %v", err)
	}
	ns := namespace(t, "tls")
	ingresses := testEnv.cs.NetworkingV1().Ingresses(ns)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

	serials := map[string]bool{}
	maxCAs, requests, failures := 0, 0, 0
	var failure string
	deadline := time.Now().Add(50 * time.Second)
	for time.Now().Before(deadline) {
		_, err := ingresses.Create(ctx, ingress(ns, "rotating", []string{"r.example.com"}, nil), dry)
		requests++
		if err == nil || !strings.Contains(err.Error(), "[ingress.require_tls]") {
			failures++
			failure = fmt.Sprint(err)
		}
		if serial, err := servedSerial(port); err == nil {
			serials[serial] = true
		}
		if cfg, err := testEnv.cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, configName, metav1.GetOptions{}); err == nil {
			maxCAs = max(maxCAs, countCerts(cfg.Webhooks[0].ClientConfig.CABundle))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d requests through rotation: %d failed; %d serving certificates; up to %d CAs trusted at once", requests, failures, len(serials), maxCAs)
	if failures != 0 {
		t.Errorf("%d of %d requests failed during rotation, e.g.: %s", failures, requests, failure)
	}
	if len(serials) < 3 {
		t.Errorf("only %d serving certificates seen in 50s with a 20s lifetime", len(serials))
	}
	if maxCAs < 2 {
		t.Error("no CA rollover (two CAs trusted at once) seen in 50s with a 50s CA lifetime")
	}
}

func servedSerial(port int) (string, error) {
	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), &tls.Config{InsecureSkipVerify: true}) // only reading which certificate is served
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
}

func countCerts(bundle []byte) int {
	n := 0
	for {
		var b *pem.Block
		b, bundle = pem.Decode(bundle)
		if b == nil {
			return n
		}
		if _, err := x509.ParseCertificate(b.Bytes); err == nil {
			n++
		}
	}
}

package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Ingress builds an Ingress that the bundled policy library, configured with
// test/examples-config.yaml, admits when tls is set (and fills in force-ssl-redirect) and
// denies with [ingress.require_tls] otherwise: class nginx, an owner label, one rule for
// host.
func Ingress(ns, name, host string, tls bool) *networkingv1.Ingress {
	class := "nginx"
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/owner": "team-kubetest"}},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{
			Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
			}}}},
		}}},
	}
	if tls {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: "web-tls"}}
	}
	return ing
}

var reviewUIDs atomic.Int64

// CreateReview is the AdmissionReview the API server sends a webhook for creating ing.
func CreateReview(ing *networkingv1.Ingress) []byte {
	raw, err := json.Marshal(ing)
	if err != nil {
		panic(err) // a typed Ingress always encodes
	}
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID(fmt.Sprintf("kubetest-%d", reviewUIDs.Add(1))),
			Kind:      metav1.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
			Resource:  metav1.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
			Name:      ing.Name,
			Namespace: ing.Namespace,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: raw},
		},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Reviewed is a webhook's answer to one AdmissionReview, as a caller sees it.
type Reviewed struct {
	Status  int // HTTP status; 0 with Err set when no response arrived
	Allowed bool
	Message string // the denial (or, for a non-200 answer, the body)
	// Revision is the policy-revision audit annotation: which policy set decided.
	Revision string
	Err      error
	Latency  time.Duration
	Response *http.Response // headers and TLS state; the body is consumed
}

// PostReview sends body (of length n, or unknown when n < 0) to url (a webhook path such
// as https://127.0.0.1:9443/validate) with the API server's ?timeout= and decodes the
// answer.
func PostReview(ctx context.Context, client *http.Client, url string, body io.Reader, n int64) Reviewed {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?timeout=10s", body)
	if err != nil {
		return Reviewed{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if n >= 0 {
		req.ContentLength = n
	}
	resp, err := client.Do(req)
	if err != nil {
		return Reviewed{Err: err, Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	out := Reviewed{Status: resp.StatusCode, Err: err, Latency: time.Since(start), Response: resp}
	if err != nil || resp.StatusCode != http.StatusOK {
		out.Message = strings.TrimSpace(string(b))
		return out
	}
	var rev admissionv1.AdmissionReview
	if err := json.Unmarshal(b, &rev); err != nil || rev.Response == nil {
		out.Err = fmt.Errorf("not an AdmissionReview: %v: %.200s", err, b)
		return out
	}
	out.Allowed = rev.Response.Allowed
	if rev.Response.Result != nil {
		out.Message = rev.Response.Result.Message
	}
	out.Revision = rev.Response.AuditAnnotations["policy-revision"]
	return out
}

// Review posts the AdmissionReview for creating ing.
func Review(ctx context.Context, client *http.Client, url string, ing *networkingv1.Ingress) Reviewed {
	return PostReview(ctx, client, url, bytes.NewReader(CreateReview(ing)), -1)
}

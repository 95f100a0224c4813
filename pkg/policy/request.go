package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apitypes "k8s.io/apimachinery/pkg/types"
)

// OperationAudit is the operation audit uses when it re-checks an existing object.
const OperationAudit admissionv1.Operation = "AUDIT"

// RequestOptions describe the request a caller outside the API server builds for an
// object: the CLI (operation CREATE, or UPDATE with an old object) and audit.
type RequestOptions struct {
	Operation admissionv1.Operation
	// Namespace is used when the object does not name one and its kind is namespaced.
	Namespace string
	User      string
	Groups    []string
	// Old is the previous version of the object, for UPDATE.
	Old []byte
	// DryRun marks the request as a dry run, as kubectl --dry-run=server would.
	DryRun bool
}

// RequestFor builds the AdmissionRequest the API server would send for obj, so offline
// checks give policies the same input shape as admission.
func RequestFor(obj []byte, opts RequestOptions) (*admissionv1.AdmissionRequest, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name         string `json:"name"`
			GenerateName string `json:"generateName"`
			Namespace    string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(obj, &meta); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	if meta.APIVersion == "" || meta.Kind == "" {
		return nil, fmt.Errorf("object has no apiVersion or kind")
	}
	gv, err := schema.ParseGroupVersion(meta.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("apiVersion %q: %w", meta.APIVersion, err)
	}
	op := opts.Operation
	if op == "" {
		op = admissionv1.Create
	}
	namespace := meta.Metadata.Namespace
	if namespace == "" && !IsClusterScoped(gv.Group, meta.Kind) {
		namespace = opts.Namespace
	}
	gvk := metav1.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: meta.Kind}
	gvr := metav1.GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: Plural(meta.Kind)}
	req := &admissionv1.AdmissionRequest{
		UID:             stableUID(obj, op),
		Kind:            gvk,
		Resource:        gvr,
		RequestKind:     &gvk,
		RequestResource: &gvr,
		Name:            meta.Metadata.Name,
		Namespace:       namespace,
		Operation:       op,
		UserInfo:        authenticationv1.UserInfo{Username: opts.User, Groups: opts.Groups},
		Object:          runtime.RawExtension{Raw: obj},
		DryRun:          &opts.DryRun,
	}
	if len(opts.Old) > 0 {
		req.OldObject = runtime.RawExtension{Raw: opts.Old}
	}
	return req, nil
}

// types derives a stable UID from the object, so the same manifest gives the same request.
func stableUID(obj []byte, op admissionv1.Operation) apitypes.UID {
	sum := sha256.Sum256(append([]byte(op+"\x00"), obj...))
	h := hex.EncodeToString(sum[:16])
	return apitypes.UID(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32])
}

// IsClusterScoped reports whether a kind is known to be cluster-scoped. Unknown kinds are
// treated as namespaced, which is what nearly every API-exposure kind is.
func IsClusterScoped(group, kind string) bool {
	switch group + "/" + kind {
	case "/Namespace", "/Node", "/PersistentVolume",
		"rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
		"networking.k8s.io/IngressClass", "gateway.networking.k8s.io/GatewayClass",
		"apiextensions.k8s.io/CustomResourceDefinition",
		"admissionregistration.k8s.io/ValidatingWebhookConfiguration",
		"admissionregistration.k8s.io/MutatingWebhookConfiguration",
		"admissionregistration.k8s.io/ValidatingAdmissionPolicy",
		"storage.k8s.io/StorageClass", "scheduling.k8s.io/PriorityClass",
		"configuration.konghq.com/KongClusterPlugin":
		return true
	}
	return false
}

// Plural guesses the resource name of a kind the way Kubernetes' default RESTMapper does
// for kinds it has not been told about.
func Plural(kind string) string {
	k := strings.ToLower(kind)
	switch {
	case k == "endpoints":
		return k
	case strings.HasSuffix(k, "s"), strings.HasSuffix(k, "x"), strings.HasSuffix(k, "z"),
		strings.HasSuffix(k, "ch"), strings.HasSuffix(k, "sh"):
		return k + "es"
	case strings.HasSuffix(k, "y") && len(k) > 1 && !strings.ContainsRune("aeiou", rune(k[len(k)-2])):
		return k[:len(k)-1] + "ies"
	}
	return k + "s"
}

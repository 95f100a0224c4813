// Package references resolves the objects an object's security lives in into
// input.references, the document policies read beside the request: a
// TykOasApiDefinition's ConfigMap, and the template an Ingress served by Tyk Operator's
// ingress controller names (an ApiDefinition, or a TykOasApiDefinition and, in a second
// step, its ConfigMap). The webhook resolves them from the cluster, apiguard check and
// the admission fixtures from the objects they were given; both produce the same shape:
//
//	{"configmaps": {"<namespace>/<name>": {
//	    "namespace": "...", "name": "...",
//	    "found": true|false,
//	    "source": "cluster"|"input",
//	    "data": {<key>: <string>}        // only when found
//	 }},
//	 "apidefinitions" | "tykoasapidefinitions": {"<namespace>/<name>": {
//	    "namespace": "...", "name": "...", "found": ..., "source": ...,
//	    "object": {"apiVersion", "kind", "metadata": {"name", "namespace", "labels"}, "spec"}  // only when found
//	 }}}
//
// found: false from the cluster means the object does not exist (deny); from the input
// it only means the files at hand do not hold it (warn: judged at admission). A reference
// with no entry at all was not resolved, which policies never read as a pass.
package references

import (
	"context"
	"fmt"
	"iter"
	"strings"
)

// Where a reference was resolved.
const (
	// SourceCluster: read from the API server; an object not found does not exist.
	SourceCluster = "cluster"
	// SourceInput: looked up among the manifests being checked; an object not found
	// may still exist in the cluster.
	SourceInput = "input"
)

// The kinds a reference can name, and the input.references section of each.
const (
	KindConfigMap           = "ConfigMap"
	KindApiDefinition       = "ApiDefinition"
	KindTykOasApiDefinition = "TykOasApiDefinition"
)

// sections maps a kind to its section of input.references (its lower-case plural, as
// the API server names the resource).
func sections() map[string]string {
	return map[string]string{
		KindConfigMap:           "configmaps",
		KindApiDefinition:       "apidefinitions",
		KindTykOasApiDefinition: "tykoasapidefinitions",
	}
}

// ConfigMapRef names a ConfigMap key that holds an object's document.
type ConfigMapRef struct {
	Namespace, Name, Key string
}

// String is the key of the reference in input.references.configmaps.
func (r ConfigMapRef) String() string { return r.Namespace + "/" + r.Name }

// refFields are the spec fields of the Tyk Operator kinds that keep their OpenAPI
// document in a ConfigMap (Tyk Operator v1.4.2 CRDs: spec.tykOAS, spec.tykStreams,
// spec.tykMCP, each {configmapRef: {name, keyName, namespace}}).
func refFields() map[string]string {
	return map[string]string{
		"TykOasApiDefinition":     "tykOAS",
		"TykStreamsApiDefinition": "tykStreams",
		"TykMcpProxyDefinition":   "tykMCP",
	}
}

// ConfigMapRefs returns the ConfigMap obj refers to, if any. namespace is the namespace
// of obj's request, used when the reference names none (the CRD: "we assume that the
// ConfigMap is in the same namespace").
func ConfigMapRefs(obj map[string]any, namespace string) []ConfigMapRef {
	if apiVersion, _ := obj["apiVersion"].(string); !isTykGroup(apiVersion) {
		return nil
	}
	kind, _ := obj["kind"].(string)
	field, ok := refFields()[kind]
	if !ok {
		return nil
	}
	spec, _ := obj["spec"].(map[string]any)
	holder, _ := spec[field].(map[string]any)
	ref, _ := holder["configmapRef"].(map[string]any)
	name, _ := ref["name"].(string)
	if name == "" {
		return nil
	}
	key, _ := ref["keyName"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = namespace
	}
	return []ConfigMapRef{{Namespace: ns, Name: name, Key: key}}
}

func isTykGroup(apiVersion string) bool {
	return strings.HasPrefix(apiVersion, "tyk.tyk.io/") && len(apiVersion) > len("tyk.tyk.io/")
}

// The annotations Tyk Operator's ingress controller reads on an Ingress
// (TykTechnologies/tyk-operator pkg/keys/keys.go: IngressTemplateAnnotation,
// IngressTemplateKindAnnotation).
const (
	TemplateAnnotation     = "tyk.io/template"
	TemplateKindAnnotation = "tyk.io/template-kind"
)

// TemplateRef is the template an Ingress names for Tyk Operator's ingress controller.
type TemplateRef struct {
	Kind, Namespace, Name string
}

// String is the key of the reference in its section of input.references.
func (r TemplateRef) String() string { return r.Namespace + "/" + r.Name }

// IngressTemplate returns the template obj (an Ingress) names, if it names one, read as
// Tyk Operator's ingress controller reads it (TykTechnologies/tyk-operator
// controllers/ingress_controller.go Reconcile):
//   - the name is the tyk.io/template annotation, verbatim; an empty one names no
//     template (the controller then uses its built-in keyless default, which policies
//     judge without a lookup);
//   - the namespace is always the Ingress's own (types.NamespacedName{Name: tplName,
//     Namespace: req.Namespace});
//   - the kind is TykOasApiDefinition only when tyk.io/template-kind is exactly that
//     string; absent, blank or any other value (another case, a plural, surrounding
//     spaces) falls back to ApiDefinition (`if tplKind == v1alpha1.KindTykOasApiDefinition`).
//
// The ingress class is not checked here: which classes the controller watches is a
// setting of its deployment (WATCH_INGRESS_CLASS), known to policies through
// data.apiguard.config, not to the engine; an Ingress of another class that names a
// template costs one GET and is not judged as Tyk's.
func IngressTemplate(obj map[string]any, namespace string) (TemplateRef, bool) {
	apiVersion, _ := obj["apiVersion"].(string)
	if kind, _ := obj["kind"].(string); kind != "Ingress" || !strings.HasPrefix(apiVersion, "networking.k8s.io/") {
		return TemplateRef{}, false
	}
	meta, _ := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	name, _ := annotations[TemplateAnnotation].(string)
	if name == "" {
		return TemplateRef{}, false
	}
	kind := KindApiDefinition
	if k, _ := annotations[TemplateKindAnnotation].(string); k == KindTykOasApiDefinition {
		kind = KindTykOasApiDefinition
	}
	return TemplateRef{Kind: kind, Namespace: namespace, Name: name}, true
}

// Lookup returns the object of kind (one of the Kind constants) namespace/name; found
// is false, with a nil error, when there is none. For a ConfigMap only its data need be
// set.
type Lookup func(ctx context.Context, kind, namespace, name string) (obj map[string]any, found bool, err error)

// Resolve returns input.references for obj (nil when obj refers to nothing), looking each
// reference up with lookup and marking the entries with source. An error of lookup (not
// an object that is absent) fails the resolution: the request cannot be decided.
func Resolve(ctx context.Context, obj map[string]any, namespace, source string, lookup Lookup) (map[string]any, error) {
	refs := map[string]any{}
	if err := resolveConfigMaps(ctx, refs, ConfigMapRefs(obj, namespace), source, lookup); err != nil {
		return nil, err
	}
	if tpl, ok := IngressTemplate(obj, namespace); ok {
		found, err := resolveObject(ctx, refs, tpl, source, lookup)
		if err != nil {
			return nil, err
		}
		// Second step: a Tyk OAS template keeps its document in a ConfigMap, which the
		// controller reads from configmapRef (its namespace, else the template's).
		if found != nil {
			if err := resolveConfigMaps(ctx, refs, ConfigMapRefs(found, namespace), source, lookup); err != nil {
				return nil, err
			}
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	return refs, nil
}

func section(refs map[string]any, kind string) map[string]any {
	name := sections()[kind]
	s, ok := refs[name].(map[string]any)
	if !ok {
		s = map[string]any{}
		refs[name] = s
	}
	return s
}

func resolveConfigMaps(ctx context.Context, refs map[string]any, cms []ConfigMapRef, source string, lookup Lookup) error {
	for _, r := range cms {
		obj, found, err := lookup(ctx, KindConfigMap, r.Namespace, r.Name)
		if err != nil {
			return fmt.Errorf("resolve ConfigMap %s: %w", r, err)
		}
		entry := map[string]any{"namespace": r.Namespace, "name": r.Name, "found": found, "source": source}
		if found {
			data, _ := obj["data"].(map[string]any)
			if data == nil {
				data = map[string]any{}
			}
			entry["data"] = data
		}
		section(refs, KindConfigMap)[r.String()] = entry
	}
	return nil
}

// resolveObject records the template tpl; it returns the object when found.
func resolveObject(ctx context.Context, refs map[string]any, tpl TemplateRef, source string, lookup Lookup) (map[string]any, error) {
	obj, found, err := lookup(ctx, tpl.Kind, tpl.Namespace, tpl.Name)
	if err != nil {
		return nil, fmt.Errorf("resolve %s %s: %w", tpl.Kind, tpl, err)
	}
	entry := map[string]any{"namespace": tpl.Namespace, "name": tpl.Name, "found": found, "source": source}
	var kept map[string]any
	if found {
		kept = trim(obj)
		entry["object"] = kept
	}
	section(refs, tpl.Kind)[tpl.String()] = entry
	return kept, nil
}

// trim keeps what policies read of a template: its type, name, labels and spec (the
// controller copies the spec; status and managed fields are not needed).
func trim(obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"apiVersion", "kind", "spec"} {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	meta, _ := obj["metadata"].(map[string]any)
	m := map[string]any{}
	for _, k := range []string{"name", "namespace", "labels"} {
		if v, ok := meta[k]; ok {
			m[k] = v
		}
	}
	out["metadata"] = m
	return out
}

// Index holds the objects references can name among a set of manifests (ConfigMaps,
// ApiDefinitions, TykOasApiDefinitions), for resolving offline.
type Index struct {
	objects map[string]map[string]any
}

func indexKey(kind, namespace, name string) string { return kind + "|" + namespace + "/" + name }

// NewIndex indexes the objects references can name among objects; one without a
// namespace is in defaultNamespace, where its request would put it. Of a ConfigMap only
// data is kept: Tyk Operator reads cm.Data[keyName] and never binaryData
// (TykTechnologies/tyk-operator controllers/tykoasapidefinition_controller.go).
func NewIndex(objects iter.Seq[map[string]any], defaultNamespace string) *Index {
	ix := &Index{objects: map[string]map[string]any{}}
	for obj := range objects {
		kind, ok := indexedKind(obj)
		if !ok {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		if ns == "" {
			ns = defaultNamespace
		}
		if kind == KindConfigMap {
			data, _ := obj["data"].(map[string]any)
			if data == nil {
				data = map[string]any{}
			}
			obj = map[string]any{"data": data}
		}
		ix.objects[indexKey(kind, ns, name)] = obj
	}
	return ix
}

func indexedKind(obj map[string]any) (string, bool) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case kind == KindConfigMap && apiVersion == "v1":
		return kind, true
	case (kind == KindApiDefinition || kind == KindTykOasApiDefinition) && isTykGroup(apiVersion):
		return kind, true
	}
	return "", false
}

// Indexes reports whether NewIndex keeps objects of kind, so a caller can skip decoding
// the others (apiguard check reads every manifest once).
func Indexes(kind string) bool {
	_, ok := sections()[kind]
	return ok
}

// Lookup is the Index's Lookup: found when the manifests hold the object.
func (ix *Index) Lookup(_ context.Context, kind, namespace, name string) (map[string]any, bool, error) {
	obj, ok := ix.objects[indexKey(kind, namespace, name)]
	return obj, ok, nil
}

// Len is the number of objects indexed.
func (ix *Index) Len() int { return len(ix.objects) }

// ConfigMapMatchCondition is the CEL expression of the webhook's matchCondition for
// ConfigMap writes: only a ConfigMap whose data may carry a Tyk OAS document reaches
// apiguard, so the API server never calls the webhook for any other ConfigMap (no added
// latency or failure risk for other controllers). A value matches when it holds
// x-tyk-api-gateway, or any JSON \u escape: Tyk decodes the document with Go's
// encoding/json, which reads "x\u002dtyk-api-gateway" as the extension, so a literal
// match alone would let an escaped key past the webhook. The chart renders this very
// expression (test/chart checks they agree); lib.tykoas applies the same test.
const ConfigMapMatchCondition = `has(object.data) && object.data.exists(k, object.data[k].contains('x-tyk-api-gateway') || object.data[k].contains('\\u'))`

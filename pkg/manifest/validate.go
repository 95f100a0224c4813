package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/scheme"
)

// FieldValidation is what an unknown field costs, named as the API server's
// fieldValidation parameter. kubectl sends Strict unless told otherwise: its
// --validate flag defaults to "strict" (k8s.io/kubectl pkg/cmd/util/helpers.go,
// AddValidateFlags) and server-side field validation is GA since Kubernetes 1.27
// (KEP-2885), so an unknown field fails `kubectl apply`. Clients that send nothing
// (client-go, Helm, most GitOps controllers) get Warn: the field is dropped with a
// warning, and the webhook never sees it.
type FieldValidation string

// The values of FieldValidation.
const (
	FieldStrict FieldValidation = "Strict"
	FieldWarn   FieldValidation = "Warn"
	FieldIgnore FieldValidation = "Ignore"
)

// ParseFieldValidation reads kubectl's --validate spellings (strict or true, warn,
// ignore or false) and the API server's (Strict, Warn, Ignore).
func ParseFieldValidation(s string) (FieldValidation, error) {
	switch strings.ToLower(s) {
	case "strict", "true":
		return FieldStrict, nil
	case "warn":
		return FieldWarn, nil
	case "ignore", "false":
		return FieldIgnore, nil
	}
	return "", fmt.Errorf("unknown validation %q (want strict, warn or ignore)", s)
}

// Validator judges objects as the API server would before any validating webhook sees
// them: a request the API server rejects never reaches the policies, so offline it is
// an error rather than a verdict. It knows:
//
//   - the built-in kinds, by decoding into their k8s.io/api types with the API server's
//     case-sensitive, strict decoder (a string where a list belongs, an unknown field);
//   - the API server's validation of the fields apiguard's policies read (Service type,
//     protocols, traffic policies, source ranges and external IPs; Ingress hosts, TLS
//     hosts, pathType and paths; NetworkPolicy policyTypes, protocols and ipBlocks);
//   - API group spelling: groups are lowercase DNS subdomains, so an upper-case group is
//     served by no API server;
//   - custom resources whose CustomResourceDefinition is among the inputs, by the
//     structural subset of its OpenAPI v3 schema (see crdSchema). CEL rules
//     (x-kubernetes-validations) are not evaluated: that needs the API server's CEL
//     environment, so such a rule is left to the cluster.
//
// A kind it knows nothing about is passed through unjudged, as before.
type Validator struct {
	fields  FieldValidation
	decoder *kjson.Serializer
	crds    map[schema.GroupVersionKind]*crdSchema
	// crdKinds holds every group/kind a CRD in the input defines, to tell a version
	// the CRD does not serve from a kind nobody defined.
	crdKinds map[schema.GroupKind][]string
}

// NewValidator returns a Validator; crds are the CustomResourceDefinitions found in the
// input (any other document is ignored), whose schemas then judge their custom
// resources. A CRD that cannot be read is returned as an error for that document.
func NewValidator(fields FieldValidation, docs []Document) (*Validator, map[int]error) {
	v := &Validator{
		fields: fields,
		// Strict reports unknown and duplicate fields as a strict decoding error
		// beside the decoded object, which lets Warn and Ignore go on with it.
		decoder:  kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, kjson.SerializerOptions{Strict: true}),
		crds:     map[schema.GroupVersionKind]*crdSchema{},
		crdKinds: map[schema.GroupKind][]string{},
	}
	errs := map[int]error{}
	for i, d := range docs {
		if !IsCRD(d) {
			continue
		}
		if err := v.addCRD(d.Raw); err != nil {
			errs[i] = err
		}
	}
	return v, errs
}

// ReadCRDs reads paths (apiguard check's --crd) and keeps their
// CustomResourceDefinitions, whose schemas validate custom resources as the cluster's
// CRDs would; other documents are ignored. What cannot be read is an error: a schema the
// user asked for is missing. No paths means no CRDs.
func ReadCRDs(paths []string, opts Options) ([]Document, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	entries, err := ReadEntries(paths, opts)
	if err != nil {
		return nil, err
	}
	var crds []Document
	for _, e := range entries {
		switch {
		case e.Err != nil:
			return nil, e.Err
		case IsCRD(*e.Document):
			crds = append(crds, *e.Document)
		}
	}
	return crds, nil
}

// IsCRD reports whether d is a CustomResourceDefinition, whose schema NewValidator reads.
func IsCRD(d Document) bool {
	return d.Kind() == "CustomResourceDefinition" && strings.HasPrefix(d.APIVersion(), "apiextensions.k8s.io/")
}

// Validate returns an error when the API server would reject d, and the warnings it
// would return (unknown fields under Warn).
func (v *Validator) Validate(d Document) (warnings []string, err error) {
	gv, err := schema.ParseGroupVersion(d.APIVersion())
	if err != nil {
		return nil, fmt.Errorf("apiVersion %q: %v", d.APIVersion(), err)
	}
	if gv.Group != "" {
		if msgs := validation.IsDNS1123Subdomain(gv.Group); len(msgs) > 0 {
			return nil, fmt.Errorf("apiVersion %q: API group %q is not a lowercase DNS subdomain (%s), so no API server serves it; write it as %q",
				d.APIVersion(), gv.Group, strings.Join(msgs, "; "), strings.ToLower(gv.Group))
		}
	}
	gvk := gv.WithKind(d.Kind())
	if crd, ok := v.crds[gvk]; ok {
		return v.validateCustom(d, crd)
	}
	if versions, ok := v.crdKinds[gvk.GroupKind()]; ok {
		return nil, fmt.Errorf("%s %s: the CustomResourceDefinition in the input serves versions %s, not %s",
			gvk.Kind, gv.Group, strings.Join(versions, ", "), gv.Version)
	}
	if removedFromServing(gvk) {
		// No current API server serves it; kubernetes.known_api_version denies it
		// naming the version to use, which says more than the old type's errors.
		return nil, nil
	}
	if !scheme.Scheme.Recognizes(gvk) {
		if kind, ok := v.builtinKindFold(gvk); ok {
			return nil, fmt.Errorf("kind %q: the API server serves %q in %s (kinds are case-sensitive)", d.Kind(), kind, d.APIVersion())
		}
		return nil, nil
	}
	obj, _, err := v.decoder.Decode(d.Raw, nil, nil)
	if err != nil {
		if !runtime.IsStrictDecodingError(err) || obj == nil {
			return nil, fmt.Errorf("the API server cannot decode this %s: %s", gvk.Kind, decodeMessage(err))
		}
		switch v.fields {
		case FieldStrict:
			return nil, fmt.Errorf("%s (kubectl's default --validate=strict rejects it; the API server drops such fields otherwise, so the webhook never sees them)", decodeMessage(err))
		case FieldWarn:
			warnings = append(warnings, decodeMessage(err))
		}
	}
	if errs := validateBuiltin(obj); len(errs) > 0 {
		return warnings, fmt.Errorf("the API server would reject this %s: %s", gvk.Kind, errs.ToAggregate().Error())
	}
	return warnings, nil
}

// removedFromServing reports versions client-go still has types for but the API server
// stopped serving in Kubernetes 1.22: extensions/v1beta1, and networking.k8s.io/v1beta1
// Ingress and IngressClass.
func removedFromServing(gvk schema.GroupVersionKind) bool {
	switch gvk.GroupVersion().String() {
	case "extensions/v1beta1":
		return true
	case "networking.k8s.io/v1beta1":
		return gvk.Kind == "Ingress" || gvk.Kind == "IngressClass"
	}
	return false
}

// builtinKindFold finds a built-in kind of gvk's group and version spelled like gvk's
// kind in another case.
func (v *Validator) builtinKindFold(gvk schema.GroupVersionKind) (string, bool) {
	for known := range scheme.Scheme.KnownTypes(gvk.GroupVersion()) {
		if strings.EqualFold(known, gvk.Kind) && known != gvk.Kind {
			return known, true
		}
	}
	return "", false
}

// decodeMessage words a decoding error without the Go type names the JSON decoder puts
// in ("Go struct field IngressSpec.spec.rules of type []v1.IngressRule").
func decodeMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "strict decoding error: ")
	if m := goTypeError.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: got a %s, want %s", m[2], m[1], m[3])
	}
	return msg
}

// goTypeError is encoding/json's UnmarshalTypeError as the API server's decoder words it.
var goTypeError = regexp.MustCompile(`^json: cannot unmarshal (\w+) into Go struct field [^.\s]+\.(\S+) of type (\S+)$`)

// validateBuiltin is the part of the API server's validation that apiguard's policies
// depend on: each check mirrors k8s.io/kubernetes pkg/apis/core/validation (Service)
// or pkg/apis/networking/validation (Ingress, NetworkPolicy), with the API server's
// wording. Lenient IP and CIDR parsing (strictValidation false) is used, so nothing the
// API server accepts is rejected here.
func validateBuiltin(obj runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Service:
		// ValidateServiceName: a DNS-1035 label.
		return append(validateMeta(&o.ObjectMeta, validation.IsDNS1035Label), validateService(o)...)
	case *networkingv1.Ingress:
		return append(validateMeta(&o.ObjectMeta, validation.IsDNS1123Subdomain), validateIngress(o)...)
	case *networkingv1.NetworkPolicy:
		return append(validateMeta(&o.ObjectMeta, validation.IsDNS1123Subdomain), validateNetworkPolicy(o)...)
	}
	return nil
}

// validateMeta is the part of ValidateObjectMeta that policies lean on: the name (and
// namespace) a message or a pattern such as "*-db" matches, and the label and
// annotation keys they look up. A key with a stray space or capital letters in its
// prefix is rejected by the API server, not ignored.
func validateMeta(m *metav1.ObjectMeta, nameCheck func(string) []string) field.ErrorList {
	meta := field.NewPath("metadata")
	var errs field.ErrorList
	if m.Name != "" {
		for _, msg := range nameCheck(m.Name) {
			errs = append(errs, field.Invalid(meta.Child("name"), m.Name, msg))
		}
	}
	if m.Namespace != "" {
		for _, msg := range validation.IsDNS1123Label(m.Namespace) {
			errs = append(errs, field.Invalid(meta.Child("namespace"), m.Namespace, msg))
		}
	}
	for k, val := range m.Labels {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(meta.Child("labels"), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(val) {
			errs = append(errs, field.Invalid(meta.Child("labels").Key(k), val, msg))
		}
	}
	for k := range m.Annotations {
		// ValidateAnnotations lowercases the key before the qualified-name check.
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			errs = append(errs, field.Invalid(meta.Child("annotations"), k, msg))
		}
	}
	return errs
}

func notSupported[T ~string](path *field.Path, value T, allowed ...T) *field.Error {
	if value == "" || slices.Contains(allowed, value) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	slices.Sort(names)
	return field.NotSupported(path, string(value), names)
}

func appendNonNil(list field.ErrorList, errs ...*field.Error) field.ErrorList {
	for _, e := range errs {
		if e != nil {
			list = append(list, e)
		}
	}
	return list
}

// protocols are supportedPortProtocols: TCP, UDP and SCTP.
func protocols() []corev1.Protocol {
	return []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
}

func validateService(s *corev1.Service) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	errs = appendNonNil(errs,
		notSupported(spec.Child("type"), s.Spec.Type, corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName),
		notSupported(spec.Child("sessionAffinity"), s.Spec.SessionAffinity, corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone),
		notSupported(spec.Child("externalTrafficPolicy"), s.Spec.ExternalTrafficPolicy, corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal),
	)
	if p := s.Spec.InternalTrafficPolicy; p != nil {
		errs = appendNonNil(errs, notSupported(spec.Child("internalTrafficPolicy"), *p, corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal))
	}
	if p := s.Spec.IPFamilyPolicy; p != nil {
		errs = appendNonNil(errs, notSupported(spec.Child("ipFamilyPolicy"), *p, corev1.IPFamilyPolicySingleStack, corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack))
	}
	for i, p := range s.Spec.Ports {
		errs = appendNonNil(errs, notSupported(spec.Child("ports").Index(i).Child("protocol"), p.Protocol, protocols()...))
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		// ExternalName must be a lowercase RFC 1123 subdomain (ValidateService); the
		// API server trims one trailing dot first.
		name := strings.TrimSuffix(s.Spec.ExternalName, ".")
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(spec.Child("externalName"), s.Spec.ExternalName, msg))
		}
	}
	for i, ip := range s.Spec.ExternalIPs {
		errs = append(errs, validation.IsValidIPForLegacyField(spec.Child("externalIPs").Index(i), ip, false, nil)...)
	}
	if len(s.Spec.LoadBalancerSourceRanges) > 0 {
		path := spec.Child("LoadBalancerSourceRanges")
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			errs = append(errs, field.Forbidden(path, "may only be used when `type` is 'LoadBalancer'"))
		}
		for i, r := range s.Spec.LoadBalancerSourceRanges {
			// Space padding is allowed, "a historical accident" (ValidateService).
			errs = append(errs, validation.IsValidCIDRForLegacyField(path.Index(i), strings.TrimSpace(r), false, nil)...)
		}
	}
	return errs
}

func validateIngress(ing *networkingv1.Ingress) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	for i, tls := range ing.Spec.TLS {
		for j, host := range tls.Hosts {
			errs = append(errs, validateHost(spec.Child("tls").Index(i).Child("hosts").Index(j), host, false)...)
		}
	}
	for i, rule := range ing.Spec.Rules {
		path := spec.Child("rules").Index(i)
		if rule.Host != "" {
			errs = append(errs, validateHost(path.Child("host"), rule.Host, true)...)
		}
		if rule.HTTP == nil {
			continue
		}
		if len(rule.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(path.Child("http", "paths"), ""))
		}
		for j, p := range rule.HTTP.Paths {
			pp := path.Child("http", "paths").Index(j)
			if p.PathType == nil {
				errs = append(errs, field.Required(pp.Child("pathType"), "pathType must be specified"))
				continue
			}
			switch *p.PathType {
			case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
				if !strings.HasPrefix(p.Path, "/") {
					errs = append(errs, field.Invalid(pp.Child("path"), p.Path, "must be an absolute path"))
				}
			case networkingv1.PathTypeImplementationSpecific:
				if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
					errs = append(errs, field.Invalid(pp.Child("path"), p.Path, "must be an absolute path"))
				}
			default:
				errs = append(errs, field.NotSupported(pp.Child("pathType"), string(*p.PathType), []string{"Exact", "ImplementationSpecific", "Prefix"}))
			}
		}
	}
	return errs
}

// validateHost is validateIngressRules' and validateIngressTLS' host check: a lowercase
// DNS subdomain, a "*." wildcard for one leftmost label, and (for rules) not an IP.
func validateHost(path *field.Path, host string, rule bool) field.ErrorList {
	var errs field.ErrorList
	if rule && len(validation.IsValidIP(path, host)) == 0 {
		errs = append(errs, field.Invalid(path, host, "must be a DNS name, not an IP address"))
	}
	check := validation.IsDNS1123Subdomain
	if strings.Contains(host, "*") {
		check = validation.IsWildcardDNS1123Subdomain
	}
	for _, msg := range check(host) {
		errs = append(errs, field.Invalid(path, host, msg))
	}
	return errs
}

func validateNetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if len(np.Spec.PolicyTypes) > 2 {
		errs = append(errs, field.Invalid(spec.Child("policyTypes"), np.Spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range np.Spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(spec.Child("policyTypes").Index(i), string(t), []string{"Ingress", "Egress"}))
		}
	}
	checkPorts := func(path *field.Path, ports []networkingv1.NetworkPolicyPort) {
		for i, p := range ports {
			if p.Protocol != nil {
				errs = appendNonNil(errs, notSupported(path.Index(i).Child("protocol"), *p.Protocol, protocols()...))
			}
		}
	}
	checkPeers := func(path *field.Path, peers []networkingv1.NetworkPolicyPeer) {
		for i, peer := range peers {
			pp := path.Index(i)
			selectors := 0
			if peer.PodSelector != nil {
				selectors++
			}
			if peer.NamespaceSelector != nil {
				selectors++
			}
			if peer.IPBlock == nil {
				if selectors == 0 {
					errs = append(errs, field.Required(pp, "must specify a peer"))
				}
				continue
			}
			if selectors > 0 {
				errs = append(errs, field.Forbidden(pp, "may not specify more than 1 peer type"))
			}
			errs = append(errs, validateIPBlock(pp.Child("ipBlock"), peer.IPBlock)...)
		}
	}
	for i, rule := range np.Spec.Ingress {
		checkPorts(spec.Child("ingress").Index(i).Child("ports"), rule.Ports)
		checkPeers(spec.Child("ingress").Index(i).Child("from"), rule.From)
	}
	for i, rule := range np.Spec.Egress {
		checkPorts(spec.Child("egress").Index(i).Child("ports"), rule.Ports)
		checkPeers(spec.Child("egress").Index(i).Child("to"), rule.To)
	}
	return errs
}

// validateIPBlock is ValidateIPBlock: a valid cidr, and each except a valid CIDR that
// is a strict subset of it.
func validateIPBlock(path *field.Path, b *networkingv1.IPBlock) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(path.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDRForLegacyField(path.Child("cidr"), b.CIDR, false, nil)
	if len(errs) > 0 {
		return errs
	}
	outer := parseCIDRSloppy(b.CIDR)
	for i, ex := range b.Except {
		ep := path.Child("except").Index(i)
		if e := validation.IsValidCIDRForLegacyField(ep, ex, false, nil); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		inner := parseCIDRSloppy(ex)
		if outer == nil || inner == nil {
			continue
		}
		outerLen, _ := outer.Mask.Size()
		innerLen, _ := inner.Mask.Size()
		if !outer.Contains(inner.IP) || outerLen >= innerLen {
			errs = append(errs, field.Invalid(ep, ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// validateCustom judges a custom resource against its CRD's schema.
func (v *Validator) validateCustom(d Document, crd *crdSchema) ([]string, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(d.Raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	res := crd.validate(obj)
	var warnings []string
	if len(res.unknown) > 0 {
		msg := fmt.Sprintf("unknown field %s", strings.Join(quoteAll(res.unknown), ", unknown field "))
		switch v.fields {
		case FieldStrict:
			res.errs = append(res.errs, errors.New(msg+" (kubectl's default --validate=strict rejects it; the API server prunes it otherwise)"))
		case FieldWarn:
			warnings = append(warnings, msg)
		}
	}
	if len(res.errs) > 0 {
		msgs := make([]string, len(res.errs))
		for i, e := range res.errs {
			msgs[i] = e.Error()
		}
		return warnings, fmt.Errorf("the API server would reject this %s (schema of CustomResourceDefinition %s): %s", d.Kind(), crd.name, strings.Join(msgs, "; "))
	}
	return warnings, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

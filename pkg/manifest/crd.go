package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// crdSchema is one served version's openAPIV3Schema of a CustomResourceDefinition.
//
// It applies the structural subset the API server applies to a custom resource
// (k8s.io/apiextensions-apiserver: pruning in pkg/apiserver/schema/pruning, then
// kube-openapi's validator): type, nullable, enum, required, properties,
// additionalProperties, items, pattern, min/max length, items and value, allOf, anyOf,
// oneOf and not, and x-kubernetes-int-or-string, -preserve-unknown-fields and
// -embedded-resource. A field the schema does not specify is an unknown field: pruned
// by the API server, or rejected under fieldValidation Strict. Not applied: CEL rules
// (x-kubernetes-validations, which need the API server's CEL environment), formats
// (their checks differ between versions), list-type and map-type uniqueness, and
// defaults (the webhook sees defaulted objects; a default never makes an object
// invalid). Defaults are applied before validation, as the API server does while
// decoding: a oneOf that tells branches apart by a defaulted field needs them.
type crdSchema struct {
	name string // the CRD's metadata.name, for messages
	root *openAPISchema
}

type openAPISchema struct {
	Type                 string                    `json:"type"`
	Nullable             bool                      `json:"nullable"`
	Enum                 []any                     `json:"enum"`
	Required             []string                  `json:"required"`
	Properties           map[string]*openAPISchema `json:"properties"`
	AdditionalProperties *schemaOrBool             `json:"additionalProperties"`
	Items                *openAPISchema            `json:"items"`
	Pattern              string                    `json:"pattern"`
	MaxLength            *int64                    `json:"maxLength"`
	MinLength            *int64                    `json:"minLength"`
	MaxItems             *int64                    `json:"maxItems"`
	MinItems             *int64                    `json:"minItems"`
	MaxProperties        *int64                    `json:"maxProperties"`
	MinProperties        *int64                    `json:"minProperties"`
	Maximum              *float64                  `json:"maximum"`
	Minimum              *float64                  `json:"minimum"`
	ExclusiveMaximum     bool                      `json:"exclusiveMaximum"`
	ExclusiveMinimum     bool                      `json:"exclusiveMinimum"`
	AllOf                []*openAPISchema          `json:"allOf"`
	AnyOf                []*openAPISchema          `json:"anyOf"`
	OneOf                []*openAPISchema          `json:"oneOf"`
	Not                  *openAPISchema            `json:"not"`
	PreserveUnknown      bool                      `json:"x-kubernetes-preserve-unknown-fields"`
	IntOrString          bool                      `json:"x-kubernetes-int-or-string"`
	EmbeddedResource     bool                      `json:"x-kubernetes-embedded-resource"`
	Default              any                       `json:"default"`

	pattern *regexp.Regexp
}

// schemaOrBool is additionalProperties: false, true, or a schema for every value.
type schemaOrBool struct {
	allows bool
	schema *openAPISchema
}

func (s *schemaOrBool) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &s.allows); err == nil {
		return nil
	}
	s.allows = true
	return json.Unmarshal(b, &s.schema)
}

// addCRD registers the schemas of a CustomResourceDefinition's served versions.
func (v *Validator) addCRD(raw []byte) error {
	var crd struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name   string `json:"name"`
				Served bool   `json:"served"`
				Schema *struct {
					OpenAPIV3Schema *openAPISchema `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	// Numbers as json.Number, like the objects they default and compare with.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&crd); err != nil {
		return fmt.Errorf("CustomResourceDefinition: %v", err)
	}
	gk := schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}
	if gk.Group == "" || gk.Kind == "" {
		return errors.New("CustomResourceDefinition: spec.group and spec.names.kind are required")
	}
	// A later definition of the same kind replaces the earlier one, as a second apply
	// would.
	delete(v.crdKinds, gk)
	for gvk := range v.crds {
		if gvk.GroupKind() == gk {
			delete(v.crds, gvk)
		}
	}
	for _, ver := range crd.Spec.Versions {
		if !ver.Served {
			continue
		}
		v.crdKinds[gk] = append(v.crdKinds[gk], ver.Name)
		if ver.Schema == nil || ver.Schema.OpenAPIV3Schema == nil {
			// apiextensions.k8s.io/v1 requires a schema; without one nothing is known.
			continue
		}
		root := ver.Schema.OpenAPIV3Schema
		if err := root.compile(); err != nil {
			return fmt.Errorf("CustomResourceDefinition %s version %s: %v", crd.Metadata.Name, ver.Name, err)
		}
		v.crds[gk.WithVersion(ver.Name)] = &crdSchema{name: crd.Metadata.Name, root: root}
	}
	return nil
}

// compile prepares the patterns once; the API server compiles them with Go's regexp too.
func (s *openAPISchema) compile() error {
	if s == nil {
		return nil
	}
	if s.Pattern != "" {
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return fmt.Errorf("pattern %q: %v", s.Pattern, err)
		}
		s.pattern = re
	}
	subs := []*openAPISchema{s.Items, s.Not}
	if s.AdditionalProperties != nil {
		subs = append(subs, s.AdditionalProperties.schema)
	}
	for _, p := range s.Properties {
		subs = append(subs, p)
	}
	subs = append(append(append(subs, s.AllOf...), s.AnyOf...), s.OneOf...)
	for _, sub := range subs {
		if err := sub.compile(); err != nil {
			return err
		}
	}
	return nil
}

type schemaResult struct {
	errs    []error
	unknown []string // paths of fields the schema does not specify
}

func (c *crdSchema) validate(obj map[string]any) schemaResult {
	var res schemaResult
	c.root.applyDefaults(obj)
	c.root.check(&res, "", obj, true, true)
	return res
}

// applyDefaults prunes nulls the schema does not allow and fills absent properties
// that have a default, in place, through the structural schema (properties, items,
// additionalProperties), as the API server does before validation.
func (s *openAPISchema) applyDefaults(value any) {
	switch v := value.(type) {
	case map[string]any:
		for name, p := range s.Properties {
			// "null values for fields that either don't specify the nullable flag, or
			// give it a false value, will be pruned before defaulting happens"
			// (Kubernetes docs, CustomResourceDefinitions: Defaulting and Nullable).
			if val, ok := v[name]; ok && val == nil && !p.Nullable {
				delete(v, name)
			}
			if _, ok := v[name]; !ok && p.Default != nil {
				// A copy: the schema's default is shared by every object.
				v[name] = deepCopyJSON(p.Default)
			}
			if child, ok := v[name]; ok {
				p.applyDefaults(child)
			}
		}
		if ap := s.AdditionalProperties; ap != nil && ap.schema != nil {
			for name, child := range v {
				if _, known := s.Properties[name]; !known {
					ap.schema.applyDefaults(child)
				}
			}
		}
	case []any:
		if s.Items != nil {
			for _, item := range v {
				s.Items.applyDefaults(item)
			}
		}
	}
}

// check validates value at path. structural is false inside allOf/anyOf/oneOf/not,
// which only constrain values and never make a field known. root marks the object
// itself, whose apiVersion, kind and metadata the API server handles.
func (s *openAPISchema) check(res *schemaResult, path string, value any, structural, root bool) {
	fail := func(format string, args ...any) {
		p := path
		if p == "" {
			p = "<root>"
		}
		res.errs = append(res.errs, fmt.Errorf("%s: %s", p, fmt.Sprintf(format, args...)))
	}
	if value == nil {
		if !s.Nullable && s.Type != "" && !s.PreserveUnknown {
			fail("Invalid value: \"null\": must be of type %s", s.Type)
		}
		return
	}
	if !s.typeMatches(value) {
		fail("Invalid value: %s: must be of type %s", describeJSON(value), s.typeName())
		return
	}
	if len(s.Enum) > 0 && !enumHas(s.Enum, value) {
		fail("Unsupported value: %s: supported values: %s", describeJSON(value), describeEnum(s.Enum))
	}
	switch v := value.(type) {
	case string:
		n := int64(utf8.RuneCountInString(v))
		if s.MaxLength != nil && n > *s.MaxLength {
			fail("Too long: may not be more than %d bytes", *s.MaxLength)
		}
		if s.MinLength != nil && n < *s.MinLength {
			fail("Invalid value: %q: should be at least %d chars long", v, *s.MinLength)
		}
		if s.pattern != nil && !s.pattern.MatchString(v) {
			fail("Invalid value: %q: should match '%s'", v, s.Pattern)
		}
	case json.Number:
		f, _ := v.Float64()
		if s.Maximum != nil && (f > *s.Maximum || s.ExclusiveMaximum && f == *s.Maximum) {
			fail("Invalid value: %s: should be less than or equal to %v", v, *s.Maximum)
		}
		if s.Minimum != nil && (f < *s.Minimum || s.ExclusiveMinimum && f == *s.Minimum) {
			fail("Invalid value: %s: should be greater than or equal to %v", v, *s.Minimum)
		}
	case []any:
		if s.MaxItems != nil && int64(len(v)) > *s.MaxItems {
			fail("Too many: %d: must have at most %d items", len(v), *s.MaxItems)
		}
		if s.MinItems != nil && int64(len(v)) < *s.MinItems {
			fail("Invalid value: should have at least %d items", *s.MinItems)
		}
		if s.Items != nil {
			for i, item := range v {
				s.Items.check(res, fmt.Sprintf("%s[%d]", path, i), item, structural, false)
			}
		}
	case map[string]any:
		s.checkObject(res, path, v, structural, root, fail)
	}
	for _, sub := range s.AllOf {
		sub.check(res, path, value, false, false)
	}
	if len(s.AnyOf) > 0 && countMatches(s.AnyOf, path, value) == 0 {
		fail("Invalid value: must validate at least one schema (anyOf)")
	}
	if len(s.OneOf) > 0 && countMatches(s.OneOf, path, value) != 1 {
		fail("Invalid value: must validate one and only one schema (oneOf)")
	}
	if s.Not != nil && countMatches([]*openAPISchema{s.Not}, path, value) == 1 {
		fail("Invalid value: must not validate the schema (not)")
	}
}

func (s *openAPISchema) checkObject(res *schemaResult, path string, obj map[string]any, structural, root bool, fail func(string, ...any)) {
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			fail("Required value: %s is required", join(path, name))
		}
	}
	if s.MaxProperties != nil && int64(len(obj)) > *s.MaxProperties {
		fail("Too many: %d: must have at most %d properties", len(obj), *s.MaxProperties)
	}
	if s.MinProperties != nil && int64(len(obj)) < *s.MinProperties {
		fail("Invalid value: should have at least %d properties", *s.MinProperties)
	}
	for name, val := range obj {
		if (root || s.EmbeddedResource) && (name == "apiVersion" || name == "kind" || name == "metadata") {
			continue
		}
		if p, ok := s.Properties[name]; ok {
			p.check(res, join(path, name), val, structural, false)
			continue
		}
		if ap := s.AdditionalProperties; ap != nil && ap.schema != nil {
			ap.schema.check(res, join(path, name), val, structural, false)
			continue
		}
		if structural && !s.PreserveUnknown && (s.AdditionalProperties == nil || !s.AdditionalProperties.allows) {
			res.unknown = append(res.unknown, join(path, name))
		}
	}
}

func deepCopyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyJSON(e)
		}
		return out
	}
	return v
}

func countMatches(schemas []*openAPISchema, path string, value any) int {
	n := 0
	for _, sub := range schemas {
		var r schemaResult
		sub.check(&r, path, value, false, false)
		if len(r.errs) == 0 {
			n++
		}
	}
	return n
}

func (s *openAPISchema) typeName() string {
	if s.IntOrString {
		return "integer or string"
	}
	return s.Type
}

func (s *openAPISchema) typeMatches(v any) bool {
	if s.IntOrString {
		_, isString := v.(string)
		return isString || isInteger(v)
	}
	switch s.Type {
	case "":
		return true
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		return isInteger(v)
	}
	return true
}

func isInteger(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return true
	}
	f, err := n.Float64()
	return err == nil && f == math.Trunc(f)
}

func enumHas(enum []any, v any) bool {
	for _, e := range enum {
		if jsonEqual(e, v) {
			return true
		}
	}
	return false
}

// jsonEqual compares two JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	af, aFloat := a.(float64)
	switch {
	case aNum && bNum:
		x, _ := an.Float64()
		y, _ := bn.Float64()
		return x == y
	case aFloat && bNum:
		y, _ := bn.Float64()
		return af == y
	}
	return reflect.DeepEqual(a, b)
}

func describeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

func describeEnum(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		parts[i] = describeJSON(e)
	}
	return strings.Join(parts, ", ")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// parseCIDRSloppy parses a CIDR the way the API server's legacy fields accept it
// (k8s.io/utils/net ParseCIDRSloppy): IPv4 octets may carry leading zeros.
func parseCIDRSloppy(s string) *net.IPNet {
	addr, bits, ok := strings.Cut(s, "/")
	if !ok {
		return nil
	}
	if strings.Count(addr, ".") == 3 && !strings.Contains(addr, ":") {
		octets := strings.Split(addr, ".")
		for i, o := range octets {
			if t := strings.TrimLeft(o, "0"); t != o {
				if t == "" {
					t = "0"
				}
				octets[i] = t
			}
		}
		addr = strings.Join(octets, ".")
	}
	_, n, err := net.ParseCIDR(addr + "/" + bits)
	if err != nil {
		return nil
	}
	return n
}

package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// requestValue is the AdmissionRequest as OPA sees it: exactly the value that
// json.Marshal of the request, decoded by OPA, would give, built straight from the
// decoded struct. Field names and omissions follow the json tags of
// k8s.io/api/admission/v1 (omitempty on strings, pointers, slices and maps; never on
// the structs), and strings get encoding/json's replacement of invalid UTF-8, so the
// value is the same whichever way it is built (TestRequestValueMatchesJSON compares
// the two on every field). The raw objects are parsed from their bytes by p.
//
// The struct → JSON → map → value round trip it replaces cost about as much as the
// parse of a small object (issue 18).
func requestValue(r *admissionv1.AdmissionRequest, p *rawParser) (ast.Object, error) {
	obj := ast.NewObjectWithCapacity(16)
	put := func(key string, v *ast.Term) { obj.Insert(ast.InternedTerm(key), v) }
	putString := func(key, s string) {
		if s != "" {
			put(key, p.stringTerm(jsonString(s)))
		}
	}
	put("uid", p.stringTerm(jsonString(string(r.UID))))
	put("kind", gvkTerm(r.Kind, p))
	put("resource", gvrTerm(r.Resource, p))
	putString("subResource", r.SubResource)
	if r.RequestKind != nil {
		put("requestKind", gvkTerm(*r.RequestKind, p))
	}
	if r.RequestResource != nil {
		put("requestResource", gvrTerm(*r.RequestResource, p))
	}
	putString("requestSubResource", r.RequestSubResource)
	putString("name", r.Name)
	putString("namespace", r.Namespace)
	put("operation", p.stringTerm(jsonString(string(r.Operation))))
	put("userInfo", userInfoTerm(r.UserInfo, p))
	for _, f := range []struct {
		key string
		ext *runtime.RawExtension
	}{{"object", &r.Object}, {"oldObject", &r.OldObject}, {"options", &r.Options}} {
		v, err := rawExtensionTerm(f.ext, p)
		if err != nil {
			return nil, fmt.Errorf("decode request %s: %w", f.key, err)
		}
		put(f.key, v)
	}
	if r.DryRun != nil {
		put("dryRun", ast.InternedTerm(*r.DryRun))
	}
	return obj, nil
}

func gvkTerm(k metav1.GroupVersionKind, p *rawParser) *ast.Term {
	return ast.ObjectTerm(
		ast.Item(ast.InternedTerm("group"), p.stringTerm(jsonString(k.Group))),
		ast.Item(ast.InternedTerm("version"), p.stringTerm(jsonString(k.Version))),
		ast.Item(ast.InternedTerm("kind"), p.stringTerm(jsonString(k.Kind))),
	)
}

func gvrTerm(r metav1.GroupVersionResource, p *rawParser) *ast.Term {
	return ast.ObjectTerm(
		ast.Item(ast.InternedTerm("group"), p.stringTerm(jsonString(r.Group))),
		ast.Item(ast.InternedTerm("version"), p.stringTerm(jsonString(r.Version))),
		ast.Item(ast.InternedTerm("resource"), p.stringTerm(jsonString(r.Resource))),
	)
}

func userInfoTerm(u authenticationv1.UserInfo, p *rawParser) *ast.Term {
	obj := ast.NewObjectWithCapacity(4)
	if u.Username != "" {
		obj.Insert(ast.InternedTerm("username"), p.stringTerm(jsonString(u.Username)))
	}
	if u.UID != "" {
		obj.Insert(ast.InternedTerm("uid"), p.stringTerm(jsonString(u.UID)))
	}
	if len(u.Groups) > 0 {
		obj.Insert(ast.InternedTerm("groups"), stringsTerm(u.Groups, p))
	}
	if len(u.Extra) > 0 {
		extra := ast.NewObjectWithCapacity(len(u.Extra))
		for k, v := range u.Extra {
			// A nil ExtraValue is a nil []string, which encoding/json writes as null.
			val := ast.NullTerm()
			if v != nil {
				val = stringsTerm(v, p)
			}
			// Two keys that differ only in invalid bytes become one JSON key; the later
			// one wins there, and here too as Insert replaces (map order is random in
			// both).
			extra.Insert(ast.StringTerm(jsonString(k)), val)
		}
		obj.Insert(ast.InternedTerm("extra"), ast.NewTerm(extra))
	}
	return ast.NewTerm(obj)
}

func stringsTerm(ss []string, p *rawParser) *ast.Term {
	elems := make([]*ast.Term, len(ss))
	for i, s := range ss {
		elems[i] = p.stringTerm(jsonString(s))
	}
	return ast.ArrayTerm(elems...)
}

// rawExtensionTerm is what RawExtension.MarshalJSON writes, as a value: the raw bytes
// parsed, else the typed object encoded, else null.
func rawExtensionTerm(ext *runtime.RawExtension, p *rawParser) (*ast.Term, error) {
	raw := ext.Raw
	if raw == nil && ext.Object != nil {
		// A typed object (tests and callers in this process, never the API server).
		var err error
		if raw, err = json.Marshal(ext.Object); err != nil {
			return nil, err
		}
	}
	if raw == nil {
		return ast.NullTerm(), nil
	}
	v, err := p.parse(raw)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

// jsonString is s as encoding/json writes it: each byte that is not part of valid UTF-8
// becomes U+FFFD.
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

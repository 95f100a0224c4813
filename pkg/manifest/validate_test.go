package manifest

import (
	"strings"
	"testing"
)

// widgetCRD is a small CRD with the schema features custom resources lean on.
const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [hostnames]
            properties:
              hostnames: {type: array, maxItems: 2, items: {type: string, pattern: '^[a-z.*-]+$'}}
              mode: {type: string, enum: [Strict, Permissive]}
              port: {x-kubernetes-int-or-string: true}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
              labels: {type: object, additionalProperties: {type: string}}
  - name: v0
    served: false
    storage: false
`

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		in      string
		fields  FieldValidation
		wantErr string // "" means valid
		warn    string
	}{
		"valid Ingress": {
			in: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  tls: [{hosts: ['*.example.com']}]\n  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]\n",
		},
		"a string where a list belongs": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  rules: shop.example.com\n",
			wantErr: "the API server cannot decode this Ingress",
		},
		"a number where a string belongs": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: 3}\n",
			wantErr: "the API server cannot decode this Service",
		},
		"lowercase Service type": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: loadbalancer}\n",
			wantErr: `spec.type: Unsupported value: "loadbalancer": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
		},
		"lowercase protocol": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80, protocol: tcp}]}\n",
			wantErr: `spec.ports[0].protocol: Unsupported value: "tcp"`,
		},
		"padded source range is accepted": {
			in: "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [' 10.0.0.0/8']}\n",
		},
		"source ranges need a LoadBalancer": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {loadBalancerSourceRanges: [10.0.0.0/8]}\n",
			wantErr: "may only be used when `type` is 'LoadBalancer'",
		},
		"source range that is no CIDR": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/33]}\n",
			wantErr: "spec.LoadBalancerSourceRanges[0]: Invalid value",
		},
		"external IP that is no IP": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {externalIPs: [example.com]}\n",
			wantErr: "spec.externalIPs[0]: Invalid value",
		},
		"ExternalName with capitals": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: ExternalName, externalName: Metadata.Google.Internal}\n",
			wantErr: "spec.externalName: Invalid value",
		},
		"upper-case API group": {
			in:      "apiVersion: Networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n",
			wantErr: `API group "Networking.k8s.io" is not a lowercase DNS subdomain`,
		},
		"kind in the wrong case": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: ingress\nmetadata: {name: a}\n",
			wantErr: `kind "ingress": the API server serves "Ingress"`,
		},
		"Ingress host with capitals": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{host: Shop.example.com}]}\n",
			wantErr: `spec.rules[0].host: Invalid value: "Shop.example.com"`,
		},
		"Ingress host that is an IP": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{host: 10.0.0.1}]}\n",
			wantErr: "must be a DNS name, not an IP address",
		},
		"TLS host with a bad wildcard": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {tls: [{hosts: ['shop.*.com']}]}\n",
			wantErr: "spec.tls[0].hosts[0]: Invalid value",
		},
		"missing pathType": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{http: {paths: [{path: /, backend: {service: {name: s, port: {number: 80}}}}]}}]}\n",
			wantErr: "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
		},
		"lowercase pathType": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{http: {paths: [{path: /, pathType: prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]}\n",
			wantErr: `spec.rules[0].http.paths[0].pathType: Unsupported value: "prefix"`,
		},
		"relative Prefix path": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{http: {paths: [{path: api, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]}\n",
			wantErr: "must be an absolute path",
		},
		"lowercase policyType": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, policyTypes: [ingress]}\n",
			wantErr: `spec.policyTypes[0]: Unsupported value: "ingress": supported values: "Ingress", "Egress"`,
		},
		"ipBlock that is no CIDR": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0/0}}]}]}\n",
			wantErr: "spec.ingress[0].from[0].ipBlock.cidr: Invalid value",
		},
		"except outside the cidr": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]}\n",
			wantErr: "must be a strict subset of `cidr`",
		},
		"ipBlock with a selector": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}\n",
			wantErr: "may not specify more than 1 peer type",
		},
		"valid NetworkPolicy with leading zeros": {
			in: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{ipBlock: {cidr: 010.0.0.0/8, except: [10.1.0.0/16]}}]}]}\n",
		},
		"unknown field, strict": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {tlss: []}\n",
			fields:  FieldStrict,
			wantErr: `unknown field "spec.tlss"`,
		},
		"field in the wrong case is unknown: the API server decodes case-sensitively": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {Type: LoadBalancer}\n",
			fields:  FieldStrict,
			wantErr: `unknown field "spec.Type"`,
		},
		"unknown field, warn": {
			in:     "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {tlss: []}\n",
			fields: FieldWarn,
			warn:   `unknown field "spec.tlss"`,
		},
		"unknown field, ignore": {
			in:     "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {tlss: []}\n",
			fields: FieldIgnore,
		},
		"type errors are errors whatever the field validation": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: x}\n",
			fields:  FieldIgnore,
			wantErr: "cannot decode",
		},
		"a version no API server serves is left to kubernetes.known_api_version": {
			in: "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\nspec: {rules: [{http: {paths: [{backend: {service: {name: s}}}]}}]}\n",
		},
		"Service name with capitals (a pattern like *-db would miss it)": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: Orders-DB}\nspec: {ports: [{port: 5432}]}\n",
			wantErr: `metadata.name: Invalid value: "Orders-DB"`,
		},
		"Service name that is a subdomain but no DNS-1035 label": {
			in:      "apiVersion: v1\nkind: Service\nmetadata: {name: orders.db}\nspec: {ports: [{port: 5432}]}\n",
			wantErr: `metadata.name: Invalid value: "orders.db"`,
		},
		"namespace with capitals": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: Team}\n",
			wantErr: `metadata.namespace: Invalid value: "Team"`,
		},
		"annotation key with a stray space": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, annotations: {'nginx.ingress.kubernetes.io/ssl-redirect ': 'false'}}\n",
			wantErr: `metadata.annotations: Invalid value: "nginx.ingress.kubernetes.io/ssl-redirect "`,
		},
		"annotation key in capitals is accepted, as the API server lowercases it to check": {
			in: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, annotations: {'Nginx.Ingress.Kubernetes.io/SSL-Redirect': 'false'}}\n",
		},
		"label value too long": {
			in:      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, labels: {team: " + strings.Repeat("x", 64) + "}}\nspec: {podSelector: {}}\n",
			wantErr: "metadata.labels[team]: Invalid value",
		},
		"unknown kind is not judged": {
			in: "apiVersion: other.io/v1\nkind: Gadget\nmetadata: {name: a}\nspec: {anything: [1]}\n",
		},
		"custom resource, valid": {
			in: widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: [a.example.com], mode: Strict, port: 80, extra: {x: 1}, labels: {a: b}}\n",
		},
		"custom resource, null for a field that is not nullable is pruned, not an error": {
			in: widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: [a], mode: null}\n",
		},
		"custom resource, a string where a list belongs": {
			in:      widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: a.example.com}\n",
			wantErr: `spec.hostnames: Invalid value: "a.example.com": must be of type array`,
		},
		"custom resource, enum in the wrong case": {
			in:      widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: [a], mode: strict}\n",
			wantErr: `spec.mode: Unsupported value: "strict": supported values: "Strict", "Permissive"`,
		},
		"custom resource, pattern, length and required": {
			in:      widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: [A, b, c], labels: {a: 1}}\n",
			wantErr: `spec.hostnames: Too many: 3: must have at most 2 items`,
		},
		"custom resource, unknown field": {
			in:      widgetCRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostnames: [a], hostname: b}\n",
			wantErr: `unknown field "spec.hostname"`,
		},
		"custom resource, version not served": {
			in:      widgetCRD + "---\napiVersion: example.com/v0\nkind: Widget\nmetadata: {name: w}\nspec: {}\n",
			wantErr: "serves versions v1, not v0",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fields := tc.fields
			if fields == "" {
				fields = FieldStrict
			}
			warnings := validateLast(t, fields, nil, tc.in, tc.wantErr)
			if got := strings.Join(warnings, "\n"); !strings.Contains(got, tc.warn) || (tc.warn == "" && got != "") {
				t.Errorf("warnings %q, want %q", got, tc.warn)
			}
		})
	}
}

// validateLast validates the last document of in, with the CRDs of crds and in, and
// checks the error contains wantErr ("" for none); it returns the warnings.
func validateLast(t *testing.T, fields FieldValidation, crds []Document, in, wantErr string) []string {
	t.Helper()
	docs, err := Decode("in.yaml", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	v, crdErrs := NewValidator(fields, append(crds, docs...))
	if len(crdErrs) > 0 {
		t.Fatalf("CRD errors: %v", crdErrs)
	}
	warnings, err := v.Validate(docs[len(docs)-1])
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("unexpected error: %v", err)
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Errorf("error %v, want one containing %q", err, wantErr)
	}
	return warnings
}

func TestParseFieldValidation(t *testing.T) {
	for in, want := range map[string]FieldValidation{"strict": FieldStrict, "true": FieldStrict, "Warn": FieldWarn, "false": FieldIgnore, "Ignore": FieldIgnore} {
		if got, err := ParseFieldValidation(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	if _, err := ParseFieldValidation("loose"); err == nil {
		t.Error("loose accepted")
	}
}

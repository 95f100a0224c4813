package main

import (
	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/pkg/references"
)

// newReferenceLookup returns the lookup the admission handlers resolve references with:
// a Tyk OAS API's ConfigMap, and the template (ApiDefinition or TykOasApiDefinition, and
// then its ConfigMap) an Ingress names for Tyk Operator's ingress controller. One GET per
// object, RBAC get on configmaps and on the tyk.tyk.io kinds (the chart's ClusterRole
// grants both). Nil when no cluster is configured: then no reference is resolved and
// tyk.oas_reference and tyk.ingress_template deny what they cannot read, never passing it.
func newReferenceLookup(o options, log logr.Logger) (references.Lookup, error) {
	cfg, err := clusterConfig(o.kubeconfig)
	if err != nil {
		log.Info("no cluster configured; references (a Tyk OAS API's ConfigMap) are not resolved", "reason", err.Error())
		return nil, nil
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return references.ClusterLookup(cs), nil
}

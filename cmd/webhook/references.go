package main

import (
	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"

	"github.com/apiguard/apiguard/pkg/references"
)

// newReferenceLookup returns the lookup the admission handlers resolve a Tyk OAS API's
// ConfigMap with (one GET per request, RBAC get on configmaps), or nil when no cluster
// is configured: then no reference is resolved and tyk.oas_reference denies every Tyk
// OAS API as unresolved, never passing one it could not read.
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

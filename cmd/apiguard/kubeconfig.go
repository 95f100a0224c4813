package main

import (
	"fmt"
	"net/url"
	"slices"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigLoader reads a kubeconfig the way kubectl does: --kubeconfig, else
// $KUBECONFIG, else ~/.kube/config.
func kubeconfigLoader(path string) *clientcmd.ClientConfigLoadingRules {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	return rules
}

// clusterConfig returns the client configuration of one context ("" for the current
// one) and the context's name, which reports use to name the cluster.
func clusterConfig(kubeconfig, context string) (*rest.Config, string, error) {
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(kubeconfigLoader(kubeconfig), &clientcmd.ConfigOverrides{CurrentContext: context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	name := context
	if name == "" {
		name = raw.CurrentContext
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig context %q: %w", name, err)
	}
	if name == "" {
		name = hostOf(cfg.Host)
	}
	return cfg, name, nil
}

// contextNames lists the kubeconfig's contexts, sorted.
func contextNames(kubeconfig string) ([]string, error) {
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(kubeconfigLoader(kubeconfig), &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return sortedContexts(raw), nil
}

func sortedContexts(raw clientcmdapi.Config) []string {
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func hostOf(server string) string {
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		return u.Host
	}
	return server
}

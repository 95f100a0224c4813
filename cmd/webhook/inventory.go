package main

import (
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/policy"
)

// newInventoryWatcher returns the inventory watcher, or nil when --inventory is off (or
// auto and no cluster is configured: a local run without a kubeconfig).
func newInventoryWatcher(o options, holder *policy.Holder, reg prometheus.Registerer, log logr.Logger) (*inventory.Watcher, error) {
	switch o.inventory {
	case "off":
		return nil, nil
	case "on", "auto":
	default:
		return nil, fmt.Errorf("--inventory must be on, off or auto, got %q", o.inventory)
	}
	cfg, err := clusterConfig(o.kubeconfig)
	if err != nil {
		if o.inventory == "on" {
			return nil, fmt.Errorf("--inventory=on: %w", err)
		}
		log.Info("no cluster configured; referential policies run without an inventory", "reason", err.Error())
		return nil, nil
	}
	return inventory.NewWatcher(inventory.WatcherOptions{Config: cfg, Holder: holder, Registerer: reg, Log: log})
}

func clusterConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("not running in a cluster and no --kubeconfig given: %w", err)
	}
	return cfg, nil
}

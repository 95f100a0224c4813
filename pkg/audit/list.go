package audit

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/apiguard/apiguard/internal/compactcache"
	"github.com/apiguard/apiguard/pkg/inventory"
	"github.com/apiguard/apiguard/pkg/policy"
)

// Snapshot is the cluster as `apiguard audit` reads it, once: the exposure objects, the
// inventory the webhook's watches would build from the same objects, and the namespaces
// its registration ignores. It lets the CLI judge exactly what the webhook's audit does.
type Snapshot struct {
	Objects []*Object
	// Inventory is data.apiguard.inventory, every section.
	Inventory map[string]any
	// Ignored are the namespaces labelled apiguard.io/ignore=true; nil when they could
	// not be listed (IgnoredErr says why).
	Ignored    map[string]bool
	IgnoredErr error
}

// listPageSize bounds each list response; a read-only client should not ask the API
// server for 50,000 objects in one answer.
const listPageSize = 500

// List reads a Snapshot with paged lists. Only get and list are used.
func List(ctx context.Context, cfg *rest.Config) (*Snapshot, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{}
	idx := inventory.New()
	audited := map[schema.GroupVersionKind]bool{}
	exposure, err := compactcache.Served(dc, Kinds())
	if err != nil {
		return nil, err
	}
	for _, k := range exposure {
		audited[k.GVK()] = true
	}
	// An inventory kind that is not audited (ReferenceGrant) is listed for the inventory
	// only; an audited one feeds both from one list.
	kinds, err := compactcache.Served(dc, append(Kinds(), inventory.Kinds()...))
	if err != nil {
		return nil, err
	}
	listed := map[schema.GroupVersionKind]bool{}
	for _, k := range kinds {
		if listed[k.GVK()] {
			continue
		}
		listed[k.GVK()] = true
		gvr := schema.GroupVersionResource{Group: k.Group, Version: k.Version, Resource: k.Resource}
		err := eachObject(ctx, dyn.Resource(gvr), metav1.ListOptions{}, func(u *unstructured.Unstructured) error {
			idx.Upsert(u.Object)
			if !audited[k.GVK()] {
				return nil
			}
			o, err := Compact(u)
			if err == nil {
				snap.Objects = append(snap.Objects, o)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", gvr.GroupResource(), err)
		}
	}
	snap.Inventory = idx.Document()
	ignored := map[string]bool{}
	nsGVR := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	snap.IgnoredErr = eachObject(ctx, dyn.Resource(nsGVR), metav1.ListOptions{LabelSelector: policy.IgnoreLabel + "=true"}, func(u *unstructured.Unstructured) error {
		ignored[u.GetName()] = true
		return nil
	})
	if snap.IgnoredErr == nil {
		snap.Ignored = ignored
	}
	return snap, nil
}

// eachObject lists in pages and hands each item to f.
func eachObject(ctx context.Context, ri dynamic.ResourceInterface, opts metav1.ListOptions, f func(*unstructured.Unstructured) error) error {
	opts.Limit = listPageSize
	for {
		page, err := ri.List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if err := f(&page.Items[i]); err != nil {
				return err
			}
		}
		if page.GetContinue() == "" {
			return nil
		}
		opts.Continue = page.GetContinue()
	}
}

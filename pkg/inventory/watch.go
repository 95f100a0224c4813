package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/apiguard/apiguard/pkg/policy"
)

// WatcherOptions configure the cluster inventory.
type WatcherOptions struct {
	Config     *rest.Config
	Holder     *policy.Holder
	Registerer prometheus.Registerer
	Log        logr.Logger
}

// Watcher keeps data.apiguard.inventory of the active policy set current from watches.
// Its informers hold only projected fields (a cache transform strips the rest), so memory
// grows with hosts and routes, not with object size.
type Watcher struct {
	opts    WatcherOptions
	index   *Index
	synced  atomic.Bool
	objects prometheus.Gauge
	errors  prometheus.Counter
	// mu orders index updates with seeding, so a set prepared for activation misses no
	// event between its seed and the swap.
	mu       sync.Mutex
	prepared *policy.PolicySet
}

// NewWatcher registers the inventory metrics; Run starts the watches.
func NewWatcher(opts WatcherOptions) (*Watcher, error) {
	if opts.Config == nil || opts.Holder == nil || opts.Registerer == nil {
		return nil, errors.New("inventory: Config, Holder and Registerer are required")
	}
	w := &Watcher{
		opts:  opts,
		index: New(),
		objects: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "apiguard_inventory_objects",
			Help: "Objects contributing to data.apiguard.inventory.",
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apiguard_inventory_write_errors_total",
			Help: "Inventory updates that could not be written into the active policy set.",
		}),
	}
	for _, c := range []prometheus.Collector{w.objects, w.errors} {
		if err := opts.Registerer.Register(c); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Synced reports whether the initial lists are in. Until then a set would decide with a
// partial inventory, so the webhook is not ready.
func (w *Watcher) Synced() error {
	if !w.synced.Load() {
		return errors.New("inventory is not synced yet")
	}
	return nil
}

// Prepare seeds a policy set with the current inventory before it is activated.
func (w *Watcher) Prepare(ctx context.Context, set *policy.PolicySet) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := set.SeedInventory(ctx, w.index.Document()); err != nil {
		return fmt.Errorf("seed inventory: %w", err)
	}
	w.prepared = set
	return nil
}

// Run watches every tracked kind the API server serves until ctx ends. Kinds whose CRDs
// are not installed are skipped and logged.
func (w *Watcher) Run(ctx context.Context) error {
	kinds, err := w.servedKinds()
	if err != nil {
		return err
	}
	byObject := map[client.Object]cache.ByObject{}
	var objs []*unstructured.Unstructured
	for _, k := range kinds {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(k)
		byObject[u] = cache.ByObject{Transform: strip}
		objs = append(objs, u)
	}
	c, err := cache.New(w.opts.Config, cache.Options{ByObject: byObject})
	if err != nil {
		return fmt.Errorf("inventory cache: %w", err)
	}
	for _, u := range objs {
		inf, err := c.GetInformer(ctx, u)
		if err != nil {
			return fmt.Errorf("inventory informer for %s: %w", u.GroupVersionKind(), err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { w.upsert(ctx, obj) },
			UpdateFunc: func(_, obj any) { w.upsert(ctx, obj) },
			DeleteFunc: func(obj any) { w.remove(ctx, obj) },
		}); err != nil {
			return fmt.Errorf("inventory handler for %s: %w", u.GroupVersionKind(), err)
		}
	}
	errs := make(chan error, 1)
	go func() { errs <- c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return fmt.Errorf("inventory cache did not sync: %w", ctx.Err())
	}
	w.synced.Store(true)
	w.opts.Log.Info("inventory synced", "kinds", len(kinds), "objects", w.index.Objects())
	return <-errs
}

// servedKinds asks discovery which tracked kinds exist in this cluster.
func (w *Watcher) servedKinds() ([]schema.GroupVersionKind, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(w.opts.Config)
	if err != nil {
		return nil, fmt.Errorf("inventory discovery: %w", err)
	}
	var out []schema.GroupVersionKind
	for _, k := range Kinds() {
		gv := schema.GroupVersion{Group: k.Group, Version: k.Version}
		list, err := dc.ServerResourcesForGroupVersion(gv.String())
		served := false
		if err == nil {
			for _, r := range list.APIResources {
				served = served || r.Name == k.Resource
			}
		}
		if !served {
			w.opts.Log.Info("not watching a kind the API server does not serve", "kind", gv.WithKind(k.Kind).String())
			continue
		}
		out = append(out, gv.WithKind(k.Kind))
	}
	return out, nil
}

func (w *Watcher) upsert(ctx context.Context, obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.write(ctx, w.index.Upsert(u.Object))
}

func (w *Watcher) remove(ctx context.Context, obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.write(ctx, w.index.Delete(u.Object))
}

// write pushes changed keys into the active set and into one prepared for activation.
// Must be called with w.mu held.
func (w *Watcher) write(ctx context.Context, keys []Key) {
	w.objects.Set(float64(w.index.Objects()))
	targets := []*policy.PolicySet{w.opts.Holder.Current()}
	if w.prepared != nil && w.prepared != targets[0] {
		targets = append(targets, w.prepared)
	}
	for _, k := range keys {
		v := w.index.Value(k)
		for _, set := range targets {
			if set == nil {
				continue
			}
			if err := set.SetInventory(ctx, k.Section, k.Name, v); err != nil {
				w.errors.Inc()
				w.opts.Log.Error(err, "inventory update not written", "section", k.Section, "key", k.Name, "revision", set.Revision())
			}
		}
	}
}

// strip is the cache transform: it keeps only what project reads.
func strip(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	gvk := u.GroupVersionKind()
	spec, _ := u.Object["spec"].(map[string]any)
	out := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": u.GetAPIVersion(),
		"kind":       u.GetKind(),
		"metadata": map[string]any{
			"name": u.GetName(), "namespace": u.GetNamespace(), "resourceVersion": u.GetResourceVersion(), "uid": string(u.GetUID()),
		},
		"spec": stripSpec(gvk.Group, gvk.Kind, spec),
	}}
	return out, nil
}

func stripSpec(group, kind string, spec map[string]any) map[string]any {
	keep := func(m map[string]any, fields ...string) map[string]any {
		out := map[string]any{}
		for _, f := range fields {
			if v, ok := m[f]; ok {
				out[f] = v
			}
		}
		return out
	}
	switch {
	case group == "networking.k8s.io" && kind == "Ingress":
		var rules []any
		for _, r := range maps(spec["rules"]) {
			rule := keep(r, "host")
			if http, ok := r["http"].(map[string]any); ok {
				var paths []any
				for _, p := range maps(http["paths"]) {
					paths = append(paths, keep(p, "path"))
				}
				rule["http"] = map[string]any{"paths": paths}
			}
			rules = append(rules, rule)
		}
		return map[string]any{"rules": rules}
	case group == gatewayGroup && kind == "Gateway":
		var listeners []any
		for _, l := range maps(spec["listeners"]) {
			listeners = append(listeners, keep(l, "name", "protocol", "port", "hostname"))
		}
		return map[string]any{"gatewayClassName": spec["gatewayClassName"], "listeners": listeners}
	case group == gatewayGroup && (kind == "HTTPRoute" || kind == "GRPCRoute"):
		return keep(spec, "hostnames")
	case group == gatewayGroup && kind == "ReferenceGrant":
		return keep(spec, "from", "to")
	}
	return map[string]any{}
}

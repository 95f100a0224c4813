package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/apiguard/apiguard/internal/compactcache"
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
	// mu orders index updates with seeding and flushing, so a set prepared for activation
	// misses no event between its seed and the swap: Prepare seeds from the index, which
	// holds every event so far, flushed or pending, and every later flush writes into the
	// prepared set too.
	mu       sync.Mutex
	prepared *policy.PolicySet
	// pending holds the keys changed since the last flush (under mu); dirty wakes the
	// flusher.
	pending map[Key]struct{}
	dirty   chan struct{}
}

// NewWatcher registers the inventory metrics; Run starts the watches.
func NewWatcher(opts WatcherOptions) (*Watcher, error) {
	if opts.Config == nil || opts.Holder == nil || opts.Registerer == nil {
		return nil, errors.New("inventory: Config, Holder and Registerer are required")
	}
	w := &Watcher{
		opts:    opts,
		index:   New(),
		pending: map[Key]struct{}{},
		dirty:   make(chan struct{}, 1),
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

// rediscoverInterval is how often the watcher looks for tracked kinds that became served
// (a CRD such as Gateway API installed after the webhook started).
const rediscoverInterval = 30 * time.Second

// Run watches every tracked kind the API server serves until ctx ends. Kinds whose CRDs
// are not installed are skipped, logged, and picked up once they are.
func (w *Watcher) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go w.flushLoop(ctx)
	c, err := cache.New(w.opts.Config, cache.Options{DefaultTransform: strip, NewInformer: compactcache.NewInformer(strip)})
	if err != nil {
		return fmt.Errorf("inventory cache: %w", err)
	}
	watching := map[schema.GroupVersionKind]bool{}
	if err := w.discoverUntilServed(ctx, c, watching); err != nil {
		return err
	}
	errs := make(chan error, 1)
	go func() { errs <- c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return fmt.Errorf("inventory cache did not sync: %w", ctx.Err())
	}
	// Ready means the sets hold the initial lists, not only the index.
	w.flush(ctx)
	w.synced.Store(true)
	w.opts.Log.Info("inventory synced", "kinds", len(watching), "objects", w.index.Objects())
	tick := time.NewTicker(rediscoverInterval)
	defer tick.Stop()
	for {
		select {
		case err := <-errs:
			return err
		case <-tick.C:
			if err := w.watchNewKinds(ctx, c, watching); err != nil {
				w.opts.Log.Error(err, "inventory: looking for newly served kinds")
			}
		}
	}
}

// startRetryMin and startRetryMax bound the wait between discovery attempts while the
// API server cannot be asked which kinds it serves.
const (
	startRetryMin = 500 * time.Millisecond
	startRetryMax = 15 * time.Second
)

// discoverUntilServed starts the first informers, retrying with backoff while discovery
// fails (the API server unreachable or erroring). Meanwhile the watcher is not synced, so
// the webhook is not ready: an inventory built from a discovery that failed would be
// empty, and every host would look unclaimed.
func (w *Watcher) discoverUntilServed(ctx context.Context, c cache.Cache, watching map[schema.GroupVersionKind]bool) error {
	wait := startRetryMin
	for {
		err := w.watchNewKinds(ctx, c, watching)
		if err == nil {
			return nil
		}
		w.opts.Log.Error(err, "inventory: cannot discover the served kinds yet; not ready", "retryIn", wait.String())
		select {
		case <-ctx.Done():
			return fmt.Errorf("inventory: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, startRetryMax)
	}
}

// watchNewKinds starts informers for tracked kinds that are served and not yet watched.
func (w *Watcher) watchNewKinds(ctx context.Context, c cache.Cache, watching map[schema.GroupVersionKind]bool) error {
	kinds, err := w.servedKinds()
	if err != nil {
		return err
	}
	for _, k := range kinds {
		if watching[k] {
			continue
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(k)
		inf, err := c.GetInformer(ctx, u)
		if err != nil {
			return fmt.Errorf("inventory informer for %s: %w", k, err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { w.upsert(ctx, obj) },
			UpdateFunc: func(_, obj any) { w.upsert(ctx, obj) },
			DeleteFunc: func(obj any) { w.remove(ctx, obj) },
		}); err != nil {
			return fmt.Errorf("inventory handler for %s: %w", k, err)
		}
		watching[k] = true
		w.opts.Log.Info("inventory watching", "kind", k.String())
	}
	return nil
}

// servedKinds asks discovery which tracked kinds exist in this cluster.
func (w *Watcher) servedKinds() ([]schema.GroupVersionKind, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(w.opts.Config)
	if err != nil {
		return nil, fmt.Errorf("inventory discovery: %w", err)
	}
	served, err := compactcache.Served(dc, Kinds())
	if err != nil {
		return nil, fmt.Errorf("inventory discovery: %w", err)
	}
	var out []schema.GroupVersionKind
	for _, k := range served {
		out = append(out, k.GVK())
	}
	if len(out) < len(Kinds()) {
		w.opts.Log.V(1).Info("not watching kinds the API server does not serve (yet)", "served", len(out), "tracked", len(Kinds()))
	}
	return out, nil
}

func (w *Watcher) upsert(ctx context.Context, obj any) {
	t, ok := obj.(*tracked)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.changed(w.index.set(t.id, t.contribs))
}

func (w *Watcher) remove(ctx context.Context, obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	t, ok := obj.(*tracked)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.changed(w.index.set(t.id, nil))
}

// flushInterval bounds the time between two inventory writes into the policy sets. The
// first change after a quiet spell is written at once. After a write the flusher waits
// flushCostFactor times what that write took, at most flushInterval, and changes that
// arrive meanwhile are coalesced into one batch. A batch costs a shallow copy of each
// inventory section it touches (policy.PolicySet.ApplyInventory): microseconds for a
// small inventory, about 2 ms for a 10,000-host section. So a small cluster sees its
// inventory within a millisecond of the watch event (a Gateway and its HTTPRoute applied
// together, or a second Ingress claiming a host the first just took, are judged against
// each other, as before batching), while under churn on a large inventory writes take at
// most about a tenth of a core, and never more than ten batches a second.
const (
	flushInterval   = 100 * time.Millisecond
	flushCostFactor = 10
)

// flushPause is how long the flusher waits after a write that took took.
func flushPause(took time.Duration) time.Duration {
	return min(flushInterval, flushCostFactor*took)
}

// changed records keys for the next flush. Must be called with w.mu held.
func (w *Watcher) changed(keys []Key) {
	if len(keys) == 0 {
		// The gauge may still move (an object that contributes nothing); with keys
		// pending it moves at their flush, not before.
		if len(w.pending) == 0 {
			w.objects.Set(float64(w.index.Objects()))
		}
		return
	}
	for _, k := range keys {
		w.pending[k] = struct{}{}
	}
	select {
	case w.dirty <- struct{}{}:
	default:
	}
}

// flushLoop writes pending changes: at once when the loop is idle, then after a pause
// that grows with the cost of the last write (flushPause).
func (w *Watcher) flushLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.dirty:
		}
		start := time.Now()
		w.flush(ctx)
		pause := flushPause(time.Since(start))
		if pause <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
	}
}

// flush writes every pending key into the active set and into one prepared for
// activation, as one batch per set: an evaluation sees all of it or none.
func (w *Watcher) flush(ctx context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// The gauge moves only once the sets hold the change: tests (test/adversarial, e2e)
	// wait on it before sending a request that must see the new inventory.
	defer w.objects.Set(float64(w.index.Objects()))
	if len(w.pending) == 0 {
		return
	}
	changes := make([]policy.InventoryChange, 0, len(w.pending))
	for k := range w.pending {
		changes = append(changes, policy.InventoryChange{Section: k.Section, Key: k.Name, Value: w.index.Value(k)})
	}
	clear(w.pending)
	targets := []*policy.PolicySet{w.opts.Holder.Current()}
	if w.prepared != nil && w.prepared != targets[0] {
		targets = append(targets, w.prepared)
	}
	for _, set := range targets {
		if set == nil {
			continue
		}
		if err := set.ApplyInventory(ctx, changes); err != nil {
			w.errors.Inc()
			w.opts.Log.Error(err, "inventory update not written", "keys", len(changes), "revision", set.Revision())
		}
	}
}

// tracked is what the informers store instead of the object: its identity and the
// projection policies need. An Ingress is a few hundred bytes here, against kilobytes as
// an unstructured map tree.
type tracked struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	id       objectID
	contribs []contribution
}

// DeepCopyObject satisfies runtime.Object. A tracked entry is never mutated after the
// transform creates it, so a shallow copy is a faithful one.
func (t *tracked) DeepCopyObject() runtime.Object {
	c := *t
	return &c
}

// strip is the cache transform: it projects the object once, on arrival, and keeps only
// what the inventory and the informer's bookkeeping need.
func strip(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	id, ok := identify(u.Object)
	if !ok {
		return obj, nil
	}
	return &tracked{
		TypeMeta:   metav1.TypeMeta{APIVersion: u.GetAPIVersion(), Kind: u.GetKind()},
		ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), ResourceVersion: u.GetResourceVersion(), UID: u.GetUID()},
		id:         id,
		contribs:   project(id, u.Object),
	}, nil
}

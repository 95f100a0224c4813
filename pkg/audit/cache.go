package audit

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/apiguard/apiguard/internal/compactcache"
	"github.com/apiguard/apiguard/pkg/policy"
)

// clusterCache is the audit's view of the cluster: a controller-runtime cache with one
// informer per served exposure kind, plus Namespaces for their labels. It lists once
// when started and then follows watches, so a run reads memory, never the API server.
//
// It is the inventory's kind of cache but not the inventory's cache: that one keeps a
// projection of a few fields per object, while audit needs each object whole, so it
// keeps each object's JSON (Object). The leader starts it and stops it when it loses
// the lease, so the replicas that do not audit never hold it.
type clusterCache struct {
	cfg        *rest.Config
	cache      cache.Cache
	informers  map[schema.GroupVersionKind]toolscache.SharedIndexInformer
	namespaces toolscache.SharedIndexInformer
	errs       chan error
	// started is set once the cache runs: an informer added later must be waited for.
	started bool
}

func newClusterCache(cfg *rest.Config) (*clusterCache, error) {
	c, err := cache.New(cfg, cache.Options{DefaultTransform: transform, NewInformer: compactcache.NewInformer(transform)})
	if err != nil {
		return nil, fmt.Errorf("audit cache: %w", err)
	}
	return &clusterCache{cfg: cfg, cache: c, informers: map[schema.GroupVersionKind]toolscache.SharedIndexInformer{}, errs: make(chan error, 1)}, nil
}

// start starts the cache, watching every served kind, and waits for the initial lists.
// On error the cache is stopped again.
func (c *clusterCache) start(ctx context.Context) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		if err != nil {
			cancel()
		}
	}()
	ns, err := c.informer(ctx, schema.GroupVersionKind{Version: "v1", Kind: "Namespace"})
	if err != nil {
		return err
	}
	c.namespaces = ns
	if _, err := c.watchNewKinds(ctx); err != nil {
		return err
	}
	go func() { c.errs <- c.cache.Start(ctx) }()
	if !c.cache.WaitForCacheSync(ctx) {
		return fmt.Errorf("audit cache did not sync: %w", errors.Join(ctx.Err(), c.err()))
	}
	c.started = true
	return nil
}

// err returns the cache's exit error, if it has stopped.
func (c *clusterCache) err() error {
	select {
	case err := <-c.errs:
		return err
	default:
		return nil
	}
}

// watchNewKinds adds informers for exposure kinds that became served (a CRD installed
// since) and waits for their lists; it returns how many were added.
func (c *clusterCache) watchNewKinds(ctx context.Context) (int, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(c.cfg)
	if err != nil {
		return 0, fmt.Errorf("audit discovery: %w", err)
	}
	served, err := compactcache.Served(dc, Kinds())
	if err != nil {
		return 0, fmt.Errorf("audit discovery: %w", err)
	}
	added := 0
	for _, k := range served {
		if _, ok := c.informers[k.GVK()]; ok {
			continue
		}
		inf, err := c.informer(ctx, k.GVK())
		if err != nil {
			return added, err
		}
		c.informers[k.GVK()] = inf
		added++
	}
	if added > 0 && c.started && !c.cache.WaitForCacheSync(ctx) {
		return added, fmt.Errorf("audit cache did not sync: %w", ctx.Err())
	}
	return added, nil
}

func (c *clusterCache) informer(ctx context.Context, gvk schema.GroupVersionKind) (toolscache.SharedIndexInformer, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	inf, err := c.cache.GetInformer(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("audit informer for %s: %w", gvk, err)
	}
	// controller-runtime's Informer hides the store; its informers are client-go's, and
	// listing the store is how a run reads every object without copying any.
	sii, ok := inf.(toolscache.SharedIndexInformer)
	if !ok {
		return nil, fmt.Errorf("audit informer for %s is a %T, not a SharedIndexInformer", gvk, inf)
	}
	return sii, nil
}

// objects returns every cached exposure object.
func (c *clusterCache) objects() []*Object {
	var out []*Object
	for _, inf := range c.informers {
		for _, item := range inf.GetStore().List() {
			if o, ok := item.(*Object); ok && o.Raw != nil {
				out = append(out, o)
			}
		}
	}
	return out
}

// ignoredNamespaces returns the namespaces labelled apiguard.io/ignore=true: the
// webhook registrations exclude them, so admission never judges their objects.
func (c *clusterCache) ignoredNamespaces() map[string]bool {
	out := map[string]bool{}
	for _, item := range c.namespaces.GetStore().List() {
		if o, ok := item.(*Object); ok && o.Labels[policy.IgnoreLabel] == "true" {
			out[o.Name] = true
		}
	}
	return out
}

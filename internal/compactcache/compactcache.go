// Package compactcache holds what the webhook's two caches share: the inventory's
// projections and the audit's compact objects. Both watch kinds that may be served only
// later (a CRD installed after the webhook started), and both keep a small form of each
// object instead of the decoded tree, so their initial list is paged and transformed page
// by page: an informer would otherwise hold every full object of the list at once before
// its transform runs, and with 50,000 Ingresses that peak, not the steady state, would
// decide the process's memory.
package compactcache

import (
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	toolscache "k8s.io/client-go/tools/cache"
)

// Kind names one kind and the resource that serves it.
type Kind struct{ Group, Version, Kind, Resource string }

// GVK is the kind's group, version and kind.
func (k Kind) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
}

// Served returns the kinds the API server serves, in the order given. A group version
// the API server answers 404 for is not served: its CRD may be installed later. Any
// other failure (the API server unreachable, a 5xx, a refused discovery) is an error:
// reading it as "not served" would let an inventory or an audit report an empty
// cluster, and host ownership would then see no claims at all.
func Served(dc discovery.DiscoveryInterface, kinds []Kind) ([]Kind, error) {
	var out []Kind
	for _, k := range kinds {
		gv := schema.GroupVersion{Group: k.Group, Version: k.Version}
		list, err := dc.ServerResourcesForGroupVersion(gv.String())
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("discover %s: %w", gv, err)
		}
		for _, r := range list.APIResources {
			if r.Name == k.Resource {
				out = append(out, k)
				break
			}
		}
	}
	return out, nil
}

// PageSize bounds how many full objects are decoded at once during an initial list:
// 2,000 Ingresses are a few MiB transient, and 50,000 sync in about 25 round trips.
const PageSize = 2000

// ListWatch lists in pages and transforms each page before fetching the next.
type ListWatch struct {
	Inner     toolscache.ListerWatcher
	Transform toolscache.TransformFunc
}

// IsWatchListSemanticsUnSupported makes the reflector use List, the path whose memory
// this type bounds, instead of a watch-list stream.
func (p ListWatch) IsWatchListSemanticsUnSupported() bool { return true }

// List returns every object, transformed, with the resource version of the last page.
func (p ListWatch) List(opts metav1.ListOptions) (runtime.Object, error) {
	out := &List{}
	opts.Limit = PageSize
	// Always a consistent read, which pages. "0" asks for the watch cache, which ignores
	// limit and returns everything in one response. Any other version is the reflector
	// relisting where it left off after its watch expired, expecting data "not older
	// than" that version; but with a limit the API server serves a version exactly, from
	// etcd. After an API server restart that version is older than the new watch cache,
	// so the next watch fails with 410 and the reflector relists at the same version,
	// forever: the cache would never change again (test/fault
	// TestAPIServerRestartInventoryResumes).
	opts.ResourceVersion = ""
	for {
		page, err := p.Inner.List(opts)
		if err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(page)
		if err != nil {
			return nil, fmt.Errorf("paged list: %w", err)
		}
		for _, item := range items {
			t, err := p.Transform(item)
			if err != nil {
				return nil, err
			}
			obj, ok := t.(runtime.Object)
			if !ok {
				return nil, fmt.Errorf("paged list: transform returned %T, not a runtime.Object", t)
			}
			out.Items = append(out.Items, obj)
		}
		lm, err := meta.ListAccessor(page)
		if err != nil {
			return nil, fmt.Errorf("paged list: %w", err)
		}
		out.ResourceVersion = lm.GetResourceVersion()
		if lm.GetContinue() == "" {
			return out, nil
		}
		opts.Continue, opts.ResourceVersion = lm.GetContinue(), ""
	}
}

// Watch passes through: the informer applies the same transform to each event.
func (p ListWatch) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return p.Inner.Watch(opts)
}

// List is the list the reflector receives: transformed entries only.
type List struct {
	metav1.TypeMeta
	metav1.ListMeta
	Items []runtime.Object
}

// DeepCopyObject satisfies runtime.Object; the reflector only reads the list.
func (l *List) DeepCopyObject() runtime.Object {
	c := *l
	c.Items = append([]runtime.Object(nil), l.Items...)
	return &c
}

// NewInformer returns a controller-runtime cache.Options.NewInformer whose informers
// list through ListWatch with transform. The cache also sets transform on the informer,
// for watch events; it must therefore pass an already transformed object through.
func NewInformer(transform toolscache.TransformFunc) func(toolscache.ListerWatcher, runtime.Object, time.Duration, toolscache.Indexers) toolscache.SharedIndexInformer {
	return func(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
		return toolscache.NewSharedIndexInformer(ListWatch{Inner: lw, Transform: transform}, obj, resync, indexers)
	}
}

// Package inventory keeps the referential data policies read under
// data.apiguard.inventory: which Ingress claims which host and paths, HTTPRoute
// hostnames, Gateways' classes and listeners, and ReferenceGrants. It projects each object
// to the few fields policies need, never whole objects, so memory stays bounded. The CLI
// builds it from the manifests it checks; the webhook keeps it current from watches.
package inventory

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Sections of data.apiguard.inventory. Their shapes are part of the policy contract.
const (
	IngressHosts       = "ingressHosts"
	HTTPRouteHostnames = "httpRouteHostnames"
	Gateways           = "gateways"
	ReferenceGrants    = "referenceGrants"
)

// Key names one entry of a section, e.g. {IngressHosts, "shop.example.com"}.
type Key struct {
	Section string
	Name    string
}

// objectID identifies a source object across updates.
type objectID struct{ group, kind, namespace, name string }

// contribution is what one object adds under one key.
type contribution struct {
	key   Key
	value map[string]any
}

// Index is the projected inventory. Safe for concurrent use.
type Index struct {
	mu sync.Mutex
	// sections restricts the index to these sections (nil: all). The CLI leaves out
	// ReferenceGrants: offline it cannot know the cluster's grants, and absence tells
	// policies so.
	sections map[string]bool
	byObject map[objectID][]contribution
	byKey    map[Key]map[objectID]map[string]any
}

// New returns an empty index holding the given sections, or every section when none are
// named.
func New(sections ...string) *Index {
	x := &Index{byObject: map[objectID][]contribution{}, byKey: map[Key]map[objectID]map[string]any{}}
	if len(sections) > 0 {
		x.sections = map[string]bool{}
		for _, s := range sections {
			x.sections[s] = true
		}
	}
	return x
}

// AllSections lists every section.
func AllSections() []string {
	return []string{IngressHosts, HTTPRouteHostnames, Gateways, ReferenceGrants}
}

// Upsert records an object (a decoded Kubernetes object) and returns the keys whose
// value changed. Objects of kinds the inventory does not track are ignored.
func (x *Index) Upsert(obj map[string]any) []Key {
	id, ok := identify(obj)
	if !ok {
		return nil
	}
	var contribs []contribution
	for _, c := range project(id, obj) {
		if x.sections == nil || x.sections[c.key.Section] {
			contribs = append(contribs, c)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	changed := x.removeLocked(id)
	for _, c := range contribs {
		entries := x.byKey[c.key]
		if entries == nil {
			entries = map[objectID]map[string]any{}
			x.byKey[c.key] = entries
		}
		entries[id] = c.value
		changed = append(changed, c.key)
	}
	if len(contribs) > 0 {
		x.byObject[id] = contribs
	}
	return dedupe(changed)
}

// Delete forgets an object and returns the keys whose value changed.
func (x *Index) Delete(obj map[string]any) []Key {
	id, ok := identify(obj)
	if !ok {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return dedupe(x.removeLocked(id))
}

func (x *Index) removeLocked(id objectID) []Key {
	var changed []Key
	for _, c := range x.byObject[id] {
		if entries := x.byKey[c.key]; entries != nil {
			delete(entries, id)
			if len(entries) == 0 {
				delete(x.byKey, c.key)
			}
		}
		changed = append(changed, c.key)
	}
	delete(x.byObject, id)
	return changed
}

func dedupe(keys []Key) []Key {
	slices.SortFunc(keys, func(a, b Key) int { return cmp.Or(cmp.Compare(a.Section, b.Section), cmp.Compare(a.Name, b.Name)) })
	return slices.Compact(keys)
}

// Value returns the document at key (nil when nothing claims it): one object for
// Gateways, a list sorted by namespace and name for the other sections.
func (x *Index) Value(k Key) any {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.valueLocked(k)
}

func (x *Index) valueLocked(k Key) any {
	entries := x.byKey[k]
	if len(entries) == 0 {
		return nil
	}
	ids := make([]objectID, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b objectID) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name), cmp.Compare(a.kind, b.kind))
	})
	if k.Section == Gateways {
		return entries[ids[0]]
	}
	list := make([]any, 0, len(ids))
	for _, id := range ids {
		list = append(list, entries[id])
	}
	return list
}

// Document returns the whole inventory: every held section, even when empty, so policies
// can tell "known to be empty" from "not known".
func (x *Index) Document() map[string]any {
	x.mu.Lock()
	defer x.mu.Unlock()
	doc := map[string]any{}
	for _, s := range AllSections() {
		if x.sections == nil || x.sections[s] {
			doc[s] = map[string]any{}
		}
	}
	for k := range x.byKey {
		doc[k.Section].(map[string]any)[k.Name] = x.valueLocked(k)
	}
	return doc
}

// Objects reports how many objects contribute to the index.
func (x *Index) Objects() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.byObject)
}

func identify(obj map[string]any) (objectID, bool) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	namespace, _ := meta["namespace"].(string)
	group := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	if kind == "" || name == "" {
		return objectID{}, false
	}
	return objectID{group: group, kind: kind, namespace: namespace, name: name}, true
}

func (id objectID) String() string {
	return fmt.Sprintf("%s/%s %s/%s", id.group, id.kind, id.namespace, id.name)
}

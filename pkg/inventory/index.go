// Package inventory keeps the referential data policies read under
// data.apiguard.inventory: which object (Ingress, HTTPRoute, GRPCRoute, in one section
// across kinds) claims which host, Gateways' classes and listeners, and ReferenceGrants. It projects each object
// to the few fields policies need, never whole objects, so memory stays bounded. The CLI
// builds it from the manifests it checks; the webhook keeps it current from watches.
package inventory

import (
	"cmp"
	"slices"
	"sync"
)

// Sections of data.apiguard.inventory. Their shapes are part of the policy contract.
const (
	// Hosts maps a normalised host to every claim on it, whatever the kind: Ingress
	// rules' hosts and routes' spec.hostnames. Host ownership is one inventory.
	Hosts           = "hosts"
	Gateways        = "gateways"
	ReferenceGrants = "referenceGrants"
	// ListenPaths maps a Tyk listen path to every API serving it, with the API's custom
	// domain ("" when it answers on every host): tyk.tyk.io ApiDefinitions (spec) and
	// TykOasApiDefinitions, TykStreamsApiDefinitions and TykMcpProxyDefinitions (status),
	// in one section across kinds.
	ListenPaths = "listenPaths"
)

// Key names one entry of a section, e.g. {Hosts, "shop.example.com"}.
type Key struct {
	Section string
	Name    string
}

// objectID identifies a source object across updates.
type objectID struct{ group, kind, namespace, name string }

// value is a compact projection; it becomes JSON only when a key is written out, so the
// index holds small structs rather than maps.
type value interface {
	json() map[string]any
}

// contribution is what one object adds under one key.
type contribution struct {
	key   Key
	value value
}

// claim is one object's contribution to a key.
type claim struct {
	id    objectID
	value value
}

// Index is the projected inventory. Safe for concurrent use.
type Index struct {
	mu sync.Mutex
	// sections restricts the index to these sections (nil: all).
	sections map[string]bool
	byObject map[objectID][]Key
	// byKey holds the claims on each key, sorted by object; almost every key has one.
	byKey map[Key][]claim
}

// New returns an empty index holding the given sections, or every section when none are
// named.
func New(sections ...string) *Index {
	x := &Index{byObject: map[objectID][]Key{}, byKey: map[Key][]claim{}}
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
	return []string{Hosts, Gateways, ReferenceGrants, ListenPaths, Istio}
}

// Upsert records an object (a decoded Kubernetes object) and returns the keys whose
// value changed. Objects of kinds the inventory does not track are ignored.
func (x *Index) Upsert(obj map[string]any) []Key {
	id, ok := identify(obj)
	if !ok {
		return nil
	}
	return x.set(id, project(id, obj))
}

// Contributes reports whether the inventory keeps anything of obj: a tracked kind with a
// claim. Callers that create objects use it to know whether to wait for the inventory.
func Contributes(obj map[string]any) bool {
	id, ok := identify(obj)
	return ok && len(project(id, obj)) > 0
}

// Delete forgets an object and returns the keys whose value changed.
func (x *Index) Delete(obj map[string]any) []Key {
	id, ok := identify(obj)
	if !ok {
		return nil
	}
	return x.set(id, nil)
}

// set replaces everything id contributes.
func (x *Index) set(id objectID, contribs []contribution) []Key {
	x.mu.Lock()
	defer x.mu.Unlock()
	changed := x.removeLocked(id)
	var keys []Key
	for _, c := range contribs {
		if x.sections != nil && !x.sections[c.key.Section] {
			continue
		}
		claims := x.byKey[c.key]
		i, _ := slices.BinarySearchFunc(claims, id, compareClaim)
		x.byKey[c.key] = slices.Insert(claims, i, claim{id: id, value: c.value})
		keys = append(keys, c.key)
	}
	if len(keys) > 0 {
		x.byObject[id] = keys
	}
	return dedupe(append(changed, keys...))
}

func (x *Index) removeLocked(id objectID) []Key {
	keys := x.byObject[id]
	for _, k := range keys {
		claims := slices.DeleteFunc(x.byKey[k], func(c claim) bool { return c.id == id })
		if len(claims) == 0 {
			delete(x.byKey, k)
		} else {
			x.byKey[k] = claims
		}
	}
	delete(x.byObject, id)
	return keys
}

func compareClaim(c claim, id objectID) int {
	return cmp.Or(cmp.Compare(c.id.namespace, id.namespace), cmp.Compare(c.id.name, id.name),
		cmp.Compare(c.id.kind, id.kind), cmp.Compare(c.id.group, id.group))
}

func dedupe(keys []Key) []Key {
	slices.SortFunc(keys, func(a, b Key) int { return cmp.Or(cmp.Compare(a.Section, b.Section), cmp.Compare(a.Name, b.Name)) })
	return slices.Compact(keys)
}

// Value returns the document at key (nil when nothing claims it): one object for
// Gateways, a map from namespace to list for Istio, a list sorted by namespace and name
// for the other sections.
func (x *Index) Value(k Key) any {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.valueLocked(k)
}

func (x *Index) valueLocked(k Key) any {
	claims := x.byKey[k]
	if len(claims) == 0 {
		return nil
	}
	if k.Section == Gateways {
		return claims[0].value.json()
	}
	if k.Section == Istio {
		return byNamespace(claims)
	}
	list := make([]any, 0, len(claims))
	for _, c := range claims {
		list = append(list, c.value.json())
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

package inventory

import (
	"cmp"
	"slices"
	"strings"
)

// Partial is the section of an offline inventory that names the sections holding only
// what the input declared, e.g. {"referenceGrants": true}: there a missing entry proves
// nothing about the cluster. The webhook never writes it; its sections are complete.
const Partial = "partial"

// Identity names an object of the input, to drop its cluster version from a base
// inventory before the input's version is merged in.
type Identity struct{ Kind, Namespace, Name string }

// IdentityOf returns the identity of a tracked object (false for kinds the inventory does
// not track, or an object without a name).
func IdentityOf(obj map[string]any) (Identity, bool) {
	id, ok := identify(obj)
	if !ok {
		return Identity{}, false
	}
	return Identity{Kind: id.kind, Namespace: id.namespace, Name: id.name}, true
}

// Merge is the offline inventory: built (projected from the input) merged into base
// (what --data says the cluster holds), neither modified.
//
//   - Hosts, ListenPaths and ReferenceGrants: per key, the union of the claims. A claim in base by
//     an object of the input (inputs) is dropped first, under every key: the input's
//     version replaces the cluster's, which may have claimed hosts it no longer does.
//   - Gateways: per key, the input's Gateway replaces the cluster's.
//   - Any other section: built's keys over base's.
//   - ReferenceGrants are complete only when base has the section and does not mark it
//     partial. Otherwise the input's grants, if any, form the section and it is marked
//     partial, and without any the section stays absent (unknown), as before grants
//     were collected offline.
func Merge(base, built map[string]any, inputs []Identity) map[string]any {
	replaced := map[Identity]bool{}
	for _, id := range inputs {
		replaced[id] = true
	}
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for section, v := range built {
		add, ok := v.(map[string]any)
		if !ok || section == Partial {
			continue
		}
		have, _ := base[section].(map[string]any)
		switch section {
		case Hosts, ListenPaths, ReferenceGrants:
			out[section] = unionSection(section, have, add, replaced)
		case Istio:
			// Per kind, per namespace: the union of the objects, the input's replacing
			// the cluster's.
			merged := make(map[string]any, len(have)+len(add))
			for k, v := range have {
				merged[k] = v
			}
			for k, v := range add {
				haveKind, _ := have[k].(map[string]any)
				addKind, _ := v.(map[string]any)
				merged[k] = unionSection(section, haveKind, addKind, replaced)
			}
			out[section] = merged
		default:
			merged := make(map[string]any, len(have)+len(add))
			for k, v := range have {
				merged[k] = v
			}
			for k, v := range add {
				merged[k] = v
			}
			out[section] = merged
		}
	}
	partial := map[string]any{}
	if p, ok := base[Partial].(map[string]any); ok {
		for k, v := range p {
			partial[k] = v
		}
	}
	grants, _ := out[ReferenceGrants].(map[string]any)
	_, baseGrants := base[ReferenceGrants].(map[string]any)
	switch {
	case baseGrants && partial[ReferenceGrants] != true:
		// Complete: the cluster's grants and the input's.
	case len(grants) > 0:
		partial[ReferenceGrants] = true
	default:
		delete(out, ReferenceGrants)
	}
	if len(partial) > 0 {
		out[Partial] = partial
	} else {
		delete(out, Partial)
	}
	return out
}

// unionSection merges two sections whose values are lists of claims.
func unionSection(section string, have, add map[string]any, replaced map[Identity]bool) map[string]any {
	out := make(map[string]any, len(have)+len(add))
	for key, v := range have {
		list := listOf(v)
		kept := make([]any, 0, len(list))
		for _, c := range list {
			if !replaced[claimIdentity(section, key, c)] {
				kept = append(kept, c)
			}
		}
		// A key only the input's objects claimed is gone; a key the data set empty
		// stays, as data.
		if len(kept) > 0 || len(list) == 0 {
			out[key] = kept
		}
	}
	for key, v := range add {
		list := append(slices.Clone(listOf(out[key])), listOf(v)...)
		slices.SortStableFunc(list, func(a, b any) int {
			ia, ib := claimIdentity(section, key, a), claimIdentity(section, key, b)
			return cmp.Or(strings.Compare(ia.Namespace, ib.Namespace), strings.Compare(ia.Name, ib.Name), strings.Compare(ia.Kind, ib.Kind))
		})
		out[key] = list
	}
	return out
}

func listOf(v any) []any {
	list, _ := v.([]any)
	return list
}

// claimIdentity is the object behind one claim: a host claim names its namespace, name
// and kind; a grant is a ReferenceGrant in the namespace it is keyed by.
func claimIdentity(section, key string, c any) Identity {
	m, _ := c.(map[string]any)
	name, _ := m["name"].(string)
	if section == ReferenceGrants {
		return Identity{Kind: "ReferenceGrant", Namespace: key, Name: name}
	}
	kind, _ := m["kind"].(string)
	namespace, _ := m["namespace"].(string)
	return Identity{Kind: kind, Namespace: namespace, Name: name}
}

// FromData returns data.apiguard.inventory as a list of data documents sets it (each
// rooted at data, as --data files are), merged as data files merge: a later document's
// key replaces an earlier one's.
func FromData(docs []map[string]any) map[string]any {
	out := map[string]any{}
	for _, d := range docs {
		apiguard, _ := d["apiguard"].(map[string]any)
		inv, _ := apiguard["inventory"].(map[string]any)
		for section, v := range inv {
			entries, ok := v.(map[string]any)
			if !ok {
				continue
			}
			have, ok := out[section].(map[string]any)
			if !ok {
				have = map[string]any{}
				out[section] = have
			}
			for k, e := range entries {
				have[k] = e
			}
		}
	}
	return out
}

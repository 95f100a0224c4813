# METADATA
# title: Label selectors as the API server evaluates them
# description: >-
#   Which label selectors (metav1.LabelSelector) select every object. A selector
#   ANDs its matchLabels and matchExpressions; an empty one selects everything
#   (k8s.io/apimachinery/pkg/apis/meta/v1.LabelSelectorAsSelector returns
#   labels.Everything() for it). NotIn and DoesNotExist also match an object
#   that lacks the key (labels.Requirement.Matches), so a selector built only
#   from them selects everything but the objects that carry one chosen label:
#   every namespace or pod an attacker cares about. Exists on a key that every
#   object carries is no narrowing either: the API server sets
#   kubernetes.io/metadata.name on every namespace (NamespaceDefaultLabelName,
#   Kubernetes 1.21+). Not a policy: it defines no deny, violation, warn or
#   patch rule.
package lib.selector

# namespace_label is set by the API server on every namespace, to its name.
namespace_label := "kubernetes.io/metadata.name"

# selects_all_pods holds when sel, a podSelector, selects every pod (or every pod
# without one label an attacker need not set).
selects_all_pods(sel) if catch_all(sel, set())

# selects_all_namespaces holds when sel, a namespaceSelector, selects every namespace.
selects_all_namespaces(sel) if catch_all(sel, {namespace_label})

# catch_all holds when sel narrows nothing: no matchLabels, and only terms that every
# object (or every object with the keys in universal_keys) satisfies. A selector that
# is not an object (null, absent) is left to the caller: its meaning depends on the
# field (a missing peer namespaceSelector means "this namespace").
catch_all(sel, universal_keys) if {
	is_object(sel)
	count(match_labels(sel)) == 0
	every term in match_expressions(sel) {
		broad_term(term, universal_keys)
	}
}

match_labels(sel) := m if {
	m := sel.matchLabels
	is_object(m)
} else := {}

match_expressions(sel) := e if {
	e := sel.matchExpressions
	is_array(e)
} else := []

# A term narrows only when it can leave some object out: In (an object without the
# key, or with another value, fails it), Exists on a key not every object carries, and
# DoesNotExist on a key every object carries (which selects nothing at all). Every other
# term is broad: NotIn and DoesNotExist on other keys, Exists on a universal key, and an
# operator labels.Requirement does not know ("in", "Equals", absent). The API server
# checks operators only for built-in kinds; a CRD's selector (Gateway API's
# allowedRoutes, allowedListeners) accepts any string, and hand-written matchers skip a
# term whose operator they do not know, so an unknown operator fails safe here.
broad_term(term, universal_keys) if not narrowing_term(term, universal_keys)

narrowing_term(term, _) if term.operator == "In"

narrowing_term(term, universal_keys) if {
	term.operator == "Exists"
	not term.key in universal_keys
}

narrowing_term(term, universal_keys) if {
	term.operator == "DoesNotExist"
	term.key in universal_keys
}

package audit

import (
	"github.com/apiguard/apiguard/internal/compactcache"
	"github.com/apiguard/apiguard/pkg/kinds"
)

// Kinds is the table of exposure kinds (pkg/kinds) as audit lists them: each kind in the
// version its checks are written for. Kinds whose CRDs are not installed are skipped until
// they are.
func Kinds() []compactcache.Kind {
	table := kinds.Table()
	out := make([]compactcache.Kind, 0, len(table))
	for _, k := range table {
		out = append(out, compactcache.Kind{Group: k.Group, Version: k.Version, Kind: k.Kind, Resource: k.Resource})
	}
	return out
}

package batch

import (
	"context"

	"github.com/apiguard/apiguard/pkg/manifest"
	"github.com/apiguard/apiguard/pkg/policy"
	"github.com/apiguard/apiguard/pkg/report"
)

// Conftest evaluates conftest policies on raw documents (apiguard check --conftest), one
// after the other as conftest does, a result for each in input order. The result names
// the object when the document is one (apiVersion, kind, metadata).
func Conftest(ctx context.Context, set *policy.ConftestSet, docs []manifest.ConftestDocument) []report.Result {
	results := make([]report.Result, 0, len(docs))
	for _, d := range docs {
		results = append(results, conftestDocument(ctx, set, d))
	}
	return results
}

func conftestDocument(ctx context.Context, set *policy.ConftestSet, d manifest.ConftestDocument) report.Result {
	res := report.Result{File: d.File, Index: d.Index, Item: -1, Line: d.Line}
	if obj, ok := d.Value.(map[string]any); ok {
		res.APIVersion, _ = obj["apiVersion"].(string)
		res.Kind, _ = obj["kind"].(string)
		if meta, ok := obj["metadata"].(map[string]any); ok {
			res.Namespace, _ = meta["namespace"].(string)
			res.Name, _ = meta["name"].(string)
		}
	}
	res.Decision.Revision = set.Revision()
	file, err := policy.ConftestFileFor(d.File)
	if err != nil {
		res.Err = err
		return res
	}
	res.Decision, res.Err = set.Evaluate(ctx, d.Value, file)
	return res
}

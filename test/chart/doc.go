// Package chart tests the Helm chart in charts/apiguard offline: helm lint, helm
// template with the values files in testdata/, the values schema, deterministic
// rendering, and the README values table. It needs no cluster, except
// TestDashboardMetricsServed, which runs the webhook binary against kube-apiserver and etcd
// (skipped under -short).
package chart

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/apiguard/apiguard/pkg/fleet"
	"github.com/apiguard/apiguard/pkg/report"
)

type statusOptions struct {
	kubeconfig  string
	contexts    []string
	urls        []string
	namespace   string
	service     string
	port        string
	output      string
	timeout     time.Duration
	failOnDrift bool
}

func newStatusCommand() *cobra.Command {
	o := statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [--context NAME ...] [--url [NAME=]URL ...]",
		Short: "Show each cluster's policy revision, sync health and audit findings, and where clusters drift",
		Long: `Read each cluster's webhook /status and /audit and show, per cluster, the active
policy revision and its source, when the source last confirmed it, the last sync
error, and the audit findings by policy. Drift is highlighted: clusters on different
revisions, and findings some clusters have that the others lack.

Clusters are the kubeconfig's contexts (--context, repeatable; all of them when none is
given). Each is read through the API server's service proxy,

  /api/v1/namespaces/<namespace>/services/http:<service>:<port>/proxy/{status,audit}

which needs "get" on services/proxy for the resource name http:<service>:<port>: the
chart's <release>-status-reader Role grants it (statusReaders in its values). --url
reads a health listener directly instead (a port-forward).

Exit codes: 0 read every cluster, 1 drift with --fail-on-drift, 2 a cluster could not
be read or a usage error.`,
		Example: `  apiguard status --context prod-eu --context prod-us
  apiguard status -o json
  apiguard status --url eu=http://127.0.0.1:8081 --url us=http://127.0.0.1:8082`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	f.StringArrayVar(&o.contexts, "context", nil, "kubeconfig context to read; repeatable (default: every context)")
	f.StringArrayVar(&o.urls, "url", nil, "read a webhook health listener directly, as [NAME=]URL, instead of through a context; repeatable")
	f.StringVar(&o.namespace, "namespace", "apiguard-system", "namespace of the apiguard release")
	f.StringVar(&o.service, "service", "apiguard", "name of the apiguard Service (the release's fullname)")
	f.StringVar(&o.port, "port", "status", "the Service port of the webhook's health listener")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.DurationVar(&o.timeout, "timeout", 15*time.Second, "time allowed to read one cluster")
	f.BoolVar(&o.failOnDrift, "fail-on-drift", false, "exit 1 when clusters drift")
	return cmd
}

// target is one cluster to read.
type target struct {
	name    string
	fetcher fleet.Fetcher
}

func runStatus(ctx context.Context, o statusOptions, out io.Writer) error {
	fail := func(err error) error { return &exitError{code: report.ExitError, err: err} }
	if o.output != "text" && o.output != "json" {
		return fail(fmt.Errorf("unknown output format %q (want text or json)", o.output))
	}
	targets, err := statusTargets(o)
	if err != nil {
		return fail(err)
	}
	now := time.Now()
	clusters := make([]fleet.Cluster, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, o.timeout)
			defer cancel()
			clusters[i] = fleet.Read(ctx, t.name, t.fetcher, now)
		})
	}
	wg.Wait()
	view := fleet.Compare(clusters)
	if o.output == "json" {
		err = fleet.WriteJSON(out, view)
	} else {
		err = fleet.WriteText(out, view, now)
	}
	if err != nil {
		return fail(err)
	}
	var unreachable []string
	for _, c := range clusters {
		if c.Error != "" {
			unreachable = append(unreachable, c.Name)
		}
	}
	switch {
	case len(unreachable) > 0:
		return &exitError{code: report.ExitError, err: fmt.Errorf("could not read %s", strings.Join(unreachable, ", "))}
	case o.failOnDrift && len(view.Drift) > 0:
		return &exitError{code: report.ExitDenied}
	}
	return nil
}

// statusTargets turns --url and --context (or every context) into clusters to read.
func statusTargets(o statusOptions) ([]target, error) {
	var targets []target
	for _, u := range o.urls {
		name, base, ok := strings.Cut(u, "=")
		if !ok {
			name, base = hostOf(u), u
		}
		if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
			return nil, fmt.Errorf("--url %q: want [NAME=]http://host:port", u)
		}
		targets = append(targets, target{name: name, fetcher: fleet.URL{Base: base}})
	}
	contexts := o.contexts
	if len(contexts) == 0 && len(o.urls) == 0 {
		var err error
		if contexts, err = contextNames(o.kubeconfig); err != nil {
			return nil, err
		}
		if len(contexts) == 0 {
			return nil, errors.New("the kubeconfig has no contexts; name clusters with --context or --url")
		}
	}
	for _, name := range contexts {
		cfg, _, err := clusterConfig(o.kubeconfig, name)
		if err != nil {
			return nil, err
		}
		p, err := fleet.NewServiceProxy(cfg, o.namespace, o.service, o.port)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{name: name, fetcher: p})
	}
	return targets, nil
}

package main

import (
	"net"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/apiguard/apiguard/pkg/policy"
)

func TestAdvertiseAddress(t *testing.T) {
	bound := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 8081}
	all := &net.TCPAddr{IP: net.IPv4zero, Port: 8081}
	for name, tc := range map[string]struct {
		flag   string
		health net.Addr
		podIP  string
		want   string
	}{
		"the flag wins":                       {flag: "10.1.1.1:9", health: bound, podIP: "10.0.0.5", want: "10.1.1.1:9"},
		"a listener bound to a host":          {health: bound, podIP: "10.0.0.5", want: "127.0.0.1:8081"},
		"all interfaces: the pod IP":          {health: all, podIP: "10.0.0.5", want: "10.0.0.5:8081"},
		"all interfaces, IPv6 pod":            {health: all, podIP: "fd00::7", want: "[fd00::7]:8081"},
		"all interfaces and no pod IP":        {health: all},
		"no health listener (--...=0)":        {podIP: "10.0.0.5"},
		"a typed nil (the listener disabled)": {health: (*net.TCPAddr)(nil), podIP: "10.0.0.5"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := advertiseAddress(tc.flag, tc.health, tc.podIP); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAuditFlags(t *testing.T) {
	parse := func(t *testing.T, args ...string) options {
		t.Helper()
		cmd := newCommand()
		if err := cmd.Flags().Parse(args); err != nil {
			t.Fatal(err)
		}
		var o options
		// The command keeps its options in its closure; read them back through the flags.
		o.audit.interval = *cmd.Flags().Lookup("audit-interval").Value.(*intervalFlag)
		o.namespace, _ = cmd.Flags().GetString("namespace")
		o.kubeconfig, _ = cmd.Flags().GetString("kubeconfig")
		return o
	}
	newAudit := func(o options) error {
		_, err := newAuditor(o, policy.NewHolder(), prometheus.NewRegistry(), logr.Discard())
		return err
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Run("default: on where it can run, quietly off elsewhere", func(t *testing.T) {
		o := parse(t)
		if o.audit.interval.d.String() != "5m0s" || o.audit.interval.set {
			t.Errorf("default %+v", o.audit.interval)
		}
		if err := newAudit(o); err != nil {
			t.Errorf("no cluster, default interval: %v", err)
		}
	})
	t.Run("an explicit interval that cannot run is an error", func(t *testing.T) {
		err := newAudit(parse(t, "--audit-interval", "1m"))
		if err == nil || !strings.Contains(err.Error(), "--audit-interval") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("0 disables, even without a cluster", func(t *testing.T) {
		if err := newAudit(parse(t, "--audit-interval", "0")); err != nil {
			t.Error(err)
		}
	})
	t.Run("negative is refused", func(t *testing.T) {
		if err := newCommand().Flags().Parse([]string{"--audit-interval", "-1s"}); err == nil {
			t.Error("accepted")
		}
	})
}

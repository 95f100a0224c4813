package kubetest

import (
	"reflect"
	"testing"
)

func TestWithArgs(t *testing.T) {
	got := withArgs(
		[]string{"--authorization-mode=RBAC", "--disable-admission-plugins=ServiceAccount", "--secure-port=1"},
		[]string{"--authorization-mode=Node,RBAC", "--disable-admission-plugins=", "--enable-aggregator-routing=true"},
	)
	want := []string{"--authorization-mode=Node,RBAC", "--disable-admission-plugins=", "--secure-port=1", "--enable-aggregator-routing=true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withArgs = %q, want %q", got, want)
	}
}

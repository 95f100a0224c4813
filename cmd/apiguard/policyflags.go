package main

import (
	"github.com/spf13/pflag"

	"github.com/apiguard/apiguard/pkg/source"
)

// policyFlagUsage documents --policy; source.Resolver reads its values.
const policyFlagUsage = "policy tree: builtin (the bundled library), a directory, or a Git URL[?ref=<branch|tag|sha>&path=<dir>]; repeatable, merged (default builtin)"

// bindPolicyFlags binds where the policies come from, shared by check and audit so both
// load a policy tree the same way.
func bindPolicyFlags(f *pflag.FlagSet, o *checkOptions) {
	f.StringArrayVar(&o.policies, "policy", []string{source.Builtin}, policyFlagUsage)
	f.StringVar(&o.clusterName, "cluster-name", "", "select clusters/<name>/ in the policy tree, as the webhook's --cluster-name does")
	bindGitAuthFlags(f, &o.gitAuth)
	f.StringArrayVar(&o.data, "data", nil, "JSON or YAML data merged over the policies' data (per-cluster values); repeatable")
}

// bindGitAuthFlags binds the credentials for Git policy URLs (check, audit and test).
func bindGitAuthFlags(f *pflag.FlagSet, a *source.GitAuth) {
	f.StringVar(&a.UsernameFile, "git-username-file", "", "file holding the basic-auth username for Git policy URLs")
	f.StringVar(&a.PasswordFile, "git-password-file", "", "file holding the basic-auth password for Git policy URLs")
	f.StringVar(&a.TokenFile, "git-token-file", "", "file holding an access token for Git policy URLs")
	f.StringVar(&a.SSHKeyFile, "git-ssh-key-file", "", "SSH private key for ssh Git policy URLs")
	f.StringVar(&a.KnownHostsFile, "git-known-hosts-file", "", "known_hosts for ssh Git policy URLs")
}

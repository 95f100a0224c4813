// Package policy is apiguard's policy engine: it loads Rego modules and data from an
// fs.FS, compiles them once with a restricted set of builtins, and evaluates an
// admission Input to a Decision. The webhook, the CLI and audit all call it, so a
// manifest judged in CI is judged the same way at admission. It is the only package
// in the project that imports OPA, and it imports nothing else from the project.
package policy

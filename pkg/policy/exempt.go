package policy

// IgnoreLabel exempts a namespace from apiguard: the webhooks' namespaceSelector excludes
// namespaces carrying it with value "true", and audit skips them as admission would. It
// is the escape hatch, so turning it on is itself guarded (pkg/admission's
// NamespaceGuard). It lives here, beside the exemptNamespaces configuration, so that
// readers of exemptions need not import the webhook machinery.
const IgnoreLabel = "apiguard.io/ignore"

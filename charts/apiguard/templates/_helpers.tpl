{{/* Names are truncated to 63 characters, the DNS label limit. */}}
{{- define "apiguard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "apiguard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "apiguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apiguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "apiguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "apiguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "apiguard.tlsSecretName" -}}
{{- .Values.tls.secretName | default (printf "%s-tls" (include "apiguard.fullname" .)) -}}
{{- end -}}

{{- define "apiguard.servingCertName" -}}
{{- printf "%s-serving" (include "apiguard.fullname" .) -}}
{{- end -}}

{{/*
The webhook must answer before the API server gives up, so --eval-timeout is one
second below the shorter of the two timeoutSeconds (5s and 3s give 2s).
*/}}
{{- define "apiguard.evalTimeout" -}}
{{- $v := int .Values.webhook.validating.timeoutSeconds -}}
{{- $m := int .Values.webhook.mutating.timeoutSeconds -}}
{{- if not .Values.webhook.mutating.enabled }}{{ $m = $v }}{{ end -}}
{{- printf "%ds" (sub (min $v $m) 1) -}}
{{- end -}}

{{/* Drain time left after the shutdown delay, with 5s to spare before SIGKILL. */}}
{{- define "apiguard.shutdownTimeout" -}}
{{- printf "%ds" (max 1 (sub (sub (int .Values.terminationGracePeriodSeconds) (int .Values.shutdownDelaySeconds)) 5)) -}}
{{- end -}}

{{/* Where policies come from: configMap, git, or builtin (the library in the image) when neither is set. */}}
{{- define "apiguard.policySource" -}}
{{- if .Values.policies.configMap -}}configMap{{- else if .Values.policies.git.url -}}git{{- else -}}builtin{{- end -}}
{{- end -}}

{{/*
The data every pod reads with --data-file: config, with the rollout stage as the
enforcement of every policy ("*"); per-policy overrides in config.enforcement win over it.
*/}}
{{- define "apiguard.data" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $enforcement := merge (dict "*" .Values.enforcement) (get $config "enforcement" | default dict) -}}
{{- $_ := set $config "enforcement" $enforcement -}}
{{- dict "apiguard" (dict "config" $config) | toJson -}}
{{- end -}}

{{/* Fails the render for combinations the schema cannot express. */}}
{{- define "apiguard.validate" -}}
{{- $p := .Values.policies -}}
{{- if and $p.git.url $p.configMap -}}
{{- fail "set only one of policies.git.url and policies.configMap" -}}
{{- end -}}
{{- if and $p.git.verifyKeys.configMap $p.git.verifyKeys.secret -}}
{{- fail "set only one of policies.git.verifyKeys.configMap and policies.git.verifyKeys.secret" -}}
{{- end -}}
{{- if and (or $p.git.verifyKeys.configMap $p.git.verifyKeys.secret) (not $p.git.verifyKeys.keys) -}}
{{- fail "policies.git.verifyKeys.keys must list the keys holding the verify keys" -}}
{{- end -}}
{{- if and $p.git.verifyKeys.keys (not (or $p.git.verifyKeys.configMap $p.git.verifyKeys.secret)) -}}
{{- fail "policies.git.verifyKeys.keys needs policies.git.verifyKeys.configMap or .secret" -}}
{{- end -}}
{{- if not (include "apiguard.anyRules" .) -}}
{{- fail "enable at least one of webhook.rules.*" -}}
{{- end -}}
{{- if and .Values.certManager.enabled .Values.tls.caBundle -}}
{{- fail "tls.caBundle is for the self-managed mode; cert-manager injects the CA" -}}
{{- end -}}
{{- end -}}

{{/* apiguard.rules, apiguard.anyRules and apiguard.exposureReadRules are generated from
     the table of exposure kinds (pkg/kinds) into _kinds.tpl. */}}

{{- define "apiguard.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ toJson (prepend .Values.webhook.excludedNamespaces .Release.Namespace | uniq) }}
    - key: apiguard.io/ignore
      operator: NotIn
      values: ["true"]
{{- end -}}

{{- define "apiguard.webhookAnnotations" -}}
{{- if .Values.certManager.enabled -}}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "apiguard.servingCertName" .) }}
{{- end }}
{{- end -}}

{{- define "apiguard.clientConfig" -}}
clientConfig:
  service:
    name: {{ include "apiguard.fullname" .root }}
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path }}
    port: 443
  {{- if .root.Values.tls.caBundle }}
  caBundle: {{ .root.Values.tls.caBundle }}
  {{- end }}
{{- end -}}

{{/* Non-empty when the drift audit runs: audit.interval is not zero. */}}
{{- define "apiguard.auditOn" -}}
{{- if not (regexMatch "^(0+(\\.0+)?(ns|us|µs|ms|s|m|h))+$" (toString .Values.audit.interval)) -}}on{{- end -}}
{{- end -}}

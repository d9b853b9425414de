{{/* Where `helm test` runs its hello Job, as {"namespace": ..., "pool": ...} in JSON: the release
namespace and the first pool that serves it, when Fanout watches it; else the first pool and the
first namespace it serves. */}}
{{- define "fanout.smokeTarget" -}}
{{- $ns := .Release.Namespace -}}
{{- $pool := "" -}}
{{- if or (not .Values.watchNamespaces) (has $ns .Values.watchNamespaces) -}}
{{- range .Values.pools -}}
{{- if and (not $pool) (or (not .namespaces) (has $ns .namespaces)) -}}
{{- $pool = .name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $pool -}}
{{- $first := first .Values.pools -}}
{{- $pool = $first.name -}}
{{- $ns = first ($first.namespaces | default .Values.watchNamespaces) -}}
{{- end -}}
{{- dict "namespace" $ns "pool" $pool | toJson -}}
{{- end -}}

{{/* Name of the `helm test` Pod and of its ServiceAccount, Role and RoleBinding. */}}
{{- define "fanout.smokeTestName" -}}
{{- printf "%s-smoke-test" (include "fanout.fullname" .) -}}
{{- end -}}

{{/* Annotations of every `helm test` object: gone once the test passed; kept when it failed (to
read the Pod's log), replaced at the next run. The RBAC comes before the Pod. */}}
{{- define "fanout.smokeTestHook" -}}
helm.sh/hook: test
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* "<release>-fanout", or fullnameOverride: the prefix of every object's name. */}}
{{- define "fanout.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-fanout" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "fanout.operatorName" -}}
{{- printf "%s-operator" (include "fanout.fullname" .) -}}
{{- end -}}

{{- define "fanout.workerName" -}}
{{- printf "%s-worker" (include "fanout.fullname" .) -}}
{{- end -}}

{{- define "fanout.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: fanout
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "fanout.selectorLabels" -}}
app.kubernetes.io/name: fanout
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Stops the render with a clear message on values that cannot work together. */}}
{{- define "fanout.validate" -}}
{{- $mode := .Values.queue.mode -}}
{{- if not (has $mode (list "embedded" "endpoint" "aws")) -}}
{{- fail (printf "queue.mode must be embedded, endpoint or aws, was %q" $mode) -}}
{{- end -}}
{{- if and (eq $mode "endpoint") (not .Values.queue.endpoint) -}}
{{- fail "queue.mode=endpoint needs queue.endpoint (e.g. http://localstack:4566)" -}}
{{- end -}}
{{- if and (eq $mode "aws") (not .Values.queue.region) -}}
{{- fail "queue.mode=aws needs queue.region" -}}
{{- end -}}
{{- if and .Values.database.postgres.url (not .Values.database.postgres.existingSecret) -}}
{{- fail "database.postgres.url needs database.postgres.existingSecret: the name of an existing Secret with the database login" -}}
{{- end -}}
{{- if and .Values.database.postgres.url (not (hasPrefix "jdbc:postgresql:" .Values.database.postgres.url)) -}}
{{- fail "database.postgres.url must start with jdbc:postgresql:" -}}
{{- end -}}
{{- if gt (int .Values.operator.replicas) 1 -}}
{{- if not .Values.database.postgres.url -}}
{{- fail "operator.replicas > 1 needs database.postgres.url: replicas cannot share the embedded H2 database" -}}
{{- end -}}
{{- if eq $mode "embedded" -}}
{{- fail "operator.replicas > 1 needs queue.mode endpoint or aws: each replica would serve its own embedded queue" -}}
{{- end -}}
{{- end -}}
{{- if not .Values.pools -}}
{{- fail "pools must name at least one worker pool" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.pools -}}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$" (toString .name)) -}}
{{- fail (printf "pools: name %q must be 1 to 40 of [a-z0-9-], starting and ending with a letter or digit" (toString .name)) -}}
{{- end -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "pools: name %q appears twice" .name) -}}
{{- end -}}
{{- $_ := set $seen .name true -}}
{{- $pool := . -}}
{{- range (.namespaces | default (list)) -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" (toString .)) -}}
{{- fail (printf "pools: pool %q: namespace %q is not a valid namespace name" $pool.name (toString .)) -}}
{{- end -}}
{{- if and $.Values.watchNamespaces (not (has . $.Values.watchNamespaces)) -}}
{{- fail (printf "pools: pool %q serves namespace %q, which is not in watchNamespaces: the operator would not see its Jobs" $pool.name .) -}}
{{- end -}}
{{- end -}}
{{- if and .roleArn (not .namespaces) -}}
{{- fail (printf "pools: pool %q: roleArn needs namespaces (a pool gets a ServiceAccount of its own only with namespaces of its own)" .name) -}}
{{- end -}}
{{- end -}}
{{- $ttl := int .Values.worker.tokenExpirationSeconds -}}
{{- if and (ne $ttl 0) (lt $ttl 600) -}}
{{- fail (printf "worker.tokenExpirationSeconds must be 0 (the default token) or at least 600, was %d" $ttl) -}}
{{- end -}}
{{- end -}}

{{/* Queue settings shared by the operator and the workers (AWS_*, FANOUT_QUEUE_PREFIX). */}}
{{- define "fanout.queueEnv" -}}
{{- if ne .Values.queue.mode "embedded" }}
{{- if .Values.queue.endpoint }}
- name: AWS_ENDPOINT_URL_SQS
  value: {{ .Values.queue.endpoint | quote }}
{{- end }}
{{- if .Values.queue.region }}
- name: AWS_REGION
  value: {{ .Values.queue.region | quote }}
{{- end }}
{{- end }}
- name: FANOUT_QUEUE_PREFIX
  value: {{ .Values.queue.prefix | quote }}
{{- end -}}

{{/* The namespaces a pool's workers serve: its own `namespaces`, else watchNamespaces (empty:
all). Called with (dict "pool" $pool "root" $). */}}
{{- define "fanout.poolNamespaces" -}}
{{- join "," (.pool.namespaces | default .root.Values.watchNamespaces) -}}
{{- end -}}

{{/* The ServiceAccount (and Role) name of a pool's workers: its own when it serves namespaces
of its own, else the shared one. Called with (dict "pool" $pool "root" $). */}}
{{- define "fanout.poolAccount" -}}
{{- if .pool.namespaces -}}
{{- printf "%s-%s" (include "fanout.workerName" .root) .pool.name -}}
{{- else -}}
{{- include "fanout.workerName" .root -}}
{{- end -}}
{{- end -}}

{{/* Whether some pool uses the shared worker ServiceAccount and (Cluster)Role: "true" or "". */}}
{{- define "fanout.sharedWorkerAccount" -}}
{{- range .Values.pools -}}
{{- if not .namespaces -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{- define "fanout.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{/* Rules of the operator's (Cluster)Role: exactly the verbs it uses, as an audit log of a run on a
real API server shows (kube-tests RunningFanoutIT). */}}
{{- define "fanout.operatorRules" -}}
- apiGroups: ["fanout.dev"]
  resources: ["jobs"]
  # patch: its finalizer; delete: ttlSecondsAfterFinished
  verbs: ["get", "list", "watch", "patch", "delete"]
- apiGroups: ["fanout.dev"]
  resources: ["jobs/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["events"]
  # one Event per phase change, never updated
  verbs: ["create"]
{{- end -}}

{{/* Rules of the workers' (Cluster)Role: read Jobs, patch their status. Nothing else. */}}
{{- define "fanout.workerRules" -}}
- apiGroups: ["fanout.dev"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["fanout.dev"]
  resources: ["jobs/status"]
  verbs: ["patch"]
{{- end -}}

{{/* The /tmp emptyDir every container gets with its read-only root filesystem. */}}
{{- define "fanout.tmpVolume" -}}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* The pools' names, comma-separated: the queues the operator creates as it starts. */}}
{{- define "fanout.poolNames" -}}
{{- $names := list -}}
{{- range .Values.pools -}}
{{- $names = append $names .name -}}
{{- end -}}
{{- join "," $names -}}
{{- end }}

{{/* The chart's name, or nameOverride: the app.kubernetes.io/name label and part of every name. */}}
{{- define "fanout.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object's name: fullnameOverride, else "<release>-<name>", or "<release>"
alone when the release name already holds the name (`helm install fanout`: "fanout"). */}}
{{- define "fanout.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "fanout.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<suffix>" in at most 63 characters: the fullname is cut, never the suffix, so
that objects with different suffixes keep different names. Called with (list $ "suffix"). */}}
{{- define "fanout.suffixedName" -}}
{{- $suffix := index . 1 -}}
{{- $prefix := include "fanout.fullname" (index . 0) | trunc (int (sub 62 (len $suffix))) | trimSuffix "-" -}}
{{- printf "%s-%s" $prefix $suffix -}}
{{- end -}}

{{- define "fanout.operatorName" -}}
{{- include "fanout.suffixedName" (list . "operator") -}}
{{- end -}}

{{- define "fanout.workerName" -}}
{{- include "fanout.suffixedName" (list . "worker") -}}
{{- end -}}

{{/* The name of a pool's Deployment (and of its own account and Role, if it has namespaces of
its own): "<fullname>-worker-<pool>". Called with (dict "pool" $pool "root" $). */}}
{{- define "fanout.poolWorkerName" -}}
{{- include "fanout.suffixedName" (list .root (printf "worker-%s" .pool.name)) -}}
{{- end -}}

{{- define "fanout.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fanout.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "fanout.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fanout.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Stops the render with a clear message on values that cannot work together. What one value
alone may be (types, ranges, names) is values.schema.json's to say. */}}
{{- define "fanout.validate" -}}
{{- $mode := .Values.queue.mode -}}
{{- if and (eq $mode "endpoint") (not .Values.queue.endpoint) -}}
{{- fail "queue.mode=endpoint needs queue.endpoint (e.g. http://localstack:4566)" -}}
{{- end -}}
{{- if and (eq $mode "aws") (not .Values.queue.region) -}}
{{- fail "queue.mode=aws needs queue.region" -}}
{{- end -}}
{{- if and .Values.database.postgres.url (not .Values.database.postgres.existingSecret) -}}
{{- fail "database.postgres.url needs database.postgres.existingSecret: the name of an existing Secret with the database login" -}}
{{- end -}}
{{- if gt (int .Values.operator.replicas) 1 -}}
{{- if not .Values.database.postgres.url -}}
{{- fail "operator.replicas > 1 needs database.postgres.url: replicas cannot share the embedded H2 database" -}}
{{- end -}}
{{- if eq $mode "embedded" -}}
{{- fail "operator.replicas > 1 needs queue.mode endpoint or aws: each replica would serve its own embedded queue" -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.operator.serviceAccount.create) (not .Values.operator.serviceAccount.name) -}}
{{- fail "operator.serviceAccount.create=false needs operator.serviceAccount.name: the existing ServiceAccount the operator runs as" -}}
{{- end -}}
{{- if and (not .Values.worker.serviceAccount.create) (not .Values.worker.serviceAccount.name) (include "fanout.sharedWorkerAccount" .) -}}
{{- fail "worker.serviceAccount.create=false needs worker.serviceAccount.name: the existing ServiceAccount the workers run as" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.pools -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "pools: name %q appears twice" .name) -}}
{{- end -}}
{{- $_ := set $seen .name true -}}
{{- $pool := . -}}
{{- range (.namespaces | default (list)) -}}
{{- if and $.Values.watchNamespaces (not (has . $.Values.watchNamespaces)) -}}
{{- fail (printf "pools: pool %q serves namespace %q, which is not in watchNamespaces: the operator would not see its Jobs" $pool.name .) -}}
{{- end -}}
{{- end -}}
{{- if and .roleArn (not .namespaces) -}}
{{- fail (printf "pools: pool %q: roleArn needs namespaces (a pool gets a ServiceAccount of its own only with namespaces of its own)" .name) -}}
{{- end -}}
{{- if and .serviceAccountName (not .namespaces) -}}
{{- fail (printf "pools: pool %q: serviceAccountName needs namespaces (a pool gets a ServiceAccount of its own only with namespaces of its own; the others run as worker.serviceAccount.name)" .name) -}}
{{- end -}}
{{- if and .namespaces (not $.Values.worker.serviceAccount.create) (not .serviceAccountName) -}}
{{- fail (printf "pools: pool %q: worker.serviceAccount.create=false needs the pool's serviceAccountName: the existing ServiceAccount its workers run as" .name) -}}
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

{{/* The operator's ServiceAccount: operator.serviceAccount.name, else "<fullname>-operator". */}}
{{- define "fanout.operatorAccount" -}}
{{- .Values.operator.serviceAccount.name | default (include "fanout.operatorName" .) -}}
{{- end -}}

{{/* The ServiceAccount of the pools without namespaces of their own: worker.serviceAccount.name,
else "<fullname>-worker". */}}
{{- define "fanout.workerAccount" -}}
{{- .Values.worker.serviceAccount.name | default (include "fanout.workerName" .) -}}
{{- end -}}

{{/* The ServiceAccount of a pool's workers: with namespaces of its own, its own account
(serviceAccountName, else "<fullname>-worker-<pool>"); else the shared one. Called with
(dict "pool" $pool "root" $). */}}
{{- define "fanout.poolAccount" -}}
{{- if .pool.namespaces -}}
{{- .pool.serviceAccountName | default (include "fanout.poolWorkerName" .) -}}
{{- else -}}
{{- include "fanout.workerAccount" .root -}}
{{- end -}}
{{- end -}}

{{/* The (Cluster)Role of a pool's workers: its own with namespaces of its own, else the shared
one. Called with (dict "pool" $pool "root" $). */}}
{{- define "fanout.poolRole" -}}
{{- if .pool.namespaces -}}
{{- include "fanout.poolWorkerName" . -}}
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

{{/* A pod template's labels: the chart's own (YAML text in .own) and the user's (.extra, from the
value named .value), which may not replace one of the chart's: the selectors depend on them. */}}
{{- define "fanout.podLabels" -}}
{{- $own := fromYaml .own -}}
{{- range $key, $_ := .extra -}}
{{- if hasKey $own $key -}}
{{- fail (printf "%s: label %q is one the chart sets itself" $.value $key) -}}
{{- end -}}
{{- end -}}
{{- .own -}}
{{- with .extra }}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{/* A container's env: the chart's own (YAML text in .own) and then the user's (.extra, from the
value named .value), which may not set a variable the chart sets: two entries of one name leave
the pod's value to the order of a list. */}}
{{- define "fanout.env" -}}
{{- $own := list -}}
{{- range fromYamlArray .own -}}
{{- $own = append $own .name -}}
{{- end -}}
{{- range .extra -}}
{{- if has .name $own -}}
{{- fail (printf "%s: %s is set by the chart; set the value it comes from instead (see values.yaml)" $.value .name) -}}
{{- end -}}
{{- end -}}
{{- .own -}}
{{- with .extra }}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{/* Topology spread constraints (.constraints); one without labelSelector gets the pods' own
selector labels (YAML text in .selector), as constraints almost always mean. */}}
{{- define "fanout.topologySpreadConstraints" -}}
{{- $selector := fromYaml .selector -}}
{{- $constraints := list -}}
{{- range .constraints -}}
{{- $constraint := deepCopy . -}}
{{- if not (hasKey $constraint "labelSelector") -}}
{{- $_ := set $constraint "labelSelector" (dict "matchLabels" $selector) -}}
{{- end -}}
{{- $constraints = append $constraints $constraint -}}
{{- end -}}
{{- toYaml $constraints -}}
{{- end -}}

{{/* The imagePullSecrets of every pod; empty without any. */}}
{{- define "fanout.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end -}}
{{- end -}}

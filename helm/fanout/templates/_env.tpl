{{/* The operator container's environment, as the chart sets it (operator.extraEnv comes after). */}}
{{- define "fanout.operatorEnv" -}}
{{- $h2 := not .Values.database.postgres.url -}}
{{- $embedded := eq .Values.queue.mode "embedded" -}}
- name: FANOUT_HTTP_PORT
  value: "8080"
# The web console and its task API (kubectl fanout tasks, failures), on the pod's port 8090 with
# Kubernetes auth; console.enabled exposes them on the Service.
- name: FANOUT_CONSOLE_PORT
  value: "8090"
- name: FANOUT_CONSOLE_AUTH
  value: "kubernetes"
- name: FANOUT_MAX_RECEIVE_COUNT
  value: {{ .Values.operator.maxReceiveCount | quote }}
{{- if $h2 }}
- name: FANOUT_DB_URL
  value: "jdbc:h2:file:/data/fanout"
{{- else }}
- name: FANOUT_DB_URL
  value: {{ .Values.database.postgres.url | quote }}
- name: FANOUT_DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.postgres.existingSecret }}
      key: {{ .Values.database.postgres.userKey }}
- name: FANOUT_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.postgres.existingSecret }}
      key: {{ .Values.database.postgres.passwordKey }}
{{- end }}
- name: FANOUT_SQS_EMBEDDED
  value: {{ $embedded | quote }}
{{- if $embedded }}
- name: FANOUT_SQS_EMBEDDED_PORT
  value: {{ .Values.queue.embeddedPort | quote }}
{{- end }}
{{- include "fanout.queueEnv" . }}
{{- if .Values.watchNamespaces }}
- name: FANOUT_NAMESPACES
  value: {{ join "," .Values.watchNamespaces | quote }}
{{- end }}
# Leader election is always on: the Lease lives in the release namespace.
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: FANOUT_POOLS
  value: {{ include "fanout.poolNames" . | quote }}
{{- if include "fanout.builtinAutoscaling" . }}
# The worker Deployments it scales live in the release namespace.
- name: FANOUT_WORKERS_NAMESPACE
  value: {{ .Release.Namespace | quote }}
{{- end }}
{{- if include "fanout.kedaAutoscaling" . }}
# KEDA scales on the queue's depth: every Job queues all its tasks at once.
- name: FANOUT_FAIR_SHARE_SECONDS
  value: "0"
{{- end }}
{{- with .Values.operator.javaToolOptions }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* A pool's worker container's environment, as the chart sets it (worker.extraEnv comes after).
Called with (dict "pool" $pool "root" $). */}}
{{- define "fanout.workerEnv" -}}
{{- $root := .root -}}
{{- $pool := .pool -}}
{{- $namespaces := include "fanout.poolNamespaces" . -}}
{{- $exec := hasKey $pool "execEnabled" | ternary $pool.execEnabled $root.Values.worker.execEnabled -}}
- name: FANOUT_HTTP_PORT
  value: "8081"
- name: FANOUT_POOL
  value: {{ $pool.name | quote }}
- name: FANOUT_WORKER_CONCURRENCY
  value: {{ $pool.concurrency | default 4 | quote }}
{{- if eq $root.Values.queue.mode "embedded" }}
- name: AWS_ENDPOINT_URL_SQS
  value: {{ printf "http://%s:%d" (include "fanout.operatorName" $root) (int $root.Values.queue.embeddedPort) | quote }}
{{- end }}
{{- include "fanout.queueEnv" $root }}
{{- if $namespaces }}
- name: FANOUT_NAMESPACES
  value: {{ $namespaces | quote }}
{{- end }}
- name: FANOUT_EXEC_ENABLED
  value: {{ $exec | quote }}
{{- with $root.Values.worker.javaToolOptions }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- end -}}

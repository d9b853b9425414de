{{- /* A pool's autoscaling with its defaults, as JSON; mode "" when it is off. */}}
{{- define "fanout.poolAutoscaling" -}}
{{- $a := .autoscaling | default dict }}
{{- $on := $a.enabled | default false }}
{{- dict
  "mode" ($on | ternary ($a.mode | default "builtin") "")
  "minReplicas" (hasKey $a "minReplicas" | ternary $a.minReplicas 0 | int)
  "maxReplicas" ($a.maxReplicas | default 10 | int)
  "tasksPerReplica" ($a.tasksPerReplica | default 8 | int)
  "scaleDownDelaySeconds" (hasKey $a "scaleDownDelaySeconds" | ternary $a.scaleDownDelaySeconds 60 | int)
  "pollingInterval" (($a.keda | default dict).pollingInterval | default 5 | int)
  "authenticationRef" (($a.keda | default dict).authenticationRef | default "")
  | toJson }}
{{- end }}

{{- /* "true" when a pool is scaled by the operator: it then needs FANOUT_WORKERS_NAMESPACE and
the Role on Deployments. */}}
{{- define "fanout.builtinAutoscaling" -}}
{{- range .Values.pools }}
{{- if eq (include "fanout.poolAutoscaling" . | fromJson).mode "builtin" }}true{{ end }}
{{- end }}
{{- end }}

{{- /* "true" when a pool is scaled by KEDA on its queue's depth: KEDA must see every Job's
backlog on the queue, so the operator then queues each Job whole (FANOUT_FAIR_SHARE_SECONDS=0). */}}
{{- define "fanout.kedaAutoscaling" -}}
{{- range .Values.pools }}
{{- if eq (include "fanout.poolAutoscaling" . | fromJson).mode "keda" }}true{{ end }}
{{- end }}
{{- end }}

{{- /* Checks across a pool's autoscaling values that the schema cannot express. */}}
{{- define "fanout.validateAutoscaling" -}}
{{- range .Values.pools }}
{{- $s := include "fanout.poolAutoscaling" . | fromJson }}
{{- if and $s.mode (gt (int $s.minReplicas) (int $s.maxReplicas)) }}
{{- fail (printf "pools[%s].autoscaling: minReplicas (%d) is above maxReplicas (%d)" .name (int $s.minReplicas) (int $s.maxReplicas)) }}
{{- end }}
{{- end }}
{{- end }}

{{- /* The queue KEDA's aws-sqs-queue trigger reads: its region, and the endpoint off AWS. */}}
{{- define "fanout.kedaQueueMetadata" -}}
{{- $root := .root }}
queueURL: {{ printf "%s%s" $root.Values.queue.prefix .pool.name | quote }}
queueLength: {{ .scaling.tasksPerReplica | quote }}
awsRegion: {{ $root.Values.queue.region | default "us-east-1" | quote }}
{{- if eq $root.Values.queue.mode "embedded" }}
awsEndpoint: {{ printf "http://%s.%s:%d" (include "fanout.operatorName" $root) $root.Release.Namespace (int $root.Values.queue.embeddedPort) | quote }}
{{- else if eq $root.Values.queue.mode "endpoint" }}
awsEndpoint: {{ $root.Values.queue.endpoint | quote }}
{{- end }}
scaleOnInFlight: "true"
{{- end }}

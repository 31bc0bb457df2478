{{/* Chart name, truncated to the 63 characters Kubernetes allows in a name. */}}
{{- define "cpa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name; tier objects append -gateway, -writer, -migrate. */}}
{{- define "cpa.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cpa.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "cpa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: clickhouse-product-analytics
{{- end -}}

{{/* Selector labels of one tier. Call with (dict "root" $ "tier" "gateway"). */}}
{{- define "cpa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cpa.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .tier }}
{{- end -}}

{{- define "cpa.tierLabels" -}}
{{ include "cpa.labels" .root }}
app.kubernetes.io/component: {{ .tier }}
{{- end -}}

{{- define "cpa.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cpa.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The image reference shared by all three entry points: repository@digest when a digest is set
(the tag is then ignored), else repository:tag with the chart's appVersion as default tag.
*/}}
{{- define "cpa.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The settings without which nothing can run. Called from every template that needs them, so
rendering stops before anything is applied, with the same message wherever it is hit.
*/}}
{{- define "cpa.clickhouseUrl" -}}
{{- required "clickhouse.url is required: set it to the ClickHouse HTTP(S) endpoint, e.g. --set clickhouse.url=https://<host>:8443" .Values.clickhouse.url -}}
{{- end -}}

{{- define "cpa.kafkaBootstrapServers" -}}
{{- required "kafka.bootstrapServers is required: set it to the Kafka bootstrap servers, e.g. --set kafka.bootstrapServers=kafka:9092" .Values.kafka.bootstrapServers -}}
{{- end -}}

{{/* Comma-separated list given as a string or as a list (--set 'ingest.publicApiKeys={old,new}'). */}}
{{- define "cpa.csv" -}}
{{- if kindIs "slice" . -}}
{{- join "," . -}}
{{- else -}}
{{- . | toString -}}
{{- end -}}
{{- end -}}

{{/*
A kafka.config key as the environment variable the services map back to it:
security.protocol -> KAFKA_SECURITY_PROTOCOL (conventions: lower-case, `_` -> `.`).
*/}}
{{- define "cpa.kafkaEnvName" -}}
{{- printf "KAFKA_%s" (. | upper | replace "." "_") -}}
{{- end -}}

{{/*
One tier's autoscaling settings: the shared .Values.autoscaling, overridden key by key by the
tier's own autoscaling map. Key by key rather than `merge`, because merge would let a tier's
`false` or `0` fall back to the shared value.
*/}}
{{- define "cpa.autoscaling" -}}
{{- $out := dict -}}
{{- range $key, $value := .root.Values.autoscaling -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- range $key, $value := (index .root.Values .tier).autoscaling -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- if gt (int $out.minReplicas) (int $out.maxReplicas) -}}
{{- fail (printf "%s autoscaling: minReplicas (%d) is above maxReplicas (%d)" .tier (int $out.minReplicas) (int $out.maxReplicas)) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Whether the writer's replica count is managed by KEDA or an HPA rather than by the chart. */}}
{{- define "cpa.replicasManaged" -}}
{{- $autoscaling := include "cpa.autoscaling" . | fromYaml -}}
{{- if or $autoscaling.enabled (and (eq .tier "writer") .root.Values.writer.keda.enabled) -}}true{{- end -}}
{{- end -}}

{{/* Pod annotations shared by both tiers. */}}
{{- define "cpa.podAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ (index .root.Values .tier).port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .root.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A writable /tmp on an otherwise read-only root filesystem. */}}
{{- define "cpa.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{- define "cpa.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
ClickHouse credentials from an existing Secret, by the configured keys. Used by the writer
and the migration Job when clickhouse.existingSecret is set.
*/}}
{{- define "cpa.clickhouseExistingSecretEnv" -}}
- name: CLICKHOUSE_USER
  valueFrom:
    secretKeyRef:
      name: {{ .Values.clickhouse.existingSecret }}
      key: {{ .Values.clickhouse.existingSecretUserKey }}
- name: CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.clickhouse.existingSecret }}
      key: {{ .Values.clickhouse.existingSecretPasswordKey }}
{{- end -}}

{{- define "cpa.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A value as text for a ConfigMap. Numbers from values files arrive as float64 and would print as
2.097152e+07; whole numbers print as integers instead.
*/}}
{{- define "cpa.text" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- . | int64 -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/*
Probes of both tiers. /health is liveness only (the process is alive); /ready also checks Kafka
(and, for the writer, ClickHouse), so an unreachable dependency takes a pod out of rotation
without restarting it. The startup probe gives the JVM a minute before liveness counts.
*/}}
{{- define "cpa.probes" -}}
startupProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 10
  timeoutSeconds: 2
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /ready
    port: http
  periodSeconds: 5
  timeoutSeconds: 2
  failureThreshold: 2
{{- end -}}

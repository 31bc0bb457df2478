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
app.kubernetes.io/component: {{ include "cpa.component" .tier }}
{{- end -}}

{{- define "cpa.tierLabels" -}}
{{ include "cpa.labels" .root }}
app.kubernetes.io/component: {{ include "cpa.component" .tier }}
{{- end -}}

{{/*
A tier's component label and object name suffix: its values key, except the historical writer's
(values historicalWriter, objects <fullname>-historical: the management Service name fits 63 characters).
*/}}
{{- define "cpa.component" -}}
{{- ternary "historical" . (eq . "historicalWriter") -}}
{{- end -}}

{{/* The long-running tiers, as a YAML list: gateway, writer, and historicalWriter when enabled. */}}
{{- define "cpa.tiers" -}}
{{- $tiers := list "gateway" "writer" -}}
{{- if .Values.historicalWriter.enabled }}{{ $tiers = append $tiers "historicalWriter" }}{{ end -}}
{{- toYaml $tiers -}}
{{- end -}}

{{/* The writer tiers, as a YAML list: writer, and historicalWriter when enabled. */}}
{{- define "cpa.writerTiers" -}}
{{- $tiers := list "writer" -}}
{{- if .Values.historicalWriter.enabled }}{{ $tiers = append $tiers "historicalWriter" }}{{ end -}}
{{- toYaml $tiers -}}
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

{{/*
The gateway's termination grace period must outlast its preStop sleep plus its own drain
(gateway.shutdown-grace) and producer close; the default numbers are explained in values.yaml.
*/}}
{{- define "cpa.gatewayGracePeriod" -}}
{{- $grace := int .Values.gateway.terminationGracePeriodSeconds -}}
{{- $sleep := int .Values.gateway.preStopSleepSeconds -}}
{{- if le $grace $sleep -}}
{{- fail (printf "gateway.terminationGracePeriodSeconds (%d) must be above gateway.preStopSleepSeconds (%d), or the gateway is killed before it drains" $grace $sleep) -}}
{{- end -}}
{{- $grace -}}
{{- end -}}

{{/* Whether the writer's replica count is managed by KEDA or an HPA rather than by the chart. */}}
{{- define "cpa.replicasManaged" -}}
{{- $autoscaling := include "cpa.autoscaling" . | fromYaml -}}
{{- if or $autoscaling.enabled (and (has .tier (list "writer" "historicalWriter")) .root.Values.writer.keda.enabled) -}}true{{- end -}}
{{- end -}}

{{/*
Pod annotations of one tier: the scraping annotations (pointing at the management port, where
/metrics lives) and the merged podAnnotations. Call with (dict "root" $ "tier" "gateway").
*/}}
{{- define "cpa.podAnnotations" -}}
{{- if and .root.Values.metrics.podAnnotations (ne .tier "migration") }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .root.Values.management.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with include "cpa.tierMap" (dict "root" .root "tier" .tier "key" "podAnnotations") | fromYaml }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod labels of one tier: its selector labels plus the merged podLabels. */}}
{{- define "cpa.podLabels" -}}
{{ include "cpa.selectorLabels" . }}
{{- with include "cpa.tierMap" (dict "root" .root "tier" .tier "key" "podLabels") | fromYaml }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Per-tier pod extras, shared values first. Call with (dict "root" $ "tier" "gateway" "key" "extraEnv");
the tier's values are .Values.gateway, .Values.writer or .Values.migration.
cpa.tierList: the shared list, then the tier's. cpa.tierMap: both maps, key by key, the tier winning.
cpa.tierOverride: the tier's value when it sets one, else the shared one.
*/}}
{{- define "cpa.tierList" -}}
{{- $shared := index .root.Values .key | default list -}}
{{- $own := index (index .root.Values .tier) .key | default list -}}
{{- toYaml (concat $shared $own) -}}
{{- end -}}

{{- define "cpa.tierMap" -}}
{{- $out := dict -}}
{{- range $k, $v := (index .root.Values .key | default dict) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- range $k, $v := (index (index .root.Values .tier) .key | default dict) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "cpa.tierOverride" -}}
{{- $own := index (index .root.Values .tier) .key -}}
{{- toYaml (ternary $own (index .root.Values .key) (not (empty $own))) -}}
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

{{/*
Scheduling of one tier's pods: node selector, affinity, tolerations, topology spread (a
constraint without labelSelector spreads the tier's own pods), priority class, pull secrets.
*/}}
{{- define "cpa.scheduling" -}}
{{- $tier := . -}}
{{- with include "cpa.tierMap" (dict "root" .root "tier" .tier "key" "nodeSelector") | fromYaml }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "cpa.tierOverride" (dict "root" .root "tier" .tier "key" "affinity") | fromYaml }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "cpa.tierList" (dict "root" .root "tier" .tier "key" "tolerations") | fromYamlArray }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "cpa.tierList" (dict "root" .root "tier" .tier "key" "topologySpreadConstraints") | fromYamlArray }}
topologySpreadConstraints:
  {{- range . }}
  {{- $constraint := . }}
  {{- if not (hasKey $constraint "labelSelector") }}
  {{- $constraint = merge (dict "labelSelector" (dict "matchLabels" (include "cpa.selectorLabels" $tier | fromYaml))) $constraint }}
  {{- end }}
  - {{- toYaml $constraint | nindent 4 }}
  {{- end }}
{{- end }}
{{- with (index (index .root.Values .tier) "priorityClassName") | default .root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A container's extra env, envFrom and volume mounts, and a pod's extra volumes, by key. */}}
{{- define "cpa.extraList" -}}
{{- with include "cpa.tierList" . | fromYamlArray }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{/*
The CA bundle: the volume that holds it and, for the ClickHouse client, an emptyDir for the JVM
trust store the init container builds. Empty unless tls.caBundle names a Secret or ConfigMap.
*/}}
{{- define "cpa.caBundleEnabled" -}}
{{- $ca := .Values.tls.caBundle -}}
{{- if and $ca.secretName $ca.configMapName -}}
{{- fail "tls.caBundle: set secretName or configMapName, not both" -}}
{{- end -}}
{{- if or $ca.secretName $ca.configMapName -}}true{{- end -}}
{{- end -}}

{{- define "cpa.caBundlePath" -}}/etc/cpa/ca/{{ .Values.tls.caBundle.key }}{{- end -}}
{{- define "cpa.trustStorePath" -}}/etc/cpa/truststore/truststore.p12{{- end -}}

{{/* Whether this tier's JVM needs the trust store: ClickHouse clients only (writer, migration). */}}
{{- define "cpa.jvmTrustStore" -}}
{{- if and (include "cpa.caBundleEnabled" .root) .root.Values.tls.caBundle.clickhouse (ne .tier "gateway") -}}true{{- end -}}
{{- end -}}

{{/* The JVM options that make the trust store the default one (JDK_JAVA_OPTIONS: every java launch reads it). */}}
{{- define "cpa.jvmTrustStoreOptions" -}}
-Djavax.net.ssl.trustStore={{ include "cpa.trustStorePath" . }} -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit
{{- end -}}

{{/* Kafka's PEM trust store settings, for the tiers' ConfigMaps (a kafka.existingSecret key still wins). */}}
{{- define "cpa.kafkaTrustStoreConfig" -}}
{{- if and (include "cpa.caBundleEnabled" .) .Values.tls.caBundle.kafka (not (hasKey .Values.kafka.config "ssl.truststore.location")) }}
KAFKA_SSL_TRUSTSTORE_TYPE: PEM
KAFKA_SSL_TRUSTSTORE_LOCATION: {{ include "cpa.caBundlePath" . | quote }}
{{- end }}
{{- end -}}

{{- define "cpa.caVolumes" -}}
{{- if include "cpa.caBundleEnabled" .root }}
- name: ca-bundle
  {{- with .root.Values.tls.caBundle.secretName }}
  secret:
    secretName: {{ . }}
  {{- else }}
  configMap:
    name: {{ .root.Values.tls.caBundle.configMapName }}
  {{- end }}
{{- if include "cpa.jvmTrustStore" . }}
- name: truststore
  emptyDir:
    sizeLimit: 16Mi
{{- end }}
{{- end }}
{{- end -}}

{{- define "cpa.caVolumeMounts" -}}
{{- if include "cpa.caBundleEnabled" .root }}
- name: ca-bundle
  mountPath: /etc/cpa/ca
  readOnly: true
{{- if include "cpa.jvmTrustStore" . }}
- name: truststore
  mountPath: /etc/cpa/truststore
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{/*
The init container that builds the JVM trust store (the JDK's CAs plus the bundle) with keytool
from the service image; files/ca-truststore.sh is the script, tested on its own.
*/}}
{{- define "cpa.trustStoreInitContainer" -}}
{{- if include "cpa.jvmTrustStore" . }}
initContainers:
  - name: truststore
    image: {{ include "cpa.image" .root | quote }}
    imagePullPolicy: {{ .root.Values.image.pullPolicy }}
    command: ["/bin/sh", "-c", {{ .root.Files.Get "files/ca-truststore.sh" | quote }}, "ca-truststore"]
    args: [{{ include "cpa.caBundlePath" .root | quote }}, {{ include "cpa.trustStorePath" .root | quote }}]
    resources:
      requests:
        cpu: 50m
        memory: 128Mi
      limits:
        cpu: 500m
        memory: 128Mi
    securityContext:
      {{- toYaml .root.Values.securityContext | nindent 6 }}
    volumeMounts:
      {{- include "cpa.tmpVolumeMount" . | nindent 6 }}
      - name: ca-bundle
        mountPath: /etc/cpa/ca
        readOnly: true
      - name: truststore
        mountPath: /etc/cpa/truststore
{{- end }}
{{- end -}}

{{/*
The API keys, the existing Secret that holds them, or allowed origins: with none of them the
gateway could accept no event, so rendering stops. `required` (not `fail`) so that helm lint of
the bare chart reports it as missing instead of failing.
*/}}
{{- define "cpa.requireAuthentication" -}}
{{- $keys := include "cpa.csv" .Values.ingest.publicApiKeys | trim -}}
{{- $origins := include "cpa.csv" .Values.ingest.allowedOrigins | trim -}}
{{- $_ := required "set ingest.publicApiKeys (or ingest.existingSecret) or ingest.allowedOrigins: with neither, the gateway accepts no event. For several keys write --set ingest.publicApiKeys=old\\,new or --set 'ingest.publicApiKeys={old,new}'" (or $keys .Values.ingest.existingSecret $origins) -}}
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

{{/*
The writer's GeoIP database volume (writer.enrichment.geoip): "true" when a Secret or a volume
source is set, which are exclusive; its files (a list or a comma-separated string) are then
GEOIP_DATABASE under cpa.geoipDir.
*/}}
{{- define "cpa.geoipEnabled" -}}
{{- $geoip := .Values.writer.enrichment.geoip -}}
{{- if and $geoip.secretName $geoip.volume -}}
{{- fail "writer.enrichment.geoip: set secretName or volume, not both" -}}
{{- end -}}
{{- if or $geoip.secretName $geoip.volume -}}
{{- if not (trim (include "cpa.csv" $geoip.files)) -}}
{{- fail "writer.enrichment.geoip.files: name the .mmdb file(s) in the GeoIP volume" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{- define "cpa.geoipDir" -}}/etc/cpa/geoip{{- end -}}

{{- define "cpa.geoipDatabases" -}}
{{- $dir := include "cpa.geoipDir" . -}}
{{- $paths := list -}}
{{- range splitList "," (include "cpa.csv" .Values.writer.enrichment.geoip.files) -}}
{{- if trim . -}}
{{- $paths = append $paths (printf "%s/%s" $dir (trim .)) -}}
{{- end -}}
{{- end -}}
{{- join "," $paths -}}
{{- end -}}

{{- define "ferry.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "ferry.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ferry.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ferry.secretName" -}}
{{- if .Values.secrets.existingSecret -}}{{ .Values.secrets.existingSecret }}{{- else if .Values.secrets.create -}}{{ include "ferry.fullname" . }}{{- else -}}{{ fail "set secrets.existingSecret to the Secret holding DATABASE_URL, API_TOKEN and SF_* (or secrets.create: true with their values)" }}{{- end -}}
{{- end -}}

{{- define "ferry.image" -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}

{{/* Environment shared by every ferry container: settings from values, credentials from the Secret. */}}
{{- define "ferry.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: FERRY_SCHEMA
  value: {{ .Values.schema | quote }}
- name: SF_API_VERSION
  value: {{ .Values.apiVersion | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: LOG_FORMAT
  value: json
- name: FERRY_INSTANCE_ID
  value: {{ .Release.Name | quote }}
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ include "ferry.secretName" . }}, key: DATABASE_URL } }
{{- range $key := list "SF_LOGIN_URL" "SF_CLIENT_ID" "SF_CLIENT_SECRET" "SF_USERNAME" "SF_PASSWORD" }}
- name: {{ $key }}
  valueFrom: { secretKeyRef: { name: {{ include "ferry.secretName" $ }}, key: {{ $key }}, optional: true } }
{{- end }}
{{- end -}}

{{- define "ferry.migrateInit" -}}
{{- if .Values.migrations.initContainer }}
initContainers:
  - name: migrate
    image: {{ include "ferry.image" . }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: ["node", "--import", "tsx", "infra/migrate-cli.ts"]
    env:
      {{- include "ferry.env" . | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - { name: tmp, mountPath: /tmp }
    resources:
      requests: { cpu: 50m, memory: 128Mi }
      limits: { memory: 256Mi }
{{- end }}
{{- end -}}

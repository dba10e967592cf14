{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "backend.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: the release name, unless it already contains the chart name. */}}
{{- define "backend.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "backend.selectorLabels" -}}
app.kubernetes.io/name: {{ include "backend.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "backend.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "backend.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: agent-ready-k8s
{{- end }}

{{- define "backend.testLabels" -}}
app.kubernetes.io/name: {{ include "backend.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: agent-ready-k8s
{{- end }}

{{- define "backend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "backend.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image reference: with a digest, repository:tag@digest (the runtime pulls by digest; the tag names it). */}}
{{- define "backend.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository .Values.image.tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end }}
{{- end }}

{{/* Environment shared by the API container and the migration init container:
     every non-secret setting from the ConfigMap, every secret by reference. */}}
{{- define "backend.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "backend.fullname" . }}
env:
  - name: APP_KEY
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.app.name }}
        key: {{ .Values.secrets.app.appKeyKey }}
  - name: JWT_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.app.name }}
        key: {{ .Values.secrets.app.jwtSecretKey }}
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.db.name }}
        key: {{ .Values.secrets.db.passwordKey }}
  - name: REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ .Values.secrets.redis.name }}
        key: {{ .Values.secrets.redis.passwordKey }}
{{- end }}

{{/* Names and labels shared by every template. */}}

{{- define "waygate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "waygate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "waygate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "waygate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "waygate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "waygate.labels" -}}
helm.sh/chart: {{ include "waygate.chart" . }}
{{ include "waygate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: waygate
{{- end -}}

{{- define "waygate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "waygate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "waygate.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
Data-plane ports as a JSON list of {name, port, protocol}: the enabled listeners of the
chart's Gateways (these are the ports waygate binds, since listener ports come from the
bundle) followed by service.extraPorts. Used by the Deployment and the Service so the two
never disagree.
*/}}
{{- define "waygate.ports" -}}
{{- $ports := list -}}
{{- if .Values.gateway.enabled -}}
{{- with .Values.gateway.listeners.http -}}
{{- if .enabled -}}{{- $ports = append $ports (dict "name" "http" "port" (int .port) "protocol" "TCP") -}}{{- end -}}
{{- end -}}
{{- with .Values.gateway.listeners.https -}}
{{- if .enabled -}}{{- $ports = append $ports (dict "name" "https" "port" (int .port) "protocol" "TCP") -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.internalGateway.enabled -}}
{{- $ports = append $ports (dict "name" "internal" "port" (int .Values.internalGateway.port) "protocol" "TCP") -}}
{{- end -}}
{{- range .Values.service.extraPorts -}}
{{- $ports = append $ports (dict "name" .name "port" (int .port) "protocol" (default "TCP" .protocol)) -}}
{{- end -}}
{{- $seen := dict -}}
{{- $_ := set $seen (printf "%d/TCP" (int .Values.admin.port)) "admin" -}}
{{- $names := dict "admin" true -}}
{{- range $ports -}}
{{- if hasKey $names .name -}}
{{- fail (printf "port name %q is used twice (http, https, internal and admin are taken by the chart)" .name) -}}
{{- end -}}
{{- $_ := set $names .name true -}}
{{- $key := printf "%d/%s" (int .port) .protocol -}}
{{- if hasKey $seen $key -}}
{{- fail (printf "port %s is used by two listeners (%s and %s); give them distinct ports or share one listener" $key (get $seen $key) .name) -}}
{{- end -}}
{{- $_ := set $seen $key .name -}}
{{- end -}}
{{- toJson $ports -}}
{{- end -}}

{{/*
TLS secrets to mount, as a JSON list of {name, namespace, secretName}: tlsSecrets plus the
public Gateway's https certificate, without duplicates.
*/}}
{{- define "waygate.tlsSecrets" -}}
{{- $out := list -}}
{{- $seen := dict -}}
{{- $all := list -}}
{{- range .Values.tlsSecrets -}}
{{- $all = append $all (dict "name" .name "namespace" (default $.Release.Namespace .namespace) "secretName" (default .name .secretName)) -}}
{{- end -}}
{{- $https := .Values.gateway.listeners.https -}}
{{- if and .Values.gateway.enabled $https.enabled -}}
{{- $all = append $all (dict "name" $https.tlsSecretName "namespace" .Release.Namespace "secretName" $https.tlsSecretName) -}}
{{- end -}}
{{- range $all -}}
{{- $key := printf "%s/%s" .namespace .name -}}
{{- if not (hasKey $seen $key) -}}
{{- $_ := set $seen $key true -}}
{{- $out = append $out . -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* The trusted keys file: publicKey and extraPublicKeys, one PEM block after another. */}}
{{- define "waygate.publicKeys" -}}
{{- $keys := list (required "publicKey is required: the SPKI PEM public key bundles are signed with (waygate keygen)" .Values.publicKey) -}}
{{- $keys = concat $keys .Values.extraPublicKeys -}}
{{- range $keys }}
{{ . | trim }}
{{- end }}
{{ end -}}

{{/* Any listener below 1024 needs the unprivileged-port sysctl, since all capabilities are dropped. */}}
{{- define "waygate.lowestPort" -}}
{{- $min := 65536 -}}
{{- range (include "waygate.ports" . | fromJsonArray) -}}
{{- if lt (int .port) $min -}}{{- $min = int .port -}}{{- end -}}
{{- end -}}
{{- $min -}}
{{- end -}}

{{/* A listener's allowedRoutes from {from, namespaceSelector}. */}}
{{- define "waygate.allowedRoutes" -}}
namespaces:
  from: {{ .from }}
  {{- if eq .from "Selector" }}
  {{- if empty .namespaceSelector }}
  {{- fail "gateway.allowedRoutes.namespaceSelector is required when from is Selector" }}
  {{- end }}
  selector:
    {{- toYaml .namespaceSelector | nindent 4 }}
  {{- end }}
{{- end -}}

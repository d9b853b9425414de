#!/usr/bin/env bash
# End-to-end run on a kind cluster: creates the cluster from kind-config.yaml, builds the operator
# and worker images with Jib, loads them into kind, installs the Helm chart, runs
# examples/hello.yaml to completion, prints its status, and deletes the cluster.
#
# Needs docker, kind, kubectl and helm on the PATH. Run from anywhere:
#   scripts/e2e-kind.sh                 # embedded queue and H2 (the chart's defaults)
#   FANOUT_E2E_QUEUE=localstack scripts/e2e-kind.sh   # LocalStack SQS (localstack/)
#   FANOUT_E2E_KEEP=1 scripts/e2e-kind.sh             # keep the cluster for a look afterwards
set -euo pipefail

readonly CLUSTER="${FANOUT_E2E_CLUSTER:-fanout-e2e}"
readonly RELEASE="${FANOUT_E2E_RELEASE:-fanout}"
readonly NAMESPACE="${FANOUT_E2E_NAMESPACE:-fanout-system}"
readonly QUEUE="${FANOUT_E2E_QUEUE:-embedded}"
readonly TIMEOUT="${FANOUT_E2E_TIMEOUT:-300s}"
readonly TAG="${FANOUT_E2E_TAG:-e2e}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'e2e-kind: %s\n' "$*" >&2; exit 1; }

require() {
  local tool="$1" hint="$2"
  command -v "${tool}" >/dev/null 2>&1 || die "${tool} is not installed or not on the PATH; ${hint}"
}

require docker "install Docker (https://docs.docker.com/get-docker/); kind runs its nodes as containers"
require kind "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
require kubectl "install kubectl (https://kubernetes.io/docs/tasks/tools/)"
require helm "install Helm 3.8+ (https://helm.sh/docs/intro/install/)"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer (is it running? may this user use it?)"
case "${QUEUE}" in
  embedded | localstack) ;;
  *) die "FANOUT_E2E_QUEUE must be embedded or localstack, was '${QUEUE}'" ;;
esac

KUBECONFIG_FILE="$(mktemp -t fanout-e2e-kubeconfig.XXXXXX)"
export KUBECONFIG="${KUBECONFIG_FILE}"

diagnose() {
  log "diagnostics"
  kubectl get pods -A -o wide || true
  kubectl -n "${NAMESPACE}" describe pods || true
  kubectl -n "${NAMESPACE}" logs -l app.kubernetes.io/component=operator --tail=200 || true
  kubectl -n "${NAMESPACE}" logs -l app.kubernetes.io/component=worker --tail=200 || true
  kubectl get fjob hello -o yaml || true
}

teardown() {
  local status=$?
  if [[ ${status} -ne 0 ]]; then
    diagnose
  fi
  if [[ -n "${FANOUT_E2E_KEEP:-}" ]]; then
    log "keeping cluster ${CLUSTER} (KUBECONFIG=${KUBECONFIG_FILE}); delete it with: kind delete cluster --name ${CLUSTER}"
  else
    log "deleting cluster ${CLUSTER}"
    kind delete cluster --name "${CLUSTER}" || true
    rm -f "${KUBECONFIG_FILE}"
  fi
  if [[ ${status} -eq 0 ]]; then
    log "e2e passed"
  else
    log "e2e FAILED (exit ${status})"
  fi
  exit "${status}"
}

if kind get clusters 2>/dev/null | grep -qx "${CLUSTER}"; then
  die "a kind cluster named ${CLUSTER} exists already; delete it (kind delete cluster --name ${CLUSTER}) or set FANOUT_E2E_CLUSTER"
fi

log "creating kind cluster ${CLUSTER}"
trap teardown EXIT
kind create cluster --name "${CLUSTER}" --config "${ROOT}/kind-config.yaml" --kubeconfig "${KUBECONFIG_FILE}" --wait 120s

log "building images fanout-operator:${TAG} and fanout-worker:${TAG} with Jib"
# The modules they depend on (api, common) go to the local repository first, so that Jib runs on
# the two image modules only. Jib's configuration names the images fanout-operator and
# fanout-worker; -Djib.to.tags adds the tag this run loads into kind.
(
  cd "${ROOT}"
  ./mvnw -B -q -DskipTests -Dspotless.check.skip=true -pl operator,worker -am install
  ./mvnw -B -q -pl operator,worker jib:dockerBuild -Djib.to.tags="${TAG}"
)
for image in fanout-operator fanout-worker; do
  docker image inspect "${image}:${TAG}" >/dev/null 2>&1 \
    || die "Jib did not produce ${image}:${TAG} in the local Docker daemon"
done

log "loading images into kind"
kind load docker-image --name "${CLUSTER}" "fanout-operator:${TAG}" "fanout-worker:${TAG}"

values=()
if [[ "${QUEUE}" == localstack ]]; then
  log "starting LocalStack (SQS)"
  kubectl apply -k "${ROOT}/localstack"
  kubectl -n localstack rollout status deployment/localstack --timeout="${TIMEOUT}"
  values+=(-f "${ROOT}/localstack/values-localstack.yaml")
fi

log "installing the chart (queue: ${QUEUE})"
helm install "${RELEASE}" "${ROOT}/helm/fanout" \
  --namespace "${NAMESPACE}" --create-namespace \
  ${values[@]+"${values[@]}"} \
  --set operator.image.tag="${TAG}" \
  --set worker.image.tag="${TAG}" \
  --wait --timeout "${TIMEOUT}"
kubectl wait --for=condition=Established crd/jobs.fanout.dev --timeout=60s

log "running examples/hello.yaml"
kubectl apply -n default -f "${ROOT}/examples/hello.yaml"
kubectl wait -n default --for=condition=Complete fjob/hello --timeout="${TIMEOUT}"

log "status of fjob/hello"
kubectl get -n default fjob hello
kubectl get -n default fjob hello -o jsonpath='{.status}'
echo

succeeded="$(kubectl get -n default fjob hello -o jsonpath='{.status.succeeded}')"
[[ "${succeeded}" == 10 ]] || die "expected 10 succeeded tasks, status says '${succeeded}'"

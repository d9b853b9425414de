#!/usr/bin/env bash
# Checks the operator and worker images offline: no registry can be reached from these machines,
# so Jib assembles each image onto a tiny stand-in base image (a docker-save tarball made here,
# holding only a JAVA_HOME marker) with `jib:buildTar`, and this script asserts the resulting
# image config: entrypoint and main class, JVM flags, non-root user, ports, OCI labels.
# The real images (`jib:dockerBuild`, `jib:build`) use the configured JRE 21 base instead.
#
# Usage: scripts/check-images.sh   (needs JAVA_HOME pointing at a JDK 21+, and python3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/root/opt/java/openjdk"
echo 'JAVA_VERSION="21"' > "$WORK/root/opt/java/openjdk/release"
tar -C "$WORK/root" -cf "$WORK/layer.tar" opt
diff_id="sha256:$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)"
cat > "$WORK/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/bin:/bin","JAVA_HOME=/opt/java/openjdk"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
JSON
echo '[{"Config":"config.json","RepoTags":["fanout-check-base:local"],"Layers":["layer.tar"]}]' \
  > "$WORK/manifest.json"
tar -C "$WORK" -cf "$WORK/base.tar" manifest.json config.json layer.tar

./mvnw -B -q -ntp -pl api,common -am install -DskipTests
./mvnw -B -q -ntp -pl operator,worker compile jib:buildTar -Djib.from.image="tar://$WORK/base.tar"

python3 - operator/target/jib-image.tar worker/target/jib-image.tar <<'PY'
import json, sys, tarfile

expected = {
    "operator": ("dev.fanout.operator.Main", {"8080/tcp", "9324/tcp"}),
    "worker": ("dev.fanout.worker.Main", {"8081/tcp"}),
}
for path in sys.argv[1:]:
    program = path.split("/")[0]
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]
        config = json.load(tar.extractfile(manifest["Config"]))["config"]
    main, ports = expected[program]
    problems = []
    entry = config.get("Entrypoint", [])
    if not entry or entry[0] != "java" or entry[-1] != main:
        problems.append(f"entrypoint {entry} does not run java {main}")
    for flag in ("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError"):
        if flag not in entry:
            problems.append(f"entrypoint lacks {flag}")
    if config.get("User") != "10001:10001":
        problems.append(f"user is {config.get('User')!r}, not 10001:10001 (non-root)")
    if set(config.get("ExposedPorts", {})) != ports:
        problems.append(f"exposed ports {sorted(config.get('ExposedPorts', {}))}, want {sorted(ports)}")
    labels = config.get("Labels", {})
    for label in ("org.opencontainers.image.version", "org.opencontainers.image.source",
                  "org.opencontainers.image.title"):
        if not labels.get(label):
            problems.append(f"label {label} missing")
    tags = manifest.get("RepoTags", [])
    if f"fanout-{program}:latest" not in tags:
        problems.append(f"tags {tags} lack fanout-{program}:latest")
    if problems:
        print(f"image fanout-{program}: " + "; ".join(problems))
        sys.exit(1)
    print(f"image fanout-{program}: ok (user {config['User']}, ports {sorted(ports)}, "
          f"main {main}, {len(manifest['Layers'])} layers, tags {tags})")
PY

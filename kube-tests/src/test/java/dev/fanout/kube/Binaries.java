package dev.fanout.kube;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where scripts/control-plane.sh puts etcd, kube-apiserver, kubectl and helm, and whether they are
 * there: {@code <dir>/k8s/1.35.2-linux-amd64/{etcd,kube-apiserver,kubectl}} and {@code
 * <dir>/bin/helm}, with {@code <dir>} = {@code $FANOUT_KUBEAPITEST_DIR} or {@code ~/.kubeapitest}.
 */
record Binaries(Path dir) {
  /** The folder name kube-api-test looks up (the script's K8S_DIR_VERSION). */
  static final String VERSION = "1.35.2";

  static final String REQUIRE = "FANOUT_REQUIRE_CONTROL_PLANE";

  static Binaries locate() {
    String configured = System.getenv("FANOUT_KUBEAPITEST_DIR");
    return new Binaries(
        configured == null || configured.isBlank()
            ? Path.of(System.getProperty("user.home"), ".kubeapitest")
            : Path.of(configured));
  }

  static boolean required() {
    return "1".equals(System.getenv(REQUIRE)) || "true".equals(System.getenv(REQUIRE));
  }

  Path k8s() {
    return dir.resolve("k8s");
  }

  Path kubectl() {
    return k8s().resolve(VERSION + "-linux-amd64").resolve("kubectl");
  }

  Path helm() {
    return dir.resolve("bin").resolve("helm");
  }

  /** The binaries that are not there (empty when all are). */
  List<Path> missing() {
    Path versionDir = k8s().resolve(VERSION + "-linux-amd64");
    List<Path> missing = new ArrayList<>();
    for (Path p :
        List.of(
            versionDir.resolve("etcd"), versionDir.resolve("kube-apiserver"), kubectl(), helm())) {
      if (!Files.isExecutable(p)) {
        missing.add(p);
      }
    }
    return missing;
  }

  String absenceMessage() {
    return "no local Kubernetes control plane: missing "
        + missing()
        + ". Run scripts/control-plane.sh (see docs/control-plane.md)";
  }
}

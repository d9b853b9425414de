package dev.fanout.kube;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where scripts/control-plane.sh puts etcd, kube-apiserver, kubectl and helm, and whether they are
 * there: {@code <dir>/k8s/1.35.2-linux-amd64/{etcd,kube-apiserver,kubectl}} and {@code
 * <dir>/bin/helm} (or helm on the PATH), with {@code <dir>} = {@code $FANOUT_KUBEAPITEST_DIR} or
 * {@code ~/.kubeapitest}.
 */
record Binaries(Path dir) {
  /** The folder name kube-api-test looks up (the script's K8S_DIR_VERSION). */
  static final String VERSION = "1.35.2";

  static final String REQUIRE = "FANOUT_REQUIRE_CONTROL_PLANE";

  /** With internet: let kube-api-test download etcd, kube-apiserver and kubectl itself. */
  static final String DOWNLOAD = "FANOUT_KUBEAPITEST_DOWNLOAD";

  static Binaries locate() {
    String configured = System.getenv("FANOUT_KUBEAPITEST_DIR");
    return new Binaries(
        configured == null || configured.isBlank()
            ? Path.of(System.getProperty("user.home"), ".kubeapitest")
            : Path.of(configured));
  }

  static boolean required() {
    return flag(REQUIRE);
  }

  static boolean download() {
    return flag(DOWNLOAD);
  }

  private static boolean flag(String name) {
    return "1".equals(System.getenv(name)) || "true".equals(System.getenv(name));
  }

  Path k8s() {
    return dir.resolve("k8s");
  }

  /** KEDA's ScaledObject CRD, as scripts/control-plane.sh takes it from KEDA's Go module. */
  Path kedaCrd() {
    return dir.resolve("crds").resolve("keda.sh_scaledobjects.yaml");
  }

  Path kubectl() {
    return k8s().resolve(VERSION + "-linux-amd64").resolve("kubectl");
  }

  /** {@code <dir>/bin/helm}, else the first {@code helm} on the PATH. */
  Path helm() {
    Path provisioned = dir.resolve("bin").resolve("helm");
    if (Files.isExecutable(provisioned)) {
      return provisioned;
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(entry.isEmpty() ? "." : entry).resolve("helm");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return provisioned;
  }

  /**
   * The binaries that are not there (empty when all are); in download mode only helm, as
   * kube-api-test fetches the others.
   */
  List<Path> missing() {
    Path versionDir = k8s().resolve(VERSION + "-linux-amd64");
    List<Path> needed = new ArrayList<>();
    if (!download()) {
      needed.addAll(
          List.of(versionDir.resolve("etcd"), versionDir.resolve("kube-apiserver"), kubectl()));
    }
    needed.add(helm());
    return needed.stream().filter(p -> !Files.isExecutable(p)).toList();
  }

  String absenceMessage() {
    return "no local Kubernetes control plane: missing "
        + missing()
        + ". Run scripts/control-plane.sh, or with internet set "
        + DOWNLOAD
        + "=1 (see docs/control-plane.md)";
  }
}

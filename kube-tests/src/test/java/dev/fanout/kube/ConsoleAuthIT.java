package dev.fanout.kube;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fanout.common.testing.Browser;
import dev.fanout.sandbox.ChildProcess;
import dev.fanout.sandbox.FanoutProcesses;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console with {@code FANOUT_CONSOLE_AUTH=kubernetes} on a real API server, in a real Chromium:
 * the token prompt, a token the API server rejects (the 401 page), and a valid token whose user may
 * not list Jobs (the 403 page). The mock API server has no TokenReview; this one has.
 */
class ConsoleAuthIT {
  @RegisterExtension static final ControlPlane kube = ControlPlane.create();

  static final String NS = "team-c";
  private static ChildProcess operator;
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    int[] ports = FanoutProcesses.freePorts(2);
    browser = Browser.open("http://127.0.0.1:" + ports[1]);
    kube.installCrd();
    kube.createNamespace(NS);
    kube.kubectl().run("create", "serviceaccount", "nobody", "-n", NS).outOrFail();
    operator =
        FanoutJars.startReady(
            kube,
            "operator-console",
            FanoutJars.OPERATOR,
            Map.ofEntries(
                entry("KUBECONFIG", kube.kubeconfig().toString()),
                entry("FANOUT_NAMESPACES", NS),
                entry("POD_NAMESPACE", NS),
                entry("FANOUT_DB_URL", "jdbc:h2:file:" + kube.dir().resolve("console-db/fanout")),
                entry("FANOUT_SQS_EMBEDDED", "true"),
                entry("FANOUT_SQS_EMBEDDED_PORT", String.valueOf(ports[0])),
                entry("FANOUT_CONSOLE_PORT", String.valueOf(ports[1])),
                entry("FANOUT_CONSOLE_AUTH", "kubernetes")));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (operator != null) {
      operator.stop(java.time.Duration.ofSeconds(10));
    }
  }

  @Test
  void aBadTokenGetsThe401PageAndAUserWithoutTheRightThe403Page() {
    browser.get("/");
    browser.await(d -> browser.all("#token").size() == 1);
    assertThat(browser.textOf("h1")).isEqualTo("Sign in with a Kubernetes token");
    browser.screenshot("sign-in");
    browser.assertAccessible("the token prompt");

    browser.find("#token").sendKeys("not-a-token");
    browser.find(".token-form button").click();
    browser.await(d -> "401 — the token was not accepted".equals(browser.textOf("h1")));
    assertThat(browser.textOf(".api-message")).startsWith("The API said:");
    browser.screenshot("unauthorized");
    browser.assertAccessible("the 401 page");

    String token = kube.kubectl().run("create", "token", "nobody", "-n", NS).outOrFail().strip();
    browser.find("#token").sendKeys(token);
    browser.find(".token-form button").click();
    browser.get("/jobs/" + NS + "/anything");
    browser.await(d -> "403 — not allowed".equals(browser.textOf("h1")));
    assertThat(browser.textOf(".api-message"))
        .contains("system:serviceaccount:" + NS + ":nobody")
        .contains(NS);
    browser.screenshot("forbidden");
    browser.assertAccessible("the 403 page");
  }
}

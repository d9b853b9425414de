package dev.fanout.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fanout.api.Job;
import dev.fanout.api.JobPhase;
import dev.fanout.api.RetryJob;
import dev.fanout.common.testing.Browser;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web console in a real headless Chromium, on the real operator and workers (LocalFanout: the
 * mock API server, ElasticMQ, H2), with auth {@code none} since the mock has no TokenReview. What a
 * user sees: the list following a Job live, one Job's failures and tasks, the retry button, submit.
 * Screenshots land in {@code target/console-screenshots/}; axe-core checks each page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern PROGRESS = Pattern.compile("(\\d+)/(\\d+)");

  private LocalFanout fanout;
  private Browser browser;

  @BeforeAll
  void start() {
    int port = freePort();
    // The browser first: without Chromium the class is skipped before anything starts.
    browser = Browser.open("http://127.0.0.1:" + port);
    fanout = new LocalFanout(2, 4, 100, TestDatabase.h2(), port);
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (fanout != null) {
      fanout.close();
    }
  }

  @Test
  @Order(1)
  void theListFollowsARunningJobToSucceededWithoutAReload() {
    browser.get("/");
    browser.await(d -> browser.textOf("#jobs-summary") != null);
    browser.script("window.__sameDocument = true;");
    Job job = LocalFanout.job("rising", "sleep", 300);
    job.getSpec().setParameters(JsonNodeFactory.instance.objectNode().put("ms", 100));
    fanout.create(job);

    String row = "tr[data-key='default/rising']";
    int seenMidway =
        browser.await(
            WAIT,
            d -> {
              String progress = browser.textOf(row + " .progress-text");
              Matcher m = progress == null ? null : PROGRESS.matcher(progress);
              if (m == null || !m.find()) {
                return null;
              }
              int done = Integer.parseInt(m.group(1));
              boolean running = "Running".equals(browser.textOf(row + " .phase"));
              return running && done > 0 && done < 300 ? done : null;
            });
    browser.screenshot("jobs-list-running");
    browser.assertAccessible("the Jobs list");

    browser.await(WAIT, d -> "Succeeded".equals(browser.textOf(row + " .phase")));
    assertThat(browser.textOf(row + " .progress-text")).isEqualTo("300/300");
    assertThat(seenMidway).isBetween(1, 299);
    assertThat(browser.script("return window.__sameDocument === true;"))
        .as("updated in place, never reloaded")
        .isEqualTo(true);
    assertThat(fanout.phase("rising")).isEqualTo(JobPhase.Succeeded);
    browser.screenshot("jobs-list");

    // The phase filter hides it; the namespace filter keeps it.
    new Select(browser.find("#filter-phase")).selectByValue("Failed");
    browser.await(d -> !browser.find(row).isDisplayed());
    new Select(browser.find("#filter-phase")).selectByValue("Succeeded");
    new Select(browser.find("#filter-namespace")).selectByValue("default");
    browser.await(d -> browser.find(row).isDisplayed());
    assertThat(browser.url()).endsWith("/?namespace=default&phase=Succeeded");

    // Its page, reached by its link: phase, counts and the throughput chart from the task rows.
    browser.find(row + " a").click();
    browser.await(d -> "rising".equals(browser.textOf("h1")));
    browser.await(d -> browser.all("svg.chart path.area").size() == 1);
    assertThat(browser.textOf(".counts")).contains("300");
    browser.screenshot("job");
    browser.assertAccessible("a Job's page");
  }

  @Test
  @Order(2)
  void theJobPageShowsTheFailuresAndItsTaskTableFiltersByState() {
    Job job = LocalFanout.job("flaky", "fail", 20);
    job.getMetadata().setLabels(Map.of("team", "ingest"));
    job.getSpec()
        .setParameters(
            JsonNodeFactory.instance
                .objectNode()
                .set("failIndexes", JsonNodeFactory.instance.arrayNode().add(3).add(7)));
    job.getSpec().setMaxAttempts(1);
    job.getSpec().setMaxFailedTasks(5);
    fanout.create(job);
    await().atMost(WAIT).until(() -> finished(fanout.phase("flaky")));

    browser.get("/jobs/default/flaky");
    browser.await(d -> browser.all("#failures tbody tr").size() == 2);
    List<WebElement> failures = browser.all("#failures tbody tr");
    assertThat(failures)
        .extracting(r -> r.findElement(By.cssSelector("td")).getText())
        .containsExactlyInAnyOrder("3", "7");
    Job seen = fanout.get("flaky");
    for (WebElement failure : failures) {
      String message = failure.findElement(By.cssSelector("pre")).getText();
      assertThat(message).isNotBlank();
      assertThat(seen.getStatus().getFailures())
          .anySatisfy(f -> assertThat(f.getMessage()).isEqualTo(message));
    }
    browser.await(d -> browser.all("#tasks tbody tr").size() == 20);

    new Select(browser.find("#task-state")).selectByValue("Failed");
    browser.await(d -> indexes().equals(List.of("3", "7")));
    new Select(browser.find("#task-state")).selectByValue("Succeeded");
    browser.await(d -> indexes().size() == 18 && !indexes().contains("3"));
    new Select(browser.find("#task-state")).selectByValue("Failed");
    browser.await(d -> indexes().equals(List.of("3", "7")));
    browser.script("document.getElementById('failures-title').scrollIntoView();");
    browser.screenshot("job-failures");
    browser.assertAccessible("a Job's page");
  }

  @Test
  @Order(3)
  void retryFailedTasksCreatesTheJobRetryJobBuilds() {
    browser.get("/jobs/default/flaky");
    WebElement retry = browser.await(d -> enabled("#retry"));
    Job original = fanout.get("flaky");
    retry.click();

    String made = browser.await(WAIT, d -> browser.textOf("#retry-link"));
    assertThat(made).isEqualTo("flaky-retry-1");
    Job created = fanout.get(made);
    Job expected = RetryJob.of(original, name -> false);
    assertThat(created.getMetadata().getName()).isEqualTo(expected.getMetadata().getName());
    assertThat(created.getMetadata().getLabels()).isEqualTo(Map.of("team", "ingest"));
    assertThat(created.getMetadata().getAnnotations())
        .isEqualTo(expected.getMetadata().getAnnotations())
        .containsEntry(RetryJob.RETRY_OF_ANNOTATION, "flaky");
    assertThat(tree(created.getSpec())).isEqualTo(tree(expected.getSpec()));
    assertThat(created.getSpec().getTasks().getIndexes()).isEqualTo("3,7");
    browser.screenshot("job-retried");

    // A second retry takes the next free number, as kubectl fanout retry does.
    browser.get("/jobs/default/flaky");
    browser.await(d -> enabled("#retry")).click();
    String second = browser.await(WAIT, d -> browser.textOf("#retry-link"));
    assertThat(second).isEqualTo("flaky-retry-2");

    browser.find("#retry-link").click();
    browser.await(d -> "flaky-retry-2".equals(browser.textOf("h1")));
    await().atMost(WAIT).until(() -> finished(fanout.phase("flaky-retry-2")));
    browser.await(WAIT, d -> browser.textOf(".counts").contains("2"));
  }

  @Test
  @Order(4)
  void submitCreatesTheJobAndShowsTheApiServersRefusalAsItSaysIt() {
    String manifest =
        """
        apiVersion: fanout.dev/v1alpha1
        kind: Job
        metadata:
          name: submitted
          namespace: default
        spec:
          handler: noop
          tasks:
            count: 5
        """;
    browser.get("/submit");
    browser.assertAccessible("the submit page");
    browser.find("#manifest").sendKeys(manifest);
    assertThat(browser.find("#namespace").getAttribute("value")).isEqualTo("default");
    browser.find("#submit").click();
    String created = browser.await(d -> browser.textOf("#created-link"));
    assertThat(created).isEqualTo("default/submitted");
    await().atMost(WAIT).until(() -> fanout.phase("submitted") == JobPhase.Succeeded);

    // The same again: the API server refuses (409), and the page shows its message verbatim.
    String refusal;
    try {
      fanout.create(Serialization.unmarshal(manifest, Job.class));
      throw new AssertionError("the API server took the same Job twice");
    } catch (KubernetesClientException e) {
      refusal = e.getStatus().getMessage();
    }
    browser.find("#submit").click();
    String shown = browser.await(d -> browser.textOf("#refusal-message"));
    assertThat(shown).isEqualTo(refusal).contains("already exists");
    assertThat(browser.textOf("#refusal h2")).startsWith("Not created: 409");
    browser.screenshot("submit-refused");
    browser.assertAccessible("the submit page with a refusal");

    // Not a Job at all: the console's own 400, also shown as said.
    browser.find("#manifest").clear();
    browser.find("#manifest").sendKeys("kind: ConfigMap\napiVersion: v1\n");
    browser.find("#submit").click();
    browser.await(
        d -> {
          String text = browser.textOf("#refusal-message");
          return text != null && text.contains("must be kind Job");
        });
    assertThat(browser.textOf("#refusal h2")).startsWith("Not created: 400");
  }

  @Test
  @Order(5)
  void everyPageFitsAPhoneScreen() {
    browser.size(390, 844);
    try {
      for (String path : List.of("/", "/jobs/default/flaky", "/submit")) {
        browser.get(path);
        browser.await(d -> browser.textOf("h1") != null);
        Object overflow =
            browser.script("return document.documentElement.scrollWidth > window.innerWidth + 1;");
        assertThat(overflow).as("%s scrolls sideways on a phone", path).isEqualTo(false);
      }
      browser.get("/");
      browser.await(d -> browser.all("tr[data-key]").size() >= 3);
      browser.screenshot("jobs-list-phone");
    } finally {
      browser.size(1280, 900);
    }
    browser.get("/");
    browser.await(d -> browser.all("tr[data-key]").size() >= 5);
    browser.screenshot("jobs-list-wide");
  }

  /** The first cells of the task table's rows, read at once (the table may be redrawn). */
  @SuppressWarnings("unchecked")
  private List<String> indexes() {
    return (List<String>)
        browser.script(
            "return [...document.querySelectorAll('#tasks tbody tr')]"
                + ".map(r => r.cells[0].textContent);");
  }

  private WebElement enabled(String css) {
    List<WebElement> found = browser.all(css);
    return !found.isEmpty() && found.getFirst().isEnabled() ? found.getFirst() : null;
  }

  private static boolean finished(JobPhase phase) {
    return phase == JobPhase.Succeeded || phase == JobPhase.Failed;
  }

  private static JsonNode tree(Object value) {
    return Serialization.jsonMapper().valueToTree(value);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

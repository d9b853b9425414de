package dev.fanout.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven by Selenium: Debian's {@code chromium} and {@code
 * chromium-driver} (or {@code FANOUT_CHROMIUM} and {@code FANOUT_CHROMEDRIVER}), given to Selenium
 * by path so that Selenium Manager downloads nothing. Where they are missing the test is skipped
 * with a message, and fails instead under {@code FANOUT_REQUIRE_BROWSER=1} (as {@code .ci/run}
 * sets). Screenshots go to {@code target/console-screenshots/}; {@link #axe} runs axe-core in the
 * page.
 */
public final class Browser implements AutoCloseable {
  public static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final ObjectMapper JSON = new ObjectMapper();

  public final ChromeDriver driver;
  private final String baseUrl;

  private Browser(ChromeDriver driver, String baseUrl) {
    this.driver = driver;
    this.baseUrl = baseUrl;
  }

  /** A browser for pages under {@code baseUrl}, or the test skipped (failed if required). */
  public static Browser open(String baseUrl) {
    String chromium = found("FANOUT_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser");
    String driverPath =
        found("FANOUT_CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    if (chromium == null || driverPath == null) {
      String why =
          "no Chromium and chromedriver (apt-get install chromium chromium-driver, or set"
              + " FANOUT_CHROMIUM and FANOUT_CHROMEDRIVER): the console's browser tests need them";
      if ("1".equals(System.getenv("FANOUT_REQUIRE_BROWSER"))) {
        throw new AssertionError(why + " and FANOUT_REQUIRE_BROWSER=1");
      }
      Assumptions.abort(why);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    // The page's console messages, for a failing wait to show (goog:loggingPrefs).
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-GB",
        "--force-prefers-reduced-motion");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(driverPath))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return new Browser(driver, baseUrl);
  }

  private static String found(String variable, String... defaults) {
    String given = System.getenv(variable);
    if (given != null && !given.isBlank()) {
      return Files.isExecutable(Path.of(given)) ? given : null;
    }
    for (String candidate : defaults) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  public void get(String path) {
    driver.get(baseUrl + path);
  }

  public String url() {
    return driver.getCurrentUrl();
  }

  public <T> T await(Duration timeout, Function<WebDriver, T> condition) {
    try {
      return new WebDriverWait(driver, timeout, Duration.ofMillis(100)).until(condition);
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError(
          e.getMessage().lines().findFirst().orElse("timed out")
              + " on "
              + driver.getCurrentUrl()
              + "; the page's console: "
              + consoleMessages(),
          e);
    }
  }

  /** What the page logged (errors included) since the last call. */
  public List<String> consoleMessages() {
    List<String> messages = new ArrayList<>();
    driver
        .manage()
        .logs()
        .get(org.openqa.selenium.logging.LogType.BROWSER)
        .forEach(entry -> messages.add(entry.getLevel() + " " + entry.getMessage()));
    return messages;
  }

  public <T> T await(Function<WebDriver, T> condition) {
    return await(Duration.ofSeconds(30), condition);
  }

  public WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /**
   * The first matching element's rendered text, or null while there is none; read in one script,
   * since the page may redraw the element between a find and a read.
   */
  public String textOf(String css) {
    Object text =
        script(
            "const e = document.querySelector(arguments[0]);"
                + " return e ? e.innerText.trim() : null;",
            css);
    return text == null ? null : text.toString();
  }

  public Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  public void size(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** A PNG of the viewport as {@code target/console-screenshots/NAME.png}. */
  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** axe-core's serious and critical violations on the page as it is, one line each. */
  public List<String> seriousViolations() {
    script(axeSource());
    Object result =
        ((JavascriptExecutor) driver)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "axe.run(document, {resultTypes: ['violations']})"
                    + ".then(r => done(JSON.stringify(r.violations)),"
                    + " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical',"
                    + " help: String(e), nodes: []}])));");
    List<String> serious = new ArrayList<>();
    try {
      for (JsonNode v : JSON.readTree(Objects.toString(result))) {
        String impact = v.path("impact").asText();
        if (impact.equals("serious") || impact.equals("critical")) {
          List<String> targets = new ArrayList<>();
          v.path("nodes").forEach(n -> targets.add(n.path("target").toString()));
          serious.add(
              impact
                  + " "
                  + v.path("id").asText()
                  + ": "
                  + v.path("help").asText()
                  + " "
                  + targets);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return serious;
  }

  /** Fails with axe's words when the page has a serious or critical violation. */
  public void assertAccessible(String page) {
    assertThat(seriousViolations()).as("axe-core on %s", page).isEmpty();
  }

  private static String axeSource() {
    try (InputStream in = Browser.class.getResourceAsStream("/axe/axe.min.js")) {
      return new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }
}

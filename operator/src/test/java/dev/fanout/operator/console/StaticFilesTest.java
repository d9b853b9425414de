package dev.fanout.operator.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StaticFilesTest {
  @ParameterizedTest
  @CsvSource({
    "/, index.html",
    "/submit, index.html",
    "/jobs/team-a/render-frames, index.html",
    "/assets/app.js, assets/app.js",
    "/assets/fonts/inter.woff2, assets/fonts/inter.woff2",
  })
  void pagesAnswerWithTheAppAndAssetsWithTheirFile(String path, String resource) {
    assertThat(StaticFiles.resourceOf(path)).isEqualTo(resource);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/assets/../logback.xml",
        "/assets/./app.js",
        "/assets/.hidden.js",
        "/assets//app.js",
        "/assets/a\\..\\b.js",
        "/assets/app",
        "/assets/",
        "/index.html",
        "/logback.xml",
        "/jobs/team-a",
        "/jobs/Team_A/x",
        "/jobs/a/b/c",
        "/db/migration/V1__task_rows.sql",
      })
  void anythingElseNamesNoFile(String path) {
    assertThat(StaticFiles.resourceOf(path)).isNull();
  }
}

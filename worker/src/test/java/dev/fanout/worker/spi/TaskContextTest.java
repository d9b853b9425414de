package dev.fanout.worker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskContextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static TaskContext context(String paramsJson) throws Exception {
    return TaskContext.builder()
        .job("ns", "job", "uid-1")
        .index(3)
        .attempt(2)
        .params((ObjectNode) JSON.readTree(paramsJson))
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  @Test
  void typedGettersReadTheirTypeAndFallBackWhenAbsentOrNull() throws Exception {
    TaskContext ctx =
        context(
            """
            {"n": 7, "big": 9000000000, "s": "x", "b": true, "list": [1, 2], "nothing": null}
            """);
    assertThat(ctx.intParam("n", 0)).isEqualTo(7);
    assertThat(ctx.longParam("big", 0)).isEqualTo(9_000_000_000L);
    assertThat(ctx.stringParam("s", null)).isEqualTo("x");
    assertThat(ctx.booleanParam("b", false)).isTrue();
    assertThat(ctx.intListParam("list")).containsExactly(1, 2);
    assertThat(ctx.intParam("nothing", 42)).isEqualTo(42);
    assertThat(ctx.intParam("absent", 42)).isEqualTo(42);
    assertThat(ctx.intListParam("absent")).isEmpty();
    assertThat(ctx.jobRef()).isEqualTo("ns/job");
    assertThat(ctx.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
  }

  @ParameterizedTest(name = "{0} from {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "int    | {\"p\": \"abc\"}     | parameter \"p\" must be an integer, was \"abc\"",
        "int    | {\"p\": 1.5}         | parameter \"p\" must be an integer, was 1.5",
        "int    | {\"p\": 9000000000}  | parameter \"p\" must be an integer, was 9000000000",
        "string | {\"p\": 5}           | parameter \"p\" must be a string, was 5",
        "bool   | {\"p\": \"yes\"}     | parameter \"p\" must be true or false, was \"yes\"",
        "list   | {\"p\": 5}           | parameter \"p\" must be a list of integers, was 5",
        "list   | {\"p\": [1, \"a\"]}  | parameter \"p\" must be a list of integers, was [1,\"a\"]",
      })
  void aWrongTypeThrowsNamingTheParameter(String type, String params, String message)
      throws Exception {
    TaskContext ctx = context(params);
    assertThatThrownBy(
            () -> {
              switch (type) {
                case "int" -> ctx.intParam("p", 0);
                case "string" -> ctx.stringParam("p", null);
                case "bool" -> ctx.booleanParam("p", false);
                default -> ctx.intListParam("p");
              }
            })
        .isInstanceOf(InvalidParameterException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void paramsAreACopyAndCommandDefaultsToEmpty() throws Exception {
    ObjectNode params = (ObjectNode) JSON.readTree("{\"a\": 1}");
    TaskContext ctx = TaskContext.builder().job("ns", "j", "u").params(params).build();
    params.put("a", 2);
    assertThat(ctx.intParam("a", 0)).isEqualTo(1);
    assertThat(ctx.command()).isEqualTo(List.of());
    assertThat(ctx.isCancelled()).isFalse();
  }
}

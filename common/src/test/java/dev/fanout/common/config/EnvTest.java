package dev.fanout.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
  static final Setting N = new Setting("FANOUT_N", "4", "a number");
  static final Setting B = new Setting("FANOUT_B", "false", "a flag");
  static final Setting U = new Setting("FANOUT_U", "", "a URL");

  @Test
  void readsTypedValuesAndDefaults() {
    Env env = new Env(Map.of("FANOUT_N", " 12 ", "FANOUT_B", "yes", "FANOUT_U", "http://q:9324"));
    assertThat(env.integer(N, 4, 1, 100)).isEqualTo(12);
    assertThat(env.bool(B, false)).isTrue();
    assertThat(env.httpUrl(U).getPort()).isEqualTo(9324);
    Env empty = new Env(Map.of("FANOUT_N", "  "));
    assertThat(empty.integer(N, 4, 1, 100)).isEqualTo(4);
    assertThat(empty.httpUrl(U)).isNull();
  }

  @Test
  void aBadValueNamesTheVariableAndWhatIsWrong() {
    assertThatThrownBy(() -> new Env(Map.of("FANOUT_N", "abc")).integer(N, 4, 1, 100))
        .isInstanceOf(ConfigException.class)
        .hasMessage("FANOUT_N: must be a whole number, was \"abc\"");
    assertThatThrownBy(() -> new Env(Map.of("FANOUT_N", "0")).integer(N, 4, 1, 100))
        .hasMessage("FANOUT_N: must be between 1 and 100, was 0");
    assertThatThrownBy(() -> new Env(Map.of("FANOUT_B", "maybe")).bool(B, false))
        .hasMessage("FANOUT_B: must be true or false, was \"maybe\"");
    assertThatThrownBy(() -> new Env(Map.of("FANOUT_U", "localhost:9324")).httpUrl(U))
        .hasMessage("FANOUT_U: must be an http(s) URL, was \"localhost:9324\"");
  }
}

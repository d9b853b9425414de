package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Retry spacing: attempt n waits {@code min(maxSeconds, initialSeconds * factor^(n-1))}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Backoff {
  public static final int DEFAULT_INITIAL_SECONDS = 1;
  public static final double DEFAULT_FACTOR = 2.0;
  public static final int DEFAULT_MAX_SECONDS = 300;

  /** SQS cannot hide a message for longer than 12 hours. */
  public static final int LIMIT_SECONDS = 43200;

  /** The largest {@code factor} the schema takes. */
  public static final int FACTOR_LIMIT = 100;

  @Min(0)
  @Max(LIMIT_SECONDS)
  @Default("1")
  @JsonPropertyDescription("Delay before the first retry, in seconds.")
  private Integer initialSeconds;

  @Min(1)
  @Max(FACTOR_LIMIT)
  @Default("2.0")
  @JsonPropertyDescription("Each further retry waits this many times longer.")
  private Double factor;

  @Min(0)
  @Max(LIMIT_SECONDS)
  @Default("300")
  @JsonPropertyDescription("The longest delay between attempts, in seconds.")
  private Integer maxSeconds;

  public Backoff() {}

  public Backoff(Integer initialSeconds, Double factor, Integer maxSeconds) {
    this.initialSeconds = initialSeconds;
    this.factor = factor;
    this.maxSeconds = maxSeconds;
  }

  /**
   * Seconds to wait after failed attempt {@code attempt} (1-based) before the next one.
   *
   * @throws IllegalArgumentException if attempt is below 1
   */
  @JsonIgnore
  public int delaySecondsAfter(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
    }
    int initial = initialSeconds == null ? DEFAULT_INITIAL_SECONDS : initialSeconds;
    double f = factor == null ? DEFAULT_FACTOR : factor;
    int max = Math.min(maxSeconds == null ? DEFAULT_MAX_SECONDS : maxSeconds, LIMIT_SECONDS);
    double delay = initial * Math.pow(f, attempt - 1);
    return (int) Math.min(max, Math.round(delay));
  }

  public Integer getInitialSeconds() {
    return initialSeconds;
  }

  public void setInitialSeconds(Integer initialSeconds) {
    this.initialSeconds = initialSeconds;
  }

  public Double getFactor() {
    return factor;
  }

  public void setFactor(Double factor) {
    this.factor = factor;
  }

  public Integer getMaxSeconds() {
    return maxSeconds;
  }

  public void setMaxSeconds(Integer maxSeconds) {
    this.maxSeconds = maxSeconds;
  }
}

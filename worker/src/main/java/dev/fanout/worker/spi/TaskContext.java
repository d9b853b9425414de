package dev.fanout.worker.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/** What a handler knows about the task it runs: which Job, which index and attempt, its inputs. */
public final class TaskContext {
  private static final int SHOWN_VALUE_CHARS = 60;

  private final String namespace;
  private final String jobName;
  private final String jobUid;
  private final int index;
  private final int attempt;
  private final ObjectNode params;
  private final List<String> command;
  private final Duration timeout;
  private final long deadlineNanos;
  private final BooleanSupplier cancelled;

  private TaskContext(Builder b) {
    this.namespace = Objects.requireNonNull(b.namespace, "namespace");
    this.jobName = Objects.requireNonNull(b.jobName, "jobName");
    this.jobUid = b.jobUid;
    this.index = b.index;
    this.attempt = b.attempt;
    this.params = b.params == null ? JsonNodeFactory.instance.objectNode() : b.params.deepCopy();
    this.command = b.command == null ? List.of() : List.copyOf(b.command);
    this.timeout = b.timeout;
    this.deadlineNanos = System.nanoTime() + b.timeout.toNanos();
    this.cancelled = b.cancelled;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String namespace() {
    return namespace;
  }

  public String jobName() {
    return jobName;
  }

  public String jobUid() {
    return jobUid;
  }

  /** {@code namespace/name}, for log lines. */
  public String jobRef() {
    return namespace + "/" + jobName;
  }

  /** The task's index, {@code 0..total-1}. */
  public int index() {
    return index;
  }

  /** Which attempt this is, from 1. */
  public int attempt() {
    return attempt;
  }

  /** The merged parameters: the Job's, overridden by the task's item. A copy; never null. */
  public ObjectNode params() {
    return params;
  }

  /** {@code spec.command}; empty when the Job has none. */
  public List<String> command() {
    return command;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Time left before the task counts as timed out; zero or negative once past it. */
  public Duration remaining() {
    return Duration.ofNanos(deadlineNanos - System.nanoTime());
  }

  /** True once the worker wants this attempt to stop (timeout or shutdown). */
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /** The parameter, or null when absent or JSON null. */
  public JsonNode param(String name) {
    JsonNode node = params.get(name);
    return node == null || node.isNull() ? null : node;
  }

  public int intParam(String name, int fallback) {
    JsonNode node = param(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw wrongType(name, "an integer", node);
    }
    return node.intValue();
  }

  public long longParam(String name, long fallback) {
    JsonNode node = param(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw wrongType(name, "an integer", node);
    }
    return node.longValue();
  }

  public String stringParam(String name, String fallback) {
    JsonNode node = param(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isTextual()) {
      throw wrongType(name, "a string", node);
    }
    return node.textValue();
  }

  public boolean booleanParam(String name, boolean fallback) {
    JsonNode node = param(name);
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw wrongType(name, "true or false", node);
    }
    return node.booleanValue();
  }

  /** A list of integers; empty when absent. */
  public List<Integer> intListParam(String name) {
    JsonNode node = param(name);
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw wrongType(name, "a list of integers", node);
    }
    List<Integer> values = new ArrayList<>(node.size());
    for (JsonNode element : node) {
      if (!element.isIntegralNumber() || !element.canConvertToInt()) {
        throw wrongType(name, "a list of integers", node);
      }
      values.add(element.intValue());
    }
    return List.copyOf(values);
  }

  private static InvalidParameterException wrongType(String name, String expected, JsonNode node) {
    String shown = node.toString();
    if (shown.length() > SHOWN_VALUE_CHARS) {
      shown = shown.substring(0, SHOWN_VALUE_CHARS) + "…";
    }
    return new InvalidParameterException(
        "parameter \"" + name + "\" must be " + expected + ", was " + shown);
  }

  /** Builds a context; the worker does, and so can a handler's own tests. */
  public static final class Builder {
    private String namespace;
    private String jobName;
    private String jobUid;
    private int index;
    private int attempt = 1;
    private ObjectNode params;
    private List<String> command;
    private Duration timeout = Duration.ofMinutes(10);
    private BooleanSupplier cancelled = () -> false;

    private Builder() {}

    public Builder job(String namespace, String name, String uid) {
      this.namespace = namespace;
      this.jobName = name;
      this.jobUid = uid;
      return this;
    }

    public Builder index(int index) {
      this.index = index;
      return this;
    }

    public Builder attempt(int attempt) {
      this.attempt = attempt;
      return this;
    }

    public Builder params(ObjectNode params) {
      this.params = params;
      return this;
    }

    public Builder command(List<String> command) {
      this.command = command;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Where {@link TaskContext#isCancelled()} looks. */
    public Builder cancelledWhen(BooleanSupplier cancelled) {
      this.cancelled = Objects.requireNonNull(cancelled);
      return this;
    }

    public TaskContext build() {
      return new TaskContext(this);
    }
  }
}

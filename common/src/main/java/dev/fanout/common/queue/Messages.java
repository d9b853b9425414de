package dev.fanout.common.queue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.fanout.api.IndexSet;
import dev.fanout.api.JobSpec;
import java.util.List;

/** The JSON codec for queue messages; garbage is rejected with a {@link BadMessageException}. */
public final class Messages {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();
  private static final int PREVIEW_BYTES = 120;

  private Messages() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static String encode(Object message) {
    try {
      return MAPPER.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  public static TaskMessage decodeTask(String body) {
    TaskMessage task = decode(body, TaskMessage.class);
    if (task.version() != TaskMessage.VERSION
        || task.jobUid() == null
        || task.namespace() == null
        || task.name() == null
        || task.handler() == null
        || task.index() < 0) {
      throw new BadMessageException("not a task message: " + preview(body));
    }
    if (task.isPacked()) {
      checkPacked(task, body);
    } else if (task.taskParams() != null) {
      throw new BadMessageException(
          "not a task message: parameter sets for one task: " + preview(body));
    }
    return task;
  }

  /** The tasks of a packed message: 1 to 100 of them, the first of which is its index. */
  private static void checkPacked(TaskMessage task, String body) {
    IndexSet tasks;
    try {
      tasks = IndexSet.parse(task.indexes());
    } catch (IllegalArgumentException e) {
      throw new BadMessageException(
          "not a task message: indexes " + e.getMessage() + ": " + preview(body));
    }
    if (tasks.isEmpty() || tasks.count() > JobSpec.TASKS_PER_MESSAGE_LIMIT) {
      throw new BadMessageException(
          "not a task message: it carries "
              + tasks.count()
              + " tasks, at most "
              + JobSpec.TASKS_PER_MESSAGE_LIMIT
              + " may travel together: "
              + preview(body));
    }
    if (task.taskParams() != null && task.taskParams().size() != tasks.count()) {
      throw new BadMessageException(
          "not a task message: "
              + task.taskParams().size()
              + " parameter sets for "
              + tasks.count()
              + " tasks: "
              + preview(body));
    }
    if (tasks.first() != task.index()) {
      throw new BadMessageException(
          "not a task message: index "
              + task.index()
              + " is not the first of its indexes "
              + preview(task.indexes()));
    }
  }

  public static Outcome decodeOutcome(String body) {
    return checked(decode(body, Outcome.class), body);
  }

  /**
   * The outcomes in one message: a JSON array of them, as workers send them, several to a message
   * so that the outcome queue costs a few calls per hundred tasks; or one outcome alone.
   */
  public static List<Outcome> decodeOutcomes(String body) {
    if (body == null || !body.stripLeading().startsWith("[")) {
      return List.of(decodeOutcome(body));
    }
    Outcome[] outcomes = decode(body, Outcome[].class);
    for (Outcome outcome : outcomes) {
      checked(outcome, body);
    }
    return List.of(outcomes);
  }

  private static Outcome checked(Outcome outcome, String body) {
    if (outcome == null
        || outcome.jobUid() == null
        || outcome.kind() == null
        || outcome.index() < 0) {
      throw new BadMessageException("not an outcome message: " + preview(body));
    }
    return outcome;
  }

  private static <T> T decode(String body, Class<T> type) {
    if (body == null) {
      throw new BadMessageException("empty message body");
    }
    try {
      return MAPPER.readValue(body, type);
    } catch (JsonProcessingException e) {
      throw new BadMessageException(
          "unreadable "
              + type.getSimpleName()
              + " ("
              + e.getOriginalMessage()
              + "): "
              + preview(body));
    }
  }

  /** The first bytes of a body, printable, for logs. */
  public static String preview(String body) {
    if (body == null) {
      return "<null>";
    }
    String head = body.length() > PREVIEW_BYTES ? body.substring(0, PREVIEW_BYTES) + "…" : body;
    return '"' + head.replaceAll("\\p{Cntrl}", "?") + '"';
  }

  /** A message body that is not what its queue carries. */
  public static class BadMessageException extends RuntimeException {
    public BadMessageException(String message) {
      super(message);
    }
  }
}

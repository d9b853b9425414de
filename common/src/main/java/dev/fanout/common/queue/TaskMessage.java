package dev.fanout.common.queue;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Backoff;
import dev.fanout.api.IndexSet;
import java.util.List;

/**
 * One task as it travels on the queue, or several ({@code indexes}): everything a worker needs to
 * run them without the database.
 *
 * @param priorAttempts attempts made before this message was (re)sent; the attempt a delivery makes
 *     is {@code priorAttempts + ApproximateReceiveCount}
 * @param priorDeliveries deliveries of the task before this message was sent again in place of one
 *     whose attempt did not count ({@code Ignore} of spec.failurePolicy): they count toward the
 *     queue's receive ceiling all the same
 * @param indexes the tasks this message carries, in interval form ({@code "40-49"}), when it
 *     carries more than one (spec.tasksPerMessage); then {@code index} is the first of them, and
 *     the prior counts hold for each
 * @param taskParams for a message of several tasks whose parameters differ (a Job of items): each
 *     task's, in index order; else null, and {@code params} holds for each
 * @param lostBefore true when the attempt before this message's ended without an outcome (its
 *     worker died with it, or lost the queue): a task of a message of several that came back goes
 *     on alone with this set, and a worker records what it finished before it runs such a task
 */
public record TaskMessage(
    int version,
    String jobUid,
    String namespace,
    String name,
    int index,
    int total,
    String handler,
    List<String> command,
    ObjectNode params,
    int maxAttempts,
    int timeoutSeconds,
    Backoff backoff,
    int priorAttempts,
    int priorDeliveries,
    String indexes,
    List<ObjectNode> taskParams,
    Boolean lostBefore) {
  public static final int VERSION = 1;

  /** A task sent again in place of one whose attempts did not all count. */
  public TaskMessage(
      int version,
      String jobUid,
      String namespace,
      String name,
      int index,
      int total,
      String handler,
      List<String> command,
      ObjectNode params,
      int maxAttempts,
      int timeoutSeconds,
      Backoff backoff,
      int priorAttempts,
      int priorDeliveries) {
    this(
        version,
        jobUid,
        namespace,
        name,
        index,
        total,
        handler,
        command,
        params,
        maxAttempts,
        timeoutSeconds,
        backoff,
        priorAttempts,
        priorDeliveries,
        null,
        null,
        null);
  }

  /** A task sent for the first time, or again after attempts that all counted. */
  public TaskMessage(
      int version,
      String jobUid,
      String namespace,
      String name,
      int index,
      int total,
      String handler,
      List<String> command,
      ObjectNode params,
      int maxAttempts,
      int timeoutSeconds,
      Backoff backoff,
      int priorAttempts) {
    this(
        version,
        jobUid,
        namespace,
        name,
        index,
        total,
        handler,
        command,
        params,
        maxAttempts,
        timeoutSeconds,
        backoff,
        priorAttempts,
        0,
        null,
        null,
        null);
  }

  /** The attempt a delivery with this receive count makes (1-based). */
  public int attempt(int receiveCount) {
    return priorAttempts + Math.max(1, receiveCount);
  }

  /** Deliveries of the task so far, this one included: what the queue's receive ceiling bounds. */
  public int deliveries(int receiveCount) {
    return priorDeliveries + Math.max(1, receiveCount);
  }

  /**
   * The tasks this message carries: {@code indexes} when set, else {@code index} alone.
   *
   * @throws IllegalArgumentException when {@code indexes} is not in interval form
   */
  @JsonIgnore
  public IndexSet tasks() {
    return indexes == null ? IndexSet.of(index) : IndexSet.parse(indexes);
  }

  /** Whether the attempt before this one ended without an outcome ({@code lostBefore}). */
  @JsonIgnore
  public boolean afterLoss() {
    return Boolean.TRUE.equals(lostBefore);
  }

  /** Whether this message carries more than one task. */
  @JsonIgnore
  public boolean isPacked() {
    return indexes != null;
  }

  /**
   * The parameters of each task this message carries, in index order.
   *
   * @throws IllegalArgumentException when {@code indexes} is not in interval form
   */
  public List<ObjectNode> paramsOfEach() {
    if (taskParams != null) {
      return taskParams;
    }
    return java.util.Collections.nCopies(tasks().count(), params);
  }

  /** This message for one of its tasks: the same Job, attempts and limits, that index alone. */
  public TaskMessage single(int task, ObjectNode taskParams) {
    return new TaskMessage(
        version,
        jobUid,
        namespace,
        name,
        task,
        total,
        handler,
        command,
        taskParams,
        maxAttempts,
        timeoutSeconds,
        backoff,
        priorAttempts,
        priorDeliveries,
        null,
        null,
        lostBefore);
  }

  /**
   * A message of this Job carrying these tasks, with these parameters (one each, in index order)
   * and prior counts: the task alone when there is one, else packed, with the parameters once when
   * they are the same for all.
   */
  public TaskMessage carrying(
      IndexSet tasks, List<ObjectNode> paramsOfEach, int attempts, int deliveries) {
    if (paramsOfEach.size() != tasks.count()) {
      throw new IllegalArgumentException(
          paramsOfEach.size() + " parameter sets for " + tasks.count() + " tasks");
    }
    boolean packed = tasks.count() > 1;
    boolean same =
        paramsOfEach.stream().allMatch(p -> java.util.Objects.equals(p, paramsOfEach.get(0)));
    return new TaskMessage(
        version,
        jobUid,
        namespace,
        name,
        tasks.first(),
        total,
        handler,
        command,
        same ? paramsOfEach.get(0) : null,
        maxAttempts,
        timeoutSeconds,
        backoff,
        attempts,
        deliveries,
        packed ? tasks.format() : null,
        same ? null : List.copyOf(paramsOfEach),
        null);
  }

  public String jobRef() {
    return namespace + "/" + name;
  }
}

package dev.fanout.common.status;

/**
 * Every reason Fanout writes, each named once: the reasons of a Job's conditions (and of the Events
 * that tell of them), and the reasons of a task's failure in {@code status.failures}. Users match
 * on these strings; docs/api.md lists them.
 */
public final class Reasons {
  private Reasons() {}

  // Conditions.

  /** Failed: the spec is invalid; the message names the field. */
  public static final String INVALID_SPEC = "InvalidSpec";

  /** Failed: more tasks failed than spec.maxFailedTasks allows. */
  public static final String MAX_FAILED_TASKS_EXCEEDED = "MaxFailedTasksExceeded";

  /** Failed: spec.activeDeadlineSeconds passed. */
  public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";

  /** Complete: every task finished. */
  public static final String ALL_TASKS_FINISHED = "AllTasksFinished";

  /** Suspended=True: spec.suspend is true. */
  public static final String JOB_SUSPENDED = "JobSuspended";

  /** Suspended=False: spec.suspend turned false again. */
  public static final String JOB_RESUMED = "JobResumed";

  // Task failures.

  /** A handler's own failure with no reason of its own. */
  public static final String ERROR = "Error";

  /** The attempt ran past spec.taskTimeoutSeconds. */
  public static final String TIMEOUT = "Timeout";

  /** The parameters were of the wrong kind for the handler. */
  public static final String INVALID_PARAMETERS = "InvalidParameters";

  /** No handler of that name on the pool's workers. */
  public static final String UNKNOWN_HANDLER = "UnknownHandler";

  /** The pool's workers have exec turned off (FANOUT_EXEC_ENABLED=false). */
  public static final String EXEC_DISABLED = "ExecDisabled";

  /** Earlier attempts used up maxAttempts dying with their workers. */
  public static final String WORKER_LOST = "WorkerLost";

  /** The message came back more often than the queue allows and reached the dead-letter queue. */
  public static final String DEAD_LETTERED = "DeadLettered";

  /** Stopped because its Job finished or was deleted (task rows only; never counted). */
  public static final String JOB_ENDED = "JobEnded";

  /**
   * A failure-policy rule with action FailJob matched a failed attempt: the task's failure reason,
   * and the Job's.
   */
  public static final String FAILURE_POLICY = "FailurePolicy";
}

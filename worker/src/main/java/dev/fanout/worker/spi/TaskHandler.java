package dev.fanout.worker.spi;

/**
 * What a worker runs for each task of a Job whose {@code spec.handler} equals {@link #name()}.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the class in {@code
 * META-INF/services/dev.fanout.worker.spi.TaskHandler} and put the jar on the worker's classpath.
 * One instance serves every task, from several threads at once, so it must be thread-safe.
 */
public interface TaskHandler {

  /** The name a Job's {@code spec.handler} selects this handler by. */
  String name();

  /**
   * Runs one attempt of one task.
   *
   * <p>Past the task's timeout, or when the worker shuts down, the running thread is interrupted
   * and {@link TaskContext#isCancelled()} turns true: stop promptly and release what you started. A
   * thrown {@link InvalidParameterException} fails the task for good (reason {@code
   * InvalidParameters}); any other exception fails this attempt (reason {@code Error}) and the task
   * is retried while attempts are left.
   */
  TaskResult run(TaskContext ctx) throws Exception;
}

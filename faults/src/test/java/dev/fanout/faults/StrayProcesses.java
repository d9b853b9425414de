package dev.fanout.faults;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Processes the fault tests leave behind: any below this JVM, or whose command line names the run
 * directory (a shell a killed worker's task started, say), but those that should run.
 */
final class StrayProcesses {
  private StrayProcesses() {}

  /**
   * Waits a little for strays to end; then kills those left and fails.
   *
   * @param allowed pids of the processes that should run
   */
  static void awaitNone(Path runDir, List<Long> allowed) throws Exception {
    String mark = runDir.toString();
    Callable<List<ProcessHandle>> strays =
        () ->
            Stream.concat(
                    ProcessHandle.current().descendants(),
                    ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().orElse("").contains(mark)))
                .filter(p -> p.isAlive() && !allowed.contains(p.pid()))
                .distinct()
                .toList();
    try {
      await("no process but the bed's own")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .until(strays, List::isEmpty);
    } catch (ConditionTimeoutException e) {
      List<ProcessHandle> left = strays.call();
      left.forEach(ProcessHandle::destroyForcibly);
      throw new AssertionError(
          "processes left: "
              + left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList(),
          e);
    }
  }
}

package dev.fanout.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time used by processes, as the kernel counts it: a figure that, unlike a rate, hardly depends
 * on what else the machine is running, so it stays comparable on a busy machine.
 */
final class CpuTime {
  /** Linux's USER_HZ: /proc counts CPU time in hundredths of a second. */
  private static final long NANOS_PER_TICK = 10_000_000;

  private CpuTime() {}

  /**
   * Milliseconds of CPU per task, by who spent them; {@code commands} is what the workers' child
   * processes (exec) spent, 0 for the other handlers.
   */
  record PerTask(double operator, double workers, double commands, double queueAndApi) {
    double total() {
      return operator + workers + commands + queueAndApi;
    }
  }

  /**
   * The CPU time of the operator, some workers, their ended children and this JVM at one moment.
   */
  record Snapshot(long operator, long workers, long commands, long self) {
    static Snapshot take(Rig.Node operator, List<Rig.Node> workers) {
      long commands = 0;
      for (Rig.Node worker : workers) {
        commands += children(worker.process().pid());
      }
      return new Snapshot(of(List.of(operator)), of(workers), commands, CpuTime.self());
    }

    /** What was spent from {@code before} to this, per task. */
    PerTask perTaskSince(Snapshot before, int tasks) {
      return new PerTask(
          (operator - before.operator) / 1e6 / tasks,
          (workers - before.workers) / 1e6 / tasks,
          (commands - before.commands) / 1e6 / tasks,
          (self - before.self) / 1e6 / tasks);
    }
  }

  /** CPU time of this JVM: the queue, the Kubernetes API and the measuring. */
  static long self() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** User plus system CPU time of the processes, from /proc/[pid]/stat; 0 where unknown. */
  static long of(List<Rig.Node> nodes) {
    long sum = 0;
    for (Rig.Node node : nodes) {
      sum += of(node.process().pid());
    }
    return sum;
  }

  static long of(long pid) {
    return stat(pid, 11);
  }

  /**
   * User plus system CPU time of the process's children that ended and were waited for (cutime and
   * cstime): what the commands of {@code exec} tasks cost, process start included.
   */
  static long children(long pid) {
    return stat(pid, 13);
  }

  /** Two fields of /proc/[pid]/stat, summed, in nanoseconds; 0 where unknown. */
  private static long stat(long pid, int first) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces: state is
      // field 3 of the man page (index 0 here), utime 14, stime 15, cutime 16 and cstime 17.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[first]) + Long.parseLong(fields[first + 1])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}

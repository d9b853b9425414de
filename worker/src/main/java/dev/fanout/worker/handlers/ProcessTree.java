package dev.fanout.worker.handlers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every process of one {@code exec} attempt: the command, its descendants, and, on Linux, the
 * processes that left the tree (a background child whose parent exited is re-parented to init) but
 * still carry the attempt's {@link ChildEnvironment#EXEC_ID} in their environment.
 */
final class ProcessTree {
  private static final Path PROC = Path.of("/proc");

  /** Forks between a listing and the kill are caught by the next round; a fork bomb is not. */
  private static final int KILL_ROUNDS = 10;

  private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

  private final Process root;
  private final byte[] marker;

  ProcessTree(Process root, String execId) {
    this.root = root;
    this.marker = (ChildEnvironment.EXEC_ID + "=" + execId + "\0").getBytes(StandardCharsets.UTF_8);
  }

  /** The attempt's processes still running. */
  Set<ProcessHandle> running() {
    // Descendants are listed before anything dies: an orphan no longer shows up as one.
    Set<ProcessHandle> found = new LinkedHashSet<>();
    if (root.isAlive()) {
      found.add(root.toHandle());
    }
    root.descendants().forEach(found::add);
    for (long pid : marked()) {
      ProcessHandle.of(pid)
          .ifPresent(
              handle -> {
                found.add(handle);
                handle.descendants().forEach(found::add);
              });
    }
    found.removeIf(ProcessTree::gone);
    return found;
  }

  /**
   * Kills every process of the attempt and waits, a bounded time, until none runs.
   *
   * @return the processes still running after that, empty when all are gone
   */
  Set<ProcessHandle> kill() {
    Set<ProcessHandle> killed = new LinkedHashSet<>();
    for (int round = 0; round < KILL_ROUNDS; round++) {
      Set<ProcessHandle> running = running();
      if (running.isEmpty()) {
        break;
      }
      running.forEach(ProcessHandle::destroyForcibly);
      killed.addAll(running);
    }
    long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
    try {
      root.waitFor(EXIT_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      for (ProcessHandle handle : killed) {
        while (!gone(handle) && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    killed.removeIf(ProcessTree::gone);
    return killed;
  }

  /**
   * Dead, or a zombie: killed and waiting for its parent (init, once re-parented) to reap it.
   * {@link ProcessHandle#isAlive()} still counts a zombie as alive.
   */
  private static boolean gone(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return true;
    }
    return state(handle.pid()).map(s -> s == 'Z' || s == 'X').orElse(false);
  }

  private static Optional<Character> state(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
      int end = stat.lastIndexOf(')');
      return end < 0 || end + 2 >= stat.length()
          ? Optional.empty()
          : Optional.of(stat.charAt(end + 2));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Processes whose environment holds the marker; none where there is no /proc. */
  private Set<Long> marked() {
    Set<Long> pids = new LinkedHashSet<>();
    if (!Files.isDirectory(PROC)) {
      return pids;
    }
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
      for (Path entry : entries) {
        long pid = pid(entry.getFileName().toString());
        if (pid > 0 && pid != self && carriesMarker(entry.resolve("environ"))) {
          pids.add(pid);
        }
      }
    } catch (IOException | RuntimeException e) {
      // /proc unreadable: the descendants are all we can find.
    }
    return pids;
  }

  private boolean carriesMarker(Path environ) {
    try {
      byte[] bytes = Files.readAllBytes(environ);
      return indexOf(bytes, marker) >= 0;
    } catch (IOException | RuntimeException e) {
      // Gone, or another user's: not ours.
      return false;
    }
  }

  private static long pid(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return -1;
      }
    }
    return name.isEmpty() ? -1 : Long.parseLong(name);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      // The variable starts the environment or follows the previous one's NUL.
      if (i == 0 || haystack[i - 1] == 0) {
        return i;
      }
    }
    return -1;
  }
}

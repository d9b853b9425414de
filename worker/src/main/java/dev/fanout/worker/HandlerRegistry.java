package dev.fanout.worker;

import dev.fanout.worker.handlers.ExecHandler;
import dev.fanout.worker.spi.TaskHandler;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The task handlers this worker can run, found on the classpath with {@link ServiceLoader}. */
final class HandlerRegistry {
  private static final Logger log = LoggerFactory.getLogger(HandlerRegistry.class);

  private final TreeMap<String, TaskHandler> byName = new TreeMap<>();

  HandlerRegistry(List<TaskHandler> handlers) {
    for (TaskHandler handler : handlers) {
      TaskHandler earlier = byName.putIfAbsent(handler.name(), handler);
      if (earlier != null) {
        log.warn(
            "Two handlers are named {}: keeping {}, ignoring {}",
            handler.name(),
            earlier.getClass().getName(),
            handler.getClass().getName());
      }
    }
  }

  /**
   * The handlers on the classpath; with {@code FANOUT_EXEC_ENABLED=false}, {@code exec} is the one
   * that refuses every task, whatever else claims the name.
   */
  static HandlerRegistry load(WorkerConfig config) {
    List<TaskHandler> found = new java.util.ArrayList<>();
    Iterator<TaskHandler> it = ServiceLoader.load(TaskHandler.class).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        // One broken plug-in must not take the built-ins down with it.
        log.error("Cannot load a task handler: {}", e.getMessage());
      }
    }
    if (!config.execEnabled()) {
      found.removeIf(handler -> ExecHandler.NAME.equals(handler.name()));
      found.add(ExecHandler.disabled(config.pool()));
      log.info("Handler exec is off on this worker ({}=false)", WorkerConfig.EXEC_ENABLED.name());
    }
    HandlerRegistry registry = new HandlerRegistry(found);
    log.info("Task handlers: {}", String.join(", ", registry.names()));
    return registry;
  }

  /** The handler of that name, or null. */
  TaskHandler find(String name) {
    return byName.get(name);
  }

  Set<String> names() {
    return byName.keySet();
  }

  /** The status message for a Job whose handler is not here. */
  String unknownMessage(String name) {
    return "no task handler named \""
        + name
        + "\" in this worker; it has: "
        + String.join(", ", names());
  }
}

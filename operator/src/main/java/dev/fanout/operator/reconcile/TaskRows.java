package dev.fanout.operator.reconcile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.Messages;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Creates a Job's task rows on first sight, and tells when a spec field that must not change did
 * change (the CRD rejects that; a server without the CRD's rules does not).
 */
final class TaskRows {
  private TaskRows() {}

  /** Creates the rows if absent; returns the problems with the spec's immutable fields. */
  static List<String> ensure(TaskStore store, Job job, JobStatus status) {
    JobSpec spec = job.getSpec();
    String uid = job.getMetadata().getUid();
    boolean specChanged =
        status == null
            || !java.util.Objects.equals(
                status.getObservedGeneration(), job.getMetadata().getGeneration());
    JobRecord record = store.find(uid);
    if (record == null) {
      record =
          store.createIfAbsent(
              new JobRecord(
                  uid,
                  job.getMetadata().getNamespace(),
                  job.getMetadata().getName(),
                  spec.effectivePool(),
                  spec.taskCount(),
                  immutableHash(spec)),
              params(spec));
      return List.of();
    }
    if (specChanged && !record.getSpecHash().equals(immutableHash(spec))) {
      return List.of(
          "spec.handler, spec.tasks, spec.parameters, spec.command and spec.pool cannot change"
              + " after the Job is created");
    }
    return List.of();
  }

  /** Merged parameters per item; null for a count Job, whose tasks all get the Job's. */
  private static IntFunction<String> params(JobSpec spec) {
    List<ObjectNode> items = spec.getTasks().getItems();
    if (items == null) {
      return null;
    }
    return i -> {
      ObjectNode merged = Messages.mapper().createObjectNode();
      if (spec.getParameters() instanceof ObjectNode common) {
        merged.setAll(common);
      }
      merged.setAll((ObjectNode) items.get(i));
      return Messages.encode(merged);
    };
  }

  static String immutableHash(JobSpec spec) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("handler", spec.getHandler());
    fields.put("tasks", spec.getTasks());
    fields.put("parameters", spec.getParameters());
    fields.put("command", spec.getCommand());
    fields.put("pool", spec.effectivePool());
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Messages.encode(fields).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

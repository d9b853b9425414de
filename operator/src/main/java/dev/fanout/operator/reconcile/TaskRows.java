package dev.fanout.operator.reconcile;

import dev.fanout.api.Job;
import dev.fanout.api.JobSpec;
import dev.fanout.api.JobStatus;
import dev.fanout.common.queue.Messages;
import dev.fanout.operator.db.JobRecord;
import dev.fanout.operator.db.TaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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
              spec.taskIndexes(),
              params(spec));
      return List.of();
    }
    if (specChanged) {
      List<String> changed = changedFields(record.getSpecHash(), spec);
      if (!changed.isEmpty()) {
        return List.of(String.join(" and ", changed) + " cannot change after the Job is created");
      }
    }
    return List.of();
  }

  /**
   * The immutable fields whose fingerprint differs from the one stored when the Job was first seen,
   * by name ({@code spec.handler}, ...). A record written before per-field fingerprints holds one
   * hash of them all: it is compared as such, and every field is named when it differs.
   */
  static List<String> changedFields(String stored, JobSpec spec) {
    Map<String, Object> fields = immutableFields(spec);
    String now = fingerprint(fields);
    if (now.equals(stored)) {
      return List.of();
    }
    String[] was = stored.split("\\.");
    String[] is = now.split("\\.");
    List<String> names = List.copyOf(fields.keySet());
    if (was.length != is.length) {
      return stored.equals(sha256Hex(fields))
          ? List.of()
          : names.stream().map(n -> "spec." + n).toList();
    }
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < is.length; i++) {
      if (!is[i].equals(was[i])) {
        changed.add("spec." + names.get(i));
      }
    }
    return changed;
  }

  /** Merged parameters per item; null for a count Job, whose tasks all get the Job's. */
  private static IntFunction<String> params(JobSpec spec) {
    if (spec.getTasks().getItems() == null) {
      return null;
    }
    return i -> Messages.encode(spec.taskParameters(i));
  }

  private static Map<String, Object> immutableFields(JobSpec spec) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("handler", spec.getHandler());
    fields.put("tasks", spec.getTasks());
    fields.put("parameters", spec.getParameters());
    fields.put("command", spec.getCommand());
    fields.put("pool", spec.effectivePool());
    return fields;
  }

  /**
   * A fingerprint of each immutable field, in {@link #immutableFields} order, joined by dots: the
   * first 12 hex digits (48 bits) of the SHA-256 of its JSON, so that the five fit the 64
   * characters of {@code fanout_job.spec_hash} and an edit can be told field by field.
   */
  static String immutableHash(JobSpec spec) {
    return fingerprint(immutableFields(spec));
  }

  private static String fingerprint(Map<String, Object> fields) {
    List<String> parts = new ArrayList<>();
    for (Object value : fields.values()) {
      parts.add(sha256Hex(value).substring(0, 12));
    }
    return String.join(".", parts);
  }

  /**
   * The SHA-256 of the value's JSON; of all the fields together, the earlier single fingerprint.
   */
  static String sha256Hex(Object value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(Messages.encode(value).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.fanout.worker;

import dev.fanout.common.queue.Outcome;
import dev.fanout.common.queue.TaskMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A received message that carries several tasks (spec.tasksPerMessage): it stays on the queue,
 * hidden by the heartbeat, until each of its tasks is settled — recorded in the status, dropped, or
 * to be sent again as a copy of its own — and then goes: the copies are sent first, then the
 * message is deleted. Which tasks are settled is kept by index, so settling one twice counts once.
 */
final class Packed {
  /**
   * A task of the message that goes on in a message of its own, after a delay; with the outcome of
   * the attempt that sent it on, for the operator, if any.
   */
  record Copy(TaskMessage task, int delaySeconds, boolean alone, Outcome outcome) {
    Copy(TaskMessage task, int delaySeconds, boolean alone) {
      this(task, delaySeconds, alone, null);
    }
  }

  private final String messageId;
  private final String receiptHandle;
  private final int size;
  private final Set<Integer> settled = ConcurrentHashMap.newKeySet();
  private final List<Copy> copies = new ArrayList<>();
  private volatile boolean closed;

  Packed(String messageId, String receiptHandle, int size) {
    this.messageId = messageId;
    this.receiptHandle = receiptHandle;
    this.size = size;
  }

  String messageId() {
    return messageId;
  }

  String receiptHandle() {
    return receiptHandle;
  }

  int size() {
    return size;
  }

  /**
   * Settles one task of the message, with the copy to send in its place (or null); returns true
   * when this was the last one: the caller then closes the message ({@link #copies()}, then
   * delete).
   */
  boolean settle(int index, Copy copy) {
    synchronized (copies) {
      if (!settled.add(index)) {
        return false;
      }
      if (copy != null) {
        copies.add(copy);
      }
      if (settled.size() < size) {
        return false;
      }
      closed = true;
      return true;
    }
  }

  /** The copies to send before the message is deleted; complete once {@link #settle} said so. */
  List<Copy> copies() {
    synchronized (copies) {
      return List.copyOf(copies);
    }
  }

  /** Every task is settled: the message is deleted, or is being, and needs no more heartbeat. */
  boolean closed() {
    return closed;
  }

  @Override
  public String toString() {
    return "message " + messageId + " (" + size + " tasks, " + settled.size() + " settled)";
  }
}

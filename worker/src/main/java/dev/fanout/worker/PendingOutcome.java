package dev.fanout.worker;

import dev.fanout.common.queue.Outcome;
import dev.fanout.common.status.Finished;

/** A task's final outcome waiting to be written to its Job's status, with the message to delete. */
record PendingOutcome(Delivery delivery, Finished finished, Outcome outcome) {
  String jobUid() {
    return delivery.task().jobUid();
  }
}

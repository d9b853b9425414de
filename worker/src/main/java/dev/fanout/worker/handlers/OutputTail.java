package dev.fanout.worker.handlers;

import java.nio.charset.StandardCharsets;

/**
 * Keeps the last bytes of a child process's output, so a chatty command costs constant memory and
 * the error at its end survives.
 */
final class OutputTail {
  private final byte[] ring;
  private long written;

  OutputTail(int capacity) {
    ring = new byte[capacity];
  }

  synchronized void append(byte[] bytes, int length) {
    int from = Math.max(0, length - ring.length);
    for (int i = from; i < length; i++) {
      ring[(int) (written++ % ring.length)] = bytes[i];
    }
  }

  /** The kept bytes as text; a character cut at the start is dropped by the decoder. */
  synchronized String text() {
    int size = (int) Math.min(written, ring.length);
    byte[] out = new byte[size];
    long start = written - size;
    for (int i = 0; i < size; i++) {
      out[i] = ring[(int) ((start + i) % ring.length)];
    }
    return new String(out, StandardCharsets.UTF_8).replace("\uFFFD", "").strip();
  }
}

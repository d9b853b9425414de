package dev.fanout.cli;

/** {@code -o}: the machine-readable formats; without it, a table. */
enum Output {
  json,
  yaml
}

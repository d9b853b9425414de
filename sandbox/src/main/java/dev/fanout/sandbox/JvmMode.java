package dev.fanout.sandbox;

import java.util.Locale;

/**
 * How the sandbox starts the operator's and workers' JVMs. Three JVMs starting at once on a small
 * machine spend most of a short run loading and compiling classes, so the sandbox trims that by
 * default.
 */
public enum JvmMode {
  /** Java's defaults. */
  DEFAULT,
  /** C1 only ({@code -XX:TieredStopAtLevel=1}): less JIT work; sandbox Jobs are not CPU-bound. */
  C1,
  /**
   * C1 and a class-data sharing archive per jar in {@code sandbox/target/cds/}: later starts map
   * the classes instead of loading them. The JVM writes the archive when it exits, the first time
   * and again after each rebuild of the jar, which makes that stop take 10-20 s longer.
   */
  CDS;

  static JvmMode parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new SandboxOptions.UsageException(
          "--jvm must be c1, cds or default, was \"" + value + "\"");
    }
  }
}

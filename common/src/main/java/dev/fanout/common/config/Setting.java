package dev.fanout.common.config;

/**
 * One environment variable a program reads: its name, its default as users see it, and what it
 * means. Each program lists its settings in one place, which the docs and the chart mirror.
 */
public record Setting(String name, String defaultText, String description) {}

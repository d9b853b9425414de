package dev.fanout.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A task handler jar as a user would make one: a class implementing the worker's SPI, compiled
 * against the worker jar, listed in {@code META-INF/services}. Its handler {@code shout} answers a
 * task's {@code word} in capitals.
 */
final class ShoutHandlerJar {
  private static final String SOURCE =
      """
      package example.shout;

      import dev.fanout.worker.spi.TaskContext;
      import dev.fanout.worker.spi.TaskHandler;
      import dev.fanout.worker.spi.TaskResult;
      import java.util.Locale;

      public final class ShoutHandler implements TaskHandler {
        @Override
        public String name() {
          return "shout";
        }

        @Override
        public TaskResult run(TaskContext ctx) {
          return TaskResult.success(ctx.stringParam("word", "").toUpperCase(Locale.ROOT) + "!");
        }
      }
      """;

  private ShoutHandlerJar() {}

  /** Compiles the handler in {@code dir} and returns {@code dir/shout-handler.jar}. */
  static Path build(Path dir, Path workerJar) throws IOException {
    Path src = Files.createDirectories(dir.resolve("src/example/shout"));
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path source = Files.writeString(src.resolve("ShoutHandler.java"), SOURCE);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int code =
        javac.run(
            null,
            null,
            null,
            "-cp",
            workerJar.toString(),
            "-d",
            classes.toString(),
            source.toString());
    if (code != 0) {
      throw new IllegalStateException("javac failed on " + source + " (exit " + code + ")");
    }
    Path jar = dir.resolve("shout-handler.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String name : List.of("example/shout/ShoutHandler.class")) {
        out.putNextEntry(new JarEntry(name));
        Files.copy(classes.resolve(name), out);
      }
      out.putNextEntry(new JarEntry("META-INF/services/dev.fanout.worker.spi.TaskHandler"));
      write(out, "example.shout.ShoutHandler\n");
    }
    return jar;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }
}

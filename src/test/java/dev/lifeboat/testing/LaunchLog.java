package dev.lifeboat.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One line per command a test starts, in {@code target/it-launches.tsv} (test class, verb, wall
 * milliseconds, exit code): where the suite's time goes, since most of it is JVM starts of the jar.
 */
final class LaunchLog {

  private static final Path FILE = Path.of("target/it-launches.tsv");

  private LaunchLog() {}

  static void started(Process process, String... args) {
    String caller =
        StackWalker.getInstance()
            .walk(
                frames ->
                    frames
                        .map(StackWalker.StackFrame::getClassName)
                        .filter(c -> c.endsWith("Tests") || c.contains("Tests$"))
                        .findFirst()
                        .orElse("?"));
    // the first word that is neither an option nor the value of --config/--target
    String verb = "";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") || args[i].equals("--target")) {
        i++;
      } else if (!args[i].startsWith("-")) {
        verb = args[i];
        break;
      }
    }
    long start = System.nanoTime();
    String name = caller.substring(caller.lastIndexOf('.') + 1);
    String v = verb;
    process
        .onExit()
        .thenAccept(
            p -> {
              String line =
                  name
                      + "\t"
                      + v
                      + "\t"
                      + (System.nanoTime() - start) / 1_000_000
                      + "\t"
                      + p.exitValue()
                      + "\n";
              synchronized (LaunchLog.class) {
                try {
                  Files.writeString(
                      FILE,
                      line,
                      StandardCharsets.UTF_8,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.APPEND);
                } catch (IOException e) {
                  // a figure for the curious, never a reason to fail a test
                }
              }
            });
  }
}

package dev.lifeboat.archive;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The operator's drill assertions for one target: {@code <dir>/*.sql} apply to every target, {@code
 * <dir>/<target>/*.sql} to that one; {@code dir} is {@code lifeboat.targets.<t>.drills.dir}, else
 * {@code lifeboat.drills.dir}, else {@code jobs/drills}.
 */
public final class Assertions {

  /** One assertion file; {@code name} is what the report shows after "assert ". */
  record Assertion(String name, Path file) {}

  private Assertions() {}

  /** Where the assertions of {@code target} are. */
  public static Path dir(LifeboatConfig config, String target) {
    TargetProperties t = config.targetSettings(target); // "app.app_staging" runs app's assertions
    Path dir = t != null && t.drills() != null ? t.drills().dir() : null;
    return LifeboatProperties.jobDir(
        dir != null ? dir : config.properties().drills().dir(), "jobs/drills");
  }

  /** The files to run, those for every target first, each group sorted by name. */
  static List<Assertion> find(Path dir, String target) throws IOException {
    List<Assertion> all = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return all;
    }
    for (Path f : sqlFiles(dir)) {
      all.add(new Assertion(f.getFileName().toString(), f));
    }
    String base =
        target.lastIndexOf('.') > 0 ? target.substring(0, target.lastIndexOf('.')) : target;
    Path own = dir.resolve(base);
    if (Files.isDirectory(own)) {
      for (Path f : sqlFiles(own)) {
        all.add(new Assertion(base + "/" + f.getFileName(), f));
      }
    }
    return all;
  }

  /** The leading {@code --} comment lines of an assertion, joined: its description, or "". */
  static String description(String sql) {
    StringBuilder d = new StringBuilder();
    for (String line : sql.strip().split("\\R")) {
      String l = line.strip();
      if (!l.startsWith("--")) {
        break;
      }
      String text = l.replaceFirst("^-+", "").strip();
      if (!text.isEmpty()) {
        d.append(d.isEmpty() ? "" : " ").append(text);
      }
    }
    return d.toString();
  }

  private static List<Path> sqlFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".sql"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    }
  }
}

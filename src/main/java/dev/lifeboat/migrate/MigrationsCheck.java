package dev.lifeboat.migrate;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The doctor's view of each target's versioned migrations ({@code migrate status} in one line): a
 * problem (changed checksum, missing file, failed migration) is red, pending migrations a warning,
 * a target without migration files or history "not configured".
 */
@Component
@Order(5)
final class MigrationsCheck extends DoctorCheck {

  private final LifeboatConfig config;
  private final Targets targets;
  private final Migrations migrations;

  MigrationsCheck(LifeboatConfig config, Targets targets, Migrations migrations) {
    super("migrations");
    this.config = config;
    this.targets = targets;
    this.migrations = migrations;
  }

  @Override
  public List<Probe> probes() {
    List<Probe> probes = new ArrayList<>();
    for (String t : config.properties().targets().keySet()) {
      String name = "target " + t + " migrations";
      probes.add(
          Probe.ofTarget(name, targets, t, (label, target) -> List.of(check(label, target))));
    }
    return probes;
  }

  private Finding check(String name, Target target) {
    Path dir = migrations.dir(target);
    MigrationStatus status;
    try {
      status = migrations.status(target);
    } catch (MigrationException e) {
      return Finding.fail(name, e.getMessage());
    }
    if (status.applied().isEmpty() && status.pending().isEmpty() && !hasFiles(dir)) {
      return Finding.ok(name, "not configured (no migration files in " + dir + ")");
    }
    String latest =
        status.applied().isEmpty()
            ? "none applied"
            : status.applied().size()
                + " applied, latest V"
                + status.applied().get(status.applied().size() - 1).version();
    if (!status.problems().isEmpty()) {
      MigrationStatus.Problem p = status.problems().get(0);
      return Finding.fail(
          name,
          latest
              + "; "
              + status.problems().size()
              + " problem(s): "
              + p.kind()
              + " "
              + (p.script() == null ? "V" + p.version() : p.script())
              + (p.fix() == null ? "" : "; " + p.fix())
              + " (see: lifeboat migrate status)");
    }
    if (!status.pending().isEmpty()) {
      return Finding.warn(
          name,
          latest
              + "; "
              + status.pending().size()
              + " pending, first "
              + status.pending().get(0).script()
              + " (run: lifeboat migrate apply --safe)");
    }
    return Finding.ok(name, latest + ", none pending (" + dir + ")");
  }

  private static boolean hasFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().matches("V.+__.+\\.sql"));
    } catch (IOException e) {
      return false;
    }
  }
}

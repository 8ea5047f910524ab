package dev.lifeboat.doctor;

import dev.lifeboat.base.LifeboatVersion;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/** Lifeboat's and Java's versions, and every installed pg_dump and pg_restore. */
@Component
@Order(1)
final class VersionsCheck extends DoctorCheck {

  private final LifeboatConfig config;
  private final PgBinaries pgBinaries;

  VersionsCheck(LifeboatConfig config, PgBinaries pgBinaries) {
    super("versions");
    this.config = config;
    this.pgBinaries = pgBinaries;
  }

  @Override
  public List<Probe> probes() {
    return List.of(new Probe("versions", this::versions));
  }

  private List<Finding> versions() {
    List<Finding> findings = new ArrayList<>();
    findings.add(
        Finding.ok(
            "lifeboat",
            LifeboatVersion.get()
                + " on Java "
                + Runtime.version()
                + " ("
                + System.getProperty("java.vendor", "?")
                + ")"));
    for (String tool : List.of("pg_dump", "pg_restore")) {
      List<PgTool> found = pgBinaries.candidates(tool);
      if (found.isEmpty()) {
        findings.add(
            Finding.fail(
                tool,
                "not found (searched "
                    + pgBinaries.searchDirs()
                    + "); install the PostgreSQL client of your servers' major version"));
      } else {
        findings.add(
            Finding.ok(
                tool,
                "installed: "
                    + String.join(
                        ", ",
                        found.stream().map(t -> t.version() + " (" + t.path() + ")").toList())));
      }
    }
    return findings;
  }
}

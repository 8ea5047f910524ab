package dev.lifeboat.archive;

import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgCatalog.RlsState;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks a restored database against the manifest (every table, exact row counts; row-level
 * security enabled, forced and policy counts as at backup time) and runs the operator's own
 * assertions: every {@code *.sql} in the drills directory is one query returning one boolean.
 */
public final class DrillValidator {

  private DrillValidator() {}

  public static List<DrillCheck> validate(
      PgConnection scratch,
      Manifest manifest,
      Path drillsDir,
      String target,
      LifeboatProperties.TargetProperties settings) {
    List<DrillCheck> checks = new ArrayList<>();
    try (Connection c = scratch.open()) {
      try (Statement st = c.createStatement()) {
        st.execute("SET row_security = off");
      }
      checks.addAll(rowCounts(manifest.tables(), PgCatalog.rowCounts(c)));
      checks.addAll(rls(manifest.rls() == null ? Map.of() : manifest.rls(), PgCatalog.rlsState(c)));
      try (Statement st = c.createStatement()) {
        st.execute("RESET row_security");
        st.execute("SET statement_timeout = '10min'");
      }
      if (settings != null && settings.tenantIsolation() != null) {
        checks.addAll(
            TenantIsolation.check(c, settings.tenantIsolation(), target, settings.tenantColumn()));
      }
      checks.addAll(assertions(c, drillsDir, target));
    } catch (SQLException e) {
      checks.add(
          DrillCheck.failed(
              "validation",
              "cannot inspect the restored database: " + PgErrors.firstLine(e.getMessage())));
    }
    return checks;
  }

  static List<DrillCheck> rowCounts(Map<String, Long> expected, Map<String, Long> actual) {
    List<DrillCheck> checks = new ArrayList<>();
    for (RowCounts.TableCount t : RowCounts.compare(expected, actual)) {
      String name = "rows " + t.table();
      if (t.expected() == null) {
        checks.add(
            DrillCheck.failed(
                name, "table is in the restore but not in the manifest (" + t.actual() + " rows)"));
      } else if (t.actual() == null) {
        checks.add(
            DrillCheck.failed(
                name,
                "table is in the manifest ("
                    + t.expected()
                    + " rows) but missing after the restore"));
      } else if (!t.ok()) {
        checks.add(
            DrillCheck.failed(
                name,
                "expected " + t.expected() + " rows as in the manifest, found " + t.actual()));
      } else {
        checks.add(DrillCheck.passed(name, t.actual() + " rows, as in the manifest"));
      }
    }
    return checks;
  }

  static List<DrillCheck> rls(Map<String, RlsState> expected, Map<String, RlsState> actual) {
    List<DrillCheck> checks = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(actual.keySet());
    for (String t : names) {
      RlsState e = expected.get(t);
      RlsState a = actual.get(t);
      String name = "rls " + t;
      if (e == null) {
        checks.add(
            DrillCheck.failed(
                name,
                "has row-level security now (" + describe(a) + ") but had none at backup time"));
      } else if (a == null) {
        checks.add(
            DrillCheck.failed(
                name, "had " + describe(e) + " at backup time, has none after the restore"));
      } else if (!e.equals(a)) {
        checks.add(
            DrillCheck.failed(name, "had " + describe(e) + " at backup time, has " + describe(a)));
      } else {
        checks.add(DrillCheck.passed(name, describe(a) + ", as at backup time"));
      }
    }
    return checks;
  }

  /**
   * Runs the operator's assertions ({@code *.sql} in {@code dir}, each one query returning one
   * boolean) on a live connection; also the post-check of {@code migrate apply --safe}.
   */
  public static List<DrillCheck> assertions(Connection c, Path dir, String target) {
    List<DrillCheck> checks = new ArrayList<>();
    List<Assertions.Assertion> files;
    try {
      files = Assertions.find(dir, target);
    } catch (IOException e) {
      checks.add(DrillCheck.failed("assertions", "cannot read " + dir + ": " + e.getMessage()));
      return checks;
    }
    for (Assertions.Assertion a : files) {
      String name = "assert " + a.name();
      String about = "";
      try {
        String sql = Files.readString(a.file()).strip();
        about = Assertions.description(sql);
        while (sql.endsWith(";")) {
          sql = sql.substring(0, sql.length() - 1).strip();
        }
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery(sql)) {
          if (!rs.next()
              || rs.getMetaData().getColumnCount() != 1
              || rs.getMetaData().getColumnType(1) != Types.BIT
                  && rs.getMetaData().getColumnType(1) != Types.BOOLEAN) {
            checks.add(
                DrillCheck.failed(name, about(about, "must be one query returning one boolean")));
            continue;
          }
          boolean value = rs.getBoolean(1);
          boolean more = rs.next();
          if (more) {
            checks.add(DrillCheck.failed(name, about(about, "must return exactly one row")));
          } else if (value) {
            checks.add(DrillCheck.passed(name, about(about, "returned true")));
          } else {
            checks.add(DrillCheck.failed(name, about(about, "returned false")));
          }
        }
      } catch (SQLException e) {
        checks.add(
            DrillCheck.failed(name, about(about, "failed: " + PgErrors.firstLine(e.getMessage()))));
      } catch (IOException e) {
        checks.add(DrillCheck.failed(name, "cannot read the file: " + e.getMessage()));
      }
    }
    return checks;
  }

  /** "Money adds up. (returned true)", or just the result when the file has no description. */
  private static String about(String description, String result) {
    return description.isEmpty() ? result : description + " (" + result + ")";
  }

  private static String describe(RlsState s) {
    return (s.enabled() ? "enabled" : "disabled")
        + (s.forced() ? ", forced" : ", not forced")
        + ", "
        + s.policies()
        + (s.policies() == 1 ? " policy" : " policies");
  }
}

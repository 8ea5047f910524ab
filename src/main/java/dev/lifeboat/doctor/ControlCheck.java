package dev.lifeboat.doctor;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.run.NodeSchedules;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/** The control database (job repository, Quartz): reachable, and its schema current. */
@Component
@Order(2)
final class ControlCheck extends DoctorCheck {

  private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.*\\.sql");

  private final DataSource dataSource;
  private final NodeSchedules nodeSchedules;
  private final LifeboatConfig config;

  ControlCheck(DataSource dataSource, NodeSchedules nodeSchedules, LifeboatConfig config) {
    super("control");
    this.dataSource = dataSource;
    this.nodeSchedules = nodeSchedules;
    this.config = config;
  }

  @Override
  public List<Probe> probes() {
    return List.of(
        new Probe("control database", () -> List.of(check())),
        new Probe("schedules", () -> List.of(schedules())));
  }

  /** Whether the running serve nodes have the same schedules (only they can tell each other). */
  private Finding schedules() {
    String name = "schedules";
    try {
      List<NodeSchedules.Member> live =
          nodeSchedules.live(
              NodeSchedules.liveWithin(config.properties().serve().checkinInterval()));
      if (live.isEmpty()) {
        return Finding.ok(name, "no serve node is running on this control database");
      }
      List<String> disagreements = NodeSchedules.disagreements(live);
      String nodes =
          live.size()
              + " running node"
              + (live.size() == 1 ? "" : "s")
              + " ("
              + String.join(", ", live.stream().map(NodeSchedules.Member::node).toList())
              + ")";
      if (disagreements.isEmpty()) {
        return Finding.ok(name, nodes + " with the same schedules");
      }
      return Finding.warn(
          name,
          nodes
              + " disagree: "
              + String.join("; ", disagreements)
              + "; give every node the same lifeboat.schedules (a schedule any of them has keeps"
              + " firing)");
    } catch (SQLException e) {
      return Finding.warn(
          name, "cannot read the nodes' schedules: " + PgErrors.firstLine(e.getMessage()));
    }
  }

  private Finding check() {
    String name = "control database";
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      String product =
          c.getMetaData().getDatabaseProductName()
              + " "
              + c.getMetaData().getDatabaseProductVersion();
      boolean h2 = product.startsWith("H2");
      int latest = latest(h2 ? "h2" : "postgresql");
      int applied = 0;
      String history = historyTable(c);
      if (history == null) {
        return Finding.fail(
            name, product + ": no lifeboat_schema_history table; the schema was never created");
      }
      try (ResultSet rs =
          st.executeQuery("SELECT \"version\" FROM \"" + history + "\" WHERE \"success\"")) {
        while (rs.next()) {
          String v = rs.getString(1);
          if (v != null && v.matches("\\d+")) {
            applied = Math.max(applied, Integer.parseInt(v));
          }
        }
      }
      String where = product + (h2 ? " (embedded)" : "");
      if (applied < latest) {
        return Finding.fail(
            name,
            where
                + ": schema at version "
                + applied
                + ", this build needs "
                + latest
                + "; any command with write access to it upgrades it");
      }
      return Finding.ok(name, where + ", schema version " + applied + " (current)");
    } catch (SQLException e) {
      return Finding.fail(name, "cannot reach it: " + PgErrors.firstLine(e.getMessage()));
    } catch (IOException e) {
      return Finding.fail(name, "cannot read this build's schema migrations: " + e.getMessage());
    }
  }

  private static String historyTable(Connection c) throws SQLException {
    String table = "lifeboat_schema_history";
    for (String name : new String[] {table, table.toUpperCase(java.util.Locale.ROOT)}) {
      try (ResultSet rs = c.getMetaData().getTables(null, null, name, new String[] {"TABLE"})) {
        if (rs.next()) {
          return rs.getString("TABLE_NAME");
        }
      }
    }
    return null;
  }

  /** The newest control-schema migration this build carries. */
  static int latest(String vendor) throws IOException {
    int latest = 0;
    Resource[] files =
        new PathMatchingResourcePatternResolver(ControlCheck.class.getClassLoader())
            .getResources("classpath*:db/control/" + vendor + "/V*.sql");
    for (Resource r : files) {
      Matcher m = MIGRATION.matcher(r.getFilename() == null ? "" : r.getFilename());
      if (m.matches()) {
        latest = Math.max(latest, Integer.parseInt(m.group(1)));
      }
    }
    return latest;
  }
}

package dev.lifeboat.run;

import dev.lifeboat.base.Jdbc;
import dev.lifeboat.base.Json;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * What each running {@code serve} node has configured, in the control database ({@code
 * LIFEBOAT_NODES}): every node writes its schedules when it starts and refreshes the row while it
 * runs. A node reads the others' before it changes the shared job store, so it never removes or
 * rewrites a schedule another live node still runs, and every node (and the doctor) can say where
 * the nodes' configurations disagree. Times are the control database's own clock, so nodes whose
 * clocks differ still agree on who is alive.
 */
@Component
public final class NodeSchedules {

  /** One schedule as a node has it configured: the Quartz job name, its cron and zone. */
  public record Definition(String job, String cron, String zone) {
    String describe() {
      return "\"" + cron + "\" " + zone;
    }
  }

  /** A node that refreshed its row recently enough to count as running. */
  public record Member(String instance, String node, List<Definition> schedules) {}

  private static final Duration FORGET_AFTER = Duration.ofDays(1);

  private static final String FORGET = "DELETE FROM LIFEBOAT_NODES WHERE INSTANCE_ID = ?";

  /**
   * How recently a node refreshing its row every {@code heartbeat} must have done so to count as
   * running: three missed refreshes and a margin for a busy control database.
   */
  public static Duration liveWithin(Duration heartbeat) {
    return heartbeat.multipliedBy(3).plusSeconds(10);
  }

  private final DataSource control;

  NodeSchedules(DataSource control) {
    this.control = control;
  }

  /** Writes (or refreshes) this node's row; rows of nodes gone for a day are removed. */
  public void announce(String instance, String node, List<Definition> schedules)
      throws SQLException {
    String json = Json.write(schedules);
    try (Connection c = control.getConnection()) {
      Jdbc.updateElseInsert(
          c,
          new Jdbc.Bound(
              "UPDATE LIFEBOAT_NODES SET NODE = ?, SCHEDULES = ?, SEEN_AT = CURRENT_TIMESTAMP"
                  + " WHERE INSTANCE_ID = ?",
              node,
              json,
              instance),
          new Jdbc.Bound(
              "INSERT INTO LIFEBOAT_NODES (INSTANCE_ID, NODE, SCHEDULES, STARTED_AT, SEEN_AT)"
                  + " VALUES (?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
              instance,
              node,
              json));
    }
  }

  /** Removes this node's row: it stops running its schedules. */
  public void leave(String instance) throws SQLException {
    try (Connection c = control.getConnection()) {
      Jdbc.update(c, FORGET, instance);
    }
  }

  /** The nodes seen within {@code within}, by the control database's clock. */
  public List<Member> live(Duration within) throws SQLException {
    List<Member> members = new ArrayList<>();
    List<String> forgotten = new ArrayList<>();
    try (Connection c = control.getConnection();
        Statement st = c.createStatement()) {
      Timestamp now = Jdbc.now(c);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT INSTANCE_ID, NODE, SCHEDULES, SEEN_AT FROM LIFEBOAT_NODES ORDER BY NODE,"
                  + " INSTANCE_ID")) {
        while (rs.next()) {
          long age = now.getTime() - rs.getTimestamp(4).getTime();
          if (age <= within.toMillis()) {
            members.add(
                new Member(
                    rs.getString(1),
                    rs.getString(2),
                    Arrays.asList(Json.read(rs.getString(3), Definition[].class))));
          } else if (age > FORGET_AFTER.toMillis()) {
            forgotten.add(rs.getString(1));
          }
        }
      }
      for (String gone : forgotten) {
        Jdbc.update(c, FORGET, gone);
      }
    }
    return members;
  }

  /**
   * Where the configurations of {@code members} disagree, one line per schedule: some nodes have it
   * and others not, or they have it with different crons or zones. Empty when they agree.
   */
  public static List<String> disagreements(List<Member> members) {
    Map<String, Map<String, String>> byJob = new TreeMap<>(); // job -> node -> definition
    Set<String> nodes = new TreeSet<>();
    for (Member m : members) {
      nodes.add(m.node());
      for (Definition d : m.schedules()) {
        byJob.computeIfAbsent(d.job(), k -> new TreeMap<>()).put(m.node(), d.describe());
      }
    }
    List<String> lines = new ArrayList<>();
    byJob.forEach(
        (job, defs) -> {
          Set<String> missing = new TreeSet<>(nodes);
          missing.removeAll(defs.keySet());
          Map<String, List<String>> byDefinition = new LinkedHashMap<>();
          defs.forEach(
              (node, d) -> byDefinition.computeIfAbsent(d, k -> new ArrayList<>()).add(node));
          if (missing.isEmpty() && byDefinition.size() == 1) {
            return;
          }
          List<String> parts = new ArrayList<>();
          byDefinition.forEach((d, on) -> parts.add(d + " on " + String.join(", ", on)));
          if (!missing.isEmpty()) {
            parts.add("not configured on " + String.join(", ", missing));
          }
          lines.add("schedule " + job + ": " + String.join("; ", parts));
        });
    return lines;
  }
}

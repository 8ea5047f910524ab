package dev.lifeboat.schedule;

import static dev.lifeboat.schedule.ServeIntegrationTests.await;
import static dev.lifeboat.schedule.ServeIntegrationTests.controlledBy;
import static dev.lifeboat.schedule.ServeIntegrationTests.get;
import static dev.lifeboat.schedule.ServeIntegrationTests.metricsOf;
import static dev.lifeboat.schedule.ServeIntegrationTests.serve;
import static dev.lifeboat.schedule.ServeIntegrationTests.terminate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two serve nodes on one PostgreSQL control database whose configurations differ (through the real
 * jar): the node without a schedule never removes it while the node that has it runs; both report
 * the disagreement (log, health, metric) and so does the doctor; once no running node has the
 * schedule, a start removes it.
 */
class ScheduleDisagreementIntegrationTests {

  @TempDir Path dir;

  static List<String> triggers(PgConnection control) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = control.open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT trigger_name FROM qrtz_triggers ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  @Test
  void aNodeLackingAScheduleLeavesItToTheNodeThatHasItAndEveryoneSaysTheyDisagree()
      throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("disagree_target");
    PgConnection control = PostgresServer.shared().createDatabase("control_disagree");
    String heartbeat = "  serve:\n    checkin-interval: 1s\n  metrics:\n    probe-interval: 1s";
    Fixture withIt =
        controlledBy(
                new Fixture(dir.resolve("b")).filesystem("local", dir.resolve("store")), control)
            .yaml("  schedules:\n    backup: { cron: \"0 0 3 1 1 ?\" }\n" + heartbeat);
    Fixture without =
        controlledBy(
                new Fixture(dir.resolve("a")).filesystem("local", dir.resolve("store")), control)
            .yaml(heartbeat);
    Path configB = withIt.write(db, "app");
    Path configA = without.write(db, "app");
    LifeboatCli cliB = withIt.cli();
    LifeboatCli cliA = without.cli();
    int portA = PostgresServer.freePort();

    Running b = serve(cliB, configB, "node-b", PostgresServer.freePort());
    Running a = null;
    try {
      await("node-b serving", Duration.ofSeconds(60), () -> b.stderrSoFar().contains("serving:"));
      Running started = serve(cliA, configA, "node-a", portA);
      a = started;
      await(
          "node-a serving",
          Duration.ofSeconds(60),
          () -> started.stderrSoFar().contains("serving:"));

      assertThat(triggers(control)).as(started.stderrSoFar()).containsExactly("backup.app");
      assertThat(started.stderrSoFar())
          .contains(
              "kept schedule backup.app: this node's configuration lacks it, but running node"
                  + " node-b have it")
          .contains(
              "nodes disagree: schedule backup.app: \"0 0 3 1 1 ?\" UTC on node-b; not configured"
                  + " on node-a")
          .doesNotContain("removed schedule");
      await(
          "node-b notices",
          Duration.ofSeconds(30),
          () -> b.stderrSoFar().contains("nodes disagree: schedule backup.app"));
      // a minute: on a loaded machine one scrape of a node that has just started can take many
      // seconds (a CI run gave up after 30 s); the last answer goes in the message
      String[] lastScrape = {"no answer yet"};
      try {
        await(
            "the metric on node-a",
            Duration.ofSeconds(60),
            () -> {
              String m = metricsOf(portA);
              lastScrape[0] =
                  m == null
                      ? "no answer"
                      : m.lines()
                          .filter(l -> l.startsWith("lifeboat_schedule_disagreements"))
                          .findFirst()
                          .orElse("no lifeboat_schedule_disagreements line");
              return m != null && m.contains("lifeboat_schedule_disagreements 1.0");
            });
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage()
                + "; last scrape: "
                + lastScrape[0]
                + "\nnode-a:\n"
                + started.stderrSoFar(),
            e);
      }
      String health = get(portA, "/actuator/health").body();
      assertThat(health).contains("\"nodes\":\"disagree\"").contains("schedule backup.app");

      Result doctor = cliA.run("--config", configA.toString(), "version", "--json");
      assertThat(doctor.stdout())
          .as(doctor.toString())
          .contains("running nodes (node-a, node-b) disagree")
          .contains("schedule backup.app");

      terminate(b);
      terminate(started);
      a = null;

      // no running node has it any more: this start removes it
      Running again = serve(cliA, configA, "node-a", PostgresServer.freePort());
      a = again;
      await(
          "node-a serving again",
          Duration.ofSeconds(60),
          () -> again.stderrSoFar().contains("serving:"));
      assertThat(again.stderrSoFar())
          .contains("removed schedule backup.app (configured on no running node)")
          .doesNotContain("nodes disagree");
      assertThat(triggers(control)).isEmpty();
    } finally {
      if (b.process().isAlive()) {
        terminate(b);
      }
      if (a != null && a.process().isAlive()) {
        terminate(a);
      }
    }
  }
}

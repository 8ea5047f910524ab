package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.jdbc.DataSourceBuilder;

/**
 * Job-repository retention on 100,000 recorded runs in a PostgreSQL control database (20,000 in the
 * embedded H2 one, where the same SQL runs slower): every run that ended more than {@code
 * lifeboat.history.keep} ago goes with its parameters, steps and contexts, but the newest run of
 * each job and target stays even when it is old, and so does a run still recorded running; a second
 * pass removes nothing.
 */
class JobHistoryRetentionIntegrationTests {

  /** Runs seeded: 100,000 in PostgreSQL; 20,000 in H2, where seeding and removal are slower. */
  private int runs = 100_000;

  /** Runs 1..old ended more than 400 days ago; the rest within the last week. */
  private int old = 90_000;

  private static final String[] JOBS = {"backup", "verify", "drill", "prune"};
  private static final String[] TARGETS = {"app", "billing", "Reports"};

  /** An empty execution context as Spring Batch stores it (a serialized map, in Base64). */
  private static final String EMPTY_CONTEXT = emptyContext();

  @TempDir Path dir;

  @Test
  void theEmbeddedControlDatabaseKeepsOnlyWhatItShould() throws Exception {
    runs = 20_000;
    old = 18_000;
    DataSource ds =
        DataSourceBuilder.create()
            .url(ControlDatabaseConfiguration.h2Url(dir))
            .username("sa")
            .password("")
            .build();
    try {
      ControlSchema.migrate(ds, true, "lifeboat.home");
      removesTheOldRunsOnly(ds, "SELECT X FROM SYSTEM_RANGE(1, " + runs + ")", () -> {});
    } finally {
      ((AutoCloseable) ds).close();
    }
  }

  @Test
  void aPostgreSqlControlDatabaseKeepsOnlyWhatItShould() throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("history_retention");
    DataSource ds =
        DataSourceBuilder.create()
            .url(control.jdbcUrl())
            .username(control.user())
            .password(control.password())
            .build();
    try {
      ControlSchema.migrate(ds, false, "lifeboat.control");
      Fixture fx =
          new Fixture(dir)
              .filesystem("local", dir.resolve("store"))
              .yaml(
                  "  control:\n    url: \""
                      + control.jdbcUrl()
                      + "\"\n    username: "
                      + control.user()
                      + "\n    password: \"${CONTROL_PASSWORD}\"");
      fx.env.put("CONTROL_PASSWORD", control.password());
      Path config = fx.write(control, "app");
      // the harness's first start extracts the jar and trains its archive: not part of the timing
      assertThat(fx.cli().run("version", "--short").exitCode()).isZero();
      // history answers, newest first, on the 100,003 runs and on what is left of them
      removesTheOldRunsOnly(
          ds,
          "SELECT g AS X FROM generate_series(1, " + runs + ") g",
          () -> history(fx, config, "100,003"));
      history(fx, config, "10,002");
    } finally {
      ((AutoCloseable) ds).close();
    }
  }

  /**
   * A batch whose last delete fails (another table still references a run) is rolled back whole: no
   * parameter, step or context of its runs is gone; the pass reports the failure and the next one,
   * once the reference is gone, removes them all.
   */
  @Test
  void aBatchThatFailsHalfwayRemovesNothingAndALaterPassFinishes() throws Exception {
    runs = 1_000;
    old = 900;
    DataSource ds =
        DataSourceBuilder.create()
            .url(ControlDatabaseConfiguration.h2Url(dir))
            .username("sa")
            .password("")
            .build();
    try {
      ControlSchema.migrate(ds, true, "lifeboat.home");
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      seed(ds, "SELECT X FROM SYSTEM_RANGE(1, " + runs + ")", now);
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE HOLDS_A_RUN (ID BIGINT REFERENCES BATCH_JOB_EXECUTION(JOB_EXECUTION_ID))");
        st.execute("INSERT INTO HOLDS_A_RUN VALUES (7)");
      }
      JobHistoryRetention retention =
          new JobHistoryRetention(
              ds, properties(), Clock.fixed(now, ZoneOffset.UTC), new SimpleMeterRegistry());
      Instant cutoff = now.minus(Duration.ofDays(400));

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> retention.removeEndedBefore(cutoff))
          .isInstanceOf(SQLException.class);
      retention.pass(); // logs the same failure, never throws
      assertThat(count(ds, "BATCH_JOB_EXECUTION")).isEqualTo(runs);
      assertThat(count(ds, "BATCH_JOB_EXECUTION_PARAMS")).isEqualTo(runs);
      assertThat(count(ds, "BATCH_STEP_EXECUTION")).isEqualTo(runs);
      assertThat(count(ds, "BATCH_STEP_EXECUTION_CONTEXT")).isEqualTo(runs);
      assertThat(count(ds, "BATCH_JOB_EXECUTION_CONTEXT")).isEqualTo(runs);

      try (Connection c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.execute("DROP TABLE HOLDS_A_RUN");
      }
      assertThat(retention.removeEndedBefore(cutoff)).isEqualTo(old);
      assertThat(count(ds, "BATCH_STEP_EXECUTION_CONTEXT")).isEqualTo(runs - old);
    } finally {
      ((AutoCloseable) ds).close();
    }
  }

  /** An unreachable control database: the pass logs it and the serve node serves on. */
  @Test
  void anUnreachableControlDatabaseIsLoggedNotThrown() throws Exception {
    DataSource ds =
        DataSourceBuilder.create()
            .url("jdbc:postgresql://127.0.0.1:" + PostgresServer.freePort() + "/control")
            .username("lifeboat")
            .password("unused")
            .build();
    try {
      JobHistoryRetention retention =
          new JobHistoryRetention(ds, properties(), Clock.systemUTC(), new SimpleMeterRegistry());
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> retention.removeEndedBefore(Instant.now()))
          .isInstanceOf(SQLException.class);
      retention.pass();
    } finally {
      ((AutoCloseable) ds).close();
    }
  }

  /** What to run once the runs are seeded, before the retention removes any. */
  interface Seeded {
    void run() throws Exception;
  }

  /** {@code history --limit 20} through the jar: the newest run first, timed (not asserted). */
  private static void history(Fixture fx, Path config, String runs) throws Exception {
    long start = System.nanoTime();
    Result r = fx.cli().run("--config", config.toString(), "--json", "history", "--limit", "20");
    System.out.println(
        "history on " + runs + " runs: " + (System.nanoTime() - start) / 1_000_000 + " ms");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    var listed = dev.lifeboat.base.Json.mapper().readTree(r.stdout());
    assertThat(listed.size()).as(r.stdout()).isEqualTo(20);
    assertThat(listed.get(0).get("execution").asLong()).isEqualTo(200_002L);
    // one target (and job): found by its parameter, not by paging through every job's runs
    assertThat(executions(fx, config, "--target", "Reports", "--job", "drill", "--limit", "3"))
        .containsExactly(99_998L, 99_986L, 99_974L);
    assertThat(executions(fx, config, "--target", "lonely"))
        .containsExactly(
            runs.startsWith("100") ? new Long[] {200_001L, 200_000L} : new Long[] {200_001L});
  }

  /** The executions {@code history --json ARGS} lists, newest first. */
  private static java.util.List<Long> executions(Fixture fx, Path config, String... args) {
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of("--config", config.toString(), "--json", "history"));
    command.addAll(java.util.List.of(args));
    Result r = fx.cli().run(command.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    java.util.List<Long> ids = new java.util.ArrayList<>();
    dev.lifeboat.base.Json.mapper()
        .readTree(r.stdout())
        .forEach(
            run -> {
              assertThat(run.get("target").asString()).isEqualTo(args[1]);
              ids.add(run.get("execution").asLong());
            });
    return ids;
  }

  private void removesTheOldRunsOnly(DataSource ds, String series, Seeded seeded) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    seed(ds, series, now);
    // one job and target whose every run is old: its newest stays
    long lonelyNewest =
        addRun(ds, 200_001, "restore", "lonely", "COMPLETED", now.minus(900, ChronoUnit.DAYS));
    long lonelyOlder =
        addRun(ds, 200_000, "restore", "lonely", "FAILED", now.minus(901, ChronoUnit.DAYS));
    // recorded running since long ago (its process may have died: DeadRuns' business, not this)
    long running = addRun(ds, 200_002, "backup", "app", "STARTED", null);
    assertThat(count(ds, "BATCH_JOB_EXECUTION")).isEqualTo(runs + 3);
    // the statistics a database that grew run by run has (autovacuum's, or H2's own): the planner
    // of one loaded a moment ago takes its tables for empty
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute("ANALYZE");
    }
    seeded.run();

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    JobHistoryRetention retention =
        new JobHistoryRetention(ds, properties(), Clock.fixed(now, ZoneOffset.UTC), meters);
    long start = System.nanoTime();
    int removed = retention.removeEndedBefore(now.minus(Duration.ofDays(400)));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.println(
        "removed " + removed + " of " + (runs + 3) + " runs in " + took.toMillis() + " ms");

    assertThat(removed).isEqualTo(old + 1);
    assertThat(meters.get("lifeboat_history_runs_removed").counter().count()).isEqualTo(old + 1);
    assertThat(count(ds, "BATCH_JOB_EXECUTION")).isEqualTo(runs - old + 2);
    assertThat(
            ids(
                ds,
                "SELECT JOB_EXECUTION_ID FROM BATCH_JOB_EXECUTION WHERE JOB_EXECUTION_ID > "
                    + runs))
        .as("the newest run of its job and target, and a running one")
        .isEqualTo(lonelyNewest + running);
    assertThat(
            ids(
                ds,
                "SELECT COUNT(*) FROM BATCH_JOB_EXECUTION WHERE JOB_EXECUTION_ID = " + lonelyOlder))
        .isZero();
    assertThat(ids(ds, "SELECT COUNT(*) FROM BATCH_JOB_EXECUTION WHERE JOB_EXECUTION_ID <= " + old))
        .as("every old run that has a newer one of its job and target is gone")
        .isZero();
    // nothing is left hanging on a removed run, and no instance is left without one
    assertThat(count(ds, "BATCH_JOB_EXECUTION_PARAMS")).isEqualTo(runs - old + 2);
    assertThat(count(ds, "BATCH_STEP_EXECUTION")).isEqualTo(runs - old);
    assertThat(count(ds, "BATCH_STEP_EXECUTION_CONTEXT")).isEqualTo(runs - old);
    assertThat(count(ds, "BATCH_JOB_EXECUTION_CONTEXT")).isEqualTo(runs - old);
    assertThat(count(ds, "BATCH_JOB_INSTANCE")).isEqualTo(runs - old + 2);

    assertThat(retention.removeEndedBefore(now.minus(Duration.ofDays(400))))
        .as("a second pass")
        .isZero();
  }

  /**
   * runs completed runs, one instance each, with a target parameter, a step, and both contexts; job
   * and target cycle so that every pair has recent runs.
   */
  private void seed(DataSource ds, String series, Instant now) throws SQLException {
    String oldBase = local(now.minus(500, ChronoUnit.DAYS));
    String recentBase = local(now.minus(7, ChronoUnit.DAYS));
    String job = "CASE MOD(X, 4)" + cases(JOBS) + " END";
    String target = "CASE MOD(X, 3)" + cases(TARGETS) + " END";
    // run X ends X minutes after its base: the old ones between 500 and 431 days ago
    String end =
        "CASE WHEN X <= "
            + old
            + " THEN DATEADD(MINUTE, X, TIMESTAMP '"
            + oldBase
            + "') ELSE DATEADD(MINUTE, X - "
            + old
            + ", TIMESTAMP '"
            + recentBase
            + "') END";
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      if (c.getMetaData().getDatabaseProductName().contains("PostgreSQL")) {
        end =
            "CASE WHEN X <= "
                + old
                + " THEN TIMESTAMP '"
                + oldBase
                + "' + X * INTERVAL '1 minute' ELSE TIMESTAMP '"
                + recentBase
                + "' + (X - "
                + old
                + ") * INTERVAL '1 minute' END";
      }
      st.execute(
          "INSERT INTO BATCH_JOB_INSTANCE (JOB_INSTANCE_ID, VERSION, JOB_NAME, JOB_KEY)"
              + " SELECT X, 0, "
              + job
              + ", CAST(X AS VARCHAR(32)) FROM ("
              + series
              + ") s");
      st.execute(
          "INSERT INTO BATCH_JOB_EXECUTION (JOB_EXECUTION_ID, VERSION, JOB_INSTANCE_ID,"
              + " CREATE_TIME, START_TIME, END_TIME, STATUS, EXIT_CODE, EXIT_MESSAGE,"
              + " LAST_UPDATED) SELECT X, 1, X, "
              + end
              + ", "
              + end
              + ", "
              + end
              + ", 'COMPLETED', 'COMPLETED', '', "
              + end
              + " FROM ("
              + series
              + ") s");
      st.execute(
          "INSERT INTO BATCH_JOB_EXECUTION_PARAMS (JOB_EXECUTION_ID, PARAMETER_NAME,"
              + " PARAMETER_TYPE, PARAMETER_VALUE, IDENTIFYING) SELECT X, 'target',"
              + " 'java.lang.String', "
              + target
              + ", 'Y' FROM ("
              + series
              + ") s");
      st.execute(
          "INSERT INTO BATCH_STEP_EXECUTION (STEP_EXECUTION_ID, VERSION, STEP_NAME,"
              + " JOB_EXECUTION_ID, CREATE_TIME, STATUS) SELECT X, 1, 'step', X, "
              + end
              + ", 'COMPLETED' FROM ("
              + series
              + ") s");
      st.execute(
          "INSERT INTO BATCH_STEP_EXECUTION_CONTEXT (STEP_EXECUTION_ID, SHORT_CONTEXT)"
              + " SELECT X, '"
              + EMPTY_CONTEXT
              + "' FROM ("
              + series
              + ") s");
      st.execute(
          "INSERT INTO BATCH_JOB_EXECUTION_CONTEXT (JOB_EXECUTION_ID, SHORT_CONTEXT)"
              + " SELECT X, '"
              + EMPTY_CONTEXT
              + "' FROM ("
              + series
              + ") s");
    }
  }

  /** One run of {@code job} on {@code target}: ended at {@code end}, or running when null. */
  private static long addRun(
      DataSource ds, long id, String job, String target, String status, Instant end)
      throws SQLException {
    String created = local(end != null ? end : Instant.now().minus(800, ChronoUnit.DAYS));
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO BATCH_JOB_INSTANCE (JOB_INSTANCE_ID, VERSION, JOB_NAME, JOB_KEY) VALUES ("
              + id
              + ", 0, '"
              + job
              + "', '"
              + id
              + "')");
      st.execute(
          "INSERT INTO BATCH_JOB_EXECUTION (JOB_EXECUTION_ID, VERSION, JOB_INSTANCE_ID,"
              + " CREATE_TIME, START_TIME, END_TIME, STATUS) VALUES ("
              + id
              + ", 1, "
              + id
              + ", TIMESTAMP '"
              + created
              + "', TIMESTAMP '"
              + created
              + "', "
              + (end == null ? "NULL" : "TIMESTAMP '" + created + "'")
              + ", '"
              + status
              + "')");
      st.execute(
          "INSERT INTO BATCH_JOB_EXECUTION_PARAMS (JOB_EXECUTION_ID, PARAMETER_NAME,"
              + " PARAMETER_TYPE, PARAMETER_VALUE, IDENTIFYING) VALUES ("
              + id
              + ", 'target', 'java.lang.String', '"
              + target
              + "', 'Y')");
    }
    return id;
  }

  private static String emptyContext() {
    try {
      var out = new java.io.ByteArrayOutputStream();
      new org.springframework.batch.core.repository.dao.DefaultExecutionContextSerializer()
          .serialize(new java.util.HashMap<>(), out);
      return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String cases(String[] values) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      s.append(" WHEN ").append(i).append(" THEN '").append(values[i]).append("'");
    }
    return s.toString();
  }

  /** A timestamp literal's text in the zone Spring Batch writes its local times in. */
  private static String local(Instant instant) {
    return LocalDateTime.ofInstant(instant, ZoneId.systemDefault()).toString().replace('T', ' ');
  }

  private static long count(DataSource ds, String table) throws SQLException {
    return ids(ds, "SELECT COUNT(*) FROM " + table);
  }

  /** The sum of the first column of {@code sql}'s rows. */
  private static long ids(DataSource ds, String sql) throws SQLException {
    long sum = 0;
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        sum += rs.getLong(1);
      }
    }
    return sum;
  }

  private static LifeboatProperties properties() {
    return new Binder(new MapConfigurationPropertySource(java.util.Map.of("lifeboat.home", "/tmp")))
        .bindOrCreate("lifeboat", LifeboatProperties.class);
  }
}

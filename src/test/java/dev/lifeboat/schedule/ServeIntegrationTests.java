package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lifeboat serve} through the real jar: schedules fire backups through the same door as the
 * command line, on one node or a cluster sharing a PostgreSQL control database, surviving node
 * death, downtime and SIGTERM.
 */
class ServeIntegrationTests {

  static PgConnection db;

  @TempDir Path dir;

  @BeforeAll
  static void database() {
    db = PostgresServer.shared().createExampleDatabase("serve_it", 1);
  }

  Fixture fixture() throws Exception {
    return new Fixture(dir).filesystem("local", dir.resolve("store"));
  }

  /** A PostgreSQL control database of its own, for clustered nodes. */
  static Fixture controlledBy(Fixture fx, PgConnection control) {
    fx.env.put("CONTROL_PASSWORD", control.password());
    return fx.yaml(
        "  control:\n    url: \""
            + control.jdbcUrl()
            + "\"\n    username: "
            + control.user()
            + "\n    password: \"${CONTROL_PASSWORD}\"");
  }

  static Running serve(LifeboatCli cli, Path config, String node, int port) {
    return cli.start(
        "--config",
        config.toString(),
        "serve",
        "--lifeboat.node=" + node,
        "--lifeboat.http.port=" + port);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  /** Sends SIGTERM and returns how long the process took to exit. */
  static Duration terminate(Running running) throws InterruptedException {
    long start = System.nanoTime();
    running.process().destroy();
    assertThat(running.process().waitFor(40, java.util.concurrent.TimeUnit.SECONDS))
        .as("serve exits after SIGTERM: " + running.stderrSoFar())
        .isTrue();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  static JsonNode json(Result r) {
    assertThat(r.exitCode()).as(r.toString()).isIn(0, 3);
    return Json.mapper().readTree(r.stdout());
  }

  static List<JsonNode> list(JsonNode array) {
    List<JsonNode> result = new ArrayList<>();
    array.forEach(result::add);
    return result;
  }

  @Test
  void theNodeServicesStartOnceTheSchedulerServesAndStopFirstOnSigterm() throws Exception {
    // a slot of its own: the receiver really streams, and the shared server must not keep WAL for
    // it once the test is over
    Fixture fx =
        fixture()
            .targetYaml("app", "      wal:\n        enabled: true\n        slot: serve_it_wal");
    Path config = fx.write(db, "app");

    Running serve = serve(fx.cli(), config, "node-w", PostgresServer.freePort());
    Duration stop;
    String log;
    try {
      await(
          "the WAL receivers started",
          Duration.ofSeconds(60),
          () -> serve.stderrSoFar().contains("started WAL receivers"));
      stop = terminate(serve);
      log = serve.stderrSoFar();
    } finally {
      serve.kill();
      PostgresServer.shared()
          .cluster()
          .execute(
              "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                  + " WHERE slot_name = 'serve_it_wal'");
    }

    assertThat(stop).as(log).isLessThan(Duration.ofSeconds(30));
    assertThat(log).doesNotContain("Exception");
    assertThat(count(log, "started WAL receivers")).as(log).isEqualTo(1);
    assertThat(count(log, "stopped WAL receivers in ")).as(log).isEqualTo(1);
    List<String> inOrder =
        List.of(
            "serving: node node-w, single node",
            "started WAL receivers",
            "stopping: no new firings",
            "stopped WAL receivers in ",
            "- stopped in ");
    int at = -1;
    for (String line : inOrder) {
      int next = log.indexOf(line);
      assertThat(next).as("'%s' after the line before it in%n%s", line, log).isGreaterThan(at);
      at = next;
    }
  }

  @Test
  void sigtermStopsATypedBackupTooAndRecordsItStopped() throws Exception {
    PgConnection target = PostgresServer.shared().createExampleDatabase("cli_sigterm", 1);
    Fixture fx = fixture();
    Path config = fx.write(target, "app");
    LifeboatCli cli = fx.cli();
    Duration stop;
    Running typed;
    try (Connection lock = target.open()) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");
      }
      typed = cli.start("--config", config.toString(), "backup");
      await(
          "the backup waiting on the table",
          Duration.ofSeconds(60),
          () -> {
            try (Connection c = target.open();
                Statement st = c.createStatement();
                ResultSet rs =
                    st.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")) {
              rs.next();
              return rs.getInt(1) > 0;
            } catch (java.sql.SQLException e) {
              return false;
            }
          });
      stop = terminate(typed);
      lock.rollback();
    }
    String err = typed.stderrSoFar();

    assertThat(stop).as(err).isLessThan(Duration.ofSeconds(30));
    assertThat(pgDumpsOf(target.database())).as("pg_dump was ended").isZero();
    assertThat(typed.process().exitValue()).as(err).isNotZero();
    assertThat(err).doesNotContain("Exception");
    assertThat(list(json(cli.run("--config", config.toString(), "backups", "--json")))).isEmpty();
    List<JsonNode> runs = list(json(cli.run("--config", config.toString(), "history", "--json")));
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).get("status").asString())
        .as("%s%n%s", runs.get(0), err)
        .isEqualTo("STOPPED");
    assertThat(runs.get(0).get("trigger").asString()).isEqualTo("cli");
  }

  @Test
  void whatATypedBackupAndVerifyPutInTheStoresReachServesMetricsWithinAProbeInterval()
      throws Exception {
    Fixture fx = fixture().yaml("  metrics:\n    probe-interval: 1s");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    int port = PostgresServer.freePort();
    Running serve = serve(cli, config, "node-a", port);
    String verified = "lifeboat_backup_verified_last_success_timestamp_seconds{target=\"app\"}";
    String last = "lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}";
    try {
      await("serve is up", Duration.ofSeconds(60), () -> metricsOf(port) != null);
      assertThat(metricsOf(port)).doesNotContain(verified).doesNotContain(last);

      // another process (a typed command, or another node) backs up and verifies
      Result backup = cli.run("--config", config.toString(), "backup");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      Result verify = cli.run("--config", config.toString(), "verify", "latest");
      assertThat(verify.exitCode()).as(verify.toString()).isZero();

      await(
          "the stores' newest and newest verified backup in serve's metrics",
          Duration.ofSeconds(30),
          () -> {
            String m = metricsOf(port);
            return m != null && m.contains(verified) && m.contains(last);
          });
    } finally {
      terminate(serve);
    }
  }

  static String metricsOf(int port) {
    try {
      HttpResponse<String> r = get(port, "/actuator/prometheus");
      return r.statusCode() == 200 ? r.body() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * One firing a minute, at a second a quarter of a minute from now: the run compared below is the
   * only scheduled one while serve runs (a faster schedule could fire again just before the
   * SIGTERM, and that run would be the stopped one the test then picked up).
   */
  static String onceAMinuteSoon() {
    return (java.time.LocalTime.now(java.time.ZoneOffset.UTC).plusSeconds(15).getSecond())
        + " * * * * ?";
  }

  @Test
  void aScheduledAndATypedBackupLeaveTheSameRecordAndTheSameMetrics() throws Exception {
    Fixture fx =
        fixture().yaml("  schedules:\n    backup: { cron: \"" + onceAMinuteSoon() + "\" }");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    int port = PostgresServer.freePort();

    Result typed = cli.run("--config", config.toString(), "backup", "--lifeboat.node=node-a");
    assertThat(typed.exitCode()).as(typed.toString()).isZero();
    Running serve = serve(cli, config, "node-a", port);
    await(
        "a scheduled backup",
        Duration.ofSeconds(120),
        () -> serve.stderrSoFar().contains("finished backup of target 'app': success"));
    String metrics = get(port, "/actuator/prometheus").body();
    terminate(serve);
    String log = serve.stderrSoFar();

    List<JsonNode> runs = list(json(cli.run("--config", config.toString(), "history", "--json")));
    List<JsonNode> scheduledRuns =
        runs.stream().filter(r -> r.get("trigger").asString().equals("schedule")).toList();
    assertThat(scheduledRuns).as("one scheduled run while serve ran: %s%n%s", runs, log).hasSize(1);
    JsonNode scheduled = scheduledRuns.get(0);
    JsonNode cliRun = runs.get(runs.size() - 1);
    assertThat(cliRun.get("trigger").asString()).isEqualTo("cli");
    for (String field : List.of("job", "target", "node", "outcome", "status")) {
      assertThat(scheduled.get(field))
          .as("%s of the scheduled run %s and the typed one %s", field, scheduled, cliRun)
          .isEqualTo(cliRun.get(field));
    }
    assertThat(fieldNames(scheduled)).isEqualTo(fieldNames(cliRun));
    // the scheduled run recorded exactly the meters a typed run pushes
    // (PushgatewayIntegrationTests)
    assertThat(metrics)
        .contains("lifeboat_job_runs_total{job=\"backup\",outcome=\"success\",target=\"app\"} 1")
        .contains("lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}")
        .contains("lifeboat_backup_size_bytes{target=\"app\"}")
        .contains("lifeboat_backup_duration_seconds_count{outcome=\"success\",target=\"app\"} 1");
  }

  static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.propertyNames().forEach(names::add);
    return names;
  }

  @Test
  void healthIsDownWhileAStoreIsUnreachableAndOnlyHealthAndPrometheusAnswer() throws Exception {
    S3ProxyServer s3 = S3ProxyServer.start();
    try {
      s3.createBucket("health");
      Fixture fx = fixture().s3("remote", s3, "health");
      Path config = fx.write(db, "app");
      int port = PostgresServer.freePort();
      Running serve = serve(fx.cli(), config, "node-a", port);
      await(
          "the port", Duration.ofSeconds(60), () -> serve.stderrSoFar().contains("serving: node"));

      HttpResponse<String> up = get(port, "/actuator/health");
      assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
      assertThat(up.body()).contains("\"status\":\"UP\"").contains("\"remote\":\"reachable\"");

      s3.stop();
      HttpResponse<String> down = get(port, "/actuator/health");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("unreachable");

      s3.restart();
      await(
          "the store back",
          Duration.ofSeconds(30),
          () -> get(port, "/actuator/health").statusCode() == 200);

      assertThat(get(port, "/actuator/prometheus").statusCode()).isEqualTo(200);
      HttpResponse<String> unknown = get(port, "/no-such-page");
      assertThat(unknown.statusCode()).isEqualTo(404);
      for (String other :
          List.of(
              "/actuator",
              "/actuator/env",
              "/actuator/beans",
              "/actuator/info",
              "/error",
              "/error/anything",
              "/error;x=1",
              "/%65rror")) {
        HttpResponse<String> response = get(port, other);
        assertThat(response.statusCode()).as(other).isEqualTo(404);
        assertThat(response.body()).as(other).contains("\"status\":404").contains("Not Found");
      }
      for (String method : List.of("POST", "PUT", "DELETE", "HEAD", "OPTIONS")) {
        assertThat(request(port, method, "/error").statusCode()).as(method).isEqualTo(404);
      }
      terminate(serve);
      assertThat(serve.stderrSoFar()).doesNotContain(s3.secretKey()).doesNotContain(db.password());
    } finally {
      s3.close();
    }
  }

  /** pg_dump processes (real OS processes) dumping {@code database}. */
  static long pgDumpsOf(String database) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains("pg_dump") && c.contains("--dbname=" + database))
                    .orElse(false))
        .count();
  }

  static String port() {
    return "--lifeboat.http.port=" + PostgresServer.freePort();
  }

  @Test
  void withStructuredLoggingEveryLogLineIsOneJsonObject() throws Exception {
    Fixture fx = fixture().yaml("  schedules:\n    backup: { cron: \"0 0 2 * * ?\" }");
    Path config = fx.write(db, "app");
    Running serve =
        fx.cli()
            .start(
                "--config",
                config.toString(),
                "serve",
                port(),
                "--logging.structured.format.console=ecs");
    await(
        "the start-up lines",
        Duration.ofSeconds(60),
        () -> serve.stderrSoFar().contains("schedule backup of target"));
    terminate(serve);
    List<String> lines = serve.stderrSoFar().lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      JsonNode event = Json.mapper().readTree(line);
      assertThat(event.get("message")).as(line).isNotNull();
    }
    assertThat(lines)
        .anyMatch(
            l -> Json.mapper().readTree(l).get("message").asString().startsWith("serving: node"));
  }

  @Test
  void aPortInUseIsRefusedNamingTheKey() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Fixture fx = fixture();
      Path config = fx.write(db, "app");
      Result r =
          fx.cli()
              .run(
                  "--config",
                  config.toString(),
                  "serve",
                  "--lifeboat.http.port=" + taken.getLocalPort());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr())
          .contains("lifeboat.http.port: Port " + taken.getLocalPort())
          .doesNotContain("Exception");
    }
  }

  static HttpResponse<String> get(int port, String path) {
    return request(port, "GET", path);
  }

  static HttpResponse<String> request(int port, String method, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(30))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String firstMatch(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : null;
  }
}

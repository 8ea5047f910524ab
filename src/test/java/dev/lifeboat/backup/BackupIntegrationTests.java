package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Manifests;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.SilentServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import tools.jackson.databind.JsonNode;

/**
 * The backup story end to end through the real jar: real PostgreSQL, real pg_dump, two s3proxy
 * servers in their own processes and a filesystem store.
 */
class BackupIntegrationTests {

  static PgConnection db;
  static S3ProxyServer s3a;
  static S3ProxyServer s3b;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() {
    db = PostgresServer.shared().createExampleDatabase("backup_it", 1);
    s3a = S3ProxyServer.shared("a");
    s3b = S3ProxyServer.shared("b");
  }

  private Fixture threeStores(String bucket) throws IOException {
    s3a.createBucket(bucket);
    s3b.createBucket(bucket);
    return new Fixture(dir)
        .s3("s3-a", s3a, bucket)
        .s3("s3-b", s3b, bucket)
        .filesystem("local", dir.resolve("local-store"));
  }

  @Test
  void aBackupLandsByteForByteInTwoS3StoresAndAFilesystemStore() throws Exception {
    Fixture fx = threeStores("roundtrip");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();

    Result backup =
        cli.run("--config", config.toString(), "backup", "--label", "nightly", "--json");

    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    JsonNode result = Json.mapper().readTree(backup.stdout());
    assertThat(result.get("status").asString()).isEqualTo("complete");
    String id = result.get("id").asString();
    assertThat(id).matches("\\d{8}T\\d{6}Z(-\\d+)?");
    Manifest manifest = Json.mapper().treeToValue(result.get("manifest"), Manifest.class);
    assertThat(manifest.label()).isEqualTo("nightly");
    assertThat(manifest.format()).isEqualTo("pg_dump-custom+zstd");

    byte[] fromA = s3Object(s3a, "roundtrip", "lifeboat/app/" + id + "/dump");
    byte[] fromB = s3Object(s3b, "roundtrip", "lifeboat/app/" + id + "/dump");
    byte[] fromDisk = Files.readAllBytes(dir.resolve("local-store/app/" + id + "/dump"));
    assertThat(fromA).isEqualTo(fromDisk);
    assertThat(fromB).isEqualTo(fromDisk);
    assertThat(fromDisk.length).isEqualTo(manifest.sizeBytes());
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(fromDisk)))
        .isEqualTo(manifest.sha256());
    byte[] archive = new ZstdInputStream(new ByteArrayInputStream(fromDisk)).readAllBytes();
    assertThat(new String(archive, 0, 5)).isEqualTo("PGDMP");
    assertThat((long) archive.length).isEqualTo(manifest.rawBytes());

    // the manifest's counts are the database's counts, table by table
    assertThat(manifest.tables()).isEqualTo(rowCounts(db));
    assertThat(manifest.tables()).hasSizeGreaterThanOrEqualTo(7);
    assertThat(manifest.rls().values())
        .anySatisfy(
            r -> {
              assertThat(r.enabled()).isTrue();
              assertThat(r.forced()).isTrue();
            });

    Result list = cli.run("--config", config.toString(), "backups", "--json");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    JsonNode rows = Json.mapper().readTree(list.stdout());
    assertThat(rows.get(0).get("id").asString()).isEqualTo(id);
    assertThat(rows.get(0).get("stores").toString()).contains("s3-a", "s3-b", "local");
    assertThat(rows.get(0).get("sha256").asString()).isEqualTo(manifest.sha256());

    Result verify = cli.run("--config", config.toString(), "verify", "latest");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.stdout()).contains("s3-a: ok", "s3-b: ok", "local: ok");

    // secrets never show: not in output, not in the manifest
    for (String secret : List.of(db.password(), s3a.secretKey(), s3b.secretKey())) {
      assertThat(backup.all() + list.all() + verify.all()).doesNotContain(secret);
      assertThat(new String(Manifests.write(manifest))).doesNotContain(secret);
    }
  }

  @Test
  void aBackupWithoutALabelHasNoLabelInItsManifestOrListing() throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("local-store"));
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();

    Result unlabelled = cli.run("--config", config.toString(), "backup", "--json");
    // a blank --label is no label either
    Result blank = cli.run("--config", config.toString(), "backup", "--label", "", "--json");

    for (Result backup : List.of(unlabelled, blank)) {
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      JsonNode result = Json.mapper().readTree(backup.stdout());
      assertThat(result.get("label").isNull()).as(backup.stdout()).isTrue();
      String id = result.get("id").asString();
      JsonNode manifest =
          Json.mapper()
              .readTree(
                  Files.readAllBytes(dir.resolve("local-store/app/" + id + "/manifest.json")));
      assertThat(manifest.has("label")).isTrue();
      assertThat(manifest.get("label").isNull()).as(manifest.toString()).isTrue();
    }
    Result list = cli.run("--config", config.toString(), "backups", "--json");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    JsonNode rows = Json.mapper().readTree(list.stdout());
    assertThat(rows).hasSize(2);
    for (JsonNode row : rows) {
      assertThat(row.has("label")).isTrue();
      assertThat(row.get("label").isNull()).as(row.toString()).isTrue();
    }
  }

  @Test
  void verifyNamesTheStoreWhoseCopyHasAFlippedByte() throws Exception {
    Fixture fx = threeStores("flipped");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().trim();

    Path dump = dir.resolve("local-store/app/" + id + "/dump");
    byte[] bytes = Files.readAllBytes(dump);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(dump, bytes);

    Result verify = cli.run("--config", config.toString(), "verify", id);
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
    assertThat(verify.stdout()).contains("local: corrupt", "s3-a: ok", "s3-b: ok");
    assertThat(verify.stderr()).contains("verify failed in: local");

    Result onlyA = cli.run("--config", config.toString(), "verify", id, "--store", "s3-a");
    assertThat(onlyA.exitCode()).as(onlyA.toString()).isZero();
  }

  @Test
  void aStoreThatIsDownMakesTheBackupPartialWhileTheOthersComplete() throws Exception {
    S3ProxyServer down = S3ProxyServer.start();
    try {
      down.createBucket("partial");
      s3a.createBucket("partial");
      Fixture fx =
          new Fixture(dir)
              .s3("s3-a", s3a, "partial")
              .s3("s3-down", down, "partial")
              .filesystem("local", dir.resolve("local-store"));
      Path config = fx.write(db, "app");
      down.stop();

      Result backup = fx.cli().run("--config", config.toString(), "backup");

      assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(3);
      assertThat(backup.stderr()).contains("s3-down: failed").contains("partial");
      String id = backup.stdout().trim();
      Result list = fx.cli().run("--config", config.toString(), "backups", "--json");
      assertThat(list.exitCode())
          .as("a store that cannot be read makes the list partial")
          .isEqualTo(3);
      JsonNode row = Json.mapper().readTree(list.stdout()).get(0);
      assertThat(row.get("id").asString()).isEqualTo(id);
      assertThat(row.get("stores").toString()).contains("s3-a", "local").doesNotContain("s3-down");
      assertThat(list.stderr()).contains("s3-down");

      Result verify = fx.cli().run("--config", config.toString(), "verify", "latest");
      assertThat(verify.exitCode()).as("unreachable, the other copies good: partial").isEqualTo(3);
      assertThat(verify.stdout())
          .contains("s3-down: unreachable")
          .contains("s3-a: ok", "local: ok");
      assertThat(backup.all() + list.all() + verify.all()).doesNotContain(down.secretKey());
    } finally {
      down.close();
    }
  }

  @Test
  void aStoreThatAcceptsAndNeverAnswersCostsOnlyItsTimeoutsAndTheOthersArePublishedFirst()
      throws Exception {
    s3a.createBucket("hung");
    try (SilentServer silent = new SilentServer()) {
      Fixture fx =
          new Fixture(dir)
              .s3("s3-a", s3a, "hung")
              .s3At("s3-hung", silent.endpoint(), "hung")
              .filesystem("local", dir.resolve("local-store"));
      fx.stores.computeIfPresent(
          "s3-hung",
          (name, yaml) ->
              yaml.replaceFirst(
                  " }$", ", connect-timeout: 1s, request-timeout: 1s, part-timeout: 2s }"));
      Path config = fx.write(db, "app");

      long start = System.nanoTime();
      LifeboatCli.Running running = fx.cli().start("--config", config.toString(), "backup");
      // the healthy stores are published while the hung one is still timing out
      Path localManifest = null;
      while (localManifest == null && running.process().isAlive()) {
        try (Stream<Path> files = Files.walk(dir.resolve("local-store"))) {
          localManifest = files.filter(p -> p.endsWith("manifest.json")).findFirst().orElse(null);
        } catch (IOException notYet) {
          // the store directory appears with the first object
        }
        Thread.sleep(50);
      }
      boolean publishedWhileRunning = localManifest != null && running.process().isAlive();
      Result backup = running.await(Duration.ofSeconds(90));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(publishedWhileRunning)
          .as("local manifest written before the backup ended: " + backup)
          .isTrue();
      assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(3);
      assertThat(took).isLessThan(Duration.ofSeconds(60));
      assertThat(backup.stderr()).contains("s3-hung: failed").contains("partial");
      String id = backup.stdout().trim();
      assertThat(dir.resolve("local-store/app/" + id + "/manifest.json")).exists();

      Result list =
          fx.cli().run(Duration.ofSeconds(60), "--config", config.toString(), "backups", "--json");
      assertThat(list.exitCode()).as(list.toString()).isEqualTo(3);
      JsonNode row = Json.mapper().readTree(list.stdout()).get(0);
      assertThat(row.get("id").asString()).isEqualTo(id);
      assertThat(row.get("stores").toString()).contains("s3-a", "local").doesNotContain("s3-hung");
      assertThat(list.stderr()).contains("s3-hung");

      // the target's lock died with the backup: the next one starts at once
      Result again = fx.cli().run(Duration.ofSeconds(90), "--config", config.toString(), "backup");
      assertThat(again.exitCode()).as(again.toString()).isEqualTo(3);
      assertThat(again.stderr()).doesNotContain("another backup");
    }
  }

  @Test
  void whenEveryStoreIsDownTheBackupFailsAndNothingIsListed() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
    Fixture fx =
        new Fixture(dir)
            .s3At("s3-nowhere", "http://127.0.0.1:" + PostgresServer.freePort(), "nothing")
            .filesystem("blocked", notADirectory.resolve("store"));
    Path config = fx.write(db, "app");

    Result backup = fx.cli().run("--config", config.toString(), "backup");

    assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(1);
    assertThat(backup.stderr()).contains("s3-nowhere").contains("blocked");
    Result list = fx.cli().run("--config", config.toString(), "backups", "--json");
    assertThat(Json.mapper().readTree(list.stdout()).size()).isZero();
  }

  @Test
  void aBackupKilledMidUploadLeavesNothingListedAndTheNextOneSucceeds() throws Exception {
    PgConnection big = PostgresServer.shared().createDatabase("kill_it");
    try (Connection c = big.open();
        Statement st = c.createStatement()) {
      // random text so zstd cannot shrink it to nothing and the dump takes a few seconds
      st.execute(
          "CREATE TABLE blob AS SELECT g AS id, md5(random()::text) || md5(random()::text) AS a,"
              + " md5(random()::text) AS b FROM generate_series(1, 1500000) g");
    }
    Path store = dir.resolve("local-store");
    Fixture fx = new Fixture(dir).filesystem("local", store);
    Path config = fx.write(big, "big");

    LifeboatCli.Running running = fx.cli().start("--config", config.toString(), "backup");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!hasBytesInFlight(store)
        && System.nanoTime() < deadline
        && running.process().isAlive()) {
      Thread.sleep(20);
    }
    assertThat(running.process().isAlive())
        .as("the backup was still uploading: " + running.stderrSoFar())
        .isTrue();
    running.kill();

    Result list = fx.cli().run("--config", config.toString(), "backups", "--json");
    assertThat(list.exitCode()).isZero();
    assertThat(Json.mapper().readTree(list.stdout()).size()).as(list.stdout()).isZero();
    try (Stream<Path> files = Files.walk(store)) {
      assertThat(
              files.filter(
                  p ->
                      p.getFileName().toString().equals("manifest.json")
                          || p.getFileName().toString().equals("dump")))
          .isEmpty();
    }

    Result again = fx.cli().run("--config", config.toString(), "backup");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    Result listed = fx.cli().run("--config", config.toString(), "backups", "--json");
    assertThat(Json.mapper().readTree(listed.stdout()).size()).isEqualTo(1);

    // the killed run no longer pretends to be running in the job repository
    String h2 =
        "jdbc:h2:file:"
            + fx.home.resolve("control/lifeboat").toAbsolutePath()
            + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    // the embedded database's generated password, readable by Lifeboat's user (here: root)
    String password = Files.readString(fx.home.resolve("control/password"));
    try (Connection c = java.sql.DriverManager.getConnection(h2, "sa", password);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT status FROM BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID")) {
      List<String> statuses = new java.util.ArrayList<>();
      while (rs.next()) {
        statuses.add(rs.getString(1));
      }
      assertThat(statuses).containsExactly("FAILED", "COMPLETED");
    }
  }

  @Test
  void aWrongPasswordIsAClearErrorAndThePasswordAppearsNowhere() throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("local-store"));
    Path config = fx.write(db, "app");
    String wrong = "not-the-password-" + System.nanoTime();
    LifeboatCli cli = fx.cli().env("APP_DB_PASSWORD", wrong);

    Result backup = cli.run("--config", config.toString(), "backup", "--json");

    assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(2);
    assertThat(backup.stderr())
        .contains("lifeboat.targets.app.password")
        .contains("password authentication failed");
    assertThat(backup.all()).doesNotContain(wrong).doesNotContain(db.password());
    assertThat(Json.mapper().readTree(backup.stdout()).get("exitCode").asInt()).isEqualTo(2);
    try (Stream<Path> files = Files.walk(fx.dir)) {
      assertThat(files.filter(p -> p.toString().contains("local-store/app"))).isEmpty();
    }
  }

  @Test
  void aSecondBackupOfTheSameTargetRefusesWhileOneIsRunning() throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("local-store"));
    Path config = fx.write(db, "app");
    try (Connection holder = db.open();
        Statement st = holder.createStatement()) {
      st.execute("SET application_name = 'lifeboat backup (the first one)'");
      st.execute(
          "SELECT pg_advisory_lock("
              + dev.lifeboat.pg.AdvisoryLock.CLASS
              + ", "
              + dev.lifeboat.pg.AdvisoryLock.BACKUP
              + ")");

      Result second = fx.cli().run("--config", config.toString(), "backup");

      assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
      assertThat(second.stderr())
          .contains("another backup of target 'app' is running")
          .contains("lifeboat backup (the first one)");
    }
    Result afterwards = fx.cli().run("--config", config.toString(), "backup");
    assertThat(afterwards.exitCode()).as(afterwards.toString()).isZero();
  }

  @Test
  void aRoleThatRowLevelSecurityWouldFilterIsToldWhichTableAndWhyAndNothingIsLeft()
      throws Exception {
    String role = "plain_backup_" + System.nanoTime() % 100000;
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'plain-pw-123'");
      st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
      st.execute("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role);
    }
    PgConnection asRole =
        new PgConnection(db.host(), db.port(), db.database(), role, "plain-pw-123");
    Path store = dir.resolve("local-store");
    Fixture fx = new Fixture(dir).filesystem("local", store);
    Path config = fx.write(asRole, "app");

    Result backup = fx.cli().run("--config", config.toString(), "backup");

    assertThat(backup.exitCode()).as(backup.toString()).isEqualTo(1);
    assertThat(backup.stderr())
        .contains("cannot read table public.")
        .contains("row-level security")
        .contains("BYPASSRLS");
    assertThat(backup.all()).doesNotContain("plain-pw-123");
    if (Files.exists(store)) {
      try (Stream<Path> files = Files.walk(store)) {
        assertThat(files.filter(p -> !p.equals(store)))
            .as("no empty <target>/<id>/ directory")
            .isEmpty();
      }
    }

    // with BYPASSRLS it works; a lock held by another role's session is reported without details
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("ALTER ROLE " + role + " BYPASSRLS");
    }
    try (Connection holder = db.open();
        Statement st = holder.createStatement()) {
      st.execute(
          "SELECT pg_advisory_lock("
              + dev.lifeboat.pg.AdvisoryLock.CLASS
              + ", "
              + dev.lifeboat.pg.AdvisoryLock.BACKUP
              + ")");
      Result refused = fx.cli().run("--config", config.toString(), "backup");
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
      assertThat(refused.stderr()).contains("another backup of target 'app' is running (held by");
    }
    Result ok = fx.cli().run("--config", config.toString(), "backup");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
  }

  @Test
  void theJobRepositoryLivesInTheEmbeddedH2FileOrInPostgreSql() throws Exception {
    Fixture h2 = new Fixture(dir).filesystem("local", dir.resolve("local-store"));
    Path h2Config = h2.write(db, "app");
    Result onH2 = h2.cli().run("--config", h2Config.toString(), "backup");
    assertThat(onH2.exitCode()).as(onH2.toString()).isZero();
    assertThat(h2.home.resolve("control/lifeboat.mv.db")).exists();

    PgConnection control = PostgresServer.shared().createDatabase("control_it");
    Fixture pg =
        new Fixture(dir)
            .filesystem("local", dir.resolve("local-store"))
            .yaml(
                "  control:\n    url: \""
                    + control.jdbcUrl()
                    + "\"\n    username: "
                    + control.user()
                    + "\n    password: \"${CONTROL_PASSWORD}\"");
    Path config = pg.write(db, "app2");
    Result onPg =
        pg.cli()
            .env("CONTROL_PASSWORD", control.password())
            .run("--config", config.toString(), "backup");
    assertThat(onPg.exitCode()).as(onPg.toString()).isZero();
    try (Connection c = control.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT status, exit_code FROM batch_job_execution e"
                    + " JOIN batch_job_instance i USING (job_instance_id) WHERE i.job_name = 'backup'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("COMPLETED");
    }
  }

  @Test
  void aTerminalShowsAProgressLineWhileJsonModeAndPipesStayQuiet() throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("local-store"));
    Path config = fx.write(db, "app");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script")),
        "util-linux script(1) gives the test a terminal");

    String onTerminal = underTerminal(fx, config, "backup");
    String jsonOnTerminal = underTerminal(fx, config, "backup", "--json");
    Result piped = fx.cli().run("--config", config.toString(), "backup");

    assertThat(onTerminal).contains("\rbackup app ").containsPattern("[KM]iB/s, \\d+s");
    assertThat(jsonOnTerminal).doesNotContain("/s, ");
    assertThat(piped.all()).doesNotContain("\r").doesNotContain("/s, ");
  }

  /** Runs the jar under a pseudo-terminal (script -qec), returning everything it printed. */
  private static String underTerminal(Fixture fx, Path config, String... args) throws Exception {
    StringBuilder command = new StringBuilder();
    command
        .append(Path.of(System.getProperty("java.home"), "bin", "java"))
        .append(" -jar ")
        .append(LifeboatCli.jar())
        .append(" --config ")
        .append(config);
    for (String a : args) {
      command.append(' ').append(a);
    }
    ProcessBuilder pb =
        new ProcessBuilder("/usr/bin/script", "-qec", command.toString(), "/dev/null")
            .redirectErrorStream(true);
    pb.environment().putAll(fx.env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  static byte[] s3Object(S3ProxyServer server, String bucket, String key) {
    return server
        .client()
        .getObject(
            GetObjectRequest.builder().bucket(bucket).key(key).build(),
            ResponseTransformer.toBytes())
        .asByteArray();
  }

  static Map<String, Long> rowCounts(PgConnection db) throws Exception {
    Map<String, Long> counts = new java.util.TreeMap<>();
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      List<String> tables = new java.util.ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT schemaname || '.' || tablename FROM pg_tables"
                  + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String t : tables) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t)) {
          rs.next();
          counts.put(t, rs.getLong(1));
        }
      }
    }
    return counts;
  }

  private static boolean hasBytesInFlight(Path store) throws IOException {
    if (!Files.exists(store)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(store)) {
      return files.anyMatch(
          p -> p.getFileName().toString().endsWith(".partial") && p.toFile().length() > 0);
    }
  }
}

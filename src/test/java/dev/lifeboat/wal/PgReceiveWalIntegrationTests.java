package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.pg.PgReceiveWal.Ending;
import dev.lifeboat.pg.PgReceiveWal.Run;
import dev.lifeboat.pg.PgTool;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.pg.ReplicationSlots;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pg_receivewal 15 against a real server with 1 MB WAL segments, as a role with LOGIN
 * REPLICATION and no superuser (pg_switch_wal, which makes segments complete at once, runs as the
 * superuser). Every stderr seen is printed, for {@code PgReceiveWalEndingTests}' samples.
 */
class PgReceiveWalIntegrationTests {

  private static final long SEGMENT = 1024 * 1024;
  private static final String PASSWORD = "pw-walrole-4410";

  private static PostgresServer server;
  private static PgConnection replicator;
  private static PgTool tool;

  @TempDir Path dir;

  @BeforeAll
  static void startAServerWithOneMegabyteSegments() {
    server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    replicator = server.replicationRole("walrole", PASSWORD);
    server.cluster().execute("CREATE TABLE filler (x text)");
    tool =
        PgReceiveWal.find(
            server.binaries(), Integer.parseInt(server.cluster().version().split("\\.")[0]));
  }

  @AfterAll
  static void stopTheServer() {
    if (server != null) {
      server.cluster().close();
    }
  }

  @Test
  void startsAtTheSeededSegmentAndKeepsThePartialWhenInterrupted() throws Exception {
    try (Connection c = replicator.open()) {
      ReplicationSlots slots = new ReplicationSlots(c, "app");
      // the slot keeps the seeded segment on the server while the test writes past it
      slots.createIfMissing("lifeboat_app");
      try {
        String start = segmentAt(slots.read("lifeboat_app").orElseThrow().restartLsn().toString());
        writeWalAndSwitch(2);
        String current = currentSegment();
        assertThat(current).isGreaterThanOrEqualTo(next(next(start)));
        Path stream = dir.resolve("stream");
        Seed.plant(stream, start);

        try (Run run =
            new PgReceiveWal(ProcessRunner.system()).start(tool, replicator, stream, "app", "n1")) {
          waitUntil(
              () -> run.stderrLines().stream().anyMatch(l -> l.contains("starting log streaming")),
              "pg_receivewal starts streaming",
              run);
          assertThat(run.stderrLines())
              .contains(
                  "pg_receivewal: starting log streaming at " + lsnOf(start) + " (timeline 1)");
          waitUntil(
              () -> complete(stream, start) && complete(stream, next(start)), "two segments", run);
          assertThat(
                  superuserQuery(
                      "SELECT count(*) FROM pg_stat_replication"
                          + " WHERE application_name = 'lifeboat/app/n1'"))
              .isEqualTo("1");

          writeWalAndSwitch(1);
          waitUntil(() -> complete(stream, current), "the segment pg_switch_wal closed", run);
          // a commit in the next segment: pg_receivewal opens its .partial when WAL arrives
          server.cluster().execute("INSERT INTO filler VALUES ('in the partial')");
          Path partial = stream.resolve(next(current) + ".partial");
          waitUntil(() -> Files.exists(partial), "the next segment's partial", run);

          Ending ending = run.stop(Duration.ofSeconds(5));
          System.out.println("SIGINT of a streaming pg_receivewal: " + run.describe());
          run.stderrLines().forEach(l -> System.out.println("  stderr: " + l));

          assertThat(ending).isEqualTo(Ending.STOPPED);
          assertThat(run.describe()).startsWith("pg_receivewal ended (stopped, exit 0)");
          assertThat(run.stderrLines())
              .contains("pg_receivewal: received interrupt signal, exiting")
              .anyMatch(l -> l.contains("not renaming") && l.contains(".partial"));
          assertThat(partial).exists();
          assertThat(Files.size(partial)).as("zero-padded to the segment size").isEqualTo(SEGMENT);
          // what the stores will get of it: the written pages, the commit above among them
          long written = PartialLength.of(partial);
          assertThat(written).isPositive().isLessThan(SEGMENT);
          byte[] bytes = Files.readAllBytes(partial);
          for (long i = written; i < SEGMENT; i++) {
            assertThat(bytes[(int) i]).as("byte %d after the written pages", i).isZero();
          }
        }
      } finally {
        slots.drop("lifeboat_app");
      }
    }
  }

  @Test
  void aWrongPasswordEndsNotAllowedWithNoSecretInTheMessageOrTheArguments() throws Exception {
    String secret = "wrong-secret-8812";
    PgConnection wrong =
        new PgConnection(
            replicator.host(), replicator.port(), "postgres", replicator.user(), secret);
    Path stream = Files.createDirectories(dir.resolve("stream"));

    try (Run run =
        new PgReceiveWal(ProcessRunner.system()).start(tool, wrong, stream, "app", "n1")) {
      assertThat(String.join(" ", run.command())).doesNotContain(secret).contains("--no-loop");
      Ending ending = run.waitFor(Duration.ofSeconds(15)).orElseThrow();
      System.out.println("wrong password: " + run.describe());
      run.stderrLines().forEach(l -> System.out.println("  stderr: " + l));

      assertThat(ending).isEqualTo(Ending.NOT_ALLOWED);
      assertThat(run.describe())
          .startsWith("pg_receivewal ended (not_allowed, exit 1): ")
          .contains("password authentication failed for user \"walrole\"")
          .doesNotContain(secret);
      assertThat(String.join("\n", run.stderrLines())).doesNotContain(secret);
      assertThat(stream).isEmptyDirectory();
    }
  }

  @Test
  void endsDisconnectedWhenItsWalsenderIsTerminatedByTheSameRole() throws Exception {
    String current = currentSegment();
    Path stream = dir.resolve("stream");
    Seed.plant(stream, current);

    try (Run run =
            new PgReceiveWal(ProcessRunner.system()).start(tool, replicator, stream, "app", "n2");
        Connection c = replicator.open()) {
      waitUntil(
          () -> run.stderrLines().stream().anyMatch(l -> l.contains("starting log streaming")),
          "pg_receivewal starts streaming",
          run);
      // what a new leader does to an old receiver (plan §2.3 step 2), without superuser
      assertThat(
              query(
                  c,
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication"
                      + " WHERE application_name = 'lifeboat/app/n2'"))
          .isEqualTo("1");

      Ending ending = run.waitFor(Duration.ofSeconds(15)).orElseThrow();
      System.out.println("walsender terminated: " + run.describe());
      run.stderrLines().forEach(l -> System.out.println("  stderr: " + l));
      assertThat(ending).isEqualTo(Ending.DISCONNECTED);
      assertThat(stream.resolve(current + ".partial")).exists();
    }
  }

  @Test
  void aSeedWhoseWalTheServerRemovedEndsWalRemoved() throws Exception {
    String first = "000000010000000000000001";
    writeWalAndSwitch(4);
    server.cluster().execute("CHECKPOINT");
    writeWalAndSwitch(1);
    server.cluster().execute("CHECKPOINT");
    assertThat(superuserQuery("SELECT count(*) FROM pg_ls_waldir() WHERE name = '" + first + "'"))
        .as("the first segment was removed or recycled")
        .isEqualTo("0");
    Path stream = dir.resolve("stream");
    Seed.plant(stream, first);

    try (Run run =
        new PgReceiveWal(ProcessRunner.system()).start(tool, replicator, stream, "app", "n3")) {
      Ending ending = run.waitFor(Duration.ofSeconds(15)).orElseThrow();
      System.out.println("seed of removed WAL: " + run.describe());
      run.stderrLines().forEach(l -> System.out.println("  stderr: " + l));

      assertThat(ending).isEqualTo(Ending.WAL_REMOVED);
      assertThat(run.describe())
          .contains("requested WAL segment " + first + " has already been removed");
    }
  }

  @Test
  void startedFromAThreadThatEndsItIsInterruptedWithThatThread() throws Exception {
    String current = currentSegment();
    Path stream = dir.resolve("stream");
    Seed.plant(stream, current);
    AtomicReference<Run> started = new AtomicReference<>();
    // the thread ends only once pg_receivewal streams: setpriv arms the parent-death signal before
    // it runs pg_receivewal, and a thread that ended before that would never signal (on a loaded
    // machine CI saw exactly that race: the process streamed on)
    Thread shortLived =
        new Thread(
            () -> {
              Run run =
                  new PgReceiveWal(ProcessRunner.system())
                      .start(tool, replicator, stream, "app", "n4");
              started.set(run);
              long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
              while (run.isAlive()
                  && System.nanoTime() < deadline
                  && run.stderrLines().stream()
                      .noneMatch(l -> l.contains("starting log streaming"))) {
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
              }
            });
    shortLived.start();
    shortLived.join();

    try (Run run = started.get()) {
      assumeThat(run.command().get(0)).as("setpriv is on PATH").endsWith("setpriv");
      Ending ending = run.waitFor(Duration.ofSeconds(15)).orElseThrow();
      System.out.println("starting thread ended: " + run.describe());
      run.stderrLines().forEach(l -> System.out.println("  stderr: " + l));
      // the kernel's parent-death signal follows the thread: why the receiver starts it from its
      // own long-lived thread (plan §8 item 2)
      assertThat(ending).isIn(Ending.UNEXPECTED_END, Ending.KILLED);
    }
  }

  private static boolean complete(Path stream, String segment) {
    Path file = stream.resolve(segment);
    try {
      return Files.isRegularFile(file) && Files.size(file) == SEGMENT;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The segment after {@code segment} on its timeline, for 1 MB segments (4096 per log id). */
  static String next(String segment) {
    long segno = segmentNumber(segment) + 1;
    return "%s%08X%08X".formatted(segment.substring(0, 8), segno / 4096, segno % 4096);
  }

  /** Where {@code segment} starts, as pg_receivewal prints it ({@code 0/3000000}). */
  static String lsnOf(String segment) {
    long lsn = segmentNumber(segment) * SEGMENT;
    return "%X/%X".formatted(lsn >>> 32, lsn & 0xFFFFFFFFL);
  }

  /**
   * The segment being written now. Not pg_walfile_name: at a segment boundary (just after
   * pg_switch_wal) it names the segment before.
   */
  private static String currentSegment() throws SQLException {
    return segmentAt(superuserQuery("SELECT pg_current_wal_lsn()::text"));
  }

  /** The timeline-1 segment holding {@code lsn} ({@code 0/B00028}), for 1 MB segments. */
  static String segmentAt(String lsn) {
    String[] parts = lsn.split("/");
    long segno = ((Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16)) / SEGMENT;
    return "%08X%08X%08X".formatted(1, segno / 4096, segno % 4096);
  }

  private static long segmentNumber(String segment) {
    return Long.parseLong(segment.substring(8, 16), 16) * 4096
        + Long.parseLong(segment.substring(16, 24), 16);
  }

  private static void writeWalAndSwitch(int n) {
    for (int i = 0; i < n; i++) {
      server.cluster().execute("INSERT INTO filler VALUES (repeat(md5(random()::text), 100))");
      server.cluster().execute("SELECT pg_switch_wal()");
    }
  }

  private static String superuserQuery(String sql) throws SQLException {
    try (Connection c = server.connection("postgres").open()) {
      return query(c, sql);
    }
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void waitUntil(BooleanSupplier condition, String what, Run run)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0 || !run.isAlive()) {
        throw new AssertionError(
            "waited in vain for "
                + what
                + "; pg_receivewal said:\n"
                + String.join("\n", run.stderrLines()));
      }
      Thread.sleep(50);
    }
  }
}

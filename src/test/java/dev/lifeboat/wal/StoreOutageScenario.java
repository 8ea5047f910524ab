package dev.lifeboat.wal;

import static dev.lifeboat.wal.WalArchiveProbe.SEGMENT;
import static dev.lifeboat.wal.WalArchiveProbe.contiguous;
import static dev.lifeboat.wal.WalArchiveProbe.sample;
import static dev.lifeboat.wal.WalArchiveProbe.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.cli.VerifyOutput;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.SigningKey;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.target.Target;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.ServerOptions;
import dev.lifeboat.verify.Verify.WalReport;
import dev.lifeboat.verify.WalChainVerification;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.util.unit.DataSize;

/**
 * The issue's outage, with real parts: a real s3proxy killed (SIGKILL) for two minutes while
 * pgbench writes, a filesystem store beside it, the receiver in this JVM with the real
 * pg_receivewal, and a base backup before the outage. The filesystem store keeps up, the status and
 * the metrics say the S3 store has a backlog, the S3 store gets it once back, and {@code verify
 * --wal} finds no gap and good checksums in both, the same segments, and a window from the base
 * backup across the outage. Its own server with 1 MB segments: so a moderate write rate completes
 * segments during the outage, and no other test's WAL flows through this receiver.
 *
 * <p>Run by {@link dev.lifeboat.WalStoreOutageIntegrationTests}, which lives in the root package so
 * that failsafe (alphabetical order) starts it first: two minutes of waiting at the end of the
 * suite were its tail (CI: 1291 s with it last).
 */
public final class StoreOutageScenario {

  /** "A store down for two minutes gets its backlog": the issue's words, taken literally. */
  private static final Duration OUTAGE = Duration.ofMinutes(2);

  /** TPC-B transactions per second: steady and moderate, about a 1 MB segment every 2 s. */
  private static final int RATE = 50;

  private static final String PASSWORD = "pw-walout-5521";

  private final Path dir;

  public StoreOutageScenario(Path dir) {
    this.dir = dir;
  }

  public void anS3StoreKilledForTwoMinutesGetsItsBacklogAndVerifyThenFindsNoGap() throws Exception {
    PostgresServer server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    S3ProxyServer s3 = S3ProxyServer.start();
    Receiver receiver = null;
    Process load = null;
    try {
      PgConnection role = server.replicationRole("walout", PASSWORD);
      PgConnection bench = server.createDatabase("bench");
      WalArchiveProbe probe = new WalArchiveProbe(server, "app");
      Process init = probe.pgbench(bench, "-i", "-s", "1", "-q");
      assertThat(init.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(init.exitValue()).as("pgbench -i").isZero();
      s3.createBucket("wal");
      BackupStore local = BackupStore.filesystem("local", dir.resolve("local"));
      BackupStore s3a = s3Store(s3);
      List<BackupStore> stores = List.of(local, s3a);
      Target target = new Target("app", role, List.of("local", "s3a"), null);
      WalStatusTable table = WalArchiveProbe.statusTable();
      PrometheusMeterRegistry scrape = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      receiver = receiver(server, target, stores, table, scrape);
      Receiver n1 = receiver;
      waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);

      // a base backup, complete in both stores, starts the window verify reports
      BaseBackupCatalog.Manifest base = baseBackup(server, role, stores);
      for (BackupStore store : stores) {
        waitUntil(
            () -> probe.segments(store).contains(base.stopSegment()),
            store.name() + " holds the base backup's WAL",
            30);
      }

      long seconds = OUTAGE.toSeconds() + 20;
      load =
          probe.pgbench(
              bench, "-n", "-c", "2", "-R", String.valueOf(RATE), "-T", String.valueOf(seconds));
      Thread.sleep(5_000);
      String beforeKill = probe.writeAndSwitch(1);
      waitUntil(() -> probe.segments(s3a).contains(beforeKill), "s3a keeps up before", 30);

      s3.kill();
      Instant down = Instant.now();
      Instant deadline = down.plus(OUTAGE);
      String firstMissed = null;
      double backlog = 0;
      boolean rowSaidSo = false;
      int checks = 0;
      String t = "target=\"app\"";
      while (Duration.between(Instant.now(), deadline).compareTo(Duration.ofSeconds(15)) > 0) {
        Thread.sleep(10_000);
        // the filesystem store keeps up: it holds each segment the server completed, within 10 s
        String current = probe.query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        String completed = WalFiles.parseSegment(current, SEGMENT).orElseThrow().previous().name();
        waitUntil(
            () -> probe.segments(local).contains(completed),
            "local keeps up during the outage: " + completed,
            10);
        firstMissed = firstMissed == null ? completed : firstMissed;
        assertThat(n1.state())
            .as("one store down: still streaming")
            .isEqualTo(ReceiverState.STREAMING);
        String metrics = scrape.scrape();
        backlog = sample(metrics, "lifeboat_wal_store_backlog_segments{store=\"s3a\"," + t + "}");
        assertThat(
                sample(metrics, "lifeboat_wal_store_backlog_segments{store=\"local\"," + t + "}"))
            .as("local has no backlog")
            .isLessThanOrEqualTo(1);
        WalStatusTable.StoreStatus row =
            table.live(Duration.ofMinutes(1)).get(0).stores().stream()
                .filter(s -> s.store().equals("s3a"))
                .findFirst()
                .orElseThrow();
        rowSaidSo |= row.backlog() > 0 && row.problem() != null;
        checks++;
      }
      while (Instant.now().isBefore(deadline)) {
        Thread.sleep(Duration.between(Instant.now(), deadline).toMillis() + 1);
      }
      Instant up = Instant.now();
      String lastBeforeUp =
          WalFiles.parseSegment(
                  probe.query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())"), SEGMENT)
              .orElseThrow()
              .previous()
              .name();
      s3.restart();
      System.out.printf(
          "s3proxy down %d s (%d checks); s3a's backlog at the end: %.0f segments; the server"
              + " completed %s to %s meanwhile%n",
          Duration.between(down, up).toSeconds(), checks, backlog, firstMissed, lastBeforeUp);
      assertThat(Duration.between(down, up)).isGreaterThanOrEqualTo(OUTAGE);
      assertThat(backlog).as("the metric says s3a has a backlog").isGreaterThanOrEqualTo(5);
      assertThat(rowSaidSo).as("the status row says s3a has a backlog and is failing").isTrue();
      assertThat(firstMissed).isLessThan(lastBeforeUp);
      assertThat(probe.segments(local)).contains(lastBeforeUp);

      assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("pgbench ends").isTrue();
      assertThat(load.exitValue()).as("pgbench ran through the outage").isZero();
      String last = probe.writeAndSwitch(1);
      waitUntil(
          () ->
              probe.segments(s3a).contains(last)
                  && probe.segments(s3a).equals(probe.segments(local)),
          "s3a gets its backlog",
          120);
      Duration caughtUp = Duration.between(up, Instant.now());
      System.out.println("s3a caught up " + caughtUp.toSeconds() + " s after s3proxy came back");
      server.cluster().execute("CREATE TABLE marker (note text)");
      server.cluster().execute("INSERT INTO marker VALUES ('after the outage')");
      Lsn committed = Lsn.parse(probe.query("SELECT pg_current_wal_insert_lsn()::text"));
      Thread.sleep(1_500);
      n1.stop(Duration.ofSeconds(15));

      WalReport report = WalChainVerification.check("app", stores, Clock.systemUTC());
      List<String> printed = VerifyOutput.wal(report);
      System.out.println("verify --wal after the outage:\n" + String.join("\n", printed));
      List<WalReport.Store> byStore = report.stores();
      assertThat(byStore).extracting(WalReport.Store::store).containsExactly("local", "s3a");
      for (WalReport.Store s : byStore) {
        assertThat(s.status()).as(s.store() + ": " + s.detail()).isEqualTo(WalReport.Status.OK);
        assertThat(s.detail()).contains("checksums ok");
        assertThat(s.gaps()).as(s.store() + " has no gap").isEmpty();
        assertThat(s.corrupt()).isEmpty();
        assertThat(s.runs()).hasSize(1);
        assertThat(s.windows()).hasSize(1);
        WalReport.Window w = s.windows().get(0);
        assertThat(w.baseBackup()).isEqualTo(base.id());
        assertThat(w.fromLsn()).isEqualTo(base.stop().toString());
        assertThat(w.from()).isBefore(down);
        assertThat(w.to()).isAfter(up);
        assertThat(Lsn.parse(w.toLsn())).isGreaterThanOrEqualTo(committed);
        assertThat(printed)
            .contains(
                "    recoverable from "
                    + w.from()
                    + " (base backup "
                    + base.id()
                    + ") to "
                    + w.to()
                    + ", timeline 1");
      }
      assertThat(byStore.get(1).runs())
          .as("the same segments in both stores")
          .usingRecursiveFieldByFieldElementComparatorIgnoringFields("lastModified")
          .isEqualTo(byStore.get(0).runs());
      assertThat(byStore.get(1).segments()).isEqualTo(byStore.get(0).segments());
      assertThat(byStore.get(1).windows().get(0).toLsn())
          .isEqualTo(byStore.get(0).windows().get(0).toLsn());
      assertThat(contiguous(probe.entries(s3a))).isTrue();
      assertThat(probe.segments(s3a)).contains(firstMissed, lastBeforeUp);
    } finally {
      if (load != null) {
        load.destroyForcibly();
      }
      if (receiver != null) {
        receiver.stop(Duration.ofSeconds(15));
      }
      s3.close();
      server.cluster().close();
    }
  }

  private Receiver receiver(
      PostgresServer server,
      Target target,
      List<BackupStore> stores,
      WalStatusTable table,
      PrometheusMeterRegistry registry) {
    LifeboatProperties.Wal wal =
        new LifeboatProperties.Wal(
            true,
            null,
            Duration.ofSeconds(1),
            DataSize.ofMegabytes(64),
            3,
            false,
            Duration.ofMinutes(5));
    WalMetrics.Receiving gauges =
        new WalMetrics(registry).receiving(target.name(), Clock.systemUTC());
    Receiver r =
        new Receiver(
            target,
            wal,
            stores,
            List.of(),
            dir.resolve("home").resolve("wal").resolve(target.name()),
            "n1",
            "n1-1",
            server.binaries(),
            new PgReceiveWal(ProcessRunner.system()),
            LaneUploads.factory(target.name(), wal, stores, Clock.systemUTC(), gauges),
            table,
            gauges,
            Clock.systemUTC(),
            null);
    r.start();
    return r;
  }

  private BaseBackupCatalog.Manifest baseBackup(
      PostgresServer server, PgConnection role, List<BackupStore> stores) {
    String id =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    BaseBackupStream.Streamed streamed =
        new BaseBackupStream(server.binaries(), ProcessRunner.system(), Clock.systemUTC())
            .run(
                new BaseBackupStream.Source(
                    "app",
                    role,
                    stores,
                    List.of(),
                    new LifeboatProperties.Backup(2, 0, 4),
                    SigningKey.create("lifeboat.signing.key-file", dir.resolve("signing.pem"))),
                id,
                null,
                Instant.now(),
                run -> {});
    assertThat(streamed.stores().values()).allMatch(o -> o.ok());
    return streamed.manifest();
  }

  private static BackupStore s3Store(S3ProxyServer s3) {
    return BackupStore.s3(
        new S3StoreSettings(
            "s3a",
            s3.endpoint(),
            s3.region(),
            "wal",
            "outage/",
            true,
            s3.accessKey(),
            s3.secretKey(),
            ChecksumMode.WHEN_REQUIRED,
            S3StoreSettings.MIN_PART_SIZE_BYTES,
            null,
            null,
            null));
  }
}

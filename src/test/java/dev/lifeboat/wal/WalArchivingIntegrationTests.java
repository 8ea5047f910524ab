package dev.lifeboat.wal;

import static dev.lifeboat.wal.WalArchiveProbe.SEGMENT;
import static dev.lifeboat.wal.WalArchiveProbe.contiguous;
import static dev.lifeboat.wal.WalArchiveProbe.sample;
import static dev.lifeboat.wal.WalArchiveProbe.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.crypto.Age;
import dev.lifeboat.crypto.Identities;
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
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Receivers in this JVM against a real server with 1 MB WAL segments, the real pg_receivewal, two
 * real filesystem stores and an embedded control database: WAL reaches every store in order, the
 * slot moves only to what a store holds, a stop uploads the partial segment, a second node stands
 * by and takes over without a gap, and a server of another cluster writes nothing.
 */
class WalArchivingIntegrationTests {

  private static final String PASSWORD = "pw-walarch-2291";

  private static PostgresServer server;
  private static PgConnection role;

  @TempDir Path dir;
  private final List<Receiver> receivers = new ArrayList<>();
  // each node's own gauges, as Prometheus would scrape that node
  private final Map<String, PrometheusMeterRegistry> scrapes = new HashMap<>();
  private List<BackupStore> stores;
  private WalStatusTable table;
  private Target target;
  private WalArchiveProbe probe;

  @BeforeAll
  static void aServerWithOneMegabyteSegments() {
    server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    role = server.replicationRole("walarch", PASSWORD);
    server.cluster().execute("CREATE TABLE filler (x text)");
  }

  @AfterAll
  static void stopTheServer() {
    if (server != null) {
      server.cluster().close();
    }
  }

  @BeforeEach
  void storesAndAControlDatabase() throws Exception {
    stores =
        List.of(
            BackupStore.filesystem("local-a", Files.createDirectory(dir.resolve("a"))),
            BackupStore.filesystem("local-b", Files.createDirectory(dir.resolve("b"))));
    table = WalArchiveProbe.statusTable();
    // each test its own target (slot and lease are per target): the slot of one never holds
    // back another
    String name = "app" + UUID.randomUUID().toString().substring(0, 6).replace('-', 'x');
    target = new Target(name, role, List.of("local-a", "local-b"), null);
    probe = new WalArchiveProbe(server, name);
  }

  @AfterEach
  void stopReceiversAndDropTheSlot() {
    receivers.forEach(r -> r.stop(Duration.ofSeconds(15)));
    server
        .cluster()
        .execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = 'lifeboat_"
                + target.name()
                + "'");
  }

  private Receiver receiver(String node) {
    return receiver(node, List.of());
  }

  private Receiver receiver(String node, List<String> recipients) {
    return receiver(node, recipients, settings(DataSize.ofMegabytes(64)));
  }

  private static LifeboatProperties.Wal settings(DataSize spoolMax) {
    return new LifeboatProperties.Wal(
        true, null, Duration.ofSeconds(1), spoolMax, 3, false, Duration.ofMinutes(5));
  }

  private Receiver receiver(String node, List<String> recipients, LifeboatProperties.Wal wal) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    scrapes.put(node, registry);
    WalMetrics.Receiving gauges =
        new WalMetrics(registry).receiving(target.name(), Clock.systemUTC());
    Receiver r =
        new Receiver(
            target,
            wal,
            stores,
            recipients,
            dir.resolve("home-" + node).resolve("wal").resolve(target.name()),
            node,
            node + "-1",
            server.binaries(),
            new PgReceiveWal(ProcessRunner.system()),
            LaneUploads.factory(target.name(), wal, stores, Clock.systemUTC(), gauges),
            table,
            gauges,
            Clock.systemUTC(),
            null);
    receivers.add(r);
    r.start();
    return r;
  }

  @Test
  void segmentsAndTheLastPartialReachEveryStoreInOrderAndTheSlotFollowsThem() throws Exception {
    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);
    Lsn slotAtStart = probe.slotRestart();

    String switched = probe.writeAndSwitch(3);

    for (BackupStore store : stores) {
      waitUntil(
          () -> probe.segments(store).contains(switched), store.name() + " holds " + switched, 30);
      assertThat(store.stat(ClusterIdentity.key(target.name()))).isPresent();
    }
    waitUntil(() -> probe.slotRestart().compareTo(slotAtStart) > 0, "the slot moves", 10);
    assertThat(probe.slotRestart())
        .as("the slot never passes what a store holds")
        .isLessThanOrEqualTo(Lsn.max(probe.endOfWal(stores.get(0)), probe.endOfWal(stores.get(1))));

    server.cluster().execute("INSERT INTO filler SELECT 'last words'");
    Lsn committed = Lsn.parse(probe.query("SELECT pg_current_wal_insert_lsn()::text"));
    Thread.sleep(1500);
    n1.stop(Duration.ofSeconds(15));

    assertThat(n1.state()).isEqualTo(ReceiverState.STOPPED);
    for (BackupStore store : stores) {
      List<WalArchive.Entry> entries = probe.entries(store);
      assertThat(contiguous(entries)).as(store.name() + " has no gap").isTrue();
      assertThat(entries.stream().map(WalArchive.Entry::end).max(Lsn::compareTo).orElseThrow())
          .as(store.name() + " holds the WAL of the last commit before the stop")
          .isGreaterThanOrEqualTo(committed);
    }
    assertThat(table.live(Duration.ofMinutes(1)))
        .extracting(WalStatusTable.Row::state)
        .containsExactly(ReceiverState.STOPPED);
  }

  @Test
  void underPgbenchEveryStoreGetsTheChainAndTheArchivedBytesAreTheServersWalWithTheMarker()
      throws Exception {
    // one filesystem and one S3 store, the WAL encrypted to an age key
    S3ProxyServer s3 = S3ProxyServer.shared("wal-archiving");
    s3.createBucket("wal");
    BackupStore s3a =
        BackupStore.s3(
            new S3StoreSettings(
                "s3a",
                s3.endpoint(),
                s3.region(),
                "wal",
                "run-" + UUID.randomUUID() + "/",
                true,
                s3.accessKey(),
                s3.secretKey(),
                ChecksumMode.WHEN_REQUIRED,
                S3StoreSettings.MIN_PART_SIZE_BYTES,
                null,
                null,
                null));
    stores = List.of(stores.get(0), s3a);
    KeyPair key = new X25519KeyPairGenerator().generateKeyPair();
    Receiver n1 = receiver("n1", List.of(key.getPublic().toString()));
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);

    PgConnection bench = server.createDatabase("pgbench");
    Process init = probe.pgbench(bench, "-i", "-s", "1", "-q");
    assertThat(init.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(init.exitValue()).as("pgbench -i").isZero();
    Process load = probe.pgbench(bench, "-T", "6", "-c", "2", "-n");
    String xid;
    Lsn markerLsn;
    try (Connection c = bench.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE marker (note text)");
      c.setAutoCommit(false);
      st.execute("INSERT INTO marker VALUES ('lifeboat marker')");
      try (ResultSet rs = st.executeQuery("SELECT txid_current()")) {
        rs.next();
        xid = rs.getString(1);
      }
      c.commit();
      c.setAutoCommit(true);
      try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
        rs.next();
        markerLsn = Lsn.parse(rs.getString(1));
      }
    }
    assertThat(load.waitFor(60, TimeUnit.SECONDS)).as("pgbench ends").isTrue();
    assertThat(load.exitValue()).isZero();
    server.cluster().execute("SELECT pg_switch_wal()");
    WalFiles.Segment markerSegment = WalFiles.segmentOf(1, markerLsn, SEGMENT);

    for (BackupStore store : stores) {
      waitUntil(
          () -> probe.segments(store).contains(markerSegment.name()),
          store.name() + " holds " + markerSegment.name(),
          60);
      assertThat(contiguous(probe.entries(store))).as(store.name() + " has no gap").isTrue();
    }
    // the commit of the marker lies in its segment or, at a boundary, the one before
    String dump = waldump(s3a, markerSegment, key) + waldump(s3a, markerSegment.previous(), key);
    assertThat(dump)
        .as("pg_waldump of the segments fetched from S3, decrypted and decompressed")
        .containsPattern("tx: +" + xid + ", lsn: [0-9A-F/]+, prev [0-9A-F/]+, desc: COMMIT");
  }

  /** pg_waldump of {@code segment} as stored in {@code store}; empty when it holds none. */
  private String waldump(BackupStore store, WalFiles.Segment segment, KeyPair key)
      throws Exception {
    WalArchive.Entry entry =
        probe.entries(store).stream()
            .filter(e -> e.kind() == WalArchive.Kind.SEGMENT && e.segment().equals(segment))
            .findFirst()
            .orElse(null);
    if (entry == null) {
      return "";
    }
    assertThat(entry.encrypted()).isTrue();
    Path file = Files.createDirectories(dir.resolve("fetched")).resolve(segment.name());
    try (InputStream in =
        new ZstdInputStream(
            Age.decrypting(
                store.open(entry.key()),
                Identities.load("k", List.of(key.getPrivate().toString()), i -> "${KEY}")))) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(Files.size(file)).isEqualTo(SEGMENT);
    Process p =
        new ProcessBuilder(
                server.binaries().require("pg_waldump", 10).path().toString(), file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void aStoreThatWasDownGetsItsBacklogInOrderWhileTheOtherKeptUp() throws Exception {
    StoreLaneTests.Flaky offsite = new StoreLaneTests.Flaky("offsite", dir.resolve("offsite"));
    stores = List.of(stores.get(0), offsite);
    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);

    offsite.down = true;
    String during = probe.writeAndSwitch(4);
    waitUntil(() -> probe.segments(stores.get(0)).contains(during), "local-a keeps up", 30);
    assertThat(
            offsite.real.list(WalArchive.root(target.name())).stream()
                .anyMatch(o -> o.key().contains(during)))
        .as("nothing reaches a store while it is down")
        .isFalse();

    offsite.down = false;
    String after = probe.writeAndSwitch(1);
    waitUntil(
        () ->
            probe.segments(offsite.real).containsAll(probe.segments(stores.get(0)))
                && probe.segments(offsite.real).contains(after),
        "offsite gets its backlog",
        90);
    assertThat(contiguous(probe.entries(offsite.real))).as("offsite has no gap").isTrue();
    assertThat(contiguous(probe.entries(stores.get(0)))).as("local-a has no gap").isTrue();
    // in order: each segment was committed in offsite after the one before it
    List<String> committed =
        offsite.commits.stream()
            .filter(k -> !k.contains(".partial") && !k.contains("history") && !k.endsWith(".json"))
            .map(k -> k.substring(k.lastIndexOf('/') + 1, k.lastIndexOf('/') + 25))
            .toList();
    assertThat(committed).isSorted();
  }

  @Test
  void aFullSpoolPausesStreamingSaysWhyKeepsTheWalOnTheServerAndLosesNothing() throws Exception {
    StoreLaneTests.Flaky a = new StoreLaneTests.Flaky("local-a", dir.resolve("fa"));
    StoreLaneTests.Flaky b = new StoreLaneTests.Flaky("local-b", dir.resolve("fb"));
    stores = List.of(a, b);
    // 16 segments: a seal of one more goes over it once the spool holds 15 MB, over the 80 % of
    // the WalSpoolFilling alert even without the segment pg_receivewal was writing
    DataSize spoolMax = DataSize.ofMegabytes(16);
    Receiver n1 = receiver("n1", List.of(), settings(spoolMax));
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);
    String first = probe.writeAndSwitch(1);
    waitUntil(() -> probe.segments(b.real).contains(first), "the stores hold " + first, 30);

    a.down = true;
    b.down = true;
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 30 && n1.state() != ReceiverState.SPOOL_FULL; i++) {
      written.add(probe.writeIncompressibleAndSwitch());
      Thread.sleep(300);
    }
    waitUntil(() -> n1.state() == ReceiverState.SPOOL_FULL, "the spool fills", 15);
    Lsn held = Lsn.max(probe.endOfWal(a.real), probe.endOfWal(b.real));
    System.out.println(
        "spool full after " + written.size() + " segments; the stores hold WAL to " + held);

    // said loudly, the same way, while the stores stay down and the receiver tries again
    String detail =
        "the spool holds only WAL no store has accepted yet; streaming paused; the slot keeps the"
            + " WAL on the server";
    String t = "target=\"" + target.name() + "\"";
    Thread.sleep(3_000); // the lanes keep trying meanwhile; the receiver stays paused
    waitUntil(
        () -> {
          String scrape = scrapes.get("n1").scrape();
          return n1.state() == ReceiverState.SPOOL_FULL
              && sample(scrape, "lifeboat_wal_receiver_state{state=\"spool-full\"," + t + "}") == 1;
        },
        "the state gauge says spool-full",
        10);
    assertThat(n1.detail()).isEqualTo(detail);
    assertThat(table.live(Duration.ofMinutes(1)))
        .extracting(WalStatusTable.Row::state, WalStatusTable.Row::detail)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ReceiverState.SPOOL_FULL, detail));
    String scrape = scrapes.get("n1").scrape();
    double spool = sample(scrape, "lifeboat_wal_spool_bytes{" + t + "}");
    double max = sample(scrape, "lifeboat_wal_spool_max_bytes{" + t + "}");
    System.out.println("spool " + (long) spool + " of " + (long) max + " bytes");
    assertThat(max).isEqualTo(spoolMax.toBytes());
    // WalSpoolFilling: spool_bytes / spool_max_bytes > 0.8, or receiver_state{spool-full} == 1
    assertThat(spool / max).as("the alert's spool ratio").isGreaterThan(0.8);
    assertThat(sample(scrape, "lifeboat_wal_receiver_state{state=\"streaming\"," + t + "}"))
        .isZero();
    // the slot stayed at what the stores hold: the server keeps every segment written since
    assertThat(probe.slotRestart()).isLessThanOrEqualTo(held);
    assertThat(
            probe.query(
                "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lifeboat_"
                    + target.name()
                    + "'"))
        .isIn("reserved", "extended");
    assertThat(
            probe.query(
                "SELECT count(*) FROM pg_ls_waldir() WHERE name = '" + written.get(0) + "'"))
        .as("the server still has the first segment no store holds")
        .isEqualTo("1");
    // and what the server writes while streaming is paused is kept for the receiver too
    written.add(probe.writeAndSwitch(2));

    a.down = false;
    b.down = false;
    Instant back = Instant.now();
    // the lanes upload the spool once the stores take WAL again (at their next try: each lane's
    // pause after failures grows up to StoreLane.MAX_BACKOFF), then streaming starts again
    waitUntil(
        () -> n1.state() == ReceiverState.STREAMING,
        "n1 streams again",
        (int) StoreLane.MAX_BACKOFF.plusSeconds(10).toSeconds());
    System.out.println(
        "streaming again "
            + Duration.between(back, Instant.now()).toMillis()
            + " ms after the"
            + " stores came back");
    Thread.sleep(1_000);
    assertThat(n1.state())
        .as("it streams again because the spool has room, not to find it full at once")
        .isEqualTo(ReceiverState.STREAMING);
    for (StoreLaneTests.Flaky store : List.of(a, b)) {
      waitUntil(
          () -> probe.segments(store.real).containsAll(written),
          store.name() + " gets every segment written",
          30);
      assertThat(contiguous(probe.entries(store.real))).as(store.name() + " has no gap").isTrue();
      assertThat(probe.segments(store.real).first()).isLessThanOrEqualTo(first);
    }
    String after = probe.writeAndSwitch(1);
    waitUntil(() -> probe.segments(a.real).contains(after), "streamed and stored " + after, 15);
  }

  @Test
  void aSecondNodeStandsByThenTakesOverWhereTheFirstStoppedWithoutAGap() throws Exception {
    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);
    Receiver n2 = receiver("n2");
    waitUntil(() -> n2.state() == ReceiverState.STANDBY, "n2 stands by", 15);
    assertThat(n2.detail()).isEqualTo("streamed by node n1");
    String before = probe.writeAndSwitch(2);
    waitUntil(() -> probe.segments(stores.get(0)).contains(before), "n1 uploaded " + before, 30);
    // the streaming node reports the stream; the standby only its state
    String t = "target=\"" + target.name() + "\"";
    waitUntil(
        () -> scrapes.get("n1").scrape().contains("lifeboat_wal_last_segment_timestamp_seconds{"),
        "n1 reports a segment's commit time",
        10);
    assertThat(scrapes.get("n1").scrape())
        .contains("lifeboat_wal_receiver_state{state=\"streaming\"," + t + "} 1")
        .contains("lifeboat_wal_receiver_state{state=\"standby\"," + t + "} 0")
        .contains("lifeboat_wal_archive_lag_seconds{" + t + "}")
        .contains("lifeboat_wal_spool_max_bytes{" + t + "} 6.7108864E7")
        .contains("lifeboat_wal_spool_bytes{" + t + "}")
        .contains("lifeboat_wal_store_backlog_segments{store=\"local-a\"," + t + "}")
        .contains("lifeboat_wal_store_backlog_segments{store=\"local-b\"," + t + "}");
    assertThat(scrapes.get("n2").scrape())
        .contains("lifeboat_wal_receiver_state{state=\"standby\"," + t + "} 1")
        .contains("lifeboat_wal_receiver_state{state=\"streaming\"," + t + "} 0")
        .doesNotContain("lifeboat_wal_archive_lag_seconds{")
        .doesNotContain("lifeboat_wal_spool_bytes{");

    Instant stopped = Instant.now();
    n1.stop(Duration.ofSeconds(15));
    waitUntil(() -> n2.state() == ReceiverState.STREAMING, "n2 takes over", 30);
    Duration takeover = Duration.between(stopped, Instant.now());
    String after = probe.writeAndSwitch(2);

    for (BackupStore store : stores) {
      waitUntil(() -> probe.segments(store).contains(after), store.name() + " holds " + after, 30);
      assertThat(contiguous(probe.entries(store))).as(store.name() + " has no gap").isTrue();
    }
    assertThat(takeover).isLessThan(Duration.ofSeconds(30));
    assertThat(scrapes.get("n1").scrape())
        .contains("lifeboat_wal_receiver_state{state=\"stopped\"," + t + "} 1")
        .doesNotContain("lifeboat_wal_archive_lag_seconds{")
        .doesNotContain("lifeboat_wal_store_backlog_segments{");
    // writes stopped: within a partial upload (1 s) the stores hold all the server wrote
    waitUntil(
        () ->
            scrapes.get("n2").scrape().contains("lifeboat_wal_archive_lag_seconds{" + t + "} 0.0"),
        "n2's lag falls to 0 once the stores hold all the server wrote",
        15);
  }

  @Test
  void aSlotDroppedWhileNoReceiverRanIsAChainBreakSaidLoudlyAndSeenAsAGap() throws Exception {
    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.STREAMING, "n1 streams", 30);
    String before = probe.writeAndSwitch(1);
    waitUntil(() -> probe.segments(stores.get(0)).contains(before), "stored " + before, 30);
    n1.stop(Duration.ofSeconds(15));
    // someone drops the slot while no receiver runs; the WAL written meanwhile is kept by nothing
    server.cluster().execute("SELECT pg_drop_replication_slot('lifeboat_" + target.name() + "')");
    String lost = probe.writeAndSwitch(2);
    // a new slot holds WAL from the last checkpoint on: after this one, the WAL above is gone
    server.cluster().execute("CHECKPOINT");

    Receiver again = receiver("n1b");
    waitUntil(() -> again.state() == ReceiverState.CHAIN_BROKEN, "the receiver says so", 30);
    String after = probe.writeAndSwitch(1);
    waitUntil(() -> probe.segments(stores.get(0)).contains(after), "stored " + after, 30);

    assertThat(again.detail()).contains("from ");
    assertThat(probe.segments(stores.get(0))).doesNotContain(lost);
    assertThat(contiguous(probe.entries(stores.get(0)))).as("the archive shows the gap").isFalse();
    assertThat(table.live(Duration.ofMinutes(1)))
        .extracting(WalStatusTable.Row::state)
        .contains(ReceiverState.CHAIN_BROKEN);
    assertThat(scrapes.get("n1b").scrape())
        .contains(
            "lifeboat_wal_receiver_state{state=\"chain-broken\",target=\""
                + target.name()
                + "\"} 1")
        .contains("lifeboat_wal_chain_breaks_total{target=\"" + target.name() + "\"} 1.0");

    // a base backup taken after the break starts a new chain: once its WAL is stored too, the
    // receiver streams normally again (checked every 10 s)
    BaseBackupStream.Streamed base =
        new BaseBackupStream(server.binaries(), ProcessRunner.system(), Clock.systemUTC())
            .run(
                new BaseBackupStream.Source(
                    target.name(),
                    target.connection(),
                    stores,
                    List.of(),
                    new LifeboatProperties.Backup(2, 0, 4),
                    SigningKey.create("lifeboat.signing.key-file", dir.resolve("signing.pem"))),
                "20261207T220000Z",
                null,
                Instant.now(),
                run -> {});
    assertThat(base.manifest().start()).isGreaterThan(Lsn.parse(again.detail().split(" ")[1]));
    waitUntil(
        () -> again.state() == ReceiverState.STREAMING,
        "the base backup after the break mends the chain",
        30);
    assertThat(again.detail()).contains("from ");
    assertThat(scrapes.get("n1b").scrape())
        .contains(
            "lifeboat_wal_receiver_state{state=\"chain-broken\",target=\""
                + target.name()
                + "\"} 0")
        .contains(
            "lifeboat_wal_receiver_state{state=\"streaming\",target=\"" + target.name() + "\"} 1");
  }

  @Test
  void aWrongPasswordBacksOffWithTheServersWordsWritesNothingAndNeverShowsThePassword()
      throws Exception {
    String wrong = "pw-not-the-one-4471";
    target =
        new Target(
            target.name(),
            new PgConnection("127.0.0.1", role.port(), role.database(), role.user(), wrong),
            List.of("local-a", "local-b"),
            null);
    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.BACKOFF, "n1 backs off", 30);

    assertThat(n1.detail()).contains("password authentication failed").doesNotContain(wrong);
    assertThat(table.live(Duration.ofMinutes(1)))
        .extracting(WalStatusTable.Row::detail)
        .allSatisfy(d -> assertThat(d).doesNotContain(wrong));
    for (BackupStore store : stores) {
      assertThat(store.list(WalArchive.root(target.name()))).as(store.name()).isEmpty();
    }
    assertThat(
            probe.query(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'lifeboat_"
                    + target.name()
                    + "'"))
        .isEqualTo("0");
  }

  @Test
  void aServerOfAnotherClusterIsRefusedAndWritesNothing() throws Exception {
    ClusterIdentity.Recorded other =
        new ClusterIdentity.Recorded(
            target.name(), "7000000000000000001", SEGMENT, 15, Instant.now(), "elsewhere");
    ClusterIdentity.write(stores.get(0), other);

    Receiver n1 = receiver("n1");
    waitUntil(() -> n1.state() == ReceiverState.REFUSED, "n1 refuses", 30);

    assertThat(n1.detail()).contains("7000000000000000001");
    for (BackupStore store : stores) {
      assertThat(store.list(WalArchive.root(target.name())))
          .extracting(o -> o.key())
          .as(store.name())
          .isSubsetOf(ClusterIdentity.key(target.name()));
    }
    assertThat(
            new String(
                stores.get(0).open(ClusterIdentity.key(target.name())).readAllBytes(),
                StandardCharsets.UTF_8))
        .as("the record is left as it was")
        .contains("7000000000000000001");
    assertThat(
            probe.query(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'lifeboat_"
                    + target.name()
                    + "'"))
        .as("no slot holds WAL for a receiver that will not stream")
        .isEqualTo("0");
  }
}

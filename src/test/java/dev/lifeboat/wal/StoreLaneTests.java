package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import dev.lifeboat.store.StoreException;
import dev.lifeboat.store.StoreFeature;
import dev.lifeboat.store.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class StoreLaneTests {

  static final int SEGMENT = SpoolTests.SEGMENT;
  static final String SYSTEM = SpoolTests.SYSTEM;

  @TempDir Path dir;
  Path stream;
  Path sealed;
  final SettableClock clock = new SettableClock();
  final List<Duration> slept = new CopyOnWriteArrayList<>();
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void setUp() throws IOException {
    stream = Files.createDirectory(dir.resolve("stream"));
    sealed = Files.createDirectory(dir.resolve("sealed"));
    logs.start();
    ((Logger) LoggerFactory.getLogger("lifeboat.wal")).addAppender(logs);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger("lifeboat.wal")).detachAppender(logs);
  }

  /** A clock the tests move; the lanes' backoff moves it instead of sleeping. */
  static final class SettableClock extends Clock {
    volatile Instant now = Instant.parse("2026-12-07T15:02:11Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /**
   * A real filesystem store that can be made to fail (every call throws, as an unreachable store
   * does) or to hand out corrupted bytes; it records the keys committed in it, in order.
   */
  static final class Flaky implements BackupStore {
    final BackupStore real;
    volatile boolean down;
    volatile boolean corrupt;
    final List<String> commits = new CopyOnWriteArrayList<>();

    Flaky(String name, Path root) {
      real = BackupStore.filesystem(name, root);
    }

    private void check() {
      if (down) {
        throw new StoreException(
            real.name(), StoreException.Kind.UNAVAILABLE, "Connection refused", null);
      }
    }

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public Set<StoreFeature> features() {
      return real.features();
    }

    @Override
    public ObjectUpload upload(String key) {
      check();
      ObjectUpload upload = real.upload(key);
      return new ObjectUpload() {
        @Override
        public void write(byte[] bytes, int offset, int length) {
          if (down) {
            upload.abort();
          }
          check();
          upload.write(bytes, offset, length);
        }

        @Override
        public void commit() {
          if (down) {
            upload.abort();
          }
          check();
          upload.commit();
          commits.add(key);
        }

        @Override
        public void abort() {
          upload.abort();
        }
      };
    }

    @Override
    public void put(String key, byte[] content) {
      check();
      real.put(key, content);
    }

    @Override
    public InputStream open(String key) {
      check();
      if (!corrupt) {
        return real.open(key);
      }
      try (InputStream in = real.open(key)) {
        byte[] bytes = in.readAllBytes();
        bytes[bytes.length / 2] ^= 1;
        return new ByteArrayInputStream(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public List<StoredObject> list(String prefix) {
      check();
      return real.list(prefix);
    }

    @Override
    public Optional<StoredObject> stat(String key) {
      check();
      return real.stat(key);
    }

    @Override
    public void delete(Collection<String> keys) {
      check();
      real.delete(keys);
    }

    @Override
    public void probe() {
      check();
    }

    @Override
    public OptionalLong freeBytes() {
      return real.freeBytes();
    }

    @Override
    public String describe() {
      return real.describe();
    }

    @Override
    public void close() {}

    /** The segment names of the completed segments it holds, in WAL order. */
    List<String> segments() {
      return entries().stream()
          .filter(e -> e.kind() == WalArchive.Kind.SEGMENT)
          .map(e -> e.segment().name())
          .toList();
    }

    List<WalArchive.Entry> entries() {
      return WalArchive.entries("app", SEGMENT, real.list(WalArchive.root("app")));
    }

    byte[] read(String key) throws IOException {
      try (InputStream in = real.open(key)) {
        return in.readAllBytes();
      }
    }
  }

  private Flaky store(String name) {
    return new Flaky(name, dir.resolve(name));
  }

  private Spool spool(long max, List<Flaky> stores) throws IOException {
    return new Spool(
        "app", SYSTEM, SEGMENT, stream, sealed, max, stores.stream().map(Flaky::name).toList());
  }

  private List<StoreLane> lanes(List<Flaky> stores, Spool spool, long from) {
    return StoreLane.forStores(
        "app",
        SYSTEM,
        SEGMENT,
        List.copyOf(stores),
        spool,
        new WalFiles.Segment(1, from, SEGMENT),
        clock,
        d -> {
          slept.add(d);
          clock.now = clock.now.plus(d);
        });
  }

  private static WalFiles.Segment segment(long number) {
    return new WalFiles.Segment(1, number, SEGMENT);
  }

  /** Steps the lane until it has nothing left to do or fails; returns what the last step did. */
  private static StoreLane.Step drain(StoreLane lane) {
    StoreLane.Step step;
    int guard = 0;
    do {
      step = lane.step();
    } while (step == StoreLane.Step.WORKED && ++guard < 100);
    return step;
  }

  private List<String> sealedFiles() throws IOException {
    try (var files = Files.list(sealed)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private List<String> lines() {
    return logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  private static Sealer.Partial partial(long number, int valid, long seed) throws Exception {
    byte[] bytes = new byte[300 + valid / 100];
    new java.util.Random(seed).nextBytes(bytes);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    WalFiles.Segment s = segment(number);
    return new Sealer.Partial(
        s, valid, WalArchive.partialKey("app", SYSTEM, s, valid, sha, false), sha, bytes);
  }

  @Test
  void everyStoreGetsTheSegmentsInOrderAndTheSpoolLetsThemGoOnceBothHoldThem() throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    Spool spool = spool(1 << 30, List.of(a, b));
    List<Sealer.Sealed> s = new ArrayList<>();
    for (long n = 3; n <= 5; n++) {
      s.add(SpoolTests.seal(sealed, n, n));
    }
    s.forEach(spool::add);
    List<byte[]> bytes = new ArrayList<>();
    for (Sealer.Sealed one : s) {
      bytes.add(Files.readAllBytes(one.file()));
    }
    List<StoreLane> lanes = lanes(List.of(a, b), spool, 3);
    assertThat(lanes.get(0).backlog()).isEqualTo(3);

    assertThat(drain(lanes.get(0))).isEqualTo(StoreLane.Step.IDLE);
    assertThat(sealedFiles()).hasSize(3); // b does not hold them yet
    assertThat(drain(lanes.get(1))).isEqualTo(StoreLane.Step.IDLE);

    for (Flaky store : List.of(a, b)) {
      assertThat(store.commits).containsExactly(s.get(0).key(), s.get(1).key(), s.get(2).key());
      for (int i = 0; i < s.size(); i++) {
        assertThat(store.read(s.get(i).key())).isEqualTo(bytes.get(i));
      }
    }
    assertThat(sealedFiles()).isEmpty();
    assertThat(spool.items()).isEmpty();
    assertThat(lanes.get(1).cursor()).hasValue(segment(6));
    assertThat(lanes.get(1).backlog()).isZero();
    assertThat(StoreLane.durableEnd(lanes)).hasValue(segment(6).start());
  }

  @Test
  void aStoreThatWasDownCatchesUpInOrderFromThePeerForWhatTheSpoolLetGoAndNothingIsLost()
      throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    Spool spool = spool(3L * SpoolTests.SEALED, List.of(a, b));
    List<StoreLane> lanes = lanes(List.of(a, b), spool, 3);
    StoreLane laneA = lanes.get(0);
    StoreLane laneB = lanes.get(1);
    b.down = true;
    List<Sealer.Sealed> s = new ArrayList<>();
    for (long n = 3; n <= 6; n++) {
      assertThat(spool.makeRoom(SpoolTests.SEALED).full()).isFalse();
      Sealer.Sealed sealedNow = SpoolTests.seal(sealed, n, n);
      s.add(sealedNow);
      spool.add(sealedNow);
      drain(laneA);
      assertThat(laneB.step()).isEqualTo(StoreLane.Step.FAILED);
    }
    // the spool let go of what a holds to make room; b's backlog stays known
    assertThat(sealedFiles()).hasSizeLessThan(4);
    assertThat(laneB.backlog()).isEqualTo(4);
    assertThat(laneB.failingSince()).hasValue(Instant.parse("2026-12-07T15:02:11Z"));
    assertThat(laneB.failures()).isEqualTo(4);
    assertThat(StoreLane.durableEnd(lanes)).hasValue(segment(7).start());

    b.down = false;
    assertThat(drain(laneB)).isEqualTo(StoreLane.Step.IDLE);

    assertThat(b.commits).containsExactlyElementsOf(s.stream().map(Sealer.Sealed::key).toList());
    assertThat(b.segments()).containsExactlyElementsOf(a.segments());
    for (Sealer.Sealed one : s) {
      assertThat(b.read(one.key())).isEqualTo(a.read(one.key()));
    }
    assertThat(sealedFiles()).isEmpty();
    assertThat(laneB.failingSince()).isEmpty();
    assertThat(lines())
        .filteredOn(l -> l.contains("store b: WAL uploads"))
        .containsExactly(
            "WARN wal app: store b: WAL uploads failing since 2026-12-07T15:02:11Z: Connection"
                + " refused; 1 segments waiting",
            "INFO wal app: store b: WAL uploads recovered after 4 failed attempts since"
                + " 2026-12-07T15:02:11Z; 4 segments waiting");
  }

  @Test
  void aCopyWhoseBytesDoNotMatchItsKeyIsNotCommittedAndTheNextPeerIsTried() throws Exception {
    Flaky a = store("a");
    Flaky c = store("c");
    Flaky b = store("b");
    Spool spool = spool(1 << 30, List.of(a, c, b));
    List<StoreLane> lanes = lanes(List.of(a, c, b), spool, 3);
    b.down = true;
    Sealer.Sealed three = SpoolTests.seal(sealed, 3, 3);
    spool.add(three);
    drain(lanes.get(0));
    drain(lanes.get(1));
    spool.makeRoom(1L << 30); // let go of 3: a and c hold it
    assertThat(sealedFiles()).isEmpty();
    a.corrupt = true; // a hands out a flipped bit
    b.down = false;

    assertThat(drain(lanes.get(2))).isEqualTo(StoreLane.Step.IDLE);

    assertThat(b.commits).containsExactly(three.key());
    assertThat(b.read(three.key())).isEqualTo(c.read(three.key()));
    assertThat(lines())
        .anyMatch(
            l ->
                l.startsWith("WARN wal app: store b: " + three.key() + " read from store a has")
                    && l.endsWith("not the one its key names; not committed"));
  }

  @Test
  void withOnlyACorruptCopyNothingIsCommittedAndTheLaneWaits() throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    Spool spool = spool(1 << 30, List.of(a, b));
    List<StoreLane> lanes = lanes(List.of(a, b), spool, 3);
    b.down = true;
    Sealer.Sealed three = SpoolTests.seal(sealed, 3, 3);
    spool.add(three);
    spool.add(SpoolTests.seal(sealed, 4, 4));
    drain(lanes.get(0));
    lanes.get(1).step(); // b fails to find its cursor
    spool.makeRoom(1L << 30);
    a.corrupt = true;
    b.down = false;

    assertThat(drain(lanes.get(1))).isEqualTo(StoreLane.Step.FAILED);

    // neither 3 nor (in order) 4 is in b; the lane stays on 3
    assertThat(b.commits).isEmpty();
    assertThat(b.segments()).isEmpty();
    assertThat(lanes.get(1).cursor()).hasValue(segment(3));
    assertThat(lines())
        .anyMatch(
            l ->
                l.contains("store b: WAL uploads failing since")
                    && l.contains(three.key() + " is not in the spool and no store that holds it"));
  }

  @Test
  void theBackoffGrowsFromOneSecondToAMinuteAndStopReturnsAtItsDeadline() throws Exception {
    Flaky a = store("a");
    Spool spool = spool(1 << 30, List.of(a));
    spool.add(SpoolTests.seal(sealed, 3, 3));
    a.down = true;
    StoreLane lane = lanes(List.of(a), spool, 3).get(0);
    lane.stop(clock.instant().plus(Duration.ofMinutes(5)));

    lane.run();

    assertThat(slept)
        .startsWith(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(32),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60));
    assertThat(slept.stream().reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(a.commits).isEmpty();
    assertThat(sealedFiles()).hasSize(1); // nothing no store holds is deleted
    assertThat(lines())
        .filteredOn(l -> l.contains("store a"))
        .containsExactly(
            "WARN wal app: store a: WAL uploads failing since 2026-12-07T15:02:11Z: Connection"
                + " refused; 1 segments waiting",
            "WARN wal app: store a: 1 segments stay in the spool and are uploaded by the next"
                + " receiver (the slot keeps them on the server meanwhile)");
  }

  @Test
  void twoSealedCopiesOfOneSegmentBothLeaveTheSpoolOnceTheStoreHoldsOne() throws Exception {
    Flaky a = store("a");
    Spool spool = spool(1 << 30, List.of(a));
    // a previous run sealed 3 too (age makes every copy differ): either copy is that WAL
    Sealer.Sealed one = SpoolTests.seal(sealed, 3, 3);
    Sealer.Sealed other = SpoolTests.seal(sealed, 3, 33);
    spool.add(one);
    spool.add(other);
    StoreLane lane = lanes(List.of(a), spool, 3).get(0);

    assertThat(drain(lane)).isEqualTo(StoreLane.Step.IDLE);

    assertThat(a.commits).hasSize(1);
    assertThat(a.segments()).containsExactly(segment(3).name());
    assertThat(sealedFiles()).isEmpty();
    assertThat(spool.items()).isEmpty();
  }

  @Test
  void segmentsThatNoStoreAndNoSpoolHoldAreAGapTheLaneSaysItSkips() throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    Spool spool = spool(1 << 30, List.of(a, b));
    spool.add(SpoolTests.seal(sealed, 5, 5));
    List<StoreLane> lanes = lanes(List.of(a, b), spool, 3);
    // while b has not looked at its store, a cannot know b lacks 3: it waits
    assertThat(lanes.get(0).step()).isEqualTo(StoreLane.Step.WORKED);
    assertThat(lanes.get(0).step()).isEqualTo(StoreLane.Step.IDLE);
    assertThat(lanes.get(1).step()).isEqualTo(StoreLane.Step.WORKED);

    assertThat(drain(lanes.get(0))).isEqualTo(StoreLane.Step.IDLE);

    assertThat(a.segments()).containsExactly(segment(5).name());
    assertThat(lines())
        .contains(
            "WARN wal app: store a: segments "
                + segment(3).name()
                + " to "
                + segment(4).name()
                + " are in no store and not in the spool; skipped: WAL before "
                + segment(5).name()
                + " in this store cannot be followed past the gap");
  }

  @Test
  void aTimelinesHistoryFileGoesBeforeItsSegmentsAndComesFromThePeerOnceLetGo() throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    Spool spool = spool(1 << 30, List.of(a, b));
    Sealer sealer = new Sealer("app", SYSTEM, SEGMENT, 3, List.of(), sealed, Files::newInputStream);
    Sealer.Sealed history =
        sealer.seal(Files.writeString(stream.resolve("00000002.history"), "1\t0/5000000\tx\n"));
    Files.delete(stream.resolve("00000002.history"));
    spool.add(history);
    byte[] segment = new byte[SEGMENT];
    new java.util.Random(5).nextBytes(segment);
    Path five = Files.write(stream.resolve("000000020000000000000005"), segment);
    Sealer.Sealed onTwo = sealer.seal(five);
    Files.delete(five);
    spool.add(onTwo);
    List<StoreLane> lanes =
        StoreLane.forStores(
            "app",
            SYSTEM,
            SEGMENT,
            List.of(a, b),
            spool,
            new WalFiles.Segment(2, 5, SEGMENT),
            clock,
            d -> {});

    drain(lanes.get(0));
    assertThat(a.commits).containsExactly(history.key(), onTwo.key());
    spool.makeRoom(1L << 30); // let go of both: a holds them, b has not run yet
    drain(lanes.get(1));

    assertThat(b.commits).containsExactly(history.key(), onTwo.key());
    assertThat(b.read(history.key())).isEqualTo(a.read(history.key()));
    assertThat(spool.items()).isEmpty();
    assertThat(lanes.get(1).cursor()).hasValue(new WalFiles.Segment(2, 6, SEGMENT));
  }

  @Test
  void atStartTheLaneContinuesAfterTheNewestSegmentContiguousInItsStore() throws Exception {
    Flaky a = store("a");
    // a holds 3, 4 and 6 from an earlier run
    for (long n : new long[] {3, 4, 6}) {
      Sealer.Sealed earlier = SpoolTests.seal(dir, n, 100 + n);
      a.put(earlier.key(), Files.readAllBytes(earlier.file()));
    }
    Spool spool = spool(1 << 30, List.of(a));
    for (long n = 4; n <= 7; n++) {
      spool.add(SpoolTests.seal(sealed, n, n));
    }
    StoreLane lane = lanes(List.of(a), spool, 3).get(0);

    assertThat(lane.step()).isEqualTo(StoreLane.Step.WORKED);
    assertThat(lane.cursor()).hasValue(segment(5));
    assertThat(lane.committedEnd()).hasValue(segment(5).start());
    assertThat(drain(lane)).isEqualTo(StoreLane.Step.IDLE);

    // 5 and 7 uploaded in order, 6 not a second time; the spool is empty
    assertThat(a.commits)
        .extracting(k -> k.substring(k.lastIndexOf('/') + 1, k.lastIndexOf('/') + 25))
        .containsExactly(segment(5).name(), segment(7).name());
    assertThat(a.segments())
        .containsExactly(
            segment(3).name(),
            segment(4).name(),
            segment(5).name(),
            segment(6).name(),
            segment(7).name());
    assertThat(sealedFiles()).isEmpty();
    assertThat(lane.cursor()).hasValue(segment(8));
  }

  @Test
  void aPartialIsUploadedOnceTheStoreHasEverythingBeforeItAndItsOlderCopiesGo() throws Exception {
    Flaky a = store("a");
    Spool spool = spool(1 << 30, List.of(a));
    spool.add(SpoolTests.seal(sealed, 3, 3));
    StoreLane lane = lanes(List.of(a), spool, 3).get(0);
    lane.step(); // cursor found: 3

    // a partial of 4 waits until 3 is in the store, then goes before anything else
    Sealer.Partial first = partial(4, 8192, 1);
    lane.offer(first);
    assertThat(lane.step()).isEqualTo(StoreLane.Step.WORKED);
    assertThat(a.commits).hasSize(1).allMatch(k -> k.contains(segment(3).name() + "-"));
    assertThat(lane.step()).isEqualTo(StoreLane.Step.WORKED);
    assertThat(a.commits).last().isEqualTo(first.key());
    assertThat(lane.committedEnd()).hasValue(first.end());

    // a longer one replaces it: the older key is deleted after the newer commit
    Sealer.Partial longer = partial(4, 3 * 8192, 2);
    lane.offer(partial(4, 2 * 8192, 3));
    lane.offer(longer);
    assertThat(drain(lane)).isEqualTo(StoreLane.Step.IDLE);
    assertThat(a.commits).last().isEqualTo(longer.key());
    assertThat(a.entries())
        .filteredOn(e -> e.kind() == WalArchive.Kind.PARTIAL)
        .extracting(WalArchive.Entry::key)
        .containsExactly(longer.key());
    assertThat(StoreLane.durableEnd(List.of(lane))).hasValue(segment(4).start().plus(3 * 8192));

    // a partial older than the cursor is skipped
    int before = a.commits.size();
    lane.offer(partial(3, 8192, 4));
    assertThat(lane.step()).isEqualTo(StoreLane.Step.IDLE);
    assertThat(a.commits).hasSize(before);

    // the completed segment supersedes the partial: its key goes too
    Sealer.Sealed four = SpoolTests.seal(sealed, 4, 4);
    spool.add(four);
    assertThat(drain(lane)).isEqualTo(StoreLane.Step.IDLE);
    assertThat(a.commits).last().isEqualTo(four.key());
    assertThat(a.entries()).noneMatch(e -> e.kind() == WalArchive.Kind.PARTIAL);
    assertThat(lane.committedEnd()).hasValue(segment(5).start());
    assertThat(lane.committedEnd().orElseThrow()).isInstanceOf(Lsn.class);
  }

  @Test
  void onTheirOwnThreadsTheLanesDrainUntilTheStopDeadlineAndSayWhatStaysInTheSpool()
      throws Exception {
    Flaky a = store("a");
    Flaky b = store("b");
    b.down = true;
    Spool spool = spool(1 << 30, List.of(a, b));
    List<StoreLane> lanes =
        StoreLane.forStores(
            "app", SYSTEM, SEGMENT, List.of(a, b), spool, segment(3), Clock.systemUTC(), null);
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      lanes.forEach(threads::submit);
      List<Sealer.Sealed> s = new ArrayList<>();
      for (long n = 3; n <= 5; n++) {
        s.add(SpoolTests.seal(sealed, n, n));
        spool.add(s.get(s.size() - 1));
        lanes.forEach(StoreLane::wake);
      }
      Sealer.Partial six = partial(6, 4 * 8192, 6);
      lanes.forEach(l -> l.offer(six));

      long started = System.nanoTime();
      Instant deadline = Instant.now().plusSeconds(2);
      lanes.forEach(l -> l.stop(deadline));
      threads.shutdown();
      assertThat(threads.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));

      assertThat(a.commits)
          .containsExactly(s.get(0).key(), s.get(1).key(), s.get(2).key(), six.key());
      assertThat(b.commits).isEmpty();
      assertThat(StoreLane.durableEnd(lanes)).hasValue(six.end());
      assertThat(StoreLane.backlogs(lanes)).containsExactly(entry("a", 0L), entry("b", 3L));
      assertThat(sealedFiles()).hasSize(3); // b has none of them: all stay
      assertThat(lines())
          .contains(
              "WARN wal app: store b: 3 segments and the partial of "
                  + segment(6).name()
                  + " stay in the spool and are uploaded by the next receiver (the slot keeps"
                  + " them on the server meanwhile)");
    } finally {
      threads.shutdownNow();
    }
  }
}

package dev.lifeboat.wal;

import dev.lifeboat.catalog.BaseBackupCatalog;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.pg.ReplicationConnection;
import dev.lifeboat.pg.ReplicationSlots;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one target's WAL into its stores for as long as this node holds the target's {@link
 * ReceiverLease} (plan 2.3): takes the lease or stands by, checks the server against what the
 * stores hold, keeps the slot, seeds pg_receivewal where the stores end, seals each completed
 * segment and hands it to the {@link Uploads}, and moves the slot only to WAL a store holds. One
 * platform thread per target, one log line per change of state, never one per retry.
 */
final class Receiver {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.wal");

  /** How often a standby node tries the lease: with a kill -9 of the holder, the takeover time. */
  static final Duration TRY_EVERY = Duration.ofSeconds(5);

  /** How often the holder proves it still reaches the server (plan 2.2). */
  static final Duration BEAT_EVERY = Duration.ofSeconds(2);

  /** How often stream/ is looked at for completed segments: a directory of a few files. */
  static final Duration POLL = Duration.ofMillis(200);

  /** How often the row in the control database is refreshed besides each change of state. */
  static final Duration ROW_EVERY = Duration.ofSeconds(10);

  static final Duration BACKOFF_FIRST = Duration.ofSeconds(1);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(60);

  /** Streaming this long without an error makes the next backoff short again. */
  static final Duration BACKOFF_RESET = Duration.ofMinutes(5);

  /** How long a refused server waits before it is checked again. */
  static final Duration REFUSED_RECHECK = Duration.ofMinutes(5);

  /** Where the sealed WAL goes from here: the spool and each store's lane. */
  interface Uploads {

    /**
     * Makes room in the spool for {@code incoming} more bytes, letting go of what a store already
     * holds; false when everything left is held by no store (streaming must pause).
     */
    boolean room(long incoming);

    /** A completed segment or history file, sealed in the spool, in WAL order. */
    void add(Sealer.Sealed sealed);

    /** Seals the partial segment and hands it to the lanes when it grew since the last time. */
    void partial();

    /**
     * The end of the WAL durably in at least one store, contiguous from the start of this run;
     * {@code from} while no store holds anything of it.
     */
    Lsn durableEnd(Lsn from);

    /**
     * After a full spool paused streaming: whether it is below 90 % of its bound again, so
     * streaming may start again (plan 3.4).
     */
    boolean roomToResume();

    /** Per store: the newest segment in order, backlog, the problem if failing. */
    List<WalStatusTable.StoreStatus> stores();

    /** Uploads what is queued and the current partial within {@code budget}; then stops. */
    void finish(Duration budget);
  }

  /** Makes the uploads of one streaming run (one system identifier and segment size). */
  interface UploadsFactory {
    Uploads open(
        String systemIdentifier,
        long segmentSize,
        Path stream,
        Path sealed,
        Sealer sealer,
        WalFiles.Segment from)
        throws IOException;
  }

  /** Sleeps; tests pass one that does not. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final Target target;
  private final LifeboatProperties.Wal settings;
  private final List<BackupStore> stores;
  private final List<String> recipients;
  private final Path directory;
  private final String node;
  private final String instance;
  private final PgBinaries binaries;
  private final PgReceiveWal pgReceiveWal;
  private final UploadsFactory uploadsFactory;
  private final WalStatusTable table;
  private final WalMetrics.Receiving metrics;
  private final Clock clock;
  private final Sleeper sleeper;

  private final Object wake = new Object();
  private volatile boolean stopAsked;
  private volatile ReceiverState state = ReceiverState.STOPPED;
  private volatile String detail;
  private volatile Instant since;
  private volatile Thread thread;
  private volatile PgReceiveWal.Run run;
  private volatile Uploads uploads;
  private volatile ChainBreak chainBreak;
  private Duration backoff = BACKOFF_FIRST;
  private String serverLsn;
  private String streamedSegment;

  Receiver(
      Target target,
      LifeboatProperties.Wal settings,
      List<BackupStore> stores,
      List<String> recipients,
      Path directory,
      String node,
      String instance,
      PgBinaries binaries,
      PgReceiveWal pgReceiveWal,
      UploadsFactory uploadsFactory,
      WalStatusTable table,
      WalMetrics.Receiving metrics,
      Clock clock,
      Sleeper sleeper) {
    this.target = target;
    this.settings = settings;
    this.stores = List.copyOf(stores);
    this.recipients = List.copyOf(recipients);
    this.directory = directory;
    this.node = node;
    this.instance = instance;
    this.binaries = binaries;
    this.pgReceiveWal = pgReceiveWal;
    this.uploadsFactory = uploadsFactory;
    this.table = table;
    this.metrics = metrics;
    this.clock = clock;
    this.sleeper = sleeper;
    this.since = clock.instant();
  }

  String target() {
    return target.name();
  }

  ReceiverState state() {
    return state;
  }

  String detail() {
    return detail;
  }

  /**
   * Starts the receiver's own thread; pg_receivewal is started from it (its parent-death signal).
   */
  synchronized void start() {
    if (thread != null) {
      return;
    }
    Thread t = new Thread(this::loop, "lifeboat-wal-" + target.name());
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /**
   * Stops streaming within {@code budget}: pg_receivewal gets SIGINT (its partial is kept), what
   * completed is sealed, the uploads get the rest of the budget for the queue and the partial, the
   * slot moves to what is now in a store, and the lease is freed.
   */
  void stop(Duration budget) {
    Thread t = thread;
    stopAsked = true;
    if (t == null) {
      return;
    }
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      t.join(Math.max(1, budget.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.warn("wal {}: did not stop within {} s", target.name(), budget.toSeconds());
      PgReceiveWal.Run r = run;
      if (r != null) {
        r.kill();
      }
    }
  }

  private void loop() {
    ReceiverLease lease = null;
    try {
      while (!stopAsked) {
        try {
          if (lease == null) {
            lease = ReceiverLease.open(target.connection(), target.name(), node);
          }
          if (!lease.tryAcquire()) {
            String holder = lease.holder().orElse("another node");
            change(ReceiverState.STANDBY, "streamed by " + holderNode(holder));
            pause(TRY_EVERY);
            continue;
          }
          Instant started = clock.instant();
          String ended = stream(lease);
          if (stopAsked) {
            break;
          }
          if (Duration.between(started, clock.instant()).compareTo(BACKOFF_RESET) >= 0) {
            backoff = BACKOFF_FIRST;
          }
          if (state == ReceiverState.SPOOL_FULL) {
            // the run ended because the spool has room again: stream on from the seed at once
            continue;
          }
          backOff(ended);
        } catch (Refused e) {
          change(ReceiverState.REFUSED, e.getMessage());
          pause(REFUSED_RECHECK);
        } catch (InterruptedException e) {
          break;
        } catch (SQLException | RuntimeException | IOException e) {
          if (lease != null && !leaseAlive(lease)) {
            lease.close();
            lease = null;
          }
          backOff(describe(e));
        }
      }
    } catch (InterruptedException e) {
      // stop asked while backing off
    } finally {
      if (lease != null) {
        lease.close();
      }
      change(ReceiverState.STOPPED, null);
    }
  }

  /**
   * Waits {@code duration}, or less when a stop is asked. Never by interrupting the thread: an
   * interrupt closes the file channels sealing reads and writes.
   */
  private void pause(Duration duration) throws InterruptedException {
    if (sleeper != null) {
      sleeper.sleep(duration);
      return;
    }
    synchronized (wake) {
      if (!stopAsked) {
        wake.wait(Math.max(1, duration.toMillis()));
      }
    }
  }

  private void backOff(String why) throws InterruptedException {
    if (stopAsked) {
      return;
    }
    metrics.restarted();
    change(ReceiverState.BACKOFF, "retry in " + backoff.toSeconds() + " s: " + why);
    pause(backoff);
    backoff =
        backoff.multipliedBy(2).compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : backoff.multipliedBy(2);
  }

  /**
   * One streaming run while holding the lease; returns why it ended (pg_receivewal's ending), or
   * null when a stop was asked.
   */
  private String stream(ReceiverLease lease)
      throws SQLException, IOException, InterruptedException {
    change(ReceiverState.STARTING, null);
    lease.endOtherReceivers(node);
    ReplicationConnection.Identity identity;
    long segmentSize;
    WalFiles.History history;
    try (ReplicationConnection rc =
        ReplicationConnection.open(target.connection(), target.name())) {
      identity = rc.identifySystem();
      segmentSize = rc.walSegmentSize();
      history =
          identity.timeline() == 1
              ? WalFiles.History.of(1)
              : rc.timelineHistory(identity.timeline());
    }
    String system = identity.systemIdentifier();
    boolean archivedBefore = checkIdentity(system, segmentSize, history, lease.serverMajor());

    ReplicationSlots slots = lease.slots();
    String slotName = settings.slotName(target.name());
    boolean created = slots.createIfMissing(slotName);
    if (created) {
      log.info("wal {}: created replication slot {}", target.name(), slotName);
    }
    ReplicationSlots.Slot slot = slots.read(slotName).orElseThrow();
    if (slot.restartLsn() == null || slot.walStatus() == ReplicationSlots.WalStatus.LOST) {
      // the server removed WAL the slot held: what it held is in no store (plan 2.7)
      slots.drop(slotName);
      slots.createIfMissing(slotName);
      slot = slots.read(slotName).orElseThrow();
      chainBreak = new ChainBreak(target.name(), system, slot.restartLsn());
      metrics.chainBroken();
      log.error(
          "wal {}: chain broken: slot {} had lost its WAL; streaming again from {}; point-in-time"
              + " restore after it needs a new base backup",
          target.name(),
          slotName,
          slot.restartLsn());
    }
    Lsn restart = slot.restartLsn();
    WalFiles.Segment restartSegment =
        WalFiles.segmentOf(history.timelineAt(restart), restart, segmentSize);
    if (created && archivedBefore && chainBreak == null) {
      // the slot was dropped (or never made) while the stores hold WAL of this cluster: a new slot
      // holds WAL from the server's last checkpoint on; what came between the stores' newest
      // segment and that is in no store (plan 2.7)
      OptionalLong newest = newestHeldBefore(system, restartSegment, segmentSize);
      if (newest.isPresent() && newest.getAsLong() < restartSegment.number() - 1) {
        chainBreak = new ChainBreak(target.name(), system, restart);
        metrics.chainBroken();
        log.error(
            "wal {}: chain broken: slot {} was missing; WAL after segment {} up to {} is in no"
                + " store; point-in-time restore after it needs a new base backup (lifeboat"
                + " basebackup --target {})",
            target.name(),
            slotName,
            new WalFiles.Segment(restartSegment.timeline(), newest.getAsLong(), segmentSize).name(),
            restart,
            target.name());
      }
    }
    WalFiles.Segment seed = firstMissing(system, restartSegment, segmentSize);

    Path stream = directory.resolve("stream");
    Path sealedDir = Files.createDirectories(directory.resolve("sealed"));
    Seed.plant(stream, seed.name());
    Sealer sealer = new Sealer(target.name(), system, segmentSize, settings, recipients, sealedDir);
    // timeline histories are read before anything is written, by nodes without the private key
    Sealer plain = new Sealer(target.name(), system, segmentSize, settings, List.of(), sealedDir);
    Uploads up = uploadsFactory.open(system, segmentSize, stream, sealedDir, sealer, seed);
    uploads = up;
    Lsn advancedTo = restart;
    if (seed.start().compareTo(restart) > 0) {
      advancedTo = slots.advance(slotName, seed.start());
    }

    PgReceiveWal.Run r =
        pgReceiveWal.start(
            PgReceiveWal.find(binaries, lease.serverMajor()),
            target.connection(),
            stream,
            target.name(),
            node);
    run = r;
    String why = null;
    try {
      String streaming =
          "from " + seed.start() + " on timeline " + seed.timeline() + " (node " + node + ")";
      change(chainBreak != null ? ReceiverState.CHAIN_BROKEN : ReceiverState.STREAMING, streaming);
      Instant lastBeat = Instant.MIN;
      Instant lastAdvance = clock.instant();
      Instant lastRow = clock.instant();
      Instant lastPartial = clock.instant();
      boolean paused = false;
      while (!stopAsked) {
        if (!paused && !sealCompleted(stream, segmentSize, sealer, plain, up)) {
          change(
              ReceiverState.SPOOL_FULL,
              "the spool holds only WAL no store has accepted yet; streaming paused; the slot"
                  + " keeps the WAL on the server");
          // pg_receivewal stops (its partial is kept); the lanes go on uploading what the spool
          // holds, so the pause ends as soon as a store takes WAL again
          r.stop(Duration.ofSeconds(3));
          paused = true;
        }
        if (paused && sealCompleted(stream, segmentSize, sealer, plain, up) && up.roomToResume()) {
          why = "the spool has room again";
          break;
        }
        Instant now = clock.instant();
        if (Duration.between(lastPartial, now).compareTo(settings.partialUploadInterval()) >= 0) {
          up.partial();
          lastPartial = now;
        }
        if (Duration.between(lastBeat, now).compareTo(BEAT_EVERY) >= 0) {
          Lsn beat = lease.beat().serverLsn();
          metrics.beat(beat);
          serverLsn = beat.toString();
          lastBeat = now;
        }
        if (Duration.between(lastAdvance, now).compareTo(Duration.ofSeconds(1)) >= 0) {
          advancedTo = advance(slots, slotName, up, seed.start(), advancedTo);
          lastAdvance = now;
        }
        if (Duration.between(lastRow, now).compareTo(ROW_EVERY) >= 0) {
          if (!paused && chainBreak != null && mended(chainBreak, up.durableEnd(seed.start()))) {
            change(ReceiverState.STREAMING, streaming);
          }
          writeRow();
          lastRow = now;
        }
        if (!paused && !r.isAlive()) {
          PgReceiveWal.Ending ending = r.waitFor(Duration.ZERO).orElseThrow();
          why = "pg_receivewal ended (" + ending.word() + "): " + r.describe();
          break;
        }
        pause(POLL);
      }
    } catch (InterruptedException e) {
      if (!stopAsked) {
        throw e;
      }
    } finally {
      boolean stopping = stopAsked;
      if (stopping) {
        change(ReceiverState.STOPPING, null);
      }
      r.stop(Duration.ofSeconds(3));
      run = null;
      sealCompleted(stream, segmentSize, sealer, plain, up);
      up.partial();
      up.finish(stopping ? Duration.ofSeconds(10) : Duration.ofSeconds(2));
      uploads = null;
      try {
        advance(slots, slotName, up, seed.start(), advancedTo);
      } catch (RuntimeException e) {
        log.warn("wal {}: could not move the slot at the end: {}", target.name(), e.getMessage());
      }
    }
    return why;
  }

  /** True, and the break forgotten, once a base backup after it starts a new chain. */
  private boolean mended(ChainBreak chain, Lsn durableEnd) {
    Optional<BaseBackupCatalog.Manifest> first =
        chain.mendedBy(stores, durableEnd, clock.instant());
    if (first.isEmpty()) {
      return false;
    }
    chainBreak = null;
    log.info(
        "wal {}: a new chain starts with base backup {} (from {}, after the break at {});"
            + " point-in-time restore reaches again what is written from then on",
        target.name(),
        first.get().id(),
        first.get().startLsn(),
        chain.from());
    return true;
  }

  /** Moves the slot to the end of the WAL some store holds in order; never back. */
  private Lsn advance(
      ReplicationSlots slots, String slotName, Uploads up, Lsn from, Lsn advancedTo) {
    Lsn durable = up.durableEnd(from);
    if (durable.compareTo(advancedTo) > 0) {
      return slots.advance(slotName, durable);
    }
    return advancedTo;
  }

  /**
   * Seals every completed file in {@code stream} in WAL order and deletes it once sealed; false
   * when the spool had no room for the next one (it stays in {@code stream} for later).
   */
  private boolean sealCompleted(
      Path stream, long segmentSize, Sealer sealer, Sealer plain, Uploads up) throws IOException {
    List<Path> histories = new ArrayList<>();
    List<Path> segments = new ArrayList<>();
    for (Path p : Seed.streamed(stream)) {
      String name = p.getFileName().toString();
      if (WalFiles.parseHistoryFileName(name).isPresent()) {
        histories.add(p);
      } else if (WalFiles.parseSegment(name, segmentSize).isPresent()
          && Files.size(p) == segmentSize) {
        segments.add(p);
      }
    }
    for (Path h : histories) {
      up.add(plain.seal(h));
      Files.delete(h);
    }
    for (Path s : segments) {
      if (!up.room(segmentSize)) {
        return false;
      }
      Sealer.Sealed sealed = sealer.seal(s);
      up.add(sealed);
      streamedSegment = s.getFileName().toString();
      Files.delete(s);
    }
    return true;
  }

  /**
   * The first segment from {@code from} on that no store holds: what is already stored is not
   * streamed again (with age, a second copy would be a second object).
   */
  private WalFiles.Segment firstMissing(String system, WalFiles.Segment from, long segmentSize) {
    Set<Long> held = new HashSet<>();
    String listed = null;
    WalFiles.Segment s = from;
    while (true) {
      String folder = WalArchive.folder(target.name(), system, s);
      if (!folder.equals(listed)) {
        listed = folder;
        for (BackupStore store : stores) {
          try {
            for (WalArchive.Entry e :
                WalArchive.entries(target.name(), segmentSize, store.list(folder))) {
              if (e.kind() == WalArchive.Kind.SEGMENT && e.timeline() == from.timeline()) {
                held.add(e.segmentNumber());
              }
            }
          } catch (RuntimeException e) {
            // a store that does not answer now is filled by its lane later
            log.debug(
                "wal {}: listing {} at start: {}", target.name(), store.name(), e.getMessage());
          }
        }
      }
      if (!held.contains(s.number())) {
        return s;
      }
      s = s.next();
    }
  }

  /**
   * Refuses a server that is not the cluster (or timeline) the stores hold; records a first one.
   * Returns whether a store recorded the cluster already (its WAL was archived before).
   */
  private boolean checkIdentity(
      String system, long segmentSize, WalFiles.History history, int pgMajor) {
    Optional<ClusterIdentity.Recorded> recorded = Optional.empty();
    Optional<WalFiles.History> newest = Optional.empty();
    List<BackupStore> answering = new ArrayList<>();
    List<BackupStore> without = new ArrayList<>();
    for (BackupStore store : stores) {
      try {
        Optional<ClusterIdentity.Recorded> r = ClusterIdentity.read(store, target.name());
        answering.add(store);
        if (r.isEmpty()) {
          without.add(store);
        }
        if (r.isPresent() && recorded.isEmpty()) {
          recorded = r;
          newest =
              Optional.of(
                  ClusterIdentity.newestHistory(
                      store, target.name(), r.get().systemIdentifier(), r.get().walSegmentSize()));
        }
      } catch (RuntimeException e) {
        log.debug(
            "wal {}: store {} did not answer: {}", target.name(), store.name(), e.getMessage());
      }
    }
    if (answering.isEmpty()) {
      throw new IllegalStateException("no store of the target answers");
    }
    Optional<TimelineGuard.Recorded> was =
        recorded.isEmpty()
            ? Optional.empty()
            : Optional.of(
                new TimelineGuard.Recorded(
                    recorded.get().systemIdentifier(), newest.orElseThrow()));
    TimelineGuard.Verdict verdict =
        TimelineGuard.check(target.name(), was, new TimelineGuard.Server(system, history));
    if (verdict.decision().refuses()) {
      throw new Refused(verdict.message());
    }
    ClusterIdentity.Recorded record =
        recorded.orElseGet(
            () ->
                new ClusterIdentity.Recorded(
                    target.name(), system, segmentSize, pgMajor, clock.instant(), node));
    // a store added later, or down when the first receiver wrote it, gets the same record
    for (BackupStore store : without) {
      ClusterIdentity.write(store, record);
    }
    if (recorded.isEmpty()) {
      log.info("wal {}: {}", target.name(), verdict.message());
    }
    return recorded.isPresent();
  }

  /**
   * The newest completed segment some store holds up to {@code limit} (its number), on any
   * timeline; empty when they hold none. Lists the whole archive of the cluster: only when a slot
   * had to be made again.
   */
  private OptionalLong newestHeldBefore(String system, WalFiles.Segment limit, long segmentSize) {
    OptionalLong newest = OptionalLong.empty();
    for (BackupStore store : stores) {
      try {
        for (WalArchive.Entry e :
            WalArchive.entries(
                target.name(),
                segmentSize,
                store.list(WalArchive.systemRoot(target.name(), system)))) {
          if (e.kind() == WalArchive.Kind.SEGMENT
              && e.segmentNumber() <= limit.number()
              && (newest.isEmpty() || e.segmentNumber() > newest.getAsLong())) {
            newest = OptionalLong.of(e.segmentNumber());
          }
        }
      } catch (RuntimeException e) {
        log.debug("wal {}: listing {}: {}", target.name(), store.name(), e.getMessage());
      }
    }
    return newest;
  }

  private void change(ReceiverState next, String why) {
    if (next == state && java.util.Objects.equals(why, detail)) {
      return;
    }
    boolean logIt = next != state || next == ReceiverState.BACKOFF || next == ReceiverState.REFUSED;
    state = next;
    detail = why;
    since = clock.instant();
    metrics.state(next);
    if (logIt) {
      String line = "wal " + target.name() + ": " + next.word() + (why == null ? "" : ": " + why);
      if (next == ReceiverState.BACKOFF
          || next == ReceiverState.REFUSED
          || next == ReceiverState.SPOOL_FULL
          || next == ReceiverState.CHAIN_BROKEN) {
        log.warn(line);
      } else {
        log.info(line);
      }
    }
    writeRow();
  }

  private void writeRow() {
    if (table == null) {
      return;
    }
    Uploads up = uploads;
    try {
      table.write(
          new WalStatusTable.Row(
              target.name(),
              instance,
              node,
              state,
              detail,
              since,
              serverLsn,
              streamedSegment,
              up == null ? List.of() : up.stores()));
    } catch (SQLException | RuntimeException e) {
      log.debug("wal {}: could not write its status row: {}", target.name(), e.getMessage());
    }
  }

  private static boolean leaseAlive(ReceiverLease lease) {
    try {
      lease.beat();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /** {@code lifeboat/<target>/lock/<node>} → {@code node <node>}. */
  static String holderNode(String applicationName) {
    int at = applicationName.lastIndexOf("/lock/");
    return at < 0 ? applicationName : "node " + applicationName.substring(at + "/lock/".length());
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : dev.lifeboat.pg.PgErrors.firstLine(m);
  }

  /** The server is not the one the stores hold WAL of: nothing is written. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }
}

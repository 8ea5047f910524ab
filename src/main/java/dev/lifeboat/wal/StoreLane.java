package dev.lifeboat.wal;

import dev.lifeboat.base.DigestingOutputStream;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store's ordered WAL uploads for one target (plan §3.1). Its cursor is the next segment the
 * store needs: everything before it is committed there, and segment n+1 is never uploaded before n
 * is, so a store always holds a prefix of the chain (plus partials after it) and a restore never
 * meets a hole that fills later. The source of a segment is its sealed file while the spool has it,
 * else a copy from a peer store that holds it, checked against the SHA-256 in its key before it is
 * committed. A failing store is retried with backoff (1 s doubling to 60 s) and logged once when it
 * starts failing and once when it recovers; the other stores go on meanwhile.
 *
 * <p>The partial segment is a priority item: the newest one offered is uploaded as soon as the
 * store holds every segment before it, and dropped once the store has that segment whole.
 *
 * <p>{@link #run()} is the body of the lane's thread; {@link #step()} does one unit of work (tests
 * call it directly). Everything but {@link #run()}/{@link #step()} may be called from any thread.
 */
final class StoreLane implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger("lifeboat.wal");

  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  /** How long an idle lane waits before it looks again (a {@link #wake()} cuts it short). */
  static final Duration IDLE = Duration.ofMillis(500);

  private static final int BUFFER = 256 * 1024;

  /** How the lane waits; tests give one that moves a clock instead of sleeping. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** Told of each WAL object the lane committed to its store (the commit-time gauges). */
  interface Commits {
    /** {@code store} committed a completed segment, or a partial one when {@code partial}. */
    void committed(String store, boolean partial);
  }

  /** What one {@link #step()} did. */
  enum Step {
    /** Something was uploaded, found already stored, or the cursor was found or moved. */
    WORKED,
    /** Nothing to do until the spool seals more or a partial is offered. */
    IDLE,
    /** The store (or every source of the next object) failed; retried after the backoff. */
    FAILED
  }

  private final String target;
  private final String systemIdentifier;
  private final long segmentSize;
  private final BackupStore store;
  private final Spool spool;
  private final WalFiles.Segment from;
  private final Clock clock;
  private final Sleeper sleeper;
  private final Object monitor = new Object();
  private List<StoreLane> peers = List.of();

  private volatile WalFiles.Segment cursor;
  private volatile Lsn committedEnd;
  private final Set<Long> heldAhead = new HashSet<>();
  private final Set<Long> heldHistories = new HashSet<>();
  private final Map<Long, List<String>> ownPartials = new HashMap<>();
  private final AtomicReference<Sealer.Partial> partial = new AtomicReference<>();

  private final AtomicLong failureCount = new AtomicLong();
  private int failuresInARow;
  private volatile Instant failingSince;
  private volatile Instant deadline;
  private volatile boolean idle;
  private volatile Commits commits = (store, partial) -> {};

  private StoreLane(
      String target,
      String systemIdentifier,
      long segmentSize,
      BackupStore store,
      Spool spool,
      WalFiles.Segment from,
      Clock clock,
      Sleeper sleeper) {
    this.target = target;
    this.systemIdentifier = systemIdentifier;
    this.segmentSize = segmentSize;
    this.store = store;
    this.spool = spool;
    this.from = from;
    this.clock = clock;
    this.sleeper = sleeper != null ? sleeper : this::waitOnMonitor;
  }

  /**
   * One lane per store, each the others' peer. {@code from}: the oldest segment the stores should
   * hold (the seed, or the oldest kept base backup's start); a lane starts after the newest segment
   * contiguous in its store from there (or from the spool's oldest segment, if older). {@code
   * sleeper} null: the lanes really wait.
   */
  static List<StoreLane> forStores(
      String target,
      String systemIdentifier,
      long segmentSize,
      List<BackupStore> stores,
      Spool spool,
      WalFiles.Segment from,
      Clock clock,
      Sleeper sleeper) {
    List<StoreLane> lanes = new ArrayList<>();
    for (BackupStore s : stores) {
      lanes.add(
          new StoreLane(target, systemIdentifier, segmentSize, s, spool, from, clock, sleeper));
    }
    List<StoreLane> all = List.copyOf(lanes);
    for (StoreLane lane : all) {
      lane.peers = all.stream().filter(l -> l != lane).toList();
    }
    return all;
  }

  /**
   * The end of the WAL durably in at least one store: where the slot may be advanced to. Empty
   * while no lane knows of anything committed.
   */
  static Optional<Lsn> durableEnd(List<StoreLane> lanes) {
    return lanes.stream()
        .map(StoreLane::committedEnd)
        .flatMap(Optional::stream)
        .max(Comparator.naturalOrder());
  }

  /**
   * Each store's backlog in segments, by store name ({@code lifeboat_wal_store_backlog_segments}).
   */
  static Map<String, Long> backlogs(List<StoreLane> lanes) {
    Map<String, Long> backlogs = new LinkedHashMap<>();
    lanes.forEach(l -> backlogs.put(l.store(), l.backlog()));
    return backlogs;
  }

  String store() {
    return store.name();
  }

  /** Who is told of each commit from now on. */
  void onCommit(Commits listener) {
    commits = listener;
  }

  /** The next segment this store needs; empty until the lane has listed its store. */
  Optional<WalFiles.Segment> cursor() {
    return Optional.ofNullable(cursor);
  }

  /** The end of the WAL this store holds contiguously (a partial's end when it holds one). */
  Optional<Lsn> committedEnd() {
    return Optional.ofNullable(committedEnd);
  }

  /** Sealed segments this store still needs: from its cursor to the spool's newest. */
  long backlog() {
    OptionalLong newest = spool.newestSegment();
    if (newest.isEmpty()) {
      return 0;
    }
    long next = cursor != null ? cursor.number() : from.number();
    return Math.max(0, newest.getAsLong() - next + 1);
  }

  /** Failed attempts since the lane started ({@code lifeboat_store_upload_failures_total}). */
  long failures() {
    return failureCount.get();
  }

  /** Since when the store has been failing; empty while it is not. */
  Optional<Instant> failingSince() {
    return Optional.ofNullable(failingSince);
  }

  /**
   * The newest partial segment to upload after the segments before it (plan §3.3); replaces an
   * older one not uploaded yet.
   */
  void offer(Sealer.Partial offered) {
    partial.accumulateAndGet(offered, StoreLane::newer);
    wake();
  }

  private static Sealer.Partial newer(Sealer.Partial a, Sealer.Partial b) {
    if (a == null) {
      return b;
    }
    int c = a.segment().compareTo(b.segment());
    if (c != 0) {
      return c > 0 ? a : b;
    }
    return a.validBytes() >= b.validBytes() ? a : b;
  }

  /** More may be there to do (a seal, a partial): an idle lane looks now. */
  void wake() {
    synchronized (monitor) {
      if (idle) {
        monitor.notifyAll();
      }
    }
  }

  /**
   * Asks {@link #run()} to upload what it can until {@code until} (segments in order, then the
   * partial offered last) and return; a lane waiting out a backoff tries once more first.
   */
  void stop(Instant until) {
    deadline = until;
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  @Override
  public void run() {
    while (!Thread.currentThread().isInterrupted()) {
      Instant until = deadline;
      if (until != null && !clock.instant().isBefore(until)) {
        break;
      }
      Step step = step();
      if (step == Step.FAILED) {
        pause(backoff(), until);
      } else if (step == Step.IDLE) {
        if (until != null) {
          break;
        }
        idle = true;
        pause(IDLE, null);
        idle = false;
      }
    }
    long left = backlog();
    Sealer.Partial last = partial.get();
    if (left > 0 || last != null) {
      LOG.warn(
          "wal {}: store {}: {} segments{} stay in the spool and are uploaded by the next"
              + " receiver (the slot keeps them on the server meanwhile)",
          target,
          store.name(),
          left,
          last != null ? " and the partial of " + last.segment().name() : "");
    }
  }

  /** The wait after the {@code n}th failure in a row: 1 s, 2 s, 4 s … 60 s. */
  Duration backoff() {
    int shift = Math.min(Math.max(failuresInARow - 1, 0), 6);
    Duration d = FIRST_BACKOFF.multipliedBy(1L << shift);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private void pause(Duration duration, Instant until) {
    Duration d = duration;
    if (until != null) {
      Duration left = Duration.between(clock.instant(), until);
      d = left.compareTo(d) < 0 ? left : d;
    }
    if (d.isNegative() || d.isZero()) {
      return;
    }
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void waitOnMonitor(Duration duration) throws InterruptedException {
    synchronized (monitor) {
      monitor.wait(Math.max(1, duration.toMillis()));
    }
  }

  /** One unit of work: find the cursor, upload one object, or find there is nothing to do. */
  Step step() {
    Step step;
    try {
      step = work();
    } catch (RuntimeException e) {
      failed(e.getMessage() != null ? e.getMessage() : e.toString());
      return Step.FAILED;
    } catch (MissingSource e) {
      failed(e.getMessage());
      return Step.FAILED;
    }
    recovered();
    return step;
  }

  /** The next object is neither in the spool nor readable from any store that holds it. */
  private static final class MissingSource extends Exception {
    MissingSource(String message) {
      super(message);
    }
  }

  private Step work() throws MissingSource {
    if (cursor == null) {
      locate();
      return Step.WORKED;
    }
    for (Spool.Item item : spool.items()) {
      if (item.entry().kind() == WalArchive.Kind.HISTORY
          && !heldHistories.contains(item.entry().timeline())) {
        if (!upload(item.entry(), item)) {
          throw new MissingSource(missing(item.key()));
        }
        heldHistories.add(item.entry().timeline());
        spool.committed(store.name(), item.key());
        return Step.WORKED;
      }
    }
    WalFiles.Segment next = cursor;
    if (heldAhead.remove(next.number())) {
      spool.segment(next.number()).ifPresent(i -> advance(i.entry().segment()));
      if (cursor == next) {
        advance(next);
      }
      return Step.WORKED;
    }
    Optional<Spool.Item> item = spool.segment(next.number());
    if (item.isPresent()) {
      WalArchive.Entry entry = item.get().entry();
      if (!upload(entry, item.get())) {
        throw new MissingSource(missing(entry.key()));
      }
      advance(entry.segment());
      commits.committed(store.name(), false);
      return Step.WORKED;
    }
    if (peers.stream().anyMatch(p -> p.cursor != null && p.cursor.number() > next.number())) {
      // not in the spool (a store added later, or a spool that started after it): a peer has it
      WalArchive.Entry wanted = segmentEntry(next);
      if (!copyFromPeers(wanted, null)) {
        throw new MissingSource(missing(next.name()));
      }
      advance(next);
      commits.committed(store.name(), false);
      return Step.WORKED;
    }
    OptionalLong oldest = spool.oldestSegment();
    if (oldest.isPresent()
        && oldest.getAsLong() > next.number()
        && peers.stream().allMatch(p -> p.cursor != null)) {
      // in no store and no longer anywhere: a gap every store has; the lane cannot wait for it
      Optional<Spool.Item> after = spool.segment(oldest.getAsLong());
      if (after.isEmpty()) {
        return Step.WORKED; // every store took it meanwhile: look again
      }
      WalFiles.Segment resume = after.get().entry().segment();
      LOG.warn(
          "wal {}: store {}: segments {} to {} are in no store and not in the spool; skipped:"
              + " WAL before {} in this store cannot be followed past the gap",
          target,
          store.name(),
          next.name(),
          resume.previous().name(),
          resume.name());
      cursor = resume;
      return Step.WORKED;
    }
    return uploadPartial(next) ? Step.WORKED : Step.IDLE;
  }

  private String missing(String what) {
    return what
        + " is not in the spool and no store that holds it could be read; "
        + store.name()
        + " waits for it";
  }

  private boolean uploadPartial(WalFiles.Segment next) {
    Sealer.Partial p = partial.get();
    if (p == null) {
      return false;
    }
    if (p.segment().number() < next.number()
        || (committedEnd != null && !p.end().isAfter(committedEnd))) {
      partial.compareAndSet(p, null); // the store has that WAL already
      return false;
    }
    if (p.segment().number() > next.number()) {
      return false; // useless until the store holds every segment before it
    }
    try (InputStream in = new ByteArrayInputStream(p.bytes())) {
      if (!copy(in, p.key(), p.sha256(), "memory")) {
        throw new IllegalStateException(p.key() + " does not match its own checksum");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    partial.compareAndSet(p, null);
    committedEnd = max(committedEnd, p.end());
    List<String> older = ownPartials.computeIfAbsent(p.segment().number(), n -> new ArrayList<>());
    deleteOwn(List.copyOf(older));
    older.clear();
    older.add(p.key());
    commits.committed(store.name(), true);
    return true;
  }

  /** The store holds {@code committed}: the spool may let go of every sealed copy of it. */
  private void advance(WalFiles.Segment committed) {
    for (Spool.Item item : spool.items()) {
      if (item.entry().kind() == WalArchive.Kind.SEGMENT
          && item.entry().segment().equals(committed)) {
        spool.committed(store.name(), item.key());
      }
    }
    committedEnd = max(committedEnd, committed.end());
    List<String> partials = ownPartials.remove(committed.number());
    if (partials != null) {
      deleteOwn(partials);
    }
    cursor = committed.next();
  }

  // best effort: a longer partial or the whole segment is committed; prune removes stragglers
  private void deleteOwn(List<String> keys) {
    if (keys.isEmpty()) {
      return;
    }
    try {
      store.delete(keys);
    } catch (RuntimeException e) {
      LOG.warn(
          "wal {}: store {}: could not delete superseded partials {}: {}",
          target,
          store.name(),
          keys,
          e.getMessage());
    }
  }

  private static Lsn max(Lsn a, Lsn b) {
    return a == null ? b : Lsn.max(a, b);
  }

  private WalArchive.Entry segmentEntry(WalFiles.Segment segment) {
    return new WalArchive.Entry(
        WalArchive.Kind.SEGMENT,
        systemIdentifier,
        segment.timeline(),
        segment.number(),
        segmentSize,
        segmentSize,
        null,
        false,
        segment.name(),
        0,
        null);
  }

  /** Uploads a spool item: from its sealed file, else from a peer; false when no source served. */
  private boolean upload(WalArchive.Entry entry, Spool.Item item) {
    if (item.inSpool()) {
      InputStream in;
      try {
        in = Files.newInputStream(item.file());
      } catch (IOException e) {
        in = null; // let go of meanwhile: a peer has it
        LOG.debug("wal {}: {} left the spool: {}", target, item.file(), e.toString());
      }
      if (in != null) {
        try (InputStream sealed = in) {
          if (copy(sealed, entry.key(), entry.sha256(), "the spool")) {
            return true;
          }
        } catch (IOException e) {
          LOG.debug("wal {}: could not close {}: {}", target, item.file(), e.toString());
        }
      }
    }
    return copyFromPeers(entry, entry.key());
  }

  /**
   * Copies the object {@code wanted} names (a segment or a history file) from the first peer whose
   * copy matches the checksum in its key, under that key; {@code preferred} is tried first.
   */
  private boolean copyFromPeers(WalArchive.Entry wanted, String preferred) {
    List<StoreLane> order = new ArrayList<>(peers);
    long number = wanted.segmentNumber();
    if (wanted.kind() == WalArchive.Kind.SEGMENT) {
      // a peer whose lane is past it holds it for sure: ask those first
      order.sort(
          Comparator.comparing((StoreLane p) -> !(p.cursor != null && p.cursor.number() > number)));
    }
    for (StoreLane peer : order) {
      List<WalArchive.Entry> copies;
      try {
        copies =
            WalArchive.entries(target, segmentSize, peer.store.list(prefixOf(wanted))).stream()
                .filter(e -> e.kind() == wanted.kind())
                .filter(
                    e ->
                        e.kind() == WalArchive.Kind.HISTORY
                            ? e.timeline() == wanted.timeline()
                            : e.segmentNumber() == number && e.timeline() == wanted.timeline())
                .sorted(Comparator.comparing((WalArchive.Entry e) -> !e.key().equals(preferred)))
                .toList();
      } catch (RuntimeException e) {
        LOG.debug("wal {}: peer {} did not list: {}", target, peer.store.name(), e.getMessage());
        continue;
      }
      for (WalArchive.Entry copy : copies) {
        InputStream in;
        try {
          in = peer.store.open(copy.key());
        } catch (RuntimeException e) {
          LOG.debug("wal {}: peer {} did not open {}: {}", target, peer.store(), copy.key(), e);
          continue;
        }
        try (InputStream source = in) {
          if (copy(source, copy.key(), copy.sha256(), "store " + peer.store.name())) {
            return true;
          }
        } catch (IOException e) {
          LOG.debug("wal {}: could not close {}: {}", target, copy.key(), e.toString());
        }
      }
    }
    return false;
  }

  private String prefixOf(WalArchive.Entry wanted) {
    if (wanted.kind() == WalArchive.Kind.HISTORY) {
      return WalArchive.historyFolder(target, systemIdentifier)
          + WalFiles.historyFileName(wanted.timeline())
          + "-";
    }
    WalFiles.Segment segment = wanted.segment();
    return WalArchive.folder(target, systemIdentifier, segment) + segment.name() + "-";
  }

  /**
   * Streams {@code in} into the store under {@code key} through a SHA-256 and commits only when it
   * matches {@code sha256}. False when the source failed or did not match (nothing committed); the
   * store's own failures are thrown.
   */
  private boolean copy(InputStream in, String key, String sha256, String source) {
    ObjectUpload upload = store.upload(key);
    DigestingOutputStream digest = new DigestingOutputStream(new UploadStream(upload));
    byte[] buffer = new byte[BUFFER];
    try {
      while (true) {
        int n;
        try {
          n = in.read(buffer);
        } catch (IOException | RuntimeException e) {
          upload.abort();
          LOG.warn(
              "wal {}: store {}: reading {} from {} failed: {}",
              target,
              store.name(),
              key,
              source,
              e.toString());
          return false;
        }
        if (n < 0) {
          break;
        }
        digest.write(buffer, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      upload.abort();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException((IOException) e);
    }
    String actual = digest.sha256Hex();
    if (!actual.equals(sha256)) {
      upload.abort();
      LOG.warn(
          "wal {}: store {}: {} read from {} has SHA-256 {}, not the one its key names; not"
              + " committed",
          target,
          store.name(),
          key,
          source,
          actual);
      return false;
    }
    upload.commit();
    return true;
  }

  /** An {@link ObjectUpload} as an output stream; its failures stay {@code StoreException}s. */
  private static final class UploadStream extends OutputStream {
    private final ObjectUpload upload;

    UploadStream(ObjectUpload upload) {
      this.upload = upload;
    }

    @Override
    public void write(int b) {
      upload.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      upload.write(b, off, len);
    }
  }

  private void locate() {
    WalFiles.Segment start = from;
    OptionalLong oldest = spool.oldestSegment();
    if (oldest.isPresent() && oldest.getAsLong() < start.number()) {
      start = new WalFiles.Segment(from.timeline(), oldest.getAsLong(), segmentSize);
    }
    Set<Long> histories = new HashSet<>();
    for (WalArchive.Entry e :
        WalArchive.entries(
            target, segmentSize, store.list(WalArchive.historyFolder(target, systemIdentifier)))) {
      if (e.kind() == WalArchive.Kind.HISTORY) {
        histories.add(e.timeline());
      }
    }
    long n = start.number();
    String folder = null;
    Set<Long> held = new HashSet<>();
    Map<Long, Lsn> partialEnds = new HashMap<>();
    while (true) {
      WalFiles.Segment s = new WalFiles.Segment(start.timeline(), n, segmentSize);
      String f = WalArchive.folder(target, systemIdentifier, s);
      if (!f.equals(folder)) {
        folder = f;
        held.clear();
        partialEnds.clear();
        for (WalArchive.Entry e : WalArchive.entries(target, segmentSize, store.list(f))) {
          if (e.kind() == WalArchive.Kind.SEGMENT) {
            held.add(e.segmentNumber());
          } else if (e.kind() == WalArchive.Kind.PARTIAL) {
            partialEnds.merge(e.segmentNumber(), e.end(), Lsn::max);
          }
        }
      }
      if (!held.contains(n)) {
        break;
      }
      n++;
    }
    WalFiles.Segment found = new WalFiles.Segment(start.timeline(), n, segmentSize);
    Lsn end = n > start.number() ? found.start() : null;
    if (partialEnds.containsKey(n)) {
      end = max(end, partialEnds.get(n));
    }
    long cursorNumber = n;
    heldHistories.clear();
    heldHistories.addAll(histories);
    heldAhead.clear();
    held.stream().filter(h -> h > cursorNumber).forEach(heldAhead::add);
    for (Spool.Item item : spool.items()) {
      WalArchive.Entry e = item.entry();
      boolean has =
          e.kind() == WalArchive.Kind.HISTORY
              ? histories.contains(e.timeline())
              : e.kind() == WalArchive.Kind.SEGMENT
                  && (e.segmentNumber() < cursorNumber || heldAhead.contains(e.segmentNumber()));
      if (has) {
        spool.committed(store.name(), item.key());
      }
    }
    committedEnd = max(committedEnd, end);
    cursor = found;
    LOG.info(
        "wal {}: store {} holds the WAL from {} contiguously up to {}; next segment {}",
        target,
        store.name(),
        start.name(),
        end != null ? end : "nothing",
        found.name());
  }

  private void failed(String message) {
    failureCount.incrementAndGet();
    failuresInARow++;
    if (failingSince == null) {
      failingSince = clock.instant();
      LOG.warn(
          "wal {}: store {}: WAL uploads failing since {}: {}; {} segments waiting",
          target,
          store.name(),
          failingSince,
          message,
          backlog());
    } else {
      LOG.debug("wal {}: store {}: still failing: {}", target, store.name(), message);
    }
  }

  private void recovered() {
    if (failingSince != null) {
      LOG.info(
          "wal {}: store {}: WAL uploads recovered after {} failed attempts since {}; {} segments"
              + " waiting",
          target,
          store.name(),
          failuresInARow,
          failingSince,
          backlog());
      failingSince = null;
    }
    failuresInARow = 0;
  }
}

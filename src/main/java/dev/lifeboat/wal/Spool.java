package dev.lifeboat.wal;

import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.WalFiles;
import dev.lifeboat.store.StoredObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiver's local spool of one target (plan §3.4): pg_receivewal's {@code stream/} and the
 * sealed objects in {@code sealed/}, bounded together by {@code wal.spool-max}. It knows which
 * store has committed each sealed object: a sealed file goes once every store holds it, and when a
 * seal would take the spool over its bound it lets go of the oldest objects at least one store
 * holds (the other stores copy them from that store). WAL no store holds is never deleted: when
 * nothing else is left to let go of, the spool is full and the receiver pauses streaming.
 *
 * <p>After an object is let go of, the spool still remembers its key until every store has it, so a
 * lane that is behind knows what to copy from a peer.
 */
final class Spool {

  private static final Logger LOG = LoggerFactory.getLogger("lifeboat.wal");

  private static final Pattern HISTORY_FILE = Pattern.compile("[0-9A-F]{8}\\.history-.*");
  private static final Pattern SEGMENT_FILE = Pattern.compile("[0-9A-F]{24}[-.].*");

  /** Streaming may start again when the spool is below this share of its bound (plan §3.4). */
  private static final double RESUME = 0.9;

  private static final Comparator<WalArchive.Entry> ORDER =
      Comparator.comparing((WalArchive.Entry e) -> e.kind() != WalArchive.Kind.HISTORY)
          .thenComparingLong(WalArchive.Entry::segmentNumber)
          .thenComparingLong(WalArchive.Entry::timeline)
          .thenComparing(WalArchive.Entry::key);

  /**
   * A sealed object the spool knows: {@code file} is its sealed file, or null once the spool let go
   * of it (then a store that has it is the only source).
   */
  record Item(WalArchive.Entry entry, Path file) {

    String key() {
      return entry.key();
    }

    boolean inSpool() {
      return file != null;
    }
  }

  /** What {@link #makeRoom} did: the keys it let go of, and whether the spool is still full. */
  record Room(boolean full, List<String> evicted) {}

  private static final class Held {
    final WalArchive.Entry entry;
    Path file;
    final Set<String> stores = new HashSet<>();

    Held(WalArchive.Entry entry, Path file) {
      this.entry = entry;
      this.file = file;
    }
  }

  private final String target;
  private final String systemIdentifier;
  private final long segmentSize;
  private final Path stream;
  private final Path sealed;
  private final long maxBytes;
  private final Set<String> stores;
  private final Map<String, Held> byKey = new LinkedHashMap<>();
  private long sealedBytes;
  private boolean full;

  /**
   * Opens the spool; the sealed files already in {@code sealed} (a previous run's) are counted and
   * kept until every store of {@code stores} has committed them.
   */
  Spool(
      String target,
      String systemIdentifier,
      long segmentSize,
      Path stream,
      Path sealed,
      long maxBytes,
      List<String> stores)
      throws IOException {
    if (stores.isEmpty()) {
      throw new IllegalArgumentException("wal " + target + ": a spool needs at least one store");
    }
    this.target = target;
    this.systemIdentifier = systemIdentifier;
    this.segmentSize = segmentSize;
    this.stream = stream;
    this.sealed = sealed;
    this.maxBytes = maxBytes;
    this.stores = Set.copyOf(stores);
    load();
  }

  private void load() throws IOException {
    List<Held> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(sealed)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.startsWith(Sealer.TEMPORARY) || !Files.isRegularFile(file)) {
          continue; // a seal that never completed: not an object, its stream file is still there
        }
        Optional<WalArchive.Entry> entry = entryOf(file, name);
        if (entry.isEmpty() || entry.get().kind() == WalArchive.Kind.PARTIAL) {
          LOG.warn(
              "wal {}: {} in the spool is not a sealed segment or history file of system {};"
                  + " left alone and not counted",
              target,
              file,
              systemIdentifier);
          continue;
        }
        found.add(new Held(entry.get(), file));
      }
    }
    found.sort(Comparator.comparing(h -> h.entry, ORDER));
    for (Held h : found) {
      byKey.put(h.entry.key(), h);
      sealedBytes += h.entry.storedBytes();
    }
  }

  private Optional<WalArchive.Entry> entryOf(Path file, String name) throws IOException {
    String folder;
    if (HISTORY_FILE.matcher(name).matches()) {
      folder = WalArchive.historyFolder(target, systemIdentifier);
    } else if (SEGMENT_FILE.matcher(name).matches()) {
      Optional<WalFiles.Segment> segment =
          WalFiles.parseSegment(name.substring(0, 24), segmentSize);
      if (segment.isEmpty()) {
        return Optional.empty();
      }
      folder = WalArchive.folder(target, systemIdentifier, segment.get());
    } else {
      return Optional.empty();
    }
    return WalArchive.entry(
        target, segmentSize, new StoredObject(folder + name, Files.size(file), Instant.EPOCH));
  }

  /** Takes a freshly sealed object into the spool's account. */
  synchronized Item add(Sealer.Sealed object) {
    WalArchive.Entry entry =
        WalArchive.entry(
                target,
                segmentSize,
                new StoredObject(object.key(), object.storedBytes(), Instant.EPOCH))
            .orElseThrow(
                () -> new IllegalArgumentException(object.key() + " is not a WAL object key"));
    Held held = new Held(entry, object.file());
    Held before = byKey.put(entry.key(), held);
    if (before != null && before.file != null) {
      sealedBytes -= before.entry.storedBytes();
    }
    sealedBytes += entry.storedBytes();
    if (before != null) {
      held.stores.addAll(before.stores);
    }
    resort();
    return item(held);
  }

  private void resort() {
    List<Held> all = new ArrayList<>(byKey.values());
    all.sort(Comparator.comparing(h -> h.entry, ORDER));
    byKey.clear();
    all.forEach(h -> byKey.put(h.entry.key(), h));
  }

  /** What the spool knows, in WAL order (history files first). */
  synchronized List<Item> items() {
    return byKey.values().stream().map(Spool::item).toList();
  }

  /** The completed segment {@code number} (on the newest timeline the spool has it), if known. */
  synchronized Optional<Item> segment(long number) {
    Item found = null;
    for (Held h : byKey.values()) {
      if (h.entry.kind() == WalArchive.Kind.SEGMENT && h.entry.segmentNumber() == number) {
        found = item(h);
      }
    }
    return Optional.ofNullable(found);
  }

  /** The newest completed segment the spool knows (sealed, maybe let go of since). */
  synchronized OptionalLong newestSegment() {
    return byKey.values().stream()
        .filter(h -> h.entry.kind() == WalArchive.Kind.SEGMENT)
        .mapToLong(h -> h.entry.segmentNumber())
        .max();
  }

  /** The oldest completed segment the spool knows. */
  synchronized OptionalLong oldestSegment() {
    return byKey.values().stream()
        .filter(h -> h.entry.kind() == WalArchive.Kind.SEGMENT)
        .mapToLong(h -> h.entry.segmentNumber())
        .min();
  }

  /**
   * Store {@code store} holds the object {@code key} (or another copy of the same WAL file): once
   * every store does, its sealed file is deleted and the spool forgets it.
   */
  synchronized void committed(String store, String key) {
    Held held = byKey.get(key);
    if (held == null) {
      return;
    }
    held.stores.add(store);
    if (!held.stores.containsAll(stores)) {
      return;
    }
    if (held.file != null) {
      try {
        Files.deleteIfExists(held.file);
        sealedBytes -= held.entry.storedBytes();
      } catch (IOException e) {
        // every store has it: a file left behind only takes room until the next start
        LOG.warn(
            "wal {}: could not delete {} that every store holds: {}",
            target,
            held.file,
            e.toString());
      }
    }
    byKey.remove(key);
  }

  /** Bytes of {@code stream/} and {@code sealed/} together. */
  synchronized long bytes() {
    return streamBytes() + sealedBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Whether the last {@link #makeRoom} found nothing left to let go of. */
  synchronized boolean full() {
    return full;
  }

  /** Below 90 % of its bound: streaming paused for a full spool may start again. */
  synchronized boolean hasRoomToResume() {
    return bytes() < maxBytes * RESUME;
  }

  /**
   * Makes room for {@code incoming} more bytes (a seal about to be written): when the spool would
   * go over its bound it lets go of the oldest sealed objects that at least one store holds, oldest
   * first, only as many as needed. {@link Room#full()} when that is not enough: everything left is
   * held by no store, and nothing of it was deleted.
   */
  synchronized Room makeRoom(long incoming) {
    long used = bytes();
    List<String> evicted = new ArrayList<>();
    List<Held> letGo = new ArrayList<>();
    for (Held h : byKey.values()) {
      if (used + incoming <= maxBytes) {
        break;
      }
      if (h.file == null || h.stores.isEmpty()) {
        continue; // nothing to free, or no store holds it: never deleted
      }
      try {
        Files.deleteIfExists(h.file);
      } catch (IOException e) {
        LOG.warn("wal {}: could not let go of {}: {}", target, h.file, e.toString());
        continue;
      }
      used -= h.entry.storedBytes();
      sealedBytes -= h.entry.storedBytes();
      h.file = null;
      evicted.add(h.entry.key());
      letGo.add(h);
    }
    if (!letGo.isEmpty()) {
      LOG.warn(
          "wal {}: spool at {} of {} bytes: let go of {} sealed objects ({} to {}) that {} already"
              + " hold; {} will copy them from a store that holds them",
          target,
          used + incoming,
          maxBytes,
          letGo.size(),
          name(letGo.get(0)),
          name(letGo.get(letGo.size() - 1)),
          holders(letGo),
          missing(letGo));
    }
    boolean nowFull = used + incoming > maxBytes;
    if (nowFull != full) {
      if (nowFull) {
        LOG.warn(
            "wal {}: spool full ({} of {} bytes): everything in it is in no store yet, nothing is"
                + " deleted; streaming should pause until a store accepts WAL",
            target,
            used,
            maxBytes);
      } else {
        LOG.info("wal {}: spool has room again ({} of {} bytes)", target, used, maxBytes);
      }
      full = nowFull;
    }
    return new Room(nowFull, List.copyOf(evicted));
  }

  private static String name(Held h) {
    String key = h.entry.key();
    return key.substring(
        key.lastIndexOf('/') + 1, Math.min(key.length(), key.lastIndexOf('/') + 25));
  }

  private static Set<String> holders(List<Held> held) {
    Set<String> names = new java.util.TreeSet<>();
    held.forEach(h -> names.addAll(h.stores));
    return names;
  }

  private Set<String> missing(List<Held> held) {
    Set<String> names = new java.util.TreeSet<>();
    for (Held h : held) {
      for (String s : stores) {
        if (!h.stores.contains(s)) {
          names.add(s);
        }
      }
    }
    return names;
  }

  private long streamBytes() {
    long total = 0;
    try (Stream<Path> files = Files.list(stream)) {
      for (Path file : files.toList()) {
        try {
          total += Files.size(file);
        } catch (NoSuchFileException e) {
          // renamed or sealed and deleted while we count
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("wal " + target + ": could not list " + stream, e);
    }
    return total;
  }

  private static Item item(Held h) {
    return new Item(h.entry, h.file);
  }
}

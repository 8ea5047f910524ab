package dev.lifeboat.wal;

import dev.lifeboat.pg.WalFiles;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets the segment in progress to the stores (plan §3.3): on each {@link #tick()} (every {@code
 * wal.partial-upload-interval}), when pg_receivewal has written more of its {@code .partial} than
 * was last handed out, and the segment is not complete already, the written pages are sealed in
 * memory (the Sealer's chain: zstd, age, SHA-256) and offered to every lane as its priority item.
 * pg_receivewal pads the file to the full segment size with zeros, so "more" is {@link
 * PartialLength}, never the file's size.
 *
 * <p>Called from one thread (the receiver's scheduler); never throws, so a scheduled tick keeps
 * running.
 */
final class PartialUploads {

  private static final Logger LOG = LoggerFactory.getLogger("lifeboat.wal");

  private final String target;
  private final long segmentSize;
  private final Path stream;
  private final Sealer sealer;
  private final Spool spool;
  private final List<StoreLane> lanes;
  private volatile Sealer.Partial last;

  PartialUploads(
      String target,
      long segmentSize,
      Path stream,
      Sealer sealer,
      Spool spool,
      List<StoreLane> lanes) {
    this.target = target;
    this.segmentSize = segmentSize;
    this.stream = stream;
    this.sealer = sealer;
    this.spool = spool;
    this.lanes = List.copyOf(lanes);
  }

  /** Seals and hands out the current partial if it grew; empty when there was nothing new. */
  Optional<Sealer.Partial> tick() {
    try {
      return sealIfGrown();
    } catch (NoSuchFileException | EOFException e) {
      // pg_receivewal completed (renamed) or a re-seed replaced it while we read: the next tick
      LOG.debug("wal {}: the partial changed while it was read: {}", target, e.toString());
    } catch (IOException | RuntimeException e) {
      LOG.warn("wal {}: could not seal the partial segment: {}", target, e.toString());
    }
    return Optional.empty();
  }

  /**
   * At stop, after pg_receivewal ended: hands the last written WAL to the lanes, as a tick does;
   * the lanes upload it before their stop deadline.
   */
  Optional<Sealer.Partial> flush() {
    return tick();
  }

  /** The partial handed out last, if any. */
  Optional<Sealer.Partial> last() {
    return Optional.ofNullable(last);
  }

  private Optional<Sealer.Partial> sealIfGrown() throws IOException {
    Optional<Path> current = current();
    if (current.isEmpty()) {
      return Optional.empty();
    }
    Path file = current.get();
    WalFiles.Segment segment =
        WalFiles.parsePartial(file.getFileName().toString(), segmentSize).orElseThrow();
    long valid = PartialLength.of(file);
    Sealer.Partial before = last;
    if (valid == 0
        || (before != null && before.segment().equals(segment) && valid <= before.validBytes())) {
      return Optional.empty();
    }
    boolean completed =
        spool.segment(segment.number()).filter(i -> i.entry().segment().equals(segment)).isPresent()
            || Files.exists(stream.resolve(segment.name()));
    if (completed) {
      return Optional.empty(); // the whole segment supersedes it and is on its way
    }
    Sealer.Partial partial = sealer.sealPartialInMemory(file, valid);
    last = partial;
    for (StoreLane lane : lanes) {
      lane.offer(partial);
    }
    LOG.debug(
        "wal {}: partial {} ({} bytes of WAL, {} stored) offered to {} stores",
        target,
        segment.name(),
        valid,
        partial.bytes().length,
        lanes.size());
    return Optional.of(partial);
  }

  /** The highest {@code .partial} in the stream directory: the one pg_receivewal writes. */
  private Optional<Path> current() throws IOException {
    try (Stream<Path> files = Files.list(stream)) {
      return files
          .filter(p -> WalFiles.parsePartial(p.getFileName().toString(), segmentSize).isPresent())
          .max(
              (x, y) ->
                  WalFiles.parsePartial(x.getFileName().toString(), segmentSize)
                      .orElseThrow()
                      .compareTo(
                          WalFiles.parsePartial(y.getFileName().toString(), segmentSize)
                              .orElseThrow()));
    }
  }
}

package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.store.BackupStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload path of one streaming run (plan 3.1): the {@link Spool}, one {@link StoreLane} per
 * store on a thread of its own, and the {@link PartialUploads}, behind what the {@link Receiver}
 * needs of them. Each run's spool and lanes are shown to the target's {@link WalMetrics.Receiving}.
 */
final class LaneUploads implements Receiver.Uploads {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.wal");

  private final String target;
  private final Spool spool;
  private final List<StoreLane> lanes;
  private final PartialUploads partials;
  private final Clock clock;
  private final List<Thread> threads = new ArrayList<>();
  private boolean evicting;

  private LaneUploads(
      String target, Spool spool, List<StoreLane> lanes, PartialUploads partials, Clock clock) {
    this.target = target;
    this.spool = spool;
    this.lanes = lanes;
    this.partials = partials;
    this.clock = clock;
    for (StoreLane lane : lanes) {
      Thread t = new Thread(lane, "lifeboat-wal-" + target + "-" + lane.store());
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** The upload path of each run of {@code target}'s receiver, into {@code stores}. */
  static Receiver.UploadsFactory factory(
      String target,
      LifeboatProperties.Wal settings,
      List<BackupStore> stores,
      Clock clock,
      WalMetrics.Receiving metrics) {
    return (system, segmentSize, stream, sealedDir, sealer, from) -> {
      Spool spool =
          new Spool(
              target,
              system,
              segmentSize,
              stream,
              sealedDir,
              settings.spoolMax().toBytes(),
              stores.stream().map(BackupStore::name).toList());
      List<StoreLane> lanes =
          StoreLane.forStores(target, system, segmentSize, stores, spool, from, clock, null);
      metrics.streaming(spool, lanes);
      return new LaneUploads(
          target,
          spool,
          lanes,
          new PartialUploads(target, segmentSize, stream, sealer, spool, lanes),
          clock);
    };
  }

  @Override
  public boolean room(long incoming) {
    Spool.Room room = spool.makeRoom(incoming);
    if (!room.evicted().isEmpty() && !evicting) {
      // once per episode: the lanes of the stores that lack them copy them from a peer
      log.warn(
          "wal {}: spool at its bound ({} bytes): let go of {} sealed object(s) another store"
              + " already holds; a store behind copies them from that store",
          target,
          spool.maxBytes(),
          room.evicted().size());
    }
    evicting = !room.evicted().isEmpty();
    return !room.full();
  }

  @Override
  public boolean roomToResume() {
    return spool.hasRoomToResume();
  }

  @Override
  public void add(Sealer.Sealed sealed) {
    spool.add(sealed);
    lanes.forEach(StoreLane::wake);
  }

  @Override
  public void partial() {
    partials.tick();
  }

  @Override
  public Lsn durableEnd(Lsn from) {
    return StoreLane.durableEnd(lanes).map(end -> Lsn.max(end, from)).orElse(from);
  }

  @Override
  public List<WalStatusTable.StoreStatus> stores() {
    List<WalStatusTable.StoreStatus> stores = new ArrayList<>();
    for (StoreLane lane : lanes) {
      stores.add(
          new WalStatusTable.StoreStatus(
              lane.store(),
              lane.cursor().filter(c -> c.number() > 0).map(c -> c.previous().name()).orElse(null),
              lane.backlog(),
              lane.failingSince().map(since -> "failing since " + since).orElse(null)));
    }
    return stores;
  }

  @Override
  public void finish(Duration budget) {
    partials.flush();
    Instant until = clock.instant().plus(budget);
    lanes.forEach(lane -> lane.stop(until));
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, Duration.between(clock.instant(), until).toMillis()) + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}

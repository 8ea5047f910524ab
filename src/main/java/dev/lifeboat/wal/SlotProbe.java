package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.pg.ReplicationSlots;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.run.NodeService;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every {@code lifeboat.metrics.probe-interval}, on every serve node (not only one that streams: a
 * slot nobody moves is exactly the alarm), reads the slot of each target with {@code wal.enabled}
 * into {@link WalMetrics}. It only reads: creating and moving the slot is the receiver's.
 */
@Component
final class SlotProbe implements NodeService {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.metrics");

  private final LifeboatConfig config;
  private final Targets targets;
  private final WalMetrics metrics;
  // the last failure of each target, so a server that stays down is logged once, not every probe
  private final Map<String, String> failing = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService executor;

  SlotProbe(LifeboatConfig config, Targets targets, WalMetrics metrics) {
    this.config = config;
    this.targets = targets;
    this.metrics = metrics;
  }

  @Override
  public String name() {
    return "WAL slot probe";
  }

  /** The WAL-enabled targets and their slots, by target name. */
  Map<String, String> slots() {
    Map<String, String> slots = new LinkedHashMap<>();
    for (Map.Entry<String, TargetProperties> e :
        new TreeMap<>(config.properties().targets()).entrySet()) {
      if (e.getValue().wal() != null && e.getValue().wal().enabled()) {
        slots.put(e.getKey(), e.getValue().wal().slotName(e.getKey()));
      }
    }
    return slots;
  }

  @Override
  public synchronized void start() {
    if (executor != null || slots().isEmpty()) {
      return;
    }
    executor = NodeService.backgroundThread("lifeboat-wal-slots");
    long every = Math.max(1, config.properties().metrics().probeInterval().toMillis());
    executor.scheduleWithFixedDelay(this::probe, 0, every, TimeUnit.MILLISECONDS);
  }

  /** One pass over every WAL-enabled target; never throws (the schedule would stop). */
  void probe() {
    Map<String, Optional<Slot>> seen = new LinkedHashMap<>();
    slots()
        .forEach(
            (target, slot) -> {
              try {
                seen.put(target, read(targets.resolve(target), slot));
                if (failing.remove(target) != null) {
                  log.info("wal {}: slot {} can be read again", target, slot);
                }
              } catch (SQLException | RuntimeException e) {
                String why = PgErrors.firstLine(e.getMessage());
                if (!Objects.equals(failing.put(target, why), why)) {
                  log.warn(
                      "wal {}: cannot read slot {}; its gauges are absent until it can: {}",
                      target,
                      slot,
                      why);
                }
              }
            });
    metrics.slots(seen);
  }

  private static Optional<Slot> read(Target target, String slot) throws SQLException {
    try (Connection c = WalCheck.bounded(target.connection()).open()) {
      return new ReplicationSlots(c, target.name()).read(slot);
    }
  }

  @Override
  public synchronized void stop(Duration budget) {
    ScheduledExecutorService e = executor;
    executor = null;
    if (e == null) {
      return;
    }
    e.shutdownNow();
    try {
      if (!e.awaitTermination(budget.toMillis(), TimeUnit.MILLISECONDS)) {
        // a read stuck on a server that does not answer: its socket timeout ends it, on a daemon
        log.warn("the WAL slot probe was still reading a slot when the node stopped");
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.pg.PgBinaries;
import dev.lifeboat.pg.PgReceiveWal;
import dev.lifeboat.pg.ProcessRunner;
import dev.lifeboat.run.NodeService;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The node service that streams the WAL of every target with {@code wal.enabled} (issue 21): one
 * {@link Receiver} per target on this node, of which the one holding the target's lease streams and
 * the others stand by. A node with no such target starts nothing at all.
 */
@Component
final class WalReceivers implements NodeService {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.wal");

  private final LifeboatConfig config;
  private final Targets targets;
  private final Keys keys;
  private final PgBinaries binaries;
  private final Node node;
  private final WalStatusTable table;
  private final WalMetrics metrics;
  private final Clock clock;
  private final List<Receiver> running = new ArrayList<>();

  WalReceivers(
      LifeboatConfig config,
      Targets targets,
      Keys keys,
      PgBinaries binaries,
      Node node,
      WalStatusTable table,
      WalMetrics metrics,
      Clock clock) {
    this.config = config;
    this.targets = targets;
    this.keys = keys;
    this.binaries = binaries;
    this.node = node;
    this.table = table;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "WAL receivers";
  }

  /** The targets with {@code wal.enabled}, by name. */
  List<String> enabledTargets() {
    return enabled(config);
  }

  static List<String> enabled(LifeboatConfig config) {
    return new TreeMap<>(config.properties().targets())
        .entrySet().stream()
            .filter(e -> e.getValue().wal() != null && e.getValue().wal().enabled())
            .map(Map.Entry::getKey)
            .toList();
  }

  @Override
  public synchronized void start() {
    List<String> names = enabledTargets();
    if (names.isEmpty()) {
      log.info("no target has wal.enabled: this node streams no WAL");
      return;
    }
    for (String name : names) {
      Receiver receiver = receiver(name);
      running.add(receiver);
      receiver.start();
    }
  }

  /**
   * The receiver of {@code name} for a typed command ({@code wal receive}), not started; the target
   * must have {@code wal.enabled}.
   */
  Receiver foreground(String name) {
    if (!enabledTargets().contains(name)) {
      throw new dev.lifeboat.config.ConfigException(
          "lifeboat.targets." + name + ".wal.enabled",
          "wal receive streams only a target with wal.enabled: true");
    }
    return receiver(name);
  }

  private Receiver receiver(String name) {
    TargetProperties properties = config.properties().targets().get(name);
    Target target = targets.resolve(name);
    WalMetrics.Receiving gauges = metrics.receiving(name, clock);
    return new Receiver(
        target,
        properties.wal(),
        targets.stores(target),
        keys.forTarget(name).recipients(),
        config.properties().home().toAbsolutePath().normalize().resolve("wal").resolve(name),
        node.name(),
        node.name() + "-" + ProcessHandle.current().pid(),
        binaries,
        new PgReceiveWal(ProcessRunner.system()),
        LaneUploads.factory(name, properties.wal(), targets.stores(target), clock, gauges),
        table,
        gauges,
        clock,
        null);
  }

  @Override
  public synchronized void stop(Duration budget) {
    // every receiver stops at once: each needs its share of the budget for its own partial
    List<Thread> stopping = new ArrayList<>();
    for (Receiver receiver : running) {
      Thread t = new Thread(() -> receiver.stop(budget), "lifeboat-wal-stop-" + receiver.target());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join(budget.toMillis() + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    running.clear();
  }
}

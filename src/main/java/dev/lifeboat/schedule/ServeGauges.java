package dev.lifeboat.schedule;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.metrics.LifeboatMetrics;
import dev.lifeboat.run.History;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Targets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The gauges only a running {@code serve} keeps: when it starts, the last successes read back from
 * the stores and the job repository (so a restarted daemon never reports "never" for a target that
 * has backups); then, every {@code lifeboat.metrics.probe-interval}, each store's reachability and
 * space and each schedule's next firing from Quartz.
 */
@Component
final class ServeGauges implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.metrics");

  private final LifeboatConfig config;
  private final Targets targets;
  private final BackupCatalog catalog;
  private final History history;
  private final Daemon daemon;
  private final LifeboatMetrics metrics;
  private final Duration interval;
  private volatile ScheduledExecutorService executor;

  ServeGauges(
      LifeboatConfig config,
      Targets targets,
      BackupCatalog catalog,
      History history,
      Daemon daemon,
      LifeboatMetrics metrics) {
    this.config = config;
    this.targets = targets;
    this.catalog = catalog;
    this.history = history;
    this.daemon = daemon;
    this.metrics = metrics;
    this.interval = config.properties().metrics().probeInterval();
  }

  @EventListener
  public synchronized void serving(Daemon.Serving serving) {
    if (executor != null) {
      return;
    }
    executor = dev.lifeboat.run.NodeService.backgroundThread("lifeboat-gauges");
    executor.execute(this::readBack);
    metrics.scheduleDisagreements(() -> daemon.disagreements().size());
    executor.scheduleWithFixedDelay(
        this::probe, 0, Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
  }

  /**
   * Every job's last runs from the job repository; the stores' newest backups come from the first
   * {@link #probe()}, which runs at once.
   */
  void readBack() {
    try {
      Set<String> seen = new HashSet<>();
      for (History.Entry run : history.list(null, null, 1000)) {
        if (run.target() == null
            || run.startedAt() == null
            || History.RUNNING.equals(run.outcome())) {
          continue;
        }
        Instant ended =
            Instant.parse(run.startedAt())
                .plusMillis(run.seconds() == null ? 0 : (long) (run.seconds() * 1000));
        // newest first: the first run seen of each job, target and outcome is its last
        if (seen.add(run.job() + "|" + run.target() + "|" + run.outcome())) {
          metrics.lastRun(run.job(), run.target(), run.outcome(), ended);
          if (VerbName.DRILL.is(run.job()) && Outcome.SUCCESS.word().equals(run.outcome())) {
            metrics.drillSucceeded(run.target(), ended);
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("could not read back the job history: {}", e.getMessage());
    }
  }

  /**
   * The newest backup and the newest verified one of each target, read from the stores: what any
   * node (or a typed {@code backup}, {@code verify}, {@code drill}) put there shows here within a
   * probe interval.
   */
  void fromStores() {
    for (String name : config.properties().targets().keySet()) {
      try {
        BackupCatalog.Listing listing = catalog.list(targets.resolve(name));
        listing.backups().stream()
            .findFirst()
            .ifPresent(
                e ->
                    metrics.backupSucceeded(
                        name, e.manifest().completedAt(), e.manifest().sizeBytes()));
        listing
            .newestVerified()
            .ifPresent(e -> metrics.backupVerified(name, e.manifest().completedAt()));
      } catch (RuntimeException e) {
        log.warn("could not read back the backups of target '{}': {}", name, e.getMessage());
      }
    }
  }

  /**
   * Each store's reachability and space; each schedule's next firing; the stores' newest backups.
   */
  void probe() {
    fromStores();
    for (String name : config.properties().stores().keySet()) {
      try {
        BackupStore store = targets.store(name);
        store.probe();
        metrics.storeProbed(
            name,
            true,
            store.freeBytes().isPresent() ? store.freeBytes().getAsLong() : null,
            store.totalBytes().isPresent() ? store.totalBytes().getAsLong() : null);
      } catch (RuntimeException e) {
        metrics.storeProbed(name, false, null, null);
        log.debug("store '{}' did not answer the probe: {}", name, e.getMessage());
      }
    }
    try {
      for (Daemon.Firing f : daemon.firings()) {
        metrics.schedule(f.verb(), f.target(), f.next(), f.interval());
      }
    } catch (RuntimeException e) {
      log.warn("could not read the schedules: {}", e.getMessage());
    }
  }

  @Override
  public void destroy() {
    ScheduledExecutorService e = executor;
    if (e != null) {
      e.shutdownNow();
    }
  }
}

package dev.lifeboat.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/**
 * The meters of CONTRACT §5 and {@link MetricCatalogue}, recorded by the jobs; one place so names
 * and labels stay consistent. Label values are targets, stores, jobs and outcomes: never ids.
 */
@Component
public final class LifeboatMetrics {

  /** Histogram buckets that fit backups: seconds to hours. */
  static final Duration[] BUCKETS = {
    Duration.ofSeconds(1),
    Duration.ofSeconds(5),
    Duration.ofSeconds(15),
    Duration.ofSeconds(30),
    Duration.ofMinutes(1),
    Duration.ofMinutes(2),
    Duration.ofMinutes(5),
    Duration.ofMinutes(10),
    Duration.ofMinutes(30),
    Duration.ofHours(1),
    Duration.ofHours(2),
    Duration.ofHours(4),
    Duration.ofHours(8),
    Duration.ofHours(24)
  };

  private final MeterRegistry registry;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

  public LifeboatMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** {@code lifeboat_job_runs_total}, {@code _job_duration_seconds}, {@code _job_last_run_…}. */
  public void jobRun(String job, String target, String outcome, Duration took, Instant endedAt) {
    Counter.builder("lifeboat.job.runs")
        .description("Every job run")
        .tag("job", job)
        .tag("target", target)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    timer("lifeboat.job.duration", "How long job runs take")
        .tag("job", job)
        .tag("target", target)
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
    lastRun(job, target, outcome, endedAt);
  }

  /** {@code lifeboat_job_last_run_timestamp_seconds}; also read back from the job repository. */
  public void lastRun(String job, String target, String outcome, Instant endedAt) {
    gauge(
        "lifeboat.job.last.run.timestamp.seconds",
        seconds(endedAt),
        "job",
        job,
        "target",
        target,
        "outcome",
        outcome);
  }

  /** {@code lifeboat_job_running{job,target}}: how many run in this process now. */
  public void running(String job, String target, int delta) {
    String key = "lifeboat.job.running|" + job + "|" + target;
    AtomicReference<Double> ref =
        gauges.computeIfAbsent(
            key,
            k -> {
              AtomicReference<Double> r = new AtomicReference<>(0.0);
              Gauge.builder("lifeboat.job.running", r, AtomicReference::get)
                  .description("Jobs of this target running in this process")
                  .tag("job", job)
                  .tag("target", target)
                  .register(registry);
              return r;
            });
    ref.accumulateAndGet((double) delta, (a, b) -> Math.max(0, a + b));
  }

  /** A backup ended: its duration and attempt; size and last success when it reached a store. */
  public void backupFinished(
      String target, String outcome, Duration duration, Instant endedAt, Long sizeBytes) {
    timer("lifeboat.backup.duration", "How long backups take")
        .tag("target", target)
        .tag("outcome", outcome)
        .register(registry)
        .record(duration);
    gauge(
        "lifeboat.backup.last.attempt.timestamp.seconds",
        seconds(endedAt),
        "target",
        target,
        "outcome",
        outcome);
    if (sizeBytes != null) {
      backupSucceeded(target, endedAt, sizeBytes);
    }
  }

  /** The newest complete backup of a target: after a backup, or read back from the stores. */
  public void backupSucceeded(String target, Instant completedAt, long sizeBytes) {
    gauge("lifeboat.backup.last.success.timestamp.seconds", seconds(completedAt), "target", target);
    gauge("lifeboat.backup.size.bytes", sizeBytes, "target", target);
  }

  /** The newest backup that a drill or verify proved good. */
  public void backupVerified(String target, Instant completedAt) {
    gauge(
        "lifeboat.backup.verified.last.success.timestamp.seconds",
        seconds(completedAt),
        "target",
        target);
  }

  public void uploadFailed(String store) {
    Counter.builder("lifeboat.store.upload.failures")
        .description("Failed uploads")
        .tag("store", store)
        .register(registry)
        .increment();
  }

  public void drillPassed(String target, Instant at, double restoreSeconds) {
    drillSucceeded(target, at);
    gauge("lifeboat.drill.restore.seconds", restoreSeconds, "target", target);
  }

  /** When the last passed drill ended (read back from the job repository when serve starts). */
  public void drillSucceeded(String target, Instant at) {
    gauge("lifeboat.drill.last.success.timestamp.seconds", seconds(at), "target", target);
  }

  /** The result of one probe of a store by {@code serve}. */
  public void storeProbed(String store, boolean reachable, Long freeBytes, Long sizeBytes) {
    gauge("lifeboat.store.reachable", reachable ? 1 : 0, "store", store);
    if (freeBytes != null) {
      gauge("lifeboat.store.free.bytes", freeBytes, "store", store);
    }
    if (sizeBytes != null) {
      gauge("lifeboat.store.size.bytes", sizeBytes, "store", store);
    }
  }

  /** The next firing of a schedule and the time between its next two firings. */
  public void schedule(String job, String target, Instant next, Duration interval) {
    gauge(
        "lifeboat.schedule.next.fire.timestamp.seconds",
        seconds(next),
        "job",
        job,
        "target",
        target);
    if (interval != null) {
      gauge(
          "lifeboat.schedule.interval.seconds",
          interval.toMillis() / 1000.0,
          "job",
          job,
          "target",
          target);
    }
  }

  /** How many schedules the running nodes' configurations disagree on, read when scraped. */
  public void scheduleDisagreements(java.util.function.Supplier<Number> count) {
    Gauge.builder("lifeboat.schedule.disagreements", count, c -> c.get().doubleValue())
        .description("Schedules the running serve nodes' configurations disagree on")
        .strongReference(true) // only the gauge holds the supplier: a weak one read NaN after a GC
        .register(registry);
  }

  public void notificationFailed(String channel) {
    Counter.builder("lifeboat.notifications.failed")
        .description("Notifications that could not be delivered")
        .tag("channel", channel)
        .register(registry)
        .increment();
  }

  private static Timer.Builder timer(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(BUCKETS)
        .minimumExpectedValue(BUCKETS[0])
        .maximumExpectedValue(BUCKETS[BUCKETS.length - 1]);
  }

  private static double seconds(Instant at) {
    return at.toEpochMilli() / 1000.0;
  }

  private void gauge(String name, double v, String... tags) {
    AtomicReference<Double> holder =
        gauges.computeIfAbsent(
            name + "|" + String.join("|", tags),
            k -> {
              AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
              Gauge.builder(name, ref, AtomicReference::get).tags(tags).register(registry);
              return ref;
            });
    holder.set(v);
  }
}

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
 * The meters of CONTRACT §5, recorded by the jobs; one place so names and labels stay consistent.
 */
@Component
public final class LifeboatMetrics {

  private final MeterRegistry registry;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

  public LifeboatMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * {@code lifeboat_job_runs_total{job, target, outcome}}; outcome is success, partial or failed.
   */
  public void jobRun(String job, String target, String outcome) {
    Counter.builder("lifeboat.job.runs")
        .description("Every job run")
        .tag("job", job)
        .tag("target", target)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  public void backupFinished(
      String target, String outcome, Duration duration, Instant completedAt, long sizeBytes) {
    Timer.builder("lifeboat.backup.duration")
        .description("How long backups take")
        .tag("target", target)
        .tag("outcome", outcome)
        .register(registry)
        .record(duration);
    if (!"failed".equals(outcome)) {
      gauge(
          "lifeboat.backup.last.success.timestamp.seconds",
          "target",
          target,
          completedAt.toEpochMilli() / 1000.0);
      gauge("lifeboat.backup.size.bytes", "target", target, sizeBytes);
    }
  }

  public void uploadFailed(String store) {
    Counter.builder("lifeboat.store.upload.failures")
        .description("Failed uploads")
        .tag("store", store)
        .register(registry)
        .increment();
  }

  public void drillPassed(String target, Instant at, double restoreSeconds) {
    gauge(
        "lifeboat.drill.last.success.timestamp.seconds",
        "target",
        target,
        at.toEpochMilli() / 1000.0);
    gauge("lifeboat.drill.restore.seconds", "target", target, restoreSeconds);
  }

  private void gauge(String name, String tag, String value, double v) {
    AtomicReference<Double> holder =
        gauges.computeIfAbsent(
            name + "|" + tag + "=" + value,
            k -> {
              AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
              Gauge.builder(name, ref, AtomicReference::get).tag(tag, value).register(registry);
              return ref;
            });
    holder.set(v);
  }
}

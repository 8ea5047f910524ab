package dev.lifeboat.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat_retention_deleted_total{store}} (backups pruned) and {@code
 * lifeboat_retention_kept{store}} (backups kept by the last prune).
 */
@Component
final class RetentionMetrics {

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> kept = new ConcurrentHashMap<>();

  RetentionMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void pruned(String store, int deleted, int keptNow) {
    Counter.builder("lifeboat.retention.deleted")
        .description("Backups pruned")
        .tag("store", store)
        .register(registry)
        .increment(deleted);
    kept.computeIfAbsent(
            store,
            s -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder("lifeboat.retention.kept", value, AtomicLong::get)
                  .description("Backups kept by the last prune")
                  .tag("store", s)
                  .register(registry);
              return value;
            })
        .set(keptNow);
  }
}

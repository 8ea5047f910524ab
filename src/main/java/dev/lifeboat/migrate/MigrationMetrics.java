package dev.lifeboat.migrate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * {@code lifeboat_migrations_pending{target}}: pending versioned migrations, as last read by a
 * {@code migrate status} or {@code migrate apply} of this process.
 */
@Component
final class MigrationMetrics {

  static final String PENDING = "lifeboat.migrations.pending";

  private final MeterRegistry registry;
  private final Map<String, AtomicInteger> pending = new ConcurrentHashMap<>();

  MigrationMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void pending(String target, int count) {
    pending
        .computeIfAbsent(
            target,
            t -> {
              AtomicInteger value = new AtomicInteger();
              Gauge.builder(PENDING, value, AtomicInteger::get)
                  .description("Pending versioned migrations")
                  .tag("target", t)
                  .register(registry);
              return value;
            })
        .set(count);
  }
}

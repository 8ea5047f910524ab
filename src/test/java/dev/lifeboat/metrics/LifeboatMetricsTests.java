package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LifeboatMetricsTests {

  @Test
  void theScheduleDisagreementGaugeOutlivesAGarbageCollection() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AtomicInteger disagreements = new AtomicInteger(3);
    // a lambda only the gauge holds, as the daemon's is: Micrometer keeps a gauge's object weakly
    // unless told otherwise, and the gauge then reads NaN once it is collected
    new LifeboatMetrics(registry).scheduleDisagreements(disagreements::get);

    for (int i = 0; i < 5; i++) {
      System.gc();
    }

    assertThat(registry.get("lifeboat.schedule.disagreements").gauge().value()).isEqualTo(3.0);
  }
}

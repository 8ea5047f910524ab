package dev.lifeboat.schedule;

import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code schedules}: UP while this node serves; its details say whether the running nodes'
 * schedules agree, and where they do not. Disagreeing nodes still fire every schedule one of them
 * has (none removes another's), so this is a detail to act on, not an outage.
 */
@Component("schedules")
final class SchedulesHealth implements HealthIndicator {

  private final Daemon daemon;

  SchedulesHealth(Daemon daemon) {
    this.daemon = daemon;
  }

  @Override
  public Health health() {
    List<String> disagreements = daemon.disagreements();
    return Health.up()
        .withDetail("nodes", disagreements.isEmpty() ? "agree" : "disagree")
        .withDetail("disagreements", disagreements)
        .build();
  }
}

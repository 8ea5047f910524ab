package dev.lifeboat.metrics;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Targets;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code stores}: UP when every configured store answers a cheap request (S3: the bucket; a
 * filesystem store: its directory), DOWN naming the ones that do not. The control database has its
 * own indicator ({@code db}).
 */
@Component("stores")
final class StoresHealth implements HealthIndicator {

  private final LifeboatConfig config;
  private final Targets targets;

  StoresHealth(LifeboatConfig config, Targets targets) {
    this.config = config;
    this.targets = targets;
  }

  @Override
  public Health health() {
    Map<String, String> details = new TreeMap<>();
    boolean up = true;
    for (String name : config.properties().stores().keySet()) {
      try {
        BackupStore store = targets.store(name);
        store.probe();
        details.put(name, "reachable");
      } catch (RuntimeException e) {
        up = false;
        details.put(name, "unreachable: " + dev.lifeboat.pg.PgErrors.firstLine(e.getMessage()));
      }
    }
    return (up ? Health.up() : Health.down()).withDetails(details).build();
  }
}

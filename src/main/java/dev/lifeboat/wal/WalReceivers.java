package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties.TargetProperties;
import dev.lifeboat.run.NodeService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The node service that will stream the WAL of every target with {@code wal.enabled} (issue 21),
 * one receiver per target. The receivers come with a later step: for now it says, once, which
 * targets it would stream, and a node with no such target starts nothing at all.
 */
@Component
final class WalReceivers implements NodeService {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.wal");

  private final LifeboatConfig config;

  WalReceivers(LifeboatConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return "WAL receivers";
  }

  /** The targets with {@code wal.enabled}, by name. */
  List<String> enabledTargets() {
    return new TreeMap<>(config.properties().targets())
        .entrySet().stream()
            .filter(e -> e.getValue().wal() != null && e.getValue().wal().enabled())
            .map(Map.Entry::getKey)
            .toList();
  }

  @Override
  public void start() {
    List<String> targets = enabledTargets();
    if (targets.isEmpty()) {
      log.info("no target has wal.enabled: this node streams no WAL");
      return;
    }
    for (String target : targets) {
      TargetProperties t = config.properties().targets().get(target);
      // a user who switched it on must not believe the WAL is archived
      log.warn(
          "wal {}: would stream the WAL through slot {}; this version does not stream yet,"
              + " nothing is archived",
          target,
          t.wal().slotName(target));
    }
  }

  @Override
  public void stop(Duration budget) {
    // nothing runs yet: the receivers, when they come, stop here within the budget
  }
}

package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class WalReceiversTests {

  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void attach() {
    logs.start();
    ((Logger) LoggerFactory.getLogger("lifeboat.wal")).addAppender(logs);
  }

  @AfterEach
  void detach() {
    ((Logger) LoggerFactory.getLogger("lifeboat.wal")).detachAppender(logs);
  }

  private static WalReceivers receivers(Map<String, String> entries) {
    Map<String, String> all = new LinkedHashMap<>();
    for (String t : new String[] {"app", "billing", "shop-eu"}) {
      all.put("lifeboat.targets." + t + ".url", "jdbc:postgresql://" + t + ".internal:5432/" + t);
      all.put("lifeboat.targets." + t + ".username", "backup");
    }
    all.putAll(entries);
    LifeboatProperties p =
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class);
    // nothing here starts a receiver: the rest is needed only by one that streams
    return new WalReceivers(new LifeboatConfig(p), null, null, null, null, null, null, null);
  }

  private java.util.List<String> lines() {
    return logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void withNoTargetArchivingWalNothingStartsAndTheNodeSaysSoOnce() {
    WalReceivers receivers = receivers(Map.of());

    receivers.start();
    receivers.stop(Duration.ofSeconds(18));

    assertThat(receivers.enabledTargets()).isEmpty();
    assertThat(lines()).containsExactly("INFO no target has wal.enabled: this node streams no WAL");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().startsWith("lifeboat-wal"));
  }

  @Test
  void theTargetsWithWalEnabledAreTheOnesStreamed() {
    WalReceivers receivers =
        receivers(
            Map.of(
                "lifeboat.targets.shop-eu.wal.enabled", "true",
                "lifeboat.targets.app.wal.enabled", "true",
                "lifeboat.targets.app.wal.slot", "archive_app",
                "lifeboat.targets.billing.wal.enabled", "false"));

    assertThat(receivers.enabledTargets()).containsExactly("app", "shop-eu");
  }
}

package dev.lifeboat.notify;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.metrics.LifeboatMetrics;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The notifier as a {@link dev.lifeboat.run.RunObserver} of every job. */
@Configuration(proxyBeanMethods = false)
class NotifyConfiguration {

  @Bean
  Notifier notifier(LifeboatConfig config, LifeboatMetrics metrics, Clock clock) {
    return new Notifier(config.properties().notifications(), metrics, clock);
  }
}

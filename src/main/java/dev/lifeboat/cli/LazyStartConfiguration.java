package dev.lifeboat.cli;

import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.micrometer.metrics.export.prometheus.PrometheusPushGatewayManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What a lazily started command (see {@link Launcher#LAZY_COMMANDS}, {@link ReadOnlyApplication})
 * still makes at start: the Pushgateway client, which pushes the command's metrics at exit when it
 * is enabled.
 */
@Configuration(proxyBeanMethods = false)
class LazyStartConfiguration {

  @Bean
  static LazyInitializationExcludeFilter pushGatewayIsEager() {
    return LazyInitializationExcludeFilter.forBeanTypes(PrometheusPushGatewayManager.class);
  }
}

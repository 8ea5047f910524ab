package dev.lifeboat.run;

import org.springframework.batch.core.configuration.support.MapJobRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The registry {@code JobOperator.stop} looks jobs up in to reach their stoppable steps. Spring
 * Batch's default fills one with the Job beans that exist when the operator is made, which misses
 * jobs whose steps need the operator themselves (the backup job recovers dead runs through it);
 * this one fills itself once every bean exists.
 */
@Configuration(proxyBeanMethods = false)
class JobRegistryConfiguration {

  @Bean
  MapJobRegistry jobRegistry() {
    return new MapJobRegistry();
  }
}

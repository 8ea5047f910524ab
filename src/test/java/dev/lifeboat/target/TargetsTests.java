package dev.lifeboat.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.store.S3Store;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.store.StoreFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class TargetsTests {

  /** The stores each test opened, closed after it. */
  private final List<StoreFactory> factories = new ArrayList<>();

  @AfterEach
  void closeStores() {
    factories.forEach(StoreFactory::close);
  }

  private Targets targets(Map<String, String> entries) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("lifeboat.targets.app.url", "jdbc:postgresql://db.internal:5433/app");
    all.put("lifeboat.targets.app.username", "backup");
    all.put("lifeboat.targets.app.password", "pw-secret");
    all.put("lifeboat.stores.local.type", "filesystem");
    all.put("lifeboat.stores.local.path", "/var/backups/lifeboat");
    all.putAll(entries);
    LifeboatProperties p =
        new Binder(new MapConfigurationPropertySource(all))
            .bindOrCreate("lifeboat", LifeboatProperties.class);
    StoreFactory factory = new StoreFactory();
    factories.add(factory);
    return new Targets(new LifeboatConfig(p), factory);
  }

  @Test
  void anS3StoreWithoutItsSecretNamesTheKey() {
    Targets c =
        targets(
            Map.of(
                "lifeboat.stores.s3.type",
                "s3",
                "lifeboat.stores.s3.bucket",
                "b",
                "lifeboat.stores.s3.access-key",
                "k"));
    assertThatThrownBy(c::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.stores.s3.secret-key: missing");
  }

  @Test
  void anS3EndpointMustBeAnHttpUrl() {
    Targets c =
        targets(
            Map.of(
                "lifeboat.stores.s3.type",
                "s3",
                "lifeboat.stores.s3.bucket",
                "b",
                "lifeboat.stores.s3.access-key",
                "k",
                "lifeboat.stores.s3.secret-key",
                "s",
                "lifeboat.stores.s3.endpoint",
                "ftp://x"));
    assertThatThrownBy(c::validate).hasMessageStartingWith("lifeboat.stores.s3.endpoint:");
  }

  @Test
  void aPartSizeBelowTheS3MinimumIsRefused() {
    Targets c =
        targets(
            Map.of(
                "lifeboat.stores.s3.type",
                "s3",
                "lifeboat.stores.s3.bucket",
                "b",
                "lifeboat.stores.s3.access-key",
                "k",
                "lifeboat.stores.s3.secret-key",
                "s",
                "lifeboat.stores.s3.part-size",
                "1MB"));
    assertThatThrownBy(c::validate)
        .hasMessageStartingWith("lifeboat.stores.s3.part-size: must be between 5MB");
  }

  @Test
  void aValidS3StoreOpensWithoutTouchingTheNetwork() {
    Targets c =
        targets(
            Map.of(
                "lifeboat.stores.s3.type",
                "s3",
                "lifeboat.stores.s3.bucket",
                "b",
                "lifeboat.stores.s3.access-key",
                "k",
                "lifeboat.stores.s3.secret-key",
                "s3-secret-value",
                "lifeboat.stores.s3.endpoint",
                "http://127.0.0.1:9",
                "lifeboat.stores.s3.prefix",
                "/backups"));
    c.validate();
    assertThat(c.store("s3")).isInstanceOf(S3Store.class);
    assertThat(c.store("s3").describe()).doesNotContain("s3-secret-value");
  }

  @Test
  void s3TimeoutsHaveBoundedDefaultsAndCanBeSetPerStore() {
    Map<String, String> s3 = new LinkedHashMap<>();
    s3.put("lifeboat.stores.s3.type", "s3");
    s3.put("lifeboat.stores.s3.bucket", "b");
    s3.put("lifeboat.stores.s3.access-key", "k");
    s3.put("lifeboat.stores.s3.secret-key", "s");
    s3.put("lifeboat.stores.s3.endpoint", "http://127.0.0.1:9");
    Targets defaults = targets(s3);
    assertThat(((S3Store) defaults.store("s3")).settings().timeouts())
        .isEqualTo(S3StoreSettings.Timeouts.DEFAULT);

    s3.put("lifeboat.stores.s3.connect-timeout", "2s");
    s3.put("lifeboat.stores.s3.request-timeout", "3s");
    s3.put("lifeboat.stores.s3.part-timeout", "4s");
    Targets set = targets(s3);
    assertThat(((S3Store) set.store("s3")).settings().timeouts())
        .isEqualTo(
            new S3StoreSettings.Timeouts(
                Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4)));

    s3.put("lifeboat.stores.s3.request-timeout", "0s");
    assertThatThrownBy(targets(s3)::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.stores.s3.request-timeout: must be a positive duration");
  }

  @Test
  void aRelativeStorePathAndAPrefixWithDotDotAreRefused() {
    assertThatThrownBy(() -> targets(Map.of("lifeboat.stores.local.path", "backups")).validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.stores.local.path: must be an absolute path");
    assertThatThrownBy(
            () ->
                targets(
                        Map.of(
                            "lifeboat.stores.s3.type", "s3",
                            "lifeboat.stores.s3.bucket", "b",
                            "lifeboat.stores.s3.prefix", "x/../y",
                            "lifeboat.stores.s3.access-key", "k",
                            "lifeboat.stores.s3.secret-key", "s"))
                    .validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.stores.s3.prefix: must not contain");
  }

  @Test
  void aStoreIsOpenedOnceAndAnUnknownOneNamesTheOption() {
    Targets t = targets(Map.of());
    assertThat(t.store("local")).isSameAs(t.store("local"));
    assertThatThrownBy(() -> t.store("nope"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--store: no store named 'nope' (configured: [local])");
  }
}

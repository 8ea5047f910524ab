package dev.lifeboat.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.SecretSources;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.store.StoreFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class TargetsTests {

  /** The stores each test opened, closed after it. */
  private final List<StoreFactory> factories = new ArrayList<>();

  @AfterEach
  void closeStores() {
    factories.forEach(StoreFactory::close);
  }

  private Targets targets(Map<String, String> entries) {
    return targets(config(entries));
  }

  private static LifeboatConfig config(Map<String, String> entries) {
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
    return new LifeboatConfig(p);
  }

  /** The S3 settings the store {@code s3} is opened with. */
  private static S3StoreSettings s3Settings(Map<String, String> entries) {
    LifeboatConfig config = config(entries);
    return (S3StoreSettings)
        new StoreDefinitions(config.properties(), config.placeholders()).definition("s3");
  }

  private Targets targets(LifeboatConfig config) {
    StoreFactory factory = new StoreFactory();
    factories.add(factory);
    return new Targets(config, factory);
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
    assertThat(c.store("s3").describe()).startsWith("s3://b/backups");
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
    assertThat(s3Settings(s3).timeouts()).isEqualTo(S3StoreSettings.Timeouts.DEFAULT);

    s3.put("lifeboat.stores.s3.connect-timeout", "2s");
    s3.put("lifeboat.stores.s3.request-timeout", "3s");
    s3.put("lifeboat.stores.s3.part-timeout", "4s");
    assertThat(s3Settings(s3).timeouts())
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

  @Test
  void theOnlyTargetIsTheDefaultAndGetsEveryStore() {
    Target t = targets(Map.of()).resolve(null);
    assertThat(t.name()).isEqualTo("app");
    assertThat(t.stores()).containsExactly("local");
    assertThat(t.connection().host()).isEqualTo("db.internal");
    assertThat(t.connection().port()).isEqualTo(5433);
  }

  @Test
  void severalTargetsNeedAName() {
    Targets c =
        targets(
            Map.of(
                "lifeboat.targets.other.url",
                "jdbc:postgresql://h/o",
                "lifeboat.targets.other.username",
                "u"));
    assertThatThrownBy(() -> c.resolve(null))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--target: several targets are configured [app, other]; choose one with --target NAME");
  }

  private Targets withEnvironment(String password, Map<String, Object> variables) {
    StandardEnvironment env = new StandardEnvironment();
    MutablePropertySources sources = env.getPropertySources();
    sources.replace(
        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        // made data-only by SecretSources below, as at start
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    sources.addFirst(
        new MapPropertySource(
            "config",
            Map.of(
                "lifeboat.targets.app.url", "jdbc:postgresql://db:5432/app",
                "lifeboat.targets.app.username", "backup",
                "lifeboat.targets.app.password", password,
                "lifeboat.stores.local.type", "filesystem",
                "lifeboat.stores.local.path", "/var/backups/lifeboat")));
    new SecretSources().postProcessEnvironment(env, null);
    LifeboatProperties p = Binder.get(env).bindOrCreate("lifeboat", LifeboatProperties.class);
    return targets(new LifeboatConfig(p, env));
  }

  @Test
  void aDollarBraceInAnEnvironmentValueIsDataNeverAPlaceholder() {
    String secret = "p${HOME}x${NOT_SET_ANYWHERE}w0rd";
    Targets c = withEnvironment("${APP_PW}", Map.of("APP_PW", secret, "HOME", "/root"));
    assertThat(c.resolve(null).connection().password()).isEqualTo(secret);
  }

  @Test
  void anUnsetVariableIsNamedWithoutItsValue() {
    Targets c = withEnvironment("${APP_PW}", Map.of("OTHER", "x"));
    assertThatThrownBy(() -> c.resolve(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.targets.app.password: ${APP_PW} is not set");
  }

  @Test
  void aSecretFileIsReadWithoutItsLineBreakAndIsDataToo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "f${HOME}ile-secret\n");
    Targets c = withEnvironment("${file:" + file + "}", Map.of("HOME", "/root"));
    assertThat(c.resolve(null).connection().password()).isEqualTo("f${HOME}ile-secret");
  }

  @Test
  void namesAreLowerCaseAsciiButAnotherDatabaseOnATargetsServerStillWorks() {
    assertThat(targets(Map.of()).resolve("app.otherdb").connection().database())
        .isEqualTo("otherdb");
    Targets upper =
        targets(
            Map.of(
                "lifeboat.targets.App.url",
                "jdbc:postgresql://h/o",
                "lifeboat.targets.App.username",
                "u"));
    assertThatThrownBy(upper::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("the target name 'App' is not allowed");
  }

  @Test
  void aServerThatCannotBeReachedNamesTheUrlKey() {
    Targets t =
        targets(
            Map.of(
                "lifeboat.targets.app.url", "jdbc:postgresql://127.0.0.1:1/app?connectTimeout=2"));
    assertThatThrownBy(() -> t.checkConnection(t.resolve("app")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.targets.app.url: cannot connect to backup@127.0.0.1:1/app: ")
        .hasMessageEndingWith("; check the URL and that the server is up");
    assertThatThrownBy(() -> t.checkServer(t.resolve("app")))
        .hasMessageStartingWith(
            "lifeboat.targets.app.url: cannot connect to backup@127.0.0.1:1/postgres: ");
  }
}

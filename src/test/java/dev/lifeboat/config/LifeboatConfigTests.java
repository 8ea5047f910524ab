package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;

class LifeboatConfigTests {

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

  @Test
  void theOnlyTargetIsTheDefaultAndGetsEveryStore() {
    Target t = config(Map.of()).target(null);
    assertThat(t.name()).isEqualTo("app");
    assertThat(t.stores()).containsExactly("local");
    assertThat(t.connection().host()).isEqualTo("db.internal");
    assertThat(t.connection().port()).isEqualTo(5433);
  }

  @Test
  void severalTargetsNeedAName() {
    LifeboatConfig c =
        config(
            Map.of(
                "lifeboat.targets.other.url",
                "jdbc:postgresql://h/o",
                "lifeboat.targets.other.username",
                "u"));
    assertThatThrownBy(() -> c.target(null))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "--target: several targets are configured [app, other]; choose one with --target NAME");
  }

  @Test
  void propertiesNeverPrintSecrets() {
    LifeboatConfig c =
        config(
            Map.of(
                "lifeboat.stores.s3.type",
                "s3",
                "lifeboat.stores.s3.secret-key",
                "s3-secret-value"));
    assertThat(c.properties().toString())
        .doesNotContain("s3-secret-value")
        .doesNotContain("pw-secret");
  }

  private static LifeboatConfig withEnvironment(String password, Map<String, Object> variables) {
    StandardEnvironment env = new StandardEnvironment();
    MutablePropertySources sources = env.getPropertySources();
    sources.replace(
        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
        new SecretSources.DataOnlyEnvironment(
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
    return new LifeboatConfig(p, env);
  }

  @Test
  void aDollarBraceInAnEnvironmentValueIsDataNeverAPlaceholder() {
    String secret = "p${HOME}x${NOT_SET_ANYWHERE}w0rd";
    LifeboatConfig c = withEnvironment("${APP_PW}", Map.of("APP_PW", secret, "HOME", "/root"));
    assertThat(c.target(null).connection().password()).isEqualTo(secret);
  }

  @Test
  void anUnsetVariableIsNamedWithoutItsValue() {
    LifeboatConfig c = withEnvironment("${APP_PW}", Map.of("OTHER", "x"));
    assertThatThrownBy(() -> c.target(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.targets.app.password: ${APP_PW} is not set");
  }

  @Test
  void aSecretFileIsReadWithoutItsLineBreakAndIsDataToo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "f${HOME}ile-secret\n");
    LifeboatConfig c = withEnvironment("${file:" + file + "}", Map.of("HOME", "/root"));
    assertThat(c.target(null).connection().password()).isEqualTo("f${HOME}ile-secret");
  }

  @Test
  void namesAreLowerCaseAsciiButAnotherDatabaseOnATargetsServerStillWorks() {
    assertThat(config(Map.of()).target("app.otherdb").connection().database()).isEqualTo("otherdb");
    LifeboatConfig upper =
        config(
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
  void webhookAndHeartbeatUrlsMustBeHttpUrlsWithAHostAndAreNeverPrinted() {
    String token = "T0KEN-0123456789";
    String[][] cases = {
      {"lifeboat.notify.webhooks[0].url", "ftp://hooks.example/" + token, "its scheme is 'ftp'"},
      {"lifeboat.notify.webhooks[0].url", "hooks.example/" + token, "it has no scheme"},
      {"lifeboat.notify.webhooks[0].url", "https:///" + token, "it has no host"},
      {"lifeboat.notify.webhooks[0].url", "https://hooks example/" + token, "not a valid URL"},
      {"lifeboat.notify.heartbeat-url", "hc-ping.com/" + token, "it has no scheme"},
      {"lifeboat.notify.heartbeat-failure-url", "mailto:" + token + "@x", "its scheme is 'mailto'"},
    };
    for (String[] c : cases) {
      Map<String, String> entries = new LinkedHashMap<>();
      entries.put("lifeboat.notify.webhooks[0].events", "backup-failed");
      entries.putIfAbsent("lifeboat.notify.webhooks[0].url", "https://hooks.example/ok");
      entries.put(c[0], c[1]);
      assertThatThrownBy(config(entries)::validate)
          .as(c[1])
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(c[0] + ": must be an http:// or https:// URL with a host, but ")
          .hasMessageContaining(c[2])
          .hasMessageNotContaining(token);
    }
    assertThatThrownBy(
            config(Map.of("lifeboat.notify.webhooks[0].events", "backup-failed"))::validate)
        .hasMessage(
            "lifeboat.notify.webhooks[0].url: missing; set it (from an ${ENV} placeholder)");
    config(
            Map.of(
                "lifeboat.notify.webhooks[0].url", "https://hooks.slack.com/services/" + token,
                "lifeboat.notify.heartbeat-url", "http://127.0.0.1:8000/ping/" + token,
                "lifeboat.notify.heartbeat-failure-url", "HTTPS://hc-ping.com/" + token + "/fail"))
        .validate();
  }

  @Test
  void anUnsetHeartbeatVariableIsNamedAsSuch() {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources()
        .addFirst(
            new MapPropertySource(
                "config",
                Map.of(
                    "lifeboat.notify.heartbeat-url", "${HEARTBEAT_URL_NOT_SET}",
                    "lifeboat.stores.local.type", "filesystem",
                    "lifeboat.stores.local.path", "/var/backups/lifeboat")));
    LifeboatProperties p = Binder.get(env).bindOrCreate("lifeboat", LifeboatProperties.class);
    assertThatThrownBy(new LifeboatConfig(p, env)::validate)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "lifeboat.notify.heartbeat-url: ${HEARTBEAT_URL_NOT_SET} is not set");
  }
}

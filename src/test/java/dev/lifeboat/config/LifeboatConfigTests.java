package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.env.MapPropertySource;
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

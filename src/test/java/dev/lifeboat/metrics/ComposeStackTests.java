package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.crypto.Keys;
import dev.lifeboat.notify.Notifier;
import dev.lifeboat.store.StoreFactory;
import dev.lifeboat.target.Targets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.validation.Validation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the Dockerfile, checked without Docker (none here): the services, their
 * images and ports, every file they mount exists, Prometheus's config is valid for promtool, and
 * the Lifeboat configuration the stack mounts binds and validates (strict binding as the
 * application does it, then {@code Targets.validate()} and {@code Keys.validate()}, the schedules
 * and the notify section; nothing is connected to).
 */
class ComposeStackTests {

  @TempDir Path dir;

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> services() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  @Test
  void theStackHasEveryServiceWithItsImageAndPortsOnLoopbackOnly() throws Exception {
    Map<String, Map<String, Object>> services = services();
    assertThat(services)
        .containsKeys(
            "app-db",
            "control-db",
            "minio-a",
            "minio-b",
            "buckets",
            "lifeboat",
            "prometheus",
            "alertmanager",
            "grafana");
    Map<String, String> images =
        Map.of(
            "app-db", "postgres:",
            "control-db", "postgres:",
            "minio-a", "minio/minio:",
            "minio-b", "minio/minio:",
            "buckets", "minio/mc:",
            "prometheus", "prom/prometheus:",
            "alertmanager", "prom/alertmanager:",
            "grafana", "grafana/grafana:");
    images.forEach(
        (service, image) ->
            assertThat((String) services.get(service).get("image")).as(service).startsWith(image));
    assertThat(services.get("lifeboat").get("build")).isEqualTo(".");
    Map<String, String> ports =
        Map.of(
            "lifeboat", "127.0.0.1:8080:8080",
            "prometheus", "127.0.0.1:9090:9090",
            "alertmanager", "127.0.0.1:9093:9093",
            "grafana", "127.0.0.1:3000:3000",
            "minio-a", "127.0.0.1:9000:9000",
            "minio-b", "127.0.0.1:9010:9000");
    ports.forEach(
        (service, port) ->
            assertThat((List<String>) services.get(service).get("ports"))
                .as(service)
                .contains(port));
    for (var e : services.entrySet()) {
      for (String p : (List<String>) e.getValue().getOrDefault("ports", List.of())) {
        assertThat(p).as(e.getKey() + " publishes on loopback only").startsWith("127.0.0.1:");
      }
    }
    assertThat(services.get("lifeboat").get("command").toString())
        .contains("serve")
        .contains("/etc/lifeboat/lifeboat.yml");
    assertThat(services.get("buckets").get("command").toString())
        .contains("mc mb --ignore-existing a/backups")
        .contains("mc mb --ignore-existing b/backups");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyMountedPathExistsInTheRepository() throws Exception {
    int mounts = 0;
    for (var e : services().entrySet()) {
      for (String volume : (List<String>) e.getValue().getOrDefault("volumes", List.of())) {
        String host = volume.substring(0, volume.indexOf(':'));
        if (host.startsWith("./")) {
          assertThat(Path.of(host)).as(e.getKey() + " mounts " + host).exists();
          mounts++;
        }
      }
    }
    assertThat(mounts).isGreaterThanOrEqualTo(6);
  }

  @Test
  void prometheusConfigIsValidAndScrapesLifeboatWithItsOwnJobLabel() throws Exception {
    String config = Files.readString(Path.of("config/prometheus/prometheus.yml"));
    assertThat(config)
        .contains("honor_labels: true")
        .contains("lifeboat:8080")
        .contains("alertmanager:9093");
    // the container path of the rules, pointed at the repository's file for promtool
    Path local = dir.resolve("prometheus.yml");
    Files.writeString(
        local,
        config.replace(
            "/etc/prometheus/alerts.yml",
            Path.of("config/prometheus/alerts.yml").toAbsolutePath().toString()));
    Process p =
        new ProcessBuilder(AlertRulesTests.PROMTOOL.toString(), "check", "config", local.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theLifeboatConfigurationTheStackMountsBindsAndValidates() throws Exception {
    // the environment compose gives the lifeboat service, with its defaults
    Map<String, Object> env = new HashMap<>();
    Map<String, Object> given = (Map<String, Object>) services().get("lifeboat").get("environment");
    Pattern interpolation = Pattern.compile("\\$\\{(\\w+):-([^}]*)}");
    given.forEach(
        (k, v) -> {
          Matcher m = interpolation.matcher(String.valueOf(v));
          env.put(k, m.matches() ? m.group(2) : String.valueOf(v));
        });
    assertThat(env)
        .containsKeys(
            "APP_DB_PASSWORD", "LIFEBOAT_CONTROL_PASSWORD", "MINIO_A_KEY", "MINIO_B_SECRET");

    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("compose", env));
    for (var source :
        new YamlPropertySourceLoader()
            .load("lifeboat.yml", new FileSystemResource("config/docker/lifeboat.yml"))) {
      environment.getPropertySources().addLast(source);
    }
    Binder binder =
        new Binder(
            ConfigurationPropertySources.get(environment),
            new PropertySourcesPlaceholdersResolver(environment));
    LifeboatProperties properties =
        binder
            .bind(
                "lifeboat",
                Bindable.of(LifeboatProperties.class),
                new NoUnboundElementsBindHandler(new IgnoreTopLevelConverterNotFoundBindHandler()))
            .get();
    try (var validator = Validation.buildDefaultValidatorFactory()) {
      assertThat(validator.getValidator().validate(properties)).isEmpty();
    }
    LifeboatConfig config = new LifeboatConfig(properties);
    new Targets(config, new StoreFactory()).validate();
    new Keys(config).validate();
    assertThat(Schedules.plan(properties, List.of("backup", "drill", "prune"), Instant.now()))
        .extracting(Schedules.Planned::verb)
        .contains("backup", "drill");
    new Notifier(
        properties.notifications(),
        new LifeboatMetrics(new SimpleMeterRegistry()),
        Clock.systemUTC());

    assertThat(properties.stores()).containsOnlyKeys("minio-a", "minio-b");
    assertThat(properties.targets()).containsOnlyKeys("app");
    assertThat(properties.control().url()).isEqualTo("jdbc:postgresql://control-db:5432/lifeboat");
    assertThat(properties.control().password()).isEqualTo("control-secret");
    assertThat(properties.http().address()).isEqualTo("0.0.0.0");
  }

  @Test
  void theDockerfileBuildsWithTheWrapperAndRunsOnAJreWithSeveralPostgresClients() throws Exception {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    assertThat(dockerfile)
        .contains("AS build")
        .contains("./mvnw")
        .contains("-jre")
        .contains("postgresql-client-15")
        .contains("postgresql-client-16")
        .contains("postgresql-client-17")
        .contains("COPY --from=build /src/target/lifeboat.jar");
    Matcher copy =
        Pattern.compile("(?m)^COPY (?!--from)(\\S+(?: \\S+)*) \\S+$").matcher(dockerfile);
    while (copy.find()) {
      for (String source : copy.group(1).split(" ")) {
        assertThat(Path.of(source)).as("COPY " + source).exists();
      }
    }
  }
}

package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.catalog.BackupCatalog;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.Verb;
import dev.lifeboat.schedule.Daemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AssignableTypeFilter;

class ReadOnlyApplicationTests {

  @TempDir Path dir;

  @Test
  void itMakesTheCatalogButNeitherTheControlDatabaseNorBatchNorTheScheduler() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    try (ConfigurableApplicationContext context = start("--lifeboat.stores.local.path=" + store)) {
      assertThat(context.getBean(LifeboatConfig.class).properties().targets()).containsKey("app");
      assertThat(context.getBean(BackupCatalog.class)).isNotNull();
      assertThat(context.getBean(Console.class)).isNotNull();
      for (Class<?> type : List.of(DataSource.class, JobRepository.class, Daemon.class)) {
        assertThat(context.getBeanNamesForType(type)).as(type.getSimpleName()).isEmpty();
      }
    }
    assertThat(dir.resolve("home")).isDirectory();
    assertThat(dir.resolve("home").resolve("control")).doesNotExist();
  }

  @Test
  void itRefusesABadKeySettingAtStartThoughItMakesBeansLazily() {
    String store = "--lifeboat.stores.local.path=" + dir.resolve("store");
    assertThatThrownBy(() -> start(store, "--lifeboat.encryption.recipients[0]=age1notakey"))
        .rootCause()
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.encryption.recipients[0]: 'age1notakey' is not an age");
    assertThatThrownBy(() -> start(store, "--lifeboat.signing.trusted-keys[0]=not-a-key"))
        .rootCause()
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("lifeboat.signing.trusted-keys[0]: is not an Ed25519 public key");
    assertThat(dir.resolve("home").resolve("control")).doesNotExist();
  }

  @Test
  void itRefusesABadScheduleAndAnUnsetControlSecretAsTheFullApplicationDoes() {
    String store = "--lifeboat.stores.local.path=" + dir.resolve("store");
    assertThatThrownBy(() -> start(store, "--lifeboat.schedules.backup.cron=0 0 25 * * ?"))
        .hasRootCauseInstanceOf(ConfigException.class)
        .rootCause()
        .hasMessageContaining("lifeboat.schedules.backup.cron: '0 0 25 * * ?'");
    assertThatThrownBy(() -> start(store, "--lifeboat.schedules.vacuum.cron=0 0 2 * * ?"))
        .rootCause()
        .hasMessageStartingWith("lifeboat.schedules.vacuum");
    assertThatThrownBy(
            () -> start(store, "--lifeboat.control.password=${LIFEBOAT_TEST_NEVER_SET_4711}"))
        .rootCause()
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("lifeboat.control.password")
        .hasMessageContaining("LIFEBOAT_TEST_NEVER_SET_4711");
    assertThat(dir.resolve("home").resolve("control")).doesNotExist();
  }

  @Test
  void itKnowsTheVerbsOfEveryScheduleTheFullApplicationKnows() throws Exception {
    ClassPathScanningCandidateComponentProvider scan =
        new ClassPathScanningCandidateComponentProvider(false);
    scan.addIncludeFilter(new AssignableTypeFilter(Verb.class));
    List<String> names = new ArrayList<>();
    for (BeanDefinition verb : scan.findCandidateComponents("dev.lifeboat")) {
      // a verb a schedule fires declares its scheduled request; each is named as its verb
      Class<?> type = Class.forName(verb.getBeanClassName());
      if (Arrays.stream(type.getDeclaredMethods()).anyMatch(m -> m.getName().equals("scheduled"))) {
        names.add(type.getSimpleName().toLowerCase(Locale.ROOT));
      }
    }
    assertThat(names)
        .as("a verb with a scheduled request needs a schedulable VerbName")
        .isNotEmpty();
    assertThat(ReadOnlyApplication.VERBS).containsExactlyInAnyOrderElementsOf(names);
  }

  private ConfigurableApplicationContext start(String... extra) {
    SpringApplication app = new SpringApplication(ReadOnlyApplication.class);
    app.setBannerMode(Banner.Mode.OFF);
    app.setLogStartupInfo(false);
    app.setWebApplicationType(WebApplicationType.NONE);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--spring.main.lazy-initialization=true",
                "--lifeboat.home=" + dir.resolve("home"),
                "--lifeboat.targets.app.url=jdbc:postgresql://127.0.0.1:1/app",
                "--lifeboat.targets.app.username=app",
                "--lifeboat.stores.local.type=filesystem"));
    args.addAll(List.of(extra));
    return app.run(args.toArray(String[]::new));
  }
}

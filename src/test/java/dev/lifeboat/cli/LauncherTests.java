package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTests {

  @Test
  void configFilesAreFoundBeforeOrAfterTheCommand() {
    Launcher.Invocation i =
        Launcher.Invocation.parse(
            List.of("--config", "a.yml", "backup", "--config=b.yml", "--label", "x"));
    assertThat(i.configFiles()).containsExactly(Path.of("a.yml"), Path.of("b.yml"));
    assertThat(i.name()).isEqualTo("backup");
  }

  @Test
  void dottedKeyValueArgumentsGoToSpringNotToTheCommand() {
    Launcher.Invocation i =
        Launcher.Invocation.parse(List.of("backups", "--lifeboat.home=/tmp/h", "--json"));
    assertThat(i.springProperties()).containsExactly("--lifeboat.home=/tmp/h");
    assertThat(i.name()).isEqualTo("backups");
    assertThat(i.json()).isTrue();
  }

  @Test
  void aSpringPropertyMayComeBeforeOrAfterTheCommandName() {
    assertThat(
            Launcher.Invocation.parse(List.of("--lifeboat.home=/x", "backup", "--lifeboat.y.z=2"))
                .springProperties())
        .containsExactly("--lifeboat.home=/x", "--lifeboat.y.z=2");
    Launcher.Invocation sub =
        Launcher.Invocation.parse(List.of("data-migrate", "status", "--lifeboat.home=/x"));
    assertThat(sub.springProperties()).containsExactly("--lifeboat.home=/x");
  }

  @Test
  void anythingElseUnmatchedIsRefusedInPicocliWords() {
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("--bogus")))
        .hasMessage("Unknown option: '--bogus'");
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("backup", "--bogus=1")))
        .hasMessage("Unknown option: '--bogus=1'");
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("--lifeboat.home", "backup")))
        .hasMessageStartingWith("Unknown option: '--lifeboat.home'");
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("bogus")))
        .hasMessage("Unmatched argument at index 0: 'bogus'");
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("backup", "--lable", "x")))
        .hasMessage("Unknown options: '--lable', 'x'");
  }

  @Test
  void anOptionValueIsNotTakenForTheCommandName() {
    Launcher.Invocation i =
        Launcher.Invocation.parse(List.of("--target", "app", "verify", "latest"));
    assertThat(i.name()).isEqualTo("verify");
    assertThat(i.root().targetName()).isEqualTo("app");
  }

  @Test
  void optionsOfEveryCommandAreKnownWithoutStartingAnything() {
    Launcher.Invocation i =
        Launcher.Invocation.parse(
            List.of("restore", "latest", "--into", "x", "--target", "app", "--json", "--yes"));
    assertThat(i.name()).isEqualTo("restore");
    assertThat(i.root().targetName()).isEqualTo("app");
    assertThat(i.json()).isTrue();
    assertThatThrownBy(() -> Launcher.Invocation.parse(List.of("backup", "--lable", "x")))
        .isInstanceOf(picocli.CommandLine.ParameterException.class)
        .hasMessageContaining("--lable");
  }

  /** A failure Lifeboat foresees, as each package's own exception is (their codes: their tests). */
  private static dev.lifeboat.base.LifeboatException foreseen(String message, int code) {
    return new dev.lifeboat.base.LifeboatException(message, null) {
      @Override
      public int exitCode() {
        return code;
      }
    };
  }

  @Test
  void everyFailureLifeboatForeseesCarriesItsExitCode() {
    assertThat(Launcher.exitCode(new dev.lifeboat.config.ConfigException("k", "m"))).isEqualTo(2);
    assertThat(Launcher.exitCode(foreseen("m", 2))).isEqualTo(2);
    assertThat(Launcher.exitCode(foreseen("m", 1))).isEqualTo(1);
    assertThat(Launcher.exitCode(new dev.lifeboat.run.TargetBusyException("m"))).isEqualTo(1);
    assertThat(Launcher.exitCode(new IllegalStateException("bug"))).isEqualTo(1);
    assertThat(Launcher.describe(foreseen("why", 1))).isEqualTo("why");
    assertThat(Launcher.describe(new IllegalStateException("bug")))
        .isEqualTo("IllegalStateException: bug");
  }

  @Test
  void secretKeysAreRecognisedWhateverTheirSpelling() {
    assertThat(Launcher.isSecretKey("lifeboat.targets.app.password")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.secret-key")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.secretKey")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.stores.s3.access_key")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.control.password")).isTrue();
    assertThat(Launcher.isSecretKey("lifeboat.home")).isFalse();
    assertThat(Launcher.isSecretKey("lifeboat.targets.app.username")).isFalse();
  }

  @Test
  void aDirectoryAnEmptyFileOrAMissingFileIsNoConfiguration(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.yml"), "\n# comment only\n---\n");
    Path good = Files.writeString(dir.resolve("good.yml"), "lifeboat:\n  home: /tmp/x\n");
    assertThat(Launcher.unusableConfigFile(dir)).get().asString().contains("is a directory");
    assertThat(Launcher.unusableConfigFile(empty)).get().asString().contains("is empty");
    assertThat(Launcher.unusableConfigFile(dir.resolve("nope.yml")))
        .get()
        .asString()
        .contains("not found");
    assertThat(Launcher.unusableConfigFile(good)).isEmpty();
  }

  @Test
  void onlyTheReadOnlyListingStartsSpringLazily() {
    assertThat(Launcher.lazyStart(Launcher.Invocation.parse(List.of("backups", "--json"))))
        .isTrue();
    for (List<String> command :
        List.of(
            List.of("backup"),
            List.of("restore", "latest", "--into", "scratch"),
            List.of("drill"),
            List.of("prune"),
            List.of("migrate"),
            List.of("serve"),
            List.of("verify", "latest"),
            List.of("history"))) {
      assertThat(Launcher.lazyStart(Launcher.Invocation.parse(command)))
          .as("%s", command)
          .isFalse();
    }
    // demo runs several commands in one start: lazy only if all of them are read-only
    assertThat(
            Launcher.lazyStart(
                Launcher.Invocation.parse(List.of("backups")),
                Launcher.Invocation.parse(List.of("backup"))))
        .isFalse();
  }

  @org.springframework.boot.context.properties.EnableConfigurationProperties(
      dev.lifeboat.config.LifeboatProperties.class)
  static class BindsLifeboatProperties {}

  /** Binds {@code properties} under lifeboat.* as the application does, constraints checked. */
  private static String bindingError(String... properties) {
    String[] error = new String[1];
    new org.springframework.boot.test.context.runner.ApplicationContextRunner()
        .withUserConfiguration(BindsLifeboatProperties.class)
        .withPropertyValues(properties)
        .run(
            context -> {
              assertThat(context).hasFailed();
              error[0] =
                  Launcher.configurationError(context.getStartupFailure(), List.of()).orElseThrow();
            });
    return error[0];
  }

  @Test
  void aBrokenConstraintIsReportedUnderTheKeyAsConfiguredNotItsJavaName() {
    assertThat(bindingError("lifeboat.notify.timeout=1ms"))
        .isEqualTo(
            "lifeboat.notify.timeout: must be longer than or equal to 100 millis (was PT0.001S)");
    assertThat(bindingError("lifeboat.notify.attempts=0"))
        .isEqualTo("lifeboat.notify.attempts: must be greater than or equal to 1 (was 0)");
    assertThat(bindingError("lifeboat.backup.queue-chunks=0"))
        .isEqualTo("lifeboat.backup.queue-chunks: must be greater than or equal to 1 (was 0)");
    assertThat(bindingError("lifeboat.serve.checkin-interval=10ms"))
        .startsWith("lifeboat.serve.checkin-interval: must be longer than or equal to");
    // a keep of less than a day would empty the job history at every serve start
    assertThat(bindingError("lifeboat.history.keep=1h"))
        .isEqualTo("lifeboat.history.keep: must be longer than or equal to 1 day (was PT1H)");
    assertThat(Launcher.configurationKey("lifeboat", "notifications.webhooks[0].url"))
        .isEqualTo("lifeboat.notify.webhooks[0].url");
    assertThat(Launcher.configurationKey("lifeboat", "targets[app].retention.keepLast"))
        .isEqualTo("lifeboat.targets[app].retention.keep-last");
    assertThat(Launcher.configurationKey("server", "error.includeMessage"))
        .isEqualTo("server.error.include-message");
  }
}

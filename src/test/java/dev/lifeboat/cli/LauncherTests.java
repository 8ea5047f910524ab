package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LauncherTests {

  @Test
  void configFilesAreFoundBeforeOrAfterTheCommand() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(
            new String[] {"--config", "a.yml", "backup", "--config=b.yml", "--label", "x"});
    assertThat(a.configFiles()).containsExactly(Path.of("a.yml"), Path.of("b.yml"));
    assertThat(a.command()).isEqualTo("backup");
    assertThat(a.commandArgs())
        .containsExactly("--config", "a.yml", "backup", "--config=b.yml", "--label", "x");
  }

  @Test
  void dottedKeyValueArgumentsGoToSpringNotToTheCommand() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(new String[] {"backups", "--lifeboat.home=/tmp/h", "--json"});
    assertThat(a.springProperties()).containsExactly("--lifeboat.home=/tmp/h");
    assertThat(a.commandArgs()).containsExactly("backups", "--json");
    assertThat(a.json()).isTrue();
  }

  @Test
  void anOptionValueIsNotTakenForTheCommandName() {
    Launcher.Arguments a =
        Launcher.Arguments.parse(new String[] {"--target", "app", "verify", "latest"});
    assertThat(a.command()).isEqualTo("verify");
  }
}
